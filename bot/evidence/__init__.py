"""Evidence: activities matched to ladder expectations by rules, each with its reasons.

This room reads activities and writes evidence; it never talks to GitLab. ``matcher`` turns
activities into evidence (incrementally, or rebuilt from scratch), ``listing`` reads evidence
back for people and periods, ``explain`` shows every rule's verdict on one GitLab item.
"""

from bot.evidence.matcher import Matcher, MatchResult, match_evidence
from bot.evidence.people import Earners

__all__ = ["Earners", "MatchResult", "Matcher", "match_evidence"]
