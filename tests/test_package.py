"""The package surface: every public name resolves, and the light layers stay free of torch."""

import subprocess
import sys

import pytest
from helpers import REPO

import dream_agent


@pytest.mark.parametrize("name", dream_agent.__all__)
def test_every_public_name_resolves(name):
    assert getattr(dream_agent, name) is not None


def test_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        dream_agent.nope  # noqa: B018


def test_no_merge_markers_left_in_sources():
    offenders = []
    for path in REPO.glob("**/*.py"):
        if any(part.startswith((".", "venv")) or part.endswith("-venv") for part in path.relative_to(REPO).parts):
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith(("<<<<<<< ", ">>>>>>> ")) or line == "=======":
                offenders.append(str(path.relative_to(REPO)))
                break
    assert offenders == []


def test_constraints_and_environments_import_without_torch():
    code = (
        "import sys, constraints, environments\n"
        "for name in environments.ENVIRONMENTS: environments.get_environment(name)\n"
        "import dream_agent.cli.validate\n"
        "bad = [m for m in ('torch', 'transformers', 'langchain_core') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True)
