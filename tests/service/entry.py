"""``python -m tests.service.entry ARGS``: the ``ladder-bot`` command line with ``run`` and
``status``, whether or not ``bot.cli`` registers them yet (for subprocess tests)."""

from __future__ import annotations

from tests.service.helpers import cli_group

if __name__ == "__main__":
    cli_group()(prog_name="ladder-bot")
