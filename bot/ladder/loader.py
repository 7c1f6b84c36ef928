"""Reading ``ladder.yaml`` into a :class:`~bot.ladder.model.Ladder`.

The file is composed into YAML nodes (never constructed into Python objects first), so every
problem can name the line it is on. The first problem is an :class:`~bot.errors.InputError`
that reads ``FILE:LINE: KEY: MESSAGE``::

    ladder.yaml:41: levels[0].dimensions[0].expectations[5].id: expected an id starting 'l1.mastery.' (the level and dimension it sits in), got 'l2.mastery.updates-docs'
    ladder.yaml:12: levels[0].dimensions[0].expectations[1].txt: unknown key (did you mean 'text'?)

Duplicate keys, which YAML parsers usually let the last one win, are errors too.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from pathlib import Path
from types import MappingProxyType
from typing import Final

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.errors import InputError
from bot.ladder.model import Expectation, Ladder

__all__ = ["load_ladder"]

Part = str | int
KeyPath = tuple[Part, ...]

_STR: Final = "tag:yaml.org,2002:str"
_INT: Final = "tag:yaml.org,2002:int"
_BOOL: Final = "tag:yaml.org,2002:bool"
_NULL: Final = "tag:yaml.org,2002:null"

_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")
_DIMENSION = re.compile(r"[a-z][a-z0-9]*")
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+){1,5}")  # 2 to 6 words
_DECIMAL = re.compile(r"[0-9]+")

_TOP: Final = ("name", "title", "dimensions", "levels")
_LEVEL: Final = ("level", "dimensions")
_DIMENSION_KEYS: Final = ("dimension", "heading", "expectations")
_EXPECTATION: Final = ("id", "text", "examples", "observable", "why_not", "seed_text")
_EXPECTATION_REQUIRED: Final = ("id", "text", "observable")

# What usually causes a YAML error in this file, where the parser's words do not say.
_YAML_HINTS: Final = {
    "mapping values are not allowed here": ': put text that holds ": " in quotes',
}

# Key name -> (key node, value node), in file order.
Fields = dict[str, tuple[Node, Node]]


def load_ladder(path: Path) -> Ladder:
    """Read and validate the ladder file at ``path``; the first problem is an InputError."""
    label = str(path)
    root = _compose(_read_text(path, label), label)
    if root is None:
        raise InputError("empty file: expected a ladder with keys " + ", ".join(_TOP), file=label)
    return _Reader(label).ladder(root)


def _read_text(path: Path, label: str) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError("not found", file=label) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or type(exc).__name__}", file=label) from None
    except ValueError:  # an embedded NUL in the name
        raise InputError("cannot read: invalid file name", file=label) from None
    try:
        return raw.decode("utf-8").removeprefix("\ufeff")  # a byte-order mark some editors add
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        message = f"not UTF-8 text: byte {exc.start} is {raw[exc.start]:#04x}"
        raise InputError(message, file=label, line=line) from None


def _compose(text: str, label: str) -> Node | None:
    """The YAML node tree of ``text``, or None for an empty document."""
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = _one_line(exc.problem or exc.context or "cannot parse")
        hint = _YAML_HINTS.get(problem, "")
        where = f" (column {mark.column + 1})" if mark else ""
        line = mark.line + 1 if mark else None
        message = f"invalid YAML: {problem}{where}{hint}"
        raise InputError(message, file=label, line=line) from None
    except yaml.reader.ReaderError as exc:  # a control character YAML does not allow
        line = text.count("\n", 0, exc.position) + 1
        message = f"invalid YAML: character {chr(exc.character)!r} is not allowed"
        raise InputError(message, file=label, line=line) from None
    except yaml.YAMLError as exc:
        raise InputError(f"invalid YAML: {_one_line(str(exc))}", file=label) from None
    except RecursionError:
        raise InputError("invalid YAML: nested too deeply", file=label) from None


class _Reader:
    """Turns the composed YAML of one file into a Ladder, raising at the first problem."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.level_lines: dict[int, int] = {}  # level -> its line, in file order
        self.expectations: dict[str, Expectation] = {}  # by id, in file order
        self.id_lines: dict[str, int] = {}  # id -> its line
        self.headings: dict[tuple[int, str], str] = {}

    # -- errors

    def error(self, key: KeyPath, node: Node, message: str) -> InputError:
        return InputError(message, file=self.label, line=_line(node), key=_dotted(key))

    def expected(self, key: KeyPath, node: Node, what: str) -> InputError:
        return self.error(key, node, f"expected {what}, got {_show(node)}")

    # -- shapes

    def mapping(
        self, node: Node, key: KeyPath, allowed: tuple[str, ...], required: tuple[str, ...]
    ) -> Fields:
        """The keys of a mapping in file order; unknown, duplicate and missing keys are errors."""
        if not isinstance(node, MappingNode):
            raise self.expected(key, node, "a mapping with keys " + ", ".join(allowed))
        fields: Fields = {}
        for key_node, value_node in node.value:
            if not (isinstance(key_node, ScalarNode) and key_node.tag == _STR):
                raise self.expected(key, key_node, "a key name")
            name = key_node.value
            if name in fields:
                first = _line(fields[name][0])
                raise self.error((*key, name), key_node, f"duplicate key (first at line {first})")
            if name not in allowed:
                raise self.error((*key, name), key_node, "unknown key" + _suggest(name, allowed))
            fields[name] = (key_node, value_node)
        for name in required:
            if name not in fields:
                raise self.error((*key, name), node, "required key is missing")
        return fields

    def sequence(self, node: Node, key: KeyPath, what: str) -> Iterator[tuple[KeyPath, Node]]:
        """The items of a non-empty list, each with its key path."""
        if not isinstance(node, SequenceNode) or not node.value:
            raise self.expected(key, node, f"a list of {what}")
        for index, item in enumerate(node.value):
            yield (*key, index), item

    def line_of_text(self, node: Node, key: KeyPath, what: str = "one line of text") -> str:
        if not (isinstance(node, ScalarNode) and node.tag == _STR):
            raise self.expected(key, node, what)
        value: str = node.value
        if not value.strip() or "\n" in value or value != value.strip():
            raise self.expected(key, node, what + " (no line breaks, no surrounding spaces)")
        return value

    def word(self, node: Node, key: KeyPath, pattern: re.Pattern[str], what: str) -> str:
        if not (
            isinstance(node, ScalarNode) and node.tag == _STR and pattern.fullmatch(node.value)
        ):
            raise self.expected(key, node, what)
        value: str = node.value
        return value

    def boolean(self, node: Node, key: KeyPath) -> bool:
        if not (isinstance(node, ScalarNode) and node.tag == _BOOL):
            raise self.expected(key, node, "true or false")
        return bool(SafeConstructor.bool_values[node.value.lower()])

    # -- the ladder

    def ladder(self, root: Node) -> Ladder:
        fields = self.mapping(root, (), _TOP, _TOP)
        what = 'a lower-case name such as "backend-developer"'
        name = self.word(fields["name"][1], ("name",), _NAME, what)
        title = self.line_of_text(fields["title"][1], ("title",))
        dimensions = self.dimension_names(fields["dimensions"][1], ("dimensions",))
        for key, node in self.sequence(fields["levels"][1], ("levels",), "levels"):
            level_fields = self.mapping(node, key, _LEVEL, _LEVEL)
            level = self.level_number(level_fields["level"][1], (*key, "level"))
            self.level(level, level_fields["dimensions"][1], (*key, "dimensions"), dimensions)
        return Ladder(
            name=name,
            title=title,
            levels=tuple(self.level_lines),
            dimensions=dimensions,
            expectations=MappingProxyType(self.expectations),
            headings=MappingProxyType(self.headings),
        )

    def dimension_names(self, node: Node, key: KeyPath) -> tuple[str, ...]:
        names: list[str] = []
        for item_key, item in self.sequence(node, key, "dimension names"):
            name = self.word(item, item_key, _DIMENSION, 'a lower-case word such as "mastery"')
            if name in names:
                raise self.error(item_key, item, f"dimension {name!r} is listed twice")
            names.append(name)
        return tuple(names)

    def level_number(self, node: Node, key: KeyPath) -> int:
        what = "a level number (1 or more)"
        if not (isinstance(node, ScalarNode) and node.tag == _INT):
            raise self.expected(key, node, what)
        if not _DECIMAL.fullmatch(node.value) or int(node.value) < 1:
            raise self.expected(key, node, what)
        level = int(node.value)
        if level in self.level_lines:
            first = self.level_lines[level]
            raise self.error(key, node, f"level {level} is listed twice (first at line {first})")
        last = max(self.level_lines, default=0)
        if level < last:
            raise self.error(key, node, f"levels must go up: level {level} after level {last}")
        self.level_lines[level] = _line(node)
        return level

    def level(self, level: int, node: Node, key: KeyPath, names: tuple[str, ...]) -> None:
        """One level's dimensions, in the order of the top-level list, and their expectations."""
        done: list[str] = []
        for item_key, item in self.sequence(node, key, "dimensions"):
            fields = self.mapping(item, item_key, _DIMENSION_KEYS, _DIMENSION_KEYS)
            dim_key, dim_node = (*item_key, "dimension"), fields["dimension"][1]
            dimension = self.word(dim_node, dim_key, _DIMENSION, "a dimension name")
            if dimension not in names:
                message = f"unknown dimension {dimension!r}" + _suggest(dimension, names)
                raise self.error(dim_key, dim_node, message)
            if dimension in done:
                message = f"dimension {dimension!r} appears twice in level {level}"
                raise self.error(dim_key, dim_node, message)
            if done and names.index(dimension) < names.index(done[-1]):
                message = (
                    f"dimensions must follow the top-level order: {dimension!r} after {done[-1]!r}"
                )
                raise self.error(dim_key, dim_node, message)
            done.append(dimension)
            heading = self.line_of_text(fields["heading"][1], (*item_key, "heading"))
            self.headings[level, dimension] = heading
            exp_key = (*item_key, "expectations")
            for each_key, each in self.sequence(fields["expectations"][1], exp_key, "expectations"):
                expectation = self.expectation(each, each_key, level, dimension)
                self.expectations[expectation.id] = expectation

    def expectation(self, node: Node, key: KeyPath, level: int, dimension: str) -> Expectation:
        fields = self.mapping(node, key, _EXPECTATION, _EXPECTATION_REQUIRED)
        ident = self.expectation_id(fields["id"][1], (*key, "id"), level, dimension)
        text = self.line_of_text(fields["text"][1], (*key, "text"))
        examples: list[str] = []
        if "examples" in fields:
            for item_key, item in self.sequence(
                fields["examples"][1], (*key, "examples"), "examples"
            ):
                examples.append(self.line_of_text(item, item_key))
        observable = self.boolean(fields["observable"][1], (*key, "observable"))
        why_not: str | None = None
        if "why_not" in fields:
            key_node, value_node = fields["why_not"]
            if observable:
                message = "only for observable: false (drop it, or set observable: false)"
                raise self.error((*key, "why_not"), key_node, message)
            why_not = self.line_of_text(value_node, (*key, "why_not"))
        elif not observable:
            message = "required when observable is false: say in one line why GitLab cannot show it"
            raise self.error((*key, "why_not"), node, message)
        seed_text: str | None = None
        if "seed_text" in fields:
            value_node = fields["seed_text"][1]
            seed_text = self.line_of_text(value_node, (*key, "seed_text"))
            if seed_text == text:
                message = "same as text: keep seed_text only when text fixes the seed's spelling"
                raise self.error((*key, "seed_text"), value_node, message)
        return Expectation(
            id=ident,
            level=level,
            dimension=dimension,
            text=text,
            examples=tuple(examples),
            observable=observable,
            why_not=why_not,
            seed_text=seed_text,
        )

    def expectation_id(self, node: Node, key: KeyPath, level: int, dimension: str) -> str:
        prefix = f"l{level}.{dimension}."
        what = f"an id {prefix}<slug>, the slug 2 to 6 lower-case words joined by '-'"
        if not (isinstance(node, ScalarNode) and node.tag == _STR):
            raise self.expected(key, node, what)
        ident: str = node.value
        if not ident.startswith(prefix):
            where = f"an id starting {prefix!r} (the level and dimension it sits in)"
            raise self.expected(key, node, where)
        if not _SLUG.fullmatch(ident.removeprefix(prefix)):
            raise self.expected(key, node, what)
        if ident in self.id_lines:
            raise self.error(key, node, f"duplicate id (first at line {self.id_lines[ident]})")
        self.id_lines[ident] = _line(node)
        return ident


# -- helpers -----------------------------------------------------------------------------------


def _line(node: Node) -> int:
    return int(node.start_mark.line) + 1


def _dotted(key: KeyPath) -> str:
    out = ""
    for part in key:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


def _suggest(name: str, known: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    if close:
        return f" (did you mean {close[0]!r}?)"
    return " (expected one of: " + ", ".join(known) + ")"


def _show(node: Node) -> str:
    """A node as a message shows it: its kind for collections, its text for scalars."""
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "an empty list" if not node.value else "a list"
    if not isinstance(node, ScalarNode) or node.tag == _NULL:
        return "nothing"
    value = str(node.value)
    if len(value) > 60:
        value = value[:57] + "..."
    # repr keeps a string's line breaks visible (as \n) and the message on one line.
    return repr(value) if node.tag == _STR else _one_line(value)


def _one_line(text: str) -> str:
    return " ".join(text.split())
