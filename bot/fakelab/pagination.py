"""GitLab's two pagination styles, with the headers python-gitlab and other clients follow.

Offset pagination (``Gitlab::Pagination::OffsetHeaderBuilder``): ``page`` and ``per_page``
(default 20, capped at 100), ``X-*`` headers and a ``Link`` header whose URLs repeat the
original query with sorted keys. Past 10,000 items GitLab stops counting: no ``X-Total``,
``X-Total-Pages`` or ``rel="last"``.

Keyset pagination exists only where GitLab offers it; the next page is an opaque cursor in the
``Link`` header, and nothing else is sent.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
MAX_COUNT = 10_000

Query = dict[str, list[str]]


class PaginationError(Exception):
    """A request GitLab answers with Grape's ``{"error": …}`` body (400 or 405)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Page:
    items: Sequence[Any]
    headers: dict[str, str]


def _int(query: Query, key: str, default: int) -> int:
    values = query.get(key)
    if not values or values[-1] == "":
        return default
    try:
        return int(values[-1])
    except ValueError:
        raise PaginationError(400, f"{key} is invalid") from None


def per_page(query: Query) -> int:
    value = _int(query, "per_page", DEFAULT_PER_PAGE)
    if value < 1:
        return DEFAULT_PER_PAGE
    return min(value, MAX_PER_PAGE)


def _link(url: str, query: Query, **overrides: Any) -> str:
    """``url`` with the request's query, the ``overrides`` and sorted keys, as Rails' ``to_query``.

    GitLab rebuilds the query from Rack's parsed params, in which a repeated plain key keeps only
    its last value (``state=opened&state=all`` is ``state=all``) while ``key[]`` keys are arrays.
    Clients that resend their parameters with every next URL (Perceval does) therefore do not
    see the links grow page after page.
    """
    merged = {k: v for k, v in query.items() if k not in overrides}
    pairs: list[tuple[str, str]] = []
    for key in sorted([*merged, *overrides]):
        if key in overrides:
            pairs.append((key, str(overrides[key])))
        elif key.endswith("[]"):
            pairs.extend((key, value) for value in merged[key])
        elif merged[key]:
            pairs.append((key, merged[key][-1]))
    return f"{url}?{urlencode(pairs)}"


def offset(items: Sequence[Any], query: Query, url: str, *, capped_count: bool = False) -> Page:
    """Slice ``items`` for the requested page and build GitLab's headers.

    ``url`` is the absolute request URL without its query string, built from the ``Host`` the
    client used, so python-gitlab's base-URL check stays quiet.

    Past the last page Kaminari reports neither a next nor a previous page (``prev_page`` is nil
    when ``out_of_range?``), so such a page has empty ``X-Prev-Page`` and no ``rel="prev"``.

    ``capped_count`` is ``EventsFinder``'s way: it counts at most 10,001 rows
    (``limit(MAX_COUNT_LIMIT + 1).count``) and hands Kaminari an array with that total, so the
    totals are always sent, capped, and the pages end where the capped total says they do.
    """
    size = per_page(query)
    page = max(_int(query, "page", 1), 1)
    total = min(len(items), MAX_COUNT + 1) if capped_count else len(items)
    start = (page - 1) * size
    chunk = items[start : start + size]
    counted = capped_count or total <= MAX_COUNT
    total_pages = max((total + size - 1) // size, 1)
    in_range = start < total
    has_next = start + size < total if in_range else False
    headers = {
        "X-Page": str(page),
        "X-Per-Page": str(size),
        "X-Next-Page": str(page + 1) if has_next else "",
        "X-Prev-Page": str(page - 1) if page > 1 and in_range else "",
    }
    links = []
    if page > 1 and in_range:
        links.append(f'<{_link(url, query, page=page - 1, per_page=size)}>; rel="prev"')
    if has_next:
        links.append(f'<{_link(url, query, page=page + 1, per_page=size)}>; rel="next"')
    links.append(f'<{_link(url, query, page=1, per_page=size)}>; rel="first"')
    if counted:
        headers["X-Total"] = str(total)
        headers["X-Total-Pages"] = str(total_pages)
        links.append(f'<{_link(url, query, page=total_pages, per_page=size)}>; rel="last"')
    headers["Link"] = ", ".join(links)
    return Page(chunk, headers)


@dataclass(frozen=True)
class KeysetSpec:
    """Which orderings an endpoint accepts for keyset pagination, and how to read them."""

    orderings: dict[str, Callable[[Any], Any]]
    sorts: tuple[str, ...] = ("asc", "desc")
    id_param: bool = False  # projects use ``id_after``/``id_before`` instead of a cursor
    default_order: str = "id"


def wants_keyset(query: Query) -> bool:
    return query.get("pagination", [""])[-1] == "keyset"


def keyset(
    items: Sequence[Any], query: Query, url: str, spec: KeysetSpec, item_id: Callable[[Any], int]
) -> Page:
    order = query.get("order_by", [spec.default_order])[-1]
    sort = query.get("sort", ["desc"])[-1]
    if order not in spec.orderings or sort not in spec.sorts:
        raise PaginationError(
            405, "Keyset pagination is not yet available for this type of request"
        )
    value_of = spec.orderings[order]
    reverse = sort == "desc"
    ordered = sorted(items, key=lambda item: (value_of(item), item_id(item)), reverse=reverse)
    size = per_page(query)
    position = _after_position(query, spec, order)
    if position is not None:

        def after(item: Any) -> bool:
            key = (value_of(item), item_id(item))
            return key < position if reverse else key > position

        ordered = [item for item in ordered if after(item)]
    chunk = ordered[:size]
    headers: dict[str, str] = {}
    if len(ordered) > size:
        last = chunk[-1]
        if spec.id_param:
            param = "id_before" if reverse else "id_after"
            overrides: dict[str, Any] = {param: item_id(last), "per_page": size}
            cleaned = {
                k: v for k, v in query.items() if k not in ("id_after", "id_before", "cursor")
            }
            headers["Link"] = f'<{_link(url, cleaned, **overrides)}>; rel="next"'
        else:
            cursor = base64.urlsafe_b64encode(
                json.dumps({order: value_of(last), "id": item_id(last)}).encode()
            ).decode()
            cleaned = {k: v for k, v in query.items() if k != "cursor"}
            headers["Link"] = f'<{_link(url, cleaned, cursor=cursor, per_page=size)}>; rel="next"'
    return Page(chunk, headers)


def _after_position(query: Query, spec: KeysetSpec, order: str) -> tuple[Any, int] | None:
    if spec.id_param:
        for key in ("id_after", "id_before"):
            if key in query:
                value = _int(query, key, 0)
                return (value, value)
        return None
    if "cursor" not in query:
        return None
    try:
        decoded = json.loads(base64.urlsafe_b64decode(query["cursor"][-1].encode()))
        return (decoded[order], int(decoded["id"]))
    except (ValueError, KeyError, TypeError):
        raise PaginationError(400, "cursor is invalid") from None
