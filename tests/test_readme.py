"""The README's examples are what the code prints: each ```text block after a sentence that names a
`notify ...` command on a bundled example is that command's output, run now (exactly, when the
sentence says it prints; as an excerpt, when it says what the text becomes)."""

from __future__ import annotations

import re
import shlex

import pytest
from click.testing import CliRunner

from notify.cli.main import main

from .conftest import ROOT

README = (ROOT / "README.md").read_text()
BLOCK = re.compile(r"(?P<before>(?:^(?!```).+\n)+)\n```text\n(?P<body>[\s\S]*?)```", re.M)


def examples() -> list[tuple[str, str, str]]:
    found = []
    for match in BLOCK.finditer(README):
        commands = re.findall(r"`(notify [^`]*examples/[^`]*)`", match["before"])
        if commands:
            found.append((commands[-1], match["before"], match["body"]))
    return found


def test_the_readme_quotes_its_main_examples() -> None:
    assert len(examples()) >= 3, "the README's quoted outputs were not found; did their wording change?"


@pytest.mark.parametrize(("command", "before", "body"), examples(), ids=[e[0] for e in examples()])
def test_readme_output_is_what_the_command_prints(
    command: str, before: str, body: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(main, shlex.split(command)[1:])
    printed = result.output.strip()
    if "becomes" in before:  # an excerpt: each paragraph quoted appears as printed
        for paragraph in body.strip().split("\n\n"):
            assert paragraph in printed, f"README quotes, under `{command}`:\n{paragraph}\n\nit prints:\n{printed}"
    else:
        assert printed == body.strip(), f"`{command}` prints:\n{printed}"
