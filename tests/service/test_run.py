"""``ladder-bot run`` end to end against the offline GitLab: one cycle, SIGTERM in the middle of
a sync and a restart, ``status``, and JSON logs."""

from __future__ import annotations

import json
import signal
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from bot.config import load_config
from bot.fakelab.server import FakeGitLab
from bot.service.cycle import CycleResult, StepOutcome, run_once
from bot.service.logs import REDACTED, configure_logging
from bot.store import db, models
from tests.conftest import client
from tests.service.helpers import (
    TOKEN,
    TOKEN_ENV,
    cli,
    command,
    finish,
    run,
    spawn,
    wait_for,
    write_config,
)
from tests.sync.helpers import Store, activities, table

ALICE_DIGEST = (
    '[[people]]\nusername = "alice"\nlevel = 2\ndigest_issue = "acme/backend#3"\n\n'
    '[[people]]\nusername = "bob"\nlevel = 2\n'
)
ALWAYS_DUE = '[digest]\nsend_at = "monday 00:00"\n'


@pytest.fixture
def store_of(database_url: str) -> Iterator[Any]:
    stores: list[Store] = []

    def make(url: str = database_url) -> Store:
        stores.append(Store(url))
        return stores[-1]

    yield make
    for store in stores:
        store.close()


def lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.strip()]


# -- one cycle ---------------------------------------------------------------------------------


def test_run_once_syncs_matches_and_posts_the_due_digests(
    fake: FakeGitLab, tmp_path: Path, database_url: str
) -> None:
    config = write_config(tmp_path, fake.url, database_url, people=ALICE_DIGEST, extra=ALWAYS_DUE)
    first = cli("run", "--once", "--config", str(config))
    assert first.exit_code == 0, first.stderr
    log = first.stderr
    assert "ladder_bot.service: synced: fetched 14, new 14" in log
    assert "ladder_bot.service: match: rebuilt (first run): " in log
    assert "ladder_bot.service: digests: 1 posted, 1 skipped" in log
    assert "I posted the weekly digest for alice (" in log
    assert "I skipped the weekly digest for bob (" in log  # no digest_issue: one line says so
    assert "cycle: sync ok, match ok, digests ok" in log
    assert "Traceback" not in log and first.stdout == ""

    again = cli("run", "--once", "--config", str(config))
    assert again.exit_code == 0, again.stderr
    assert "synced: fetched " in again.stderr
    assert "match: matched: " in again.stderr
    assert "digests: 1 skipped" in again.stderr  # bob, again; alice's went out once
    assert "I posted" not in again.stderr

    gl = client(fake, TOKEN)
    notes = gl.projects.get("acme/backend").issues.get(3).notes.list(get_all=True)
    digests = [note for note in notes if "ladder-bot:digest person=alice" in note.body]
    assert len(digests) == 1
    assert not [n for n in fake.notifications() if n.get("note_id") == digests[0].id]


def test_status_lists_the_last_runs_watermarks_and_posts(
    fake: FakeGitLab, tmp_path: Path, database_url: str
) -> None:
    config = write_config(tmp_path, fake.url, database_url, people=ALICE_DIGEST, extra=ALWAYS_DUE)
    assert cli("run", "--once", "--config", str(config)).exit_code == 0
    shown = cli("status", "--config", str(config))
    assert shown.exit_code == 0, shown.stderr
    out = shown.stdout
    assert out.startswith("ladder-bot status for ")
    assert "Last sync runs (newest first):" in out
    assert " ok       fetched 14, new 14, updated 0, deleted 0, requests " in out
    assert "not scheduled: ladder-bot run has not run against this database" in out
    assert "Last errors:\n  none\n" in out
    assert "acme/backend         merge_requests     2026-11-04T08:00:00+00:00" in out
    assert "acme/platform/infra  issues " in out
    assert "Last match:\n  20" in out
    assert " alice            posted " in out and "acme/backend#3" in out
    assert " CET" in out or " CEST" in out  # the configured zone, Europe/Berlin

    report = json.loads(cli("status", "--config", str(config), "--format", "json").stdout)
    assert [run["status"] for run in report["sync_runs"]] == ["ok"]
    assert report["sync_runs"][0]["summary"].startswith("fetched 14, new 14")
    assert report["sync_runs"][0]["started_at"].endswith("Z")
    assert {(m["project"], m["resource"]) for m in report["watermarks"]} >= {
        ("acme/backend", "merge_requests"),
        ("acme/backend", "issues"),
        ("acme/backend", "events:commented"),
        ("acme/platform/infra", "issues"),
    }
    assert report["last_match"]["matched_at"].endswith("Z")
    assert [(p["person"], p["state"]) for p in report["digest_posts"]] == [("alice", "posted")]
    assert report["next_runs"] == [] and report["last_errors"] == []


def test_status_before_anything_ran(tmp_path: Path) -> None:
    config = write_config(tmp_path, "http://127.0.0.1:9", f"sqlite:///{tmp_path / 'none.db'}")
    shown = cli("status", "--config", str(config))
    assert shown.exit_code == 2
    assert shown.stderr.startswith("ladder-bot: nothing stored yet: ")
    assert not (tmp_path / "none.db").exists()


def test_a_failing_step_makes_the_exit_status_1(
    fake: FakeGitLab, tmp_path: Path, database_url: str
) -> None:
    config = write_config(tmp_path, fake.url, database_url, extra=ALWAYS_DUE)
    (tmp_path / "rules" / "broken.yaml").write_text("rules:\n  - id: [not, a, name]\n")
    result = cli("run", "--once", "--config", str(config))
    assert result.exit_code == 1, result.stderr
    assert "ERROR ladder_bot.service: match failed: " in result.stderr
    assert "(ladder-bot rules check shows every problem)" in result.stderr
    assert "digests: skipped: the match failed" in result.stderr
    assert "cycle: sync ok, match failed, digests skipped" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_sync_at_its_budget_is_no_failure_but_holds_the_digests_back(
    fake: FakeGitLab, tmp_path: Path, database_url: str
) -> None:
    config = write_config(
        tmp_path, fake.url, database_url, extra=ALWAYS_DUE + "\n[sync]\nrequest_budget = 3\n"
    )
    # [sync] twice is invalid TOML: put the budget into the existing table instead.
    text_ = config.read_text().replace("[sync]\nrequest_budget = 3\n", "")
    config.write_text(text_.replace("[sync]\n", "[sync]\nrequest_budget = 3\n", 1))
    result = cli("run", "--once", "--config", str(config))
    assert result.exit_code == 0, result.stderr
    assert "budget" in result.stderr and "the next run continues" in result.stderr
    assert "digests: skipped: the sync did not finish" in result.stderr


def test_digest_outcomes_and_a_missing_digest_module(
    fake: FakeGitLab,
    tmp_path: Path,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    config = load_config(write_config(tmp_path, fake.url, database_url, extra=ALWAYS_DUE))

    class Outcome:
        def __init__(self, action: str, message: str) -> None:
            self.action, self.message = action, message

        def line(self) -> str:
            return self.message

    calls: list[tuple[Any, ...]] = []

    def post(*args: Any) -> list[Outcome]:
        calls.append(args)
        return [
            Outcome("posted", "I posted the weekly digest for alice"),
            Outcome("failed", "I couldn't post the weekly digest for bob: no access"),
        ]

    now = datetime.now(UTC)
    result = run_once(config, now=now, post_digests=post)
    assert isinstance(result, CycleResult)
    digests = result.step("digests")
    assert digests == StepOutcome(
        "digests",
        "failed",
        "digests: 1 failed, 1 posted",
        (
            "I posted the weekly digest for alice",
            "I couldn't post the weekly digest for bob: no access",
        ),
    )
    assert result.exit_status == 1
    assert calls[0][0] == config and calls[0][4] == now

    monkeypatch.setitem(sys.modules, "bot.digest.post", None)  # as before the digests existed
    missing = run_once(config, now=now)
    step = missing.step("digests")
    assert step is not None and step.status == "skipped"
    assert step.line.startswith("digests: skipped: this ladder-bot cannot post digests (")
    assert missing.exit_status == 0


# -- SIGTERM in the middle of a sync, then a restart ---------------------------------------------


def _watermarks(database_url: str) -> int:
    engine = db.make_engine(database_url)
    try:
        with engine.connect() as connection:
            return int(connection.scalar(text("SELECT count(*) FROM watermarks")) or 0)
    except DBAPIError:  # the schema is not there yet
        return 0
    finally:
        engine.dispose()


@pytest.mark.parametrize("mode", ["once", "service"])
def test_sigterm_in_the_middle_of_a_sync_then_a_restart_loses_and_duplicates_nothing(
    fake: FakeGitLab, tmp_path: Path, database_url: str, store_of: Any, mode: str
) -> None:
    config = write_config(tmp_path, fake.url, database_url)
    fake.set_faults(latency_ms=150)
    args = ["run", "--config", str(config), *(["--once"] if mode == "once" else [])]
    process = spawn(command(*args))
    try:
        wait_for(lambda: _watermarks(database_url) >= 2, what="the first committed pages")
        process.send_signal(signal.SIGTERM)
        _out, err = process.communicate(timeout=30)
    finally:
        finish(process)
    assert process.returncode == 0, err
    assert "Traceback" not in err
    assert "SIGTERM: stopping after the current page" in err
    assert "sync: stopped on SIGTERM; every page collected before is kept" in err
    if mode == "service":
        assert "stopped (SIGTERM)" in err

    store = store_of()
    stopped = table(store, models.SyncRun, "status", "error")
    assert len(stopped) == 1
    ((status, error),) = stopped
    assert status == "failed" and error.startswith("stopped on SIGTERM")
    interrupted_marks = len(table(store, models.Watermark, "project_id", "resource"))

    fake.set_faults(latency_ms=0)
    restarted = cli("run", "--once", "--config", str(config))  # a new run, in this process
    assert restarted.exit_code == 0, restarted.stderr
    assert "cycle: sync ok, match ok" in restarted.stderr
    assert len(table(store, models.Watermark, "project_id", "resource")) > interrupted_marks

    # A clean run of the same data into a fresh store.
    clean_dir = tmp_path / "clean"
    clean_dir.mkdir()
    clean_url = f"sqlite:///{clean_dir / 'store.db'}"
    clean_config = write_config(clean_dir, fake.url, clean_url)
    assert cli("run", "--once", "--config", str(clean_config)).exit_code == 0
    clean = store_of(clean_url)

    assert activities(store) == activities(clean)
    for model, columns in (
        (models.MergeRequest, ("id", "updated_at")),
        (models.Issue, ("id", "updated_at")),
        (models.Note, ("id", "updated_at")),
        (models.Approval, ("project_id", "mr_iid", "user_id")),
        (models.Pipeline, ("id", "status")),
        (models.Evidence, ("key", "person_username", "expectation", "rule")),
    ):
        assert table(store, model, *columns) == table(clean, model, *columns), model
    with store.sessions() as session:
        rows = session.scalar(select(func.count()).select_from(models.Activity))
    assert rows == len(activities(store))  # nothing twice


def test_a_sigterm_that_reaches_another_thread_still_stops_an_idle_service(
    fake: FakeGitLab, tmp_path: Path, database_url: str
) -> None:
    # Between runs the main thread sleeps until the next one (30 minutes here). A signal the
    # kernel hands to another thread only sets CPython's flag, which the main thread reads when
    # it next runs Python code; the service must not sleep through it.
    config = write_config(tmp_path, fake.url, database_url)
    marker = tmp_path / "send-sigterm"
    process = spawn(
        command("run", "--config", str(config)), env_extra={"SIGTERM_FROM_A_THREAD": str(marker)}
    )
    try:
        wait_for(lambda: _watermarks(database_url) >= 1, what="the first committed page")
        marker.touch()
        _out, err = process.communicate(timeout=20)
    finally:
        finish(process)
    assert process.returncode == 0, err
    assert "SIGTERM: stopping after the current page" in err
    assert "stopped (SIGTERM)" in err
    assert "Traceback" not in err


# -- logs --------------------------------------------------------------------------------------


REQUIRED = {"time", "level", "logger", "message"}


def test_log_json_lines_parse_and_never_hold_the_token(
    fake: FakeGitLab, tmp_path: Path, database_url: str
) -> None:
    config = write_config(tmp_path, fake.url, database_url, people=ALICE_DIGEST, extra=ALWAYS_DUE)
    result = cli("run", "--once", "--log-json", "--config", str(config))
    assert result.exit_code == 0, result.stderr
    entries = [json.loads(line) for line in lines(result.stderr)]
    assert entries and all(entry.keys() >= REQUIRED for entry in entries)
    assert all(entry["time"].endswith("+00:00") for entry in entries)
    steps = {entry["step"]: entry["status"] for entry in entries if "status" in entry}
    assert steps == {"sync": "ok", "match": "ok", "digests": "ok"}
    assert any(entry["message"].startswith("synced: ") for entry in entries)
    assert TOKEN not in result.stderr and TOKEN not in result.stdout

    # A token GitLab refuses: the failure is logged, in JSON, without the token.
    wrong = "glpat-Wr0ngTOKENx1234567"
    refused = cli("run", "--once", "--log-json", "--config", str(config), env={TOKEN_ENV: wrong})
    assert refused.exit_code == 1
    entries = [json.loads(line) for line in lines(refused.stderr)]
    failed = [entry for entry in entries if entry.get("status") == "failed"]
    assert failed and failed[0]["level"] == "error" and failed[0]["step"] == "sync"
    assert wrong not in refused.stderr and TOKEN not in refused.stderr


def test_log_json_refusals_are_json_too(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such" / "folder" / "store.db"
    config = write_config(tmp_path, "http://127.0.0.1:9", f"sqlite:///{missing}")
    result = cli("run", "--once", "--log-json", "--config", str(config))
    assert result.exit_code == 2
    (entry,) = [json.loads(line) for line in lines(result.stderr)]
    assert entry["level"] == "error" and entry["status"] == "refused"
    assert entry["message"].startswith(f"cannot open the lock file {missing}.lock: ")


def test_the_token_is_redacted_from_any_line(capsys: pytest.CaptureFixture[str]) -> None:
    import logging

    for json_lines in (False, True):
        setup = configure_logging(json_lines=json_lines, secrets=(TOKEN, 'tok"en\\x'))
        try:
            logging.getLogger("ladder_bot.test").warning(
                "asked with %s and %s", TOKEN, 'tok"en\\x', extra={"header": TOKEN}
            )
            try:
                raise RuntimeError(f"boom {TOKEN}")
            except RuntimeError:
                logging.getLogger("ladder_bot.test").exception("failed")
        finally:
            setup.close()
        err = capsys.readouterr().err
        assert TOKEN not in err and 'tok"en' not in err and 'tok\\"en' not in err
        assert err.count(REDACTED) >= 3
        if json_lines:
            first, second = (json.loads(line) for line in lines(err)[:2])
            assert first["header"] == REDACTED
            assert "boom [redacted]" in second["exception"]


# -- what a command prints while it works ------------------------------------------------------


def test_a_sync_logs_its_own_lines_and_not_alembics(fake: FakeGitLab, tmp_path: Path) -> None:
    # stderr is a pipe, not a terminal: the sync logs its lines instead of drawing bars. Opening
    # the new store runs the migrations, and Alembic's INFO lines would come with them.
    config = write_config(tmp_path, fake.url, f"sqlite:///{tmp_path / 'store.db'}")
    done = run(command("sync", "--config", str(config)))
    assert done.returncode == 0, done.stderr
    assert " INFO ladder_bot.sync: " in done.stderr
    assert "alembic" not in done.stderr
