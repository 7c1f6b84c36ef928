"""A second process for a rebuild on SQLite: it evaluates the rules without a window.

A rebuild reads every activity, evaluates the rules and writes about 0.7 evidence rows per
activity, and Python does all of it on one core. The worker takes the plain rules: it reads
the activities in id order on a connection of its own, evaluates them and sends the evidence
rows, already in their stored form, to the matcher's process. That process meanwhile reads
each person's activities for the window rules, writes the worker's rows as they come, and owns
the one transaction: the worker never writes. Once through the window rules, the matcher takes
the last activities off the worker's hands (``stop_after``) rather than wait for it.

Why the worker reads what the transaction sees: the matcher deletes the old evidence before
it starts the worker, so its transaction holds SQLite's write lock, and no other connection
can commit until it does. Every read the worker makes sees the same committed activities.

The worker is a fresh interpreter (``python -c``, see ``_ENTRY``), neither a fork nor
``multiprocessing``: a fork would inherit the matcher's open SQLite connection and SQLite's
per-process lock bookkeeping, which SQLite forbids using, and ``multiprocessing``'s spawn runs
the parent's main script again. So the worker loads the rules again from their files and checks
that every rule's digest is the one the matcher has; if a file changed, it says so and the
matcher evaluates the plain rules itself. It does the same from where the worker got to if the
worker dies. A worker whose matcher is gone stops at its next message.
"""

from __future__ import annotations

import os
import pickle
import queue
import signal
import sqlite3
import subprocess
import sys
import threading
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import bot
from bot.evidence.memory import rarer_collections
from bot.evidence.rows import RowMaker, unique
from bot.evidence.sqlite import StoredRow, activities_after, stored_row
from bot.rules import RuleSet, RulesInvalid, load_rules

# Batches the worker may have ready before the matcher takes them: bounded, so memory stays
# flat, and more than one, so that the worker goes on while the matcher evaluates a person.
QUEUED = 4
# How the worker starts. Not ``-m bot.evidence.worker``, which would define this module's
# classes a second time as ``__main__`` (the matcher could not unpickle what they send). It
# imports the ``bot`` package this process runs, from the directory in ``argv[3]``, which it
# puts first only if the interpreter would not look there anyway.
_ENTRY = (
    "import sys; home = sys.argv[3]; home in sys.path or sys.path.insert(0, home); "
    "from bot.evidence.worker import main; main()"
)


@dataclass(frozen=True)
class Job:
    """What the worker needs to evaluate like the matcher would: plain, picklable data."""

    database: str  # the SQLite file
    rule_files: tuple[str, ...]
    rules: tuple[tuple[str, str], ...]  # (id, digest) of each of the matcher's rules, in order
    expectation_ids: tuple[str, ...]
    rows: RowMaker
    matched_at: str  # as stored
    chunk: int


@dataclass(frozen=True)
class Batch:
    """The evidence rows of one chunk of activities, ready to insert."""

    activities: int
    last_id: int  # the chunk's last activity
    values: list[StoredRow]


class PlainRulesWorker:
    """The worker process, seen from the matcher's side.

    ``batches`` gives what the worker sent. When it is over, ``finished`` is set, and
    ``resume_after`` says whether the matcher must evaluate the activities after that id itself
    (``None``: the worker did all it was to do); ``unavailable`` says why it must.

    ``stop_after`` asks the worker to leave the activities after an id to the matcher, which
    has gone through the window rules and would otherwise wait: the worker answers with the
    id it stops after (``until``), at or after the one asked for.
    """

    def __init__(self, job: Job) -> None:
        messages, their_messages = os.pipe()
        their_orders, orders = os.pipe()
        home = str(Path(bot.__file__).parent.parent)  # as spelled on sys.path, not resolved
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-c", _ENTRY, str(their_orders), str(their_messages), home],
                stdin=subprocess.DEVNULL,
                pass_fds=(their_orders, their_messages),
            )
        except BaseException:
            os.close(messages)
            os.close(orders)
            raise
        finally:
            os.close(their_messages)
            os.close(their_orders)
        self._messages = Connection(messages, writable=False)
        self._orders = Connection(orders, readable=False)
        self.finished = False
        self.unavailable = ""
        self.resume_after: int | None = 0
        self.until: int | None = None
        self._order(job)

    def _order(self, order: object) -> None:
        try:
            self._orders.send(order)
        except OSError:
            pass  # it has ended: batches() finds out
        except BaseException:
            self.stop()
            raise

    def stop_after(self, last_id: int) -> None:
        """Ask the worker to stop after ``last_id``; its answer sets ``until``."""
        self._order(("until", last_id))

    def batches(self, *, wait: bool) -> Iterator[Batch]:
        """The batches ready, in order; with ``wait``, every batch up to the last, or up to
        the worker's answer to ``stop_after``.

        Raises the error that stopped the worker, if one did.
        """
        while not self.finished and (wait or self._messages.poll()):
            try:
                tag, payload = self._messages.recv()
            except (EOFError, OSError):
                self._finish(f"the worker ended early (exit code {self._process.wait()})")
                return
            if tag == "rows":
                self.resume_after = payload.last_id
                yield payload
            elif tag == "until":
                self.until = payload
                return
            elif tag == "done":
                self.finished, self.resume_after = True, None
            elif tag == "unavailable":
                self._finish(payload)
            else:
                self.finished = True
                raise payload

    def _finish(self, why: str) -> None:
        self.finished, self.unavailable = True, why

    def stop(self) -> None:
        """End the worker, finished or not, and wait for it."""
        if self._process.poll() is None:
            self._process.terminate()
        self._process.wait()
        self._messages.close()
        self._orders.close()


# -- the worker's side ------------------------------------------------------------------------


def main() -> None:
    """The worker process: orders from the file descriptor in ``argv[1]`` (first the job),
    messages to the one in ``argv[2]``."""
    # Ctrl-C reaches the whole process group: the matcher stops the worker itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    orders = Connection(int(sys.argv[1]), writable=False)
    outbox = _Outbox(Connection(int(sys.argv[2]), readable=False))
    try:
        job: Job = orders.recv()
        with rarer_collections():
            _evaluate(job, orders, outbox)
        outbox.close()
    except (_Orphaned, EOFError, OSError):
        os._exit(0)  # the matcher is gone; the sending thread may still be blocked


def _evaluate(job: Job, orders: Connection, outbox: _Outbox) -> None:
    try:
        ruleset, why_not = _rules(job)
        if ruleset is None:
            outbox.send(("unavailable", why_not))
            return
        connection = sqlite3.connect(job.database, timeout=30)
        try:
            connection.execute("PRAGMA query_only = ON")
            last, until = 0, None
            while True:
                if until is None and orders.poll():
                    _tag, asked = orders.recv()
                    until = max(asked, last)
                    outbox.send(("until", until))
                chunk = activities_after(connection, last, None, job.chunk, until=until)
                if not chunk:
                    break
                last = int(chunk[-1]["id"])
                # Repeated keys within the chunk only: the matcher checks across chunks, with
                # the set of keys it keeps anyway.
                rows = unique(job.rows.plain_rows(ruleset, chunk), set())
                values = [stored_row(row, job.matched_at) for row in rows]
                outbox.send(("rows", Batch(len(chunk), last, values)))
        finally:
            connection.close()
        outbox.send(("done", None))
    except _Orphaned:
        raise
    except Exception as error:  # handed over, raised in the matcher as it would be there
        outbox.send(("error", _picklable(error)))


def _rules(job: Job) -> tuple[RuleSet | None, str]:
    """The matcher's rules, loaded again from their files, or None and why not."""
    try:
        loaded = load_rules([Path(file) for file in job.rule_files], job.expectation_ids)
    except (OSError, RulesInvalid) as error:
        return None, f"the rule files no longer load: {error}"
    by_id = {rule.id: rule for rule in loaded.rules}
    rules = []
    for rule_id, digest in job.rules:
        rule = by_id.get(rule_id)
        if rule is None or rule.digest != digest:
            return None, f"rule {rule_id} changed in its file since the matcher loaded it"
        rules.append(rule)
    return RuleSet(rules), ""


class _Orphaned(Exception):
    """The matcher's process is gone: nobody reads what the worker sends."""


class _Outbox:
    """Sends messages from a thread of its own, so the worker evaluates the next chunk while
    the matcher is busy elsewhere and the pipe is full (a blocked write releases the GIL)."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._queue: queue.Queue[tuple[str, Any] | None] = queue.Queue(QUEUED)
        self._broken = threading.Event()
        self._thread = threading.Thread(target=self._run, name="outbox", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (message := self._queue.get()) is not None:
            try:
                self._connection.send(message)
            except OSError:  # the matcher's end is closed
                self._broken.set()
                return

    def send(self, message: tuple[str, Any] | None) -> None:
        """Queue ``message`` (None: the end) for sending."""
        while not self._broken.is_set():
            try:
                self._queue.put(message, timeout=1.0)
                return
            except queue.Full:
                continue
        raise _Orphaned

    def close(self) -> None:
        """Wait until everything sent has gone."""
        self.send(None)
        self._thread.join()
        self._connection.close()


def _picklable(error: BaseException) -> BaseException:
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:  # any error can at least be described
        return RuntimeError("".join(traceback.format_exception(error)))
    return error
