"""The conditions rules are made of, registered by name (see ``registry``).

logic      all, any, not
compare    equals, one_of, at_least, at_most, present
text       matches, contains, count
paths      paths
"""

from bot.rules.conditions import compare, logic, paths, text
from bot.rules.conditions.registry import (
    FIELD,
    REGISTRY,
    Condition,
    FieldCondition,
    Predicate,
    register,
)

__all__ = [
    "FIELD",
    "REGISTRY",
    "Condition",
    "FieldCondition",
    "Predicate",
    "compare",
    "logic",
    "paths",
    "register",
    "text",
]
