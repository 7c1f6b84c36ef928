"""``ladder-bot`` subcommands beyond sync, one module per room; ``bot.cli`` registers them.

Like ``bot.cli``, these modules may read the clock, print and exit; the library they call
does none of that.
"""
