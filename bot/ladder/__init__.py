"""The career ladder: expectations with stable ids, loaded from ``ladder.yaml``.

>>> ladder = load_ladder(Path("ladder.yaml"))  # doctest: +SKIP
>>> ladder.get("l2.communication.good-mr-descriptions").text  # doctest: +SKIP
'Writes good merge request description give context, and information for making decision'
"""

from bot.ladder.loader import load_ladder
from bot.ladder.model import Expectation, Ladder
from bot.ladder.render import render_ladder

__all__ = ["Expectation", "Ladder", "load_ladder", "render_ladder"]
