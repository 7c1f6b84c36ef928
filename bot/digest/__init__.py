"""Weekly digests: one person's evidence, grouped by ladder expectation, as a GitLab comment.

``weeks`` says which ISO week (in the configured timezone) a digest covers, ``build`` reads
the person's evidence into a :class:`~bot.digest.model.Digest`, ``render`` writes it as
GitLab-flavoured Markdown, and ``safety`` makes every piece of user-written text in it inert:
no quick actions, no mentions, no references, no HTML. Posting is ``bot.digest.post``.
"""

from bot.digest.build import build_digest
from bot.digest.model import Digest, Item, Opportunity
from bot.digest.render import marker, render_digest, shows_confidential
from bot.digest.safety import quote
from bot.digest.weeks import IsoWeek, WeekError, bounds, last_complete, previous, week_of

__all__ = [
    "Digest",
    "IsoWeek",
    "Item",
    "Opportunity",
    "WeekError",
    "bounds",
    "build_digest",
    "last_complete",
    "marker",
    "previous",
    "quote",
    "render_digest",
    "shows_confidential",
    "week_of",
]
