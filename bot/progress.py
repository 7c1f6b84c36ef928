"""How a running sync shows itself: progress bars on a terminal, log lines elsewhere."""

from __future__ import annotations

import logging

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

log = logging.getLogger("ladder_bot.sync")


class BarProgress:
    """One line per project and resource, counting the items received."""

    def __init__(self, console: Console) -> None:
        self._bars = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(bar_width=None),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        self._task: TaskID | None = None
        self._bars.start()

    def start(self, project: str, resource: str) -> None:
        self._task = self._bars.add_task(f"{project:<32} {resource}", total=None)

    def advance(self, count: int) -> None:
        if self._task is not None:
            self._bars.advance(self._task, count)

    def finish(self) -> None:
        if self._task is not None:
            done = self._bars.tasks[-1].completed
            self._bars.update(self._task, total=done, completed=done)
            self._task = None

    def close(self) -> None:
        self._bars.stop()


class LogProgress:
    """Plain log lines, for CI logs and files: one when a resource starts, one when it ends."""

    def __init__(self) -> None:
        self._label = ""
        self._count = 0

    def start(self, project: str, resource: str) -> None:
        self._label, self._count = f"{project} {resource}", 0
        log.info("%s: fetching", self._label)

    def advance(self, count: int) -> None:
        self._count += count

    def finish(self) -> None:
        log.info("%s: %d received", self._label, self._count)

    def close(self) -> None:
        return None
