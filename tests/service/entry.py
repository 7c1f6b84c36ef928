"""``python -m tests.service.entry ARGS``: the ``ladder-bot`` command line with ``run`` and
``status``, whether or not ``bot.cli`` registers them yet (for subprocess tests).

With ``SIGTERM_FROM_A_THREAD=<file>`` in the environment, a thread other than the main one
sends itself SIGTERM once that file exists: the kernel may hand a process's signal to any of
its threads, and the main thread must still act on it."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

from tests.service.helpers import cli_group


def signal_from_a_thread(marker: Path) -> None:
    def send() -> None:
        while not marker.exists():
            time.sleep(0.02)
        signal.pthread_kill(threading.get_ident(), signal.SIGTERM)

    threading.Thread(target=send, name="signal-from-a-thread", daemon=True).start()


if __name__ == "__main__":
    if marker := os.environ.get("SIGTERM_FROM_A_THREAD"):
        signal_from_a_thread(Path(marker))
    cli_group()(prog_name="ladder-bot")
