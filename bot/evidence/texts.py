"""Explanation texts in the store: written once per rule version, read to make rows whole.

The texts themselves, and how explanations are shortened and made whole, are
``bot.rules.texts``'s; this is where they meet the ``explanation_texts`` table.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.rules.texts import Compactor, Texts, expand
from bot.store import models


def store(session: Session, compactors: Iterable[Compactor]) -> None:
    """Record the texts of the compactors' rules (``RuleSet.texts``) not stored yet: the
    texts their evidence rows name."""
    rows = [
        {
            "key": c.texts.key,
            "rule": c.texts.rule,
            "description": c.texts.description,
            "checks": [list(fixed) for fixed in c.texts.checks],
        }
        for c in compactors
    ]
    if rows:
        dialect = session.get_bind().dialect.name
        insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        session.execute(
            insert(models.ExplanationTexts)
            .values(rows)
            .on_conflict_do_nothing(index_elements=["key"])
        )


def load(session: Session, keys: Iterable[object]) -> dict[str, Texts]:
    """The stored texts under ``keys`` (those that exist; keys not strings are skipped)."""
    wanted = sorted({key for key in keys if isinstance(key, str)})
    found: dict[str, Texts] = {}
    table = models.ExplanationTexts
    for first in range(0, len(wanted), 500):
        chunk = wanted[first : first + 500]
        for row in session.execute(select(table).where(table.key.in_(chunk))).scalars():
            checks = tuple(
                (str(item[0]), None if item[1] is None else str(item[1]), str(item[2]))
                for item in row.checks
            )
            found[row.key] = Texts(row.key, row.rule, row.description, checks)
    return found


def expand_all(session: Session, whys: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """``whys`` (as stored) made whole, reading each set of texts once."""
    texts = load(session, (why.get("texts") for why in whys))
    return [expand(why, texts) for why in whys]
