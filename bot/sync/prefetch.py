"""Reading one page ahead: GitLab answers the next request while the store takes this page.

A sync spends its time in two places that need not wait for each other: waiting for GitLab, and
turning a page into rows and activities. ``ahead`` runs a page walk in a background thread and
keeps ``depth`` pages ready, so a page's wait hides behind the previous page's work. Order is
kept, and so is every guarantee of the walk: watermarks are still written by the consumer, page
by page, in the same transaction as the rows they cover. An error in the walk is raised to the
consumer where the failed page would have come; a consumer that stops early (an error of its
own, a kill) stops the walk within one page.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

_DONE = object()


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


def ahead(items: Iterable[T], depth: int = 1, name: str = "prefetch") -> Iterator[T]:
    """Yield ``items`` in order while a background thread produces up to ``depth`` ahead."""
    ready: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(entry: object) -> bool:
        while not stop.is_set():
            try:
                ready.put(entry, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(item):
                    return
        except BaseException as error:  # handed to the consumer, which decides what it means
            put(_Failed(error))
            return
        put(_DONE)

    worker = threading.Thread(target=produce, name=name, daemon=True)
    worker.start()
    try:
        while True:
            entry = ready.get()
            if entry is _DONE:
                return
            if isinstance(entry, _Failed):
                raise entry.error
            yield entry  # type: ignore[misc]
    finally:
        stop.set()
        worker.join()
