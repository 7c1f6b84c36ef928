"""Injected faults: rate limits, 5xx, latency, dropped connections (FACTS.md D.3, D.4, G.1).

No test sleeps: the server gets a controllable clock and a recording ``sleep``, and
python-gitlab's back-off goes through a patched ``time.sleep`` that moves that clock instead.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import gitlab
import gitlab.utils
import pytest
import requests

from bot.fakelab.faults import FaultConfig, FaultSettingError
from bot.fakelab.server import FakeGitLab
from tests.conftest import ALICE, BOB, client

T0 = datetime(2026, 11, 10, 10, 0, 0, tzinfo=UTC)  # a whole minute: a fresh rate window


class Clock:
    """A clock tests move by hand; the server reads it for every request."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def slept() -> list[float]:
    return []


@pytest.fixture
def server(small_data: dict[str, Any], clock: Clock, slept: list[float]) -> Iterator[FakeGitLab]:
    with FakeGitLab(copy.deepcopy(small_data), clock=clock, sleep=slept.append) as fake:
        yield fake


@pytest.fixture
def client_sleeps(monkeypatch: pytest.MonkeyPatch, clock: Clock) -> list[float]:
    """python-gitlab's waits, recorded; each one moves the server's clock instead of sleeping."""
    waits: list[float] = []

    def fake_sleep(seconds: float) -> None:
        waits.append(seconds)
        clock.advance(seconds)

    monkeypatch.setattr(gitlab.utils.time, "sleep", fake_sleep)
    return waits


def get(fake: FakeGitLab, path: str = "/projects/100", token: str = ALICE) -> requests.Response:
    return requests.get(f"{fake.url}/api/v4{path}", headers={"PRIVATE-TOKEN": token}, timeout=10)


def statuses(fake: FakeGitLab, count: int) -> list[int]:
    out = []
    with requests.Session() as session:
        session.headers["PRIVATE-TOKEN"] = ALICE
        for _ in range(count):
            try:
                out.append(session.get(f"{fake.url}/api/v4/projects/100", timeout=10).status_code)
            except requests.ConnectionError:
                out.append(0)
    return out


# -- rate limiting ----------------------------------------------------------------------------------------


def test_no_rate_limit_headers_when_disabled(server: FakeGitLab) -> None:
    response = get(server)
    assert response.status_code == 200
    assert not [h for h in response.headers if h.lower().startswith("ratelimit")]


def test_rate_limit_headers_on_every_response(server: FakeGitLab) -> None:
    server.set_faults(rate_limit=5)
    reset = int(T0.timestamp()) + 60
    for observed, path in enumerate(["/projects/100", "/projects/999", "/user", "/nope"], 1):
        response = get(server, path)
        assert response.status_code in (200, 404)
        assert response.headers["RateLimit-Limit"] == "5"
        assert response.headers["RateLimit-Name"] == "throttle_authenticated_api"
        assert response.headers["RateLimit-Observed"] == str(observed)
        assert response.headers["RateLimit-Remaining"] == str(5 - observed)
        assert response.headers["RateLimit-Reset"] == str(reset)
        assert "Retry-After" not in response.headers


def test_over_the_limit_is_429_with_retry_after_and_plain_text(
    server: FakeGitLab, clock: Clock
) -> None:
    server.set_faults(rate_limit=2)
    clock.advance(10)  # ten seconds into the window
    assert [get(server).status_code for _ in range(2)] == [200, 200]
    response = get(server)
    assert response.status_code == 429
    assert response.headers["Content-Type"].startswith("text/plain")
    assert response.text.strip() == "Retry later"
    assert response.headers["Retry-After"] == "50"  # an integer of seconds, as python-gitlab needs
    assert response.headers["RateLimit-Remaining"] == "0"
    assert response.headers["RateLimit-Observed"] == "3"
    reset = int(response.headers["RateLimit-Reset"])
    assert reset == int(T0.timestamp()) + 60
    when = parsedate_to_datetime(response.headers["RateLimit-ResetTime"])
    assert when == datetime.fromtimestamp(reset, UTC)
    assert response.headers["RateLimit-ResetTime"].endswith(" GMT")
    # The next window lets requests through again.
    clock.advance(50)
    assert get(server).status_code == 200


def test_rate_limit_is_per_token(server: FakeGitLab) -> None:
    server.set_faults(rate_limit=1)
    assert get(server, token=ALICE).status_code == 200
    assert get(server, token=ALICE).status_code == 429
    bob = get(server, token=BOB)
    assert bob.status_code == 200
    assert bob.headers["RateLimit-Remaining"] == "0"
    assert get(server, token=BOB).status_code == 429
    assert get(server, token=ALICE).status_code == 429


def test_python_gitlab_obeys_the_rate_limit_and_succeeds(
    server: FakeGitLab, clock: Clock, client_sleeps: list[float]
) -> None:
    server.set_faults(rate_limit=2)
    gl = client(server)
    for _ in range(5):
        assert gl.projects.get(100).id == 100
    # Two per window: three waits of one window each, and the clock moved past them.
    assert client_sleeps == [60, 60]
    assert clock.now == T0 + timedelta(seconds=120)
    codes = [r["status"] for r in server.requests()]
    assert codes == [200, 200, 429, 200, 200, 429, 200]


def test_python_gitlab_without_obeying_gets_the_429(server: FakeGitLab) -> None:
    server.set_faults(rate_limit=1)
    gl = client(server)
    gl.projects.get(100)
    with pytest.raises(gitlab.GitlabGetError) as caught:
        gl.projects.get(100, obey_rate_limit=False)
    assert caught.value.response_code == 429


def test_rate_limit_never_applies_to_the_admin_surface(server: FakeGitLab) -> None:
    server.set_faults(rate_limit=1, error_rate=1.0, latency_ms=500.0)
    for _ in range(5):
        response = requests.get(f"{server.url}/-/fakelab/stats", timeout=10)
        assert response.status_code == 200
        assert "RateLimit-Limit" not in response.headers
    assert requests.get(f"{server.url}/-/fakelab/requests", timeout=10).json() == []


# -- note creation's own limit ------------------------------------------------------------------------------


def post_note(fake: FakeGitLab, body: str, token: str = ALICE) -> requests.Response:
    return requests.post(
        f"{fake.url}/api/v4/projects/100/issues/1/notes",
        headers={"PRIVATE-TOKEN": token},
        json={"body": body},
        timeout=10,
    )


def test_note_creation_limit(server: FakeGitLab, clock: Clock) -> None:
    server.set_faults(notes_per_minute=2)
    assert [post_note(server, f"note {n}").status_code for n in range(2)] == [201, 201]
    clock.advance(20)
    refused = post_note(server, "one too many")
    assert refused.status_code == 429
    assert refused.json() == {
        "message": {"error": "This endpoint has been requested too many times. Try again later."}
    }
    # check_rate_limit! sends the limit's whole interval, not the time left in it.
    assert refused.headers["Retry-After"] == "60"
    assert "one too many" not in {
        n["body"] for n in get(server, "/projects/100/issues/1/notes").json()
    }
    # Per user, and reads are not limited.
    assert post_note(server, "from bob", BOB).status_code == 201
    assert get(server, "/projects/100/issues/1/notes").status_code == 200
    # The counter lives one interval from its first increment (at T0).
    clock.advance(39)
    assert post_note(server, "still too early").status_code == 429
    clock.advance(1)
    assert post_note(server, "a new minute").status_code == 201


def test_note_edits_do_not_count_against_the_creation_limit(server: FakeGitLab) -> None:
    server.set_faults(notes_per_minute=1)
    note = post_note(server, "first").json()
    url = f"{server.url}/api/v4/projects/100/issues/1/notes/{note['id']}"
    for n in range(3):
        edited = requests.put(
            url, headers={"PRIVATE-TOKEN": ALICE}, json={"body": f"edit {n}"}, timeout=10
        )
        assert edited.status_code == 200
    assert post_note(server, "second").status_code == 429


def test_python_gitlab_create_note_raises_on_the_note_limit(server: FakeGitLab) -> None:
    server.set_faults(notes_per_minute=1)
    issue = client(server).projects.get(100, lazy=True).issues.get(1, lazy=True)
    issue.notes.create({"body": "ok"})
    with pytest.raises(gitlab.GitlabCreateError) as caught:
        issue.notes.create({"body": "too many"}, obey_rate_limit=False)
    assert caught.value.response_code == 429
    assert "too many times" in str(caught.value.error_message)


# -- server errors ----------------------------------------------------------------------------------------


def test_error_share_is_deterministic_under_a_seed(small_data: dict[str, Any]) -> None:
    config = FaultConfig(seed=42, error_rate=0.25)
    runs = []
    for _ in range(2):
        with FakeGitLab(copy.deepcopy(small_data), faults=config) as fake:
            runs.append(statuses(fake, 400))
    assert runs[0] == runs[1]
    counts = Counter(runs[0])
    errors = sum(n for code, n in counts.items() if code != 200)
    assert set(counts) == {200, 500, 502, 503}
    assert 0.18 <= errors / 400 <= 0.32
    with FakeGitLab(
        copy.deepcopy(small_data), faults=FaultConfig(seed=43, error_rate=0.25)
    ) as fake:
        assert statuses(fake, 400) != runs[0]


def test_error_body_and_chosen_statuses(server: FakeGitLab) -> None:
    server.set_faults(error_rate=1.0, error_statuses=[502])
    response = get(server)
    assert response.status_code == 502
    assert response.json() == {"message": "502 Bad Gateway"}
    server.set_faults(error_rate=0.0)
    assert get(server).status_code == 200


def test_python_gitlab_retries_transient_errors(
    server: FakeGitLab, client_sleeps: list[float]
) -> None:
    server.set_faults(seed=3, error_rate=0.5)
    gl = client(server, retry_transient_errors=True)
    for _ in range(20):
        assert gl.projects.get(100).id == 100
    codes = [r["status"] for r in server.requests()]
    assert codes.count(200) == 20
    assert {500, 502, 503} & set(codes)
    assert len(client_sleeps) == len(codes) - 20


def test_python_gitlab_gives_up_after_max_retries(
    server: FakeGitLab, client_sleeps: list[float]
) -> None:
    server.set_faults(error_rate=1.0, error_statuses=[503])
    gl = client(server, retry_transient_errors=True)
    with pytest.raises(gitlab.GitlabGetError) as caught:
        gl.projects.get(100, max_retries=3)
    assert caught.value.response_code == 503
    assert len(server.requests()) == 4
    assert client_sleeps == [0.1, 0.2, 0.4]


# -- latency and dropped connections ----------------------------------------------------------------------


def test_latency_goes_through_the_injected_sleep(server: FakeGitLab, slept: list[float]) -> None:
    server.set_faults(latency_ms=250.0)
    for _ in range(3):
        assert get(server).status_code == 200
    requests.get(f"{server.url}/-/fakelab/stats", timeout=10)
    assert slept == [0.25, 0.25, 0.25]
    server.set_faults(latency_ms=0.0)
    get(server)
    assert slept == [0.25, 0.25, 0.25]


def test_dropped_connection_raises_connection_error(server: FakeGitLab) -> None:
    server.set_faults(drop_rate=1.0)
    with pytest.raises(requests.ConnectionError):
        get(server)
    (logged,) = server.requests()
    assert logged["status"] == 0
    # The admin surface still answers.
    assert requests.get(f"{server.url}/-/fakelab/faults", timeout=10).json()["drop_rate"] == 1.0


def test_python_gitlab_recovers_from_dropped_connections(
    server: FakeGitLab, client_sleeps: list[float]
) -> None:
    server.set_faults(seed=11, drop_rate=0.4)
    gl = client(server, retry_transient_errors=True)
    for _ in range(10):
        assert gl.projects.get(100).id == 100
    codes = [r["status"] for r in server.requests()]
    assert 0 in codes and codes.count(200) == 10
    # Without retries the dropped connection reaches the caller.
    server.set_faults(drop_rate=1.0)
    with pytest.raises(requests.ConnectionError):
        client(server).projects.get(100)


# -- setting faults ------------------------------------------------------------------------------------------


def test_faults_set_over_http(server: FakeGitLab) -> None:
    admin = f"{server.url}/-/fakelab/faults"
    answer = requests.put(admin, json={"error_rate": 1.0, "error_statuses": [500]}, timeout=10)
    assert answer.status_code == 200
    assert answer.json()["error_rate"] == 1.0 and answer.json()["error_statuses"] == [500]
    assert requests.get(admin, timeout=10).json()["error_statuses"] == [500]
    assert get(server).status_code == 500
    requests.put(admin, json={"error_rate": 0}, timeout=10)
    assert get(server).status_code == 200


def test_faults_set_from_python(server: FakeGitLab) -> None:
    config = server.set_faults(rate_limit=1)
    assert config.rate_limit == 1 and server.faults.config is config
    get(server)
    assert get(server).status_code == 429
    server.set_faults(rate_limit=0)
    assert get(server).status_code == 200


@pytest.mark.parametrize(
    ("payload", "named"),
    [
        ({"error_rate": "lots"}, "error_rate"),
        ({"error_rate": 1.5}, "error_rate"),
        ({"drop_rate": -0.1}, "drop_rate"),
        ({"latency_ms": "slow"}, "latency_ms"),
        ({"rate_limit": 2.5}, "rate_limit"),
        ({"rate_window_s": 0}, "rate_window_s"),
        ({"seed": None}, "seed"),
        ({"error_statuses": []}, "error_statuses"),
        ({"error_statuses": [200]}, "error_statuses"),
        ({"error_statuses": "500"}, "error_statuses"),
        ({"eror_rate": 0.5}, "eror_rate"),
    ],
)
def test_bad_fault_settings_are_400_naming_the_key(
    server: FakeGitLab, payload: dict[str, Any], named: str
) -> None:
    before = requests.get(f"{server.url}/-/fakelab/faults", timeout=10).json()
    answer = requests.put(f"{server.url}/-/fakelab/faults", json=payload, timeout=10)
    assert answer.status_code == 400
    assert named in answer.json()["message"]
    assert requests.get(f"{server.url}/-/fakelab/faults", timeout=10).json() == before
    assert get(server).status_code == 200
    with pytest.raises(FaultSettingError, match=named):
        server.set_faults(**payload)


def test_fault_settings_body_must_be_an_object(server: FakeGitLab) -> None:
    answer = requests.put(f"{server.url}/-/fakelab/faults", json=[1, 2], timeout=10)
    assert answer.status_code == 400
    answer = requests.put(
        f"{server.url}/-/fakelab/faults",
        data=b"{not json",
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert answer.status_code == 400
