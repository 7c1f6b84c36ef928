"""Merge requests' changed files: one ``/diffs`` request per MR whose head commit moved.

A first sync sends one for every merge request, nine in ten of its requests. They are fetched
side by side, ahead of the store (``issuables.EarlyDiffs``), either on threads of this process
or, once a walk asks for many, by the courier: a second process whose HTTP work does not
compete for this process's interpreter lock with storing and deriving (``bot.sync.courier``).
Both give the same items (``records.slim_diff``) and the same errors.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import TYPE_CHECKING, Any

from bot.sync.client import GitLabClient
from bot.sync.records import slim_diff

if TYPE_CHECKING:
    from bot.sync.courier import Courier

log = logging.getLogger("ladder_bot.sync")

Payload = dict[str, Any]
DIFF_FETCHERS = 4  # requests in flight at once, in this process or in the courier
# Starting the courier costs a Python process (about 0.3 s of CPU, on the other core) and pays
# for itself after a few dozen requests; smaller walks, such as most re-syncs, stay here.
COURIER_THRESHOLD = 50
_FETCHING = ("page", "pages", "get")  # what fetch_diffs calls on a client, directly or not


def fetch_diffs(client: GitLabClient, path: str) -> list[Payload]:
    """Every changed file of one MR, ``path`` being its ``…/merge_requests/:iid/diffs``."""
    items: list[Payload] = []
    for page in client.pages(path, {"per_page": 100}):
        items.extend(slim_diff(item) for item in page.items)
    return items


class DiffFetcher:
    """Fetches diffs for one sync run; close it (or use it as a context manager) at the end.

    The courier is started when one call asks for ``COURIER_THRESHOLD`` diffs or more and the
    client allows it (``_may_offload``): no client-side pacing, since a paced sync is bound by
    its pace and not by CPU; real clocks, since injected ones (tests, the fault benchmark)
    cannot cross a process; a plain ``GitLabClient``; a POSIX system. It boots while the
    threads carry on, and takes over once it is ready; if it cannot start, the threads
    simply go on.
    """

    def __init__(self, client: GitLabClient) -> None:
        self._client = client
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
        self._courier: Courier | None = None
        self._offload = True

    def start(self, api: str, iids: Sequence[int]) -> list[Future[list[Payload]]]:
        """Start fetching the diffs of merge requests ``iids`` of the project at ``api``."""
        paths = [f"{api}/merge_requests/{iid}/diffs" for iid in iids]
        if not paths:
            return []
        courier = self._courier_for(len(paths))
        if courier is not None and courier.usable:
            return list(courier.start(paths))
        pool = self._threads()
        return [pool.submit(fetch_diffs, self._client, path) for path in paths]

    def close(self, *, clean: bool = True) -> None:
        """Stop fetching. ``clean`` (the run went well) gives the courier time to report back."""
        with self._lock:
            pool, self._pool = self._pool, None
            courier, self._courier = self._courier, None
        if courier is not None:
            courier.close(wait=courier.CLEAN_WAIT_S if clean else courier.ERROR_WAIT_S)
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> DiffFetcher:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close(clean=exc_type is None)

    def _courier_for(self, count: int) -> Courier | None:
        with self._lock:
            if self._courier is None and self._offload and count >= COURIER_THRESHOLD:
                self._offload = False  # one courier a run at most
                if self._may_offload():
                    from bot.sync.courier import Courier  # only runs that need it load it

                    try:
                        self._courier = Courier(self._client)
                    except OSError as exc:  # no process to be had: the threads do it all
                        log.warning("fetching diffs in this process: %s", exc)
            return self._courier

    def _may_offload(self) -> bool:
        client = type(self._client)
        return (
            self._client.max_per_minute == 0
            and self._client.real_time
            # The courier sends with a plain client of its own: a client whose class changes
            # how lists and documents are fetched (a recorder, a test's dying client) would
            # not see the diff requests, so it keeps them.
            and all(getattr(client, name) is getattr(GitLabClient, name) for name in _FETCHING)
            and os.name == "posix"  # the courier's pipes are file descriptors
        )

    def _threads(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(DIFF_FETCHERS, thread_name_prefix="diffs")
            return self._pool
