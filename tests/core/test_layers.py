"""The layers hold by construction: `lint-imports` (run by `make test` before pytest)
keeps the contracts in pyproject.toml, and breaks them when a wrong import arrives."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LINT_IMPORTS = str(Path(sys.executable).with_name("lint-imports"))


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [LINT_IMPORTS, "--no-cache"], cwd=root, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture
def tree(tmp_path) -> Path:
    """A copy of the code and the contracts, to add a wrong import to."""
    shutil.copytree(REPO / "apps", tmp_path / "apps", ignore=shutil.ignore_patterns("__pycache__", "locale"))
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def add_line(path: Path, line: str) -> None:
    path.write_text(path.read_text() + f"\n{line}\n")


def test_the_tree_keeps_every_contract():
    result = lint_imports(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout


def test_the_copy_keeps_them_too(tree):
    # Proves the copy below fails for the added line only.
    result = lint_imports(tree)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "file, line, message",
    [
        (
            "core/roles.py",
            "from apps.metrics import models",
            "apps.core is not allowed to import apps.metrics",
        ),
        (
            "core/registry.py",
            "def f():\n    from apps.organization.models import User",
            "apps.core is not allowed to import apps.organization",
        ),
        (
            "metrics/services.py",
            "from apps.notifications import services",
            "apps.metrics is not allowed to import apps.notifications",
        ),
        (
            "organization/models.py",
            "from apps.dashboards import selectors",
            "apps.organization is not allowed to import apps.dashboards",
        ),
        ("metrics/engine/periods.py", "import django", "apps.metrics.engine is not allowed to import django"),
        (
            "metrics/engine/graph.py",
            "from apps.metrics import selectors",
            "apps.metrics.engine is not allowed to import",
        ),
    ],
)
def test_a_wrong_import_breaks_a_contract(tree, file, line, message):
    add_line(tree / "apps" / file, line)
    result = lint_imports(tree)
    assert result.returncode != 0
    assert "BROKEN" in result.stdout
    assert message in " ".join(result.stdout.split()), result.stdout


def test_make_test_and_make_lint_run_the_contracts_before_pytest():
    makefile = (REPO / "Makefile").read_text()
    for target in ("test:", "lint:"):
        body = makefile.split(f"\n{target}", 1)[1].split("\n\n", 1)[0]
        assert "lint-imports" in body, target
        if target == "test:":
            assert body.index("lint-imports") < body.index("run-tests.sh")
