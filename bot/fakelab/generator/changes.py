"""What a merge request changes: the paths it touches and their diffs, shaped by kind and level."""

from __future__ import annotations

import random

from bot.fakelab.generator.corpus import layouts
from bot.fakelab.generator.guarantees import Guarantees
from bot.fakelab.generator.randomness import random_hex
from bot.fakelab.generator.records import Json, Module, Project


class ChangedFiles:
    """The diffs of one merge request about ``module``, each path once."""

    def __init__(
        self, rng: random.Random, project: Project, module: Module, guarantees: Guarantees
    ) -> None:
        self.rng, self.project, self.module, self.guarantees = rng, project, module, guarantees
        self.stack = project.stack
        self.paths: dict[str, Json] = {}

    def for_kind(self, kind: str, level: int, opened: str) -> list[Json]:
        """Seniors touch more files; ``opened`` (ISO time) names a migration file."""
        rng, level = self.rng, max(1, level)
        scale = 0.6 + level * 0.25
        if kind in ("bug", "security"):
            self._source(rng.randint(1, 2))
            self._test(0.4 if level == 1 else 0.75)
        elif kind in ("feature", "perf"):
            self._source(round(rng.randint(1, 4) * scale))
            self._test(0.85)
            if rng.random() < 0.1 * level:
                self._docs(1)
        elif kind in ("refactor", "tech-debt"):
            self._source(round(rng.randint(2, 5) * scale), churn=True)
            self._test(0.7)
            if kind == "tech-debt" and rng.random() < 0.3:
                self._dependency_files(1)
        elif kind == "migration":
            self._migration(opened)
            self._test(0.9)
        elif kind == "docs":
            self._docs(rng.randint(1, 2))
        elif kind == "ci":
            self._ci(rng.randint(1, 2))
        if self.guarantees.needs("path:test") and kind not in ("docs", "ci"):
            self._test(1.0)
        return list(self.paths.values())

    def dependencies(self) -> list[Json]:
        """A dependency update: the stack's first one or two dependency files."""
        self._dependency_files(self.rng.randint(1, 2))
        return list(self.paths.values())

    def _add(self, path: str, status: str = "modified") -> None:
        if path in self.paths:
            return
        modified, new, deleted = layouts.HUNKS[ext_group(path)]
        old = path
        if status == "renamed":
            folder, _, base = path.rpartition("/")
            old = f"{folder}/legacy_{base}" if folder else f"legacy_{base}"
            self.guarantees.done("rename")
        elif status == "deleted":
            self.guarantees.done("delete")
        diff = {"modified": modified, "new": new, "deleted": deleted, "renamed": ""}[status]
        self.paths[path] = {
            "old_path": old,
            "new_path": path,
            "new_file": status == "new",
            "renamed_file": status == "renamed",
            "deleted_file": status == "deleted",
            "diff": diff,
        }
        if "test" in path or "spec" in path:
            self.guarantees.done("path:test")
        elif path.endswith(".md"):
            self.guarantees.done("path:docs")
        elif path in layouts.CI_PATHS:
            self.guarantees.done("path:ci")

    def _source(self, count: int, *, churn: bool = False) -> None:
        """Source files: the MR's module first; refactors (``churn``) rename and delete."""
        rng, guarantees = self.rng, self.guarantees
        for index in range(max(1, count)):
            module = self.module if index < 2 else rng.choice(self.project.modules)
            path = module.fill(rng.choice(layouts.SOURCE_PATHS[self.stack]))
            status = "modified"
            if churn or rng.random() < 0.05:
                roll = rng.random()
                if guarantees.needs("rename") or roll < 0.15:
                    status = "renamed"
                elif guarantees.needs("delete") or roll < 0.25:
                    status = "deleted"
            elif rng.random() < 0.15:
                status = "new"
            self._add(path, status)

    def _test(self, chance: float) -> None:
        if self.rng.random() < chance:
            path = self.module.fill(self.rng.choice(layouts.TEST_PATHS[self.stack]))
            self._add(path, "new" if self.rng.random() < 0.3 else "modified")

    def _docs(self, count: int) -> None:
        for _ in range(count):
            self._add(self.module.fill(self.rng.choice(layouts.DOC_PATHS)))

    def _ci(self, count: int) -> None:
        for _ in range(count):
            self._add(self.rng.choice(layouts.CI_PATHS))

    def _dependency_files(self, count: int) -> None:
        files = layouts.DEPENDENCY_FILES[self.stack]
        for path in files[: max(1, min(count, len(files)))]:
            self._add(path)

    def _migration(self, opened: str) -> None:
        """A migration file named like the stack's tool does, plus the schema and a model."""
        rng, project = self.rng, self.project
        project.migration_seq += 1
        digits = opened[0:4] + opened[5:7] + opened[8:10] + opened[11:13] + opened[14:16]
        digits += opened[17:19]
        template = rng.choice(layouts.MIGRATION_PATHS[self.stack])
        number = str(project.migration_seq + 100)
        path = self.module.fill(template, ts=digits, rev=random_hex(rng, 12), n=number)
        self._add(path, "new")
        self.guarantees.done("path:migration")
        schema = layouts.SCHEMA_FILES.get(self.stack)
        if schema:
            self._add(schema)
        self._source(1)


def ext_group(path: str) -> str:
    """``.py``, ``.yml``, ``Dockerfile``, ``deps``…: the key of a file's hunks and review pools."""
    name = path.rsplit("/", 1)[-1]
    dot = name.rfind(".")
    ext = name[dot:] if dot > 0 else name
    return ext if ext in layouts.HUNKS else layouts.HUNK_ALIASES.get(ext, "deps")


def reverted(diff: Json) -> Json:
    """The diff that undoes ``diff``: new files are deleted and vice versa."""
    out = dict(diff)
    if diff["new_file"] or diff["deleted_file"]:
        out["new_file"], out["deleted_file"] = diff["deleted_file"], diff["new_file"]
    if diff["renamed_file"]:
        out["old_path"], out["new_path"] = diff["new_path"], diff["old_path"]
    body = str(diff["diff"])
    out["diff"] = "\n".join(
        ("+" + line[1:])
        if line.startswith("-")
        else ("-" + line[1:])
        if line.startswith("+")
        else line
        for line in body.split("\n")
    )
    return out
