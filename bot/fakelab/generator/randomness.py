"""Draws from the seeded RNGs that are not a plain ``rng.choice`` or ``rng.random``."""

from __future__ import annotations

import random


def random_hex(rng: random.Random, digits: int = 40) -> str:
    """``digits`` hex digits: a commit SHA by default, also discussion ids and avatar hashes."""
    return f"{rng.getrandbits(digits * 4):0{digits}x}"


def stochastic_round(rng: random.Random, value: float) -> int:
    """``value`` rounded up with probability equal to its fractional part, so rates add up."""
    return int(value + rng.random())
