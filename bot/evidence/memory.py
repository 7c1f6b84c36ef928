"""The garbage collector during matching."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def rarer_collections() -> Iterator[None]:
    """Run the cyclic garbage collector less often while matching.

    A rebuild allocates millions of dicts (decoded activities, explanations, rows) and no
    reference cycles, and keeps a person's activities alive for their window rules: at the
    default threshold the collector walks the young generation every 700 allocations, and the
    survivors again in the older generations, for nothing found. That was a third of a
    rebuild's time; with the young generation at 500,000 allocations (some thousands of
    activities) it is a few percent.
    """
    first, second, third = gc.get_threshold()
    gc.set_threshold(max(first, 500_000), second, third)
    try:
        yield
    finally:
        gc.set_threshold(first, second, third)
