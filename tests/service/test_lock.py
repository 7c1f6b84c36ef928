"""The leader lock between real processes, on SQLite (flock) and PostgreSQL (advisory lock)."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.service.lock import LockHeld, acquire, describe, leader_lock, try_acquire
from bot.service.signals import Stopped, StopRequest
from tests.service.helpers import command, finish, run, spawn, wait_for, write_config

HOLD = """
import sys
from bot.service.lock import try_acquire
lock = try_acquire(sys.argv[1])
print("held" if lock else "busy", flush=True)
sys.stdin.read()
"""


@pytest.fixture
def holder(database_url: str) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the lock until its stdin closes."""
    process = spawn([sys.executable, "-c", HOLD, database_url], stdin=subprocess.PIPE)
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "held"
    yield process
    finish(process)


def test_a_second_run_refuses_while_another_process_holds_the_lock(
    holder: subprocess.Popen[str], database_url: str, tmp_path: Path
) -> None:
    database = describe(database_url)
    assert try_acquire(database_url) is None
    with pytest.raises(LockHeld) as caught:
        acquire(database_url)
    assert str(caught.value) == f"another ladder-bot run holds the lock for {database}"

    config = write_config(tmp_path, "http://127.0.0.1:9", database_url)
    refused = run(command("run", "--once", "--config", str(config)))
    assert refused.returncode == 2, refused.stderr
    assert refused.stderr.splitlines() == [
        f"ladder-bot: another ladder-bot run holds the lock for {database}; "
        "not starting (--standby waits for it)"
    ]
    assert refused.stdout == ""

    assert holder.stdin is not None
    holder.stdin.close()  # the holder exits, and its lock goes with it
    holder.wait(10)
    with leader_lock(database_url) as lock:
        assert lock.alive()
        assert try_acquire(database_url) is None  # held by this process now
    again = try_acquire(database_url)
    assert again is not None
    again.release()


def test_a_killed_holder_leaves_no_lock_behind(
    holder: subprocess.Popen[str], database_url: str
) -> None:
    holder.send_signal(signal.SIGKILL)
    holder.wait(10)
    lock = wait_for(lambda: try_acquire(database_url), timeout=10, what="the lock to be free")
    lock.release()


def test_standby_waits_for_the_lock_and_can_be_stopped(
    holder: subprocess.Popen[str], database_url: str
) -> None:
    stop = StopRequest()
    with pytest.raises(Stopped, match="stopped on SIGTERM while standing by"):
        threading.Timer(0.2, stop.set, ["SIGTERM"]).start()
        acquire(database_url, standby=True, stop=stop, retry_seconds=0.05)

    taken: list[object] = []
    waiting = threading.Thread(
        target=lambda: taken.append(acquire(database_url, standby=True, retry_seconds=0.05))
    )
    waiting.start()
    waiting.join(0.3)
    assert waiting.is_alive() and not taken  # still standing by
    assert holder.stdin is not None
    holder.stdin.close()
    waiting.join(10)
    assert len(taken) == 1
    taken[0].release()  # type: ignore[attr-defined]


def test_messages_name_the_database_without_its_password() -> None:
    url = "postgresql+psycopg://ladder:s3cret@db.example.com:5432/ladder?options=-csearch_path%3Dx"
    assert describe(url) == "postgresql+psycopg://ladder:***@db.example.com:5432/ladder"
    assert describe("sqlite:///relative.db") == str(Path("relative.db").resolve())


def test_the_sqlite_lock_file_sits_beside_the_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    with leader_lock(url):
        lock_file = tmp_path / "store.db.lock"
        assert lock_file.read_text().strip().isdigit()  # the holder's pid, for people
    assert lock_file.exists()  # never deleted: a new file would be a second lock
    memory = try_acquire("sqlite://")
    assert memory is not None and memory.database == "an in-memory SQLite"
