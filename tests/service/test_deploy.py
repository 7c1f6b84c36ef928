"""The deployment files say what docs/deployment.md says they do."""

from __future__ import annotations

import configparser
import re
from typing import Any

import yaml

from bot.commands.service import run_command, status_command
from tests.service.helpers import ROOT

UNIT = ROOT / "deploy" / "ladder-bot.service"
CI = ROOT / "deploy" / "gitlab-ci.example.yml"
DOCS = ROOT / "docs" / "deployment.md"


def test_the_systemd_unit() -> None:
    unit = configparser.ConfigParser(interpolation=None, strict=True)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read_string(UNIT.read_text())
    service = unit["Service"]
    assert re.fullmatch(r"\S+/ladder-bot run --log-json", service["ExecStart"])
    assert service["Restart"] == "on-failure"
    assert service["KillSignal"] == "SIGTERM"
    assert int(service["TimeoutStopSec"]) >= 60
    assert service["User"] and service["WorkingDirectory"]
    assert service["EnvironmentFile"].startswith("/etc/")
    assert "TOKEN" not in service.get("Environment", "")  # the token only in the env file
    assert unit["Install"]["WantedBy"] == "multi-user.target"


class _GitLabCI(yaml.SafeLoader):
    """YAML with GitLab's ``!reference [job, key]`` tag."""


def _reference(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    assert isinstance(node, yaml.SequenceNode)
    return {"!reference": loader.construct_sequence(node)}


_GitLabCI.add_constructor("!reference", _reference)


def test_the_ci_example() -> None:
    data = yaml.load(CI.read_text(), Loader=_GitLabCI)
    base = data[".ladder-bot"]
    assert "ladder-bot run --once --log-json" in base["script"]
    assert base["resource_group"] == "ladder-bot"  # never two cycles at once
    assert {"if": '$CI_PIPELINE_SOURCE == "schedule"'} in base["rules"]
    jobs = {
        name: job
        for name, job in data.items()
        if not name.startswith(".") and isinstance(job, dict) and "extends" in job
    }
    assert set(jobs) == {"ladder-bot:postgres", "ladder-bot:sqlite"}
    sqlite = jobs["ladder-bot:sqlite"]
    state = [cache for cache in sqlite["cache"] if cache["paths"] == ["state/"]]
    assert state and state[0]["when"] == "always"
    assert "GITLAB_TOKEN:" not in CI.read_text()  # a CI/CD variable, never in the file


def test_the_docs_cover_the_commands_and_link_the_files() -> None:
    docs = DOCS.read_text()
    for command in (run_command, status_command):
        for param in command.params:
            for option in getattr(param, "opts", ()):
                if option.startswith("--") and option != "--config":
                    assert option in docs, option
    for link in re.findall(r"\]\((\.\./[^)#]+)\)", docs):
        assert (DOCS.parent / link).resolve().exists(), link
    for word in ("sync_every_minutes", "send_at", "ladder-bot db upgrade", "DST", "SIGTERM"):
        assert word in docs or (word == "DST" and "Daylight saving" in docs), word
