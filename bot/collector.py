"""The cyclic garbage collector during bulk work (a sync, a rebuild of evidence)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def rarer_collections(young: int) -> Iterator[None]:
    """Let the collector's young generation grow to ``young`` allocations before it runs.

    Bulk work allocates millions of short-lived dicts and lists (decoded pages, activities,
    explanations, rows) and next to no reference cycles: at the default threshold of 700 the
    collector walks the young generation, and the survivors again in the older ones, for
    nothing found. The threshold is put back afterwards.
    """
    first, second, third = gc.get_threshold()
    gc.set_threshold(max(first, young), second, third)
    try:
        yield
    finally:
        gc.set_threshold(first, second, third)
