"""The labelled sets' files, read once per test process.

The sets are a few megabytes of YAML, read by several test modules and by the scoring scripts
in ``tests/rules/``; PyYAML's pure-Python loader took about five seconds to read them all, and
each module read them again. ``read`` uses libyaml's loader when PyYAML was built with it (the
same data, about nine times faster) and keeps what it read, so callers must not change it.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import yaml

_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@functools.cache
def read(path: Path) -> list[dict[str, Any]]:
    """The YAML list in ``path`` (a labelled set's ``merge_requests.yaml`` or
    ``review_comments.yaml``, or a labeller's). Shared between callers: do not modify it."""
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    assert isinstance(data, list), f"{path} must hold a YAML list"
    return data
