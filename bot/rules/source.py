"""A YAML file read as plain data, remembering the line of every value.

PyYAML's node graph keeps marks; its constructor throws them away and silently lets a later
duplicate key win. We build the data from the nodes ourselves so that every value has a line
(keyed by its path, ``rules[2].when.all[1]``) and duplicate keys become problems. Only YAML's
plain types are built: null, booleans, numbers, strings, lists and mappings; a timestamp stays
the string it was written as, and other tags (``!!binary``, ``!custom``) are problems.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.rules.problem import Problem, index_path, join_path

MAX_DEPTH = 64
MAX_VALUES = 200_000  # aliases can expand a short file exponentially ("billion laughs")

_PLAIN = {
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
}
_STR = "tag:yaml.org,2002:str"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_MERGE = "tag:yaml.org,2002:merge"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_LAST_STEP = re.compile(r"(?:\.[^.\[\]]*|\[\d+\])$")
# libyaml's parser, when PyYAML was built with it (``_compose``).
_FAST: type[Any] | None = getattr(yaml, "CSafeLoader", None)


@dataclass
class Source:
    """One file's data, the line of each path in it, and what was wrong with the YAML itself.

    ``data`` is None when the file could not be read or parsed (``problems`` says why), and
    also for an empty file.
    """

    file: str
    data: Any = None
    lines: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def line(self, path: str) -> int:
        """The line of ``path``, or of its nearest ancestor that has one (1 at worst)."""
        while True:
            if path in self.lines:
                return self.lines[path]
            if not path:
                return 1
            shorter = _LAST_STEP.sub("", path)
            path = shorter if shorter != path else ""

    def problem(self, path: str, message: str) -> Problem:
        """A problem at ``path`` in this file, on that path's line."""
        return Problem(self.file, self.line(path), path, message)


def read_source(path: Path, name: str | None = None) -> Source:
    """Read and parse ``path``; ``name`` is how problems name the file (default: ``path``)."""
    file = name if name is not None else str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError, ValueError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        return Source(file, problems=[Problem(file, 1, "", f"cannot read the file: {reason}")])
    return parse_source(text, file)


def parse_source(text: str, file: str) -> Source:
    """Parse YAML ``text``; every problem lands in ``Source.problems``, nothing is raised."""
    source = Source(file)
    try:
        root = _compose(text)
    except yaml.MarkedYAMLError as error:
        source.problems.append(Problem(file, _line(error), "", _yaml_message(error)))
        return source
    except yaml.YAMLError as error:  # a reader error: bytes YAML does not allow
        line = text.count("\n", 0, getattr(error, "position", 0) or 0) + 1
        reason = str(error).splitlines()[0] if str(error) else "unreadable YAML"
        source.problems.append(Problem(file, line, "", f"YAML syntax error: {reason}"))
        return source
    except RecursionError:
        source.problems.append(
            Problem(file, 1, "", f"YAML nested too deeply (more than {MAX_DEPTH} levels)")
        )
        return source
    if root is not None:
        builder = _Builder(source)
        source.lines[""] = root.start_mark.line + 1
        source.data = builder.build(root, "", 0, ())
    return source


def _compose(text: str) -> Node | None:
    """The node graph of ``text``. libyaml's parser (when PyYAML was built with it) composes
    the same graph, marks included, about five times faster than PyYAML's own, which made most
    of the time a command took to load the rules library; a text it refuses is parsed again by
    PyYAML's own, whose error messages and lines the problems have always given."""
    if _FAST is not None:
        try:
            return yaml.compose(text, Loader=_FAST)
        except (yaml.YAMLError, RecursionError):
            pass
    return yaml.compose(text, Loader=yaml.SafeLoader)


def _tag(tag: str) -> str:
    return "!!" + tag.removeprefix("tag:yaml.org,2002:") if tag.startswith("tag:yaml.org") else tag


def _line(error: yaml.MarkedYAMLError) -> int:
    mark = error.problem_mark or error.context_mark
    return mark.line + 1 if mark is not None else 1


def _yaml_message(error: yaml.MarkedYAMLError) -> str:
    message = f"YAML syntax error: {error.problem or error.context or 'unreadable YAML'}"
    if error.context and error.problem and error.context_mark is not None:
        message += f" ({error.context} on line {error.context_mark.line + 1})"
    return message


class _Builder:
    """Turns a node graph into plain data, recording lines and problems in a ``Source``."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.constructor = SafeConstructor()
        self.values = 0
        self.exhausted = False

    def report(self, path: str, message: str) -> None:
        self.source.problems.append(self.source.problem(path, message))

    def build(self, node: Node, path: str, depth: int, active: tuple[int, ...]) -> Any:
        self.values += 1
        if self.values > MAX_VALUES:
            if not self.exhausted:
                self.exhausted = True
                self.report(path, f"too large: more than {MAX_VALUES} values (check aliases)")
            return None
        if depth > MAX_DEPTH:
            self.report(path, f"nested too deeply (more than {MAX_DEPTH} levels)")
            return None
        if id(node) in active:
            self.report(path, "an alias refers to a value that contains it")
            return None
        if isinstance(node, ScalarNode):
            return self.scalar(node, path)
        inner = (*active, id(node))
        if isinstance(node, SequenceNode):
            if node.tag != _SEQ:
                self.report(path, f"unsupported YAML tag {_tag(node.tag)!r}")
            items = []
            for index, item in enumerate(node.value):
                item_path = index_path(path, index)
                self.source.lines.setdefault(item_path, item.start_mark.line + 1)
                items.append(self.build(item, item_path, depth + 1, inner))
            return items
        if isinstance(node, MappingNode):
            return self.mapping(node, path, depth, inner)
        self.report(path, "unsupported YAML node")
        return None

    def scalar(self, node: ScalarNode, path: str) -> Any:
        if node.tag == _STR or node.tag == _TIMESTAMP:
            return node.value
        if node.tag in _PLAIN:
            try:
                return self.constructor.construct_object(node, deep=True)
            except (yaml.YAMLError, ValueError, OverflowError):
                self.report(path, f"cannot read {node.value!r} as {node.tag.rsplit(':', 1)[-1]}")
                return node.value
        self.report(path, f"unsupported YAML tag {_tag(node.tag)!r}")
        return node.value

    def mapping(self, node: MappingNode, path: str, depth: int, active: tuple[int, ...]) -> Any:
        if node.tag != _MAP:
            self.report(path, f"unsupported YAML tag {_tag(node.tag)!r}")
        result: dict[str, Any] = {}
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, ScalarNode):
                self.source.problems.append(
                    Problem(self.source.file, line, path, "a key must be a plain string")
                )
                continue
            if key_node.tag == _MERGE:
                self.source.problems.append(
                    Problem(
                        self.source.file,
                        line,
                        path,
                        "merge keys ('<<') are not supported: write the keys out",
                    )
                )
                continue
            # Keys are kept as written: `on:` stays "on" (YAML 1.1 would make it true).
            key = str(key_node.value)
            if key in result:
                self.source.problems.append(
                    Problem(
                        self.source.file,
                        line,
                        path,
                        f"duplicate key {key!r} (first on line {first_line[key]})",
                    )
                )
                continue
            first_line[key] = line
            key_path = join_path(path, key)
            self.source.lines.setdefault(key_path, line)
            result[key] = self.build(value_node, key_path, depth + 1, active)
        return result
