"""The garbage collector during matching."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from bot.collector import rarer_collections as _rarer

# A rebuild keeps a person's activities alive for their window rules, so survivors are many:
# at the default threshold the collector cost a third of a rebuild's time; with the young
# generation at 500,000 allocations (some thousands of activities) it is a few percent.
MATCHING_YOUNG = 500_000


@contextmanager
def rarer_collections() -> Iterator[None]:
    """Run the cyclic garbage collector less often while matching."""
    with _rarer(MATCHING_YOUNG):
        yield
