"""The engine is arithmetic, not ORM: it must import without Django or any third party."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import apps.metrics.engine as engine

REPO = Path(__file__).resolve().parents[2]


def engine_modules() -> list[str]:
    return [
        "apps.metrics.engine",
        *(f"apps.metrics.engine.{m.name}" for m in pkgutil.iter_modules(engine.__path__)),
    ]


def test_every_engine_module_imports_without_django():
    modules = engine_modules()
    assert len(modules) >= 10
    script = "; ".join(
        [
            "import sys",
            *(f"import {name}" for name in modules),
            "bad = sorted(m for m in sys.modules if m.split('.')[0] == 'django')",
            "assert not bad, bad",
        ]
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_the_engine_uses_the_standard_library_only():
    script = "\n".join(
        [
            "import sys",
            "before = set(sys.modules)",
            *(f"import {name}" for name in engine_modules()),
            "new = {m.split('.')[0] for m in set(sys.modules) - before}",
            "third = sorted(n for n in new if n != 'apps' and n not in sys.stdlib_module_names)",
            "assert not third, third",
        ]
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
