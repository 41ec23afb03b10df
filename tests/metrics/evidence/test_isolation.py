"""The driver-evidence arithmetic is plain numbers: it must import without Django."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]


def test_the_evidence_arithmetic_imports_without_django():
    script = "; ".join(
        [
            "import sys",
            "import apps.metrics.evidence.arithmetic",
            "bad = sorted(m for m in sys.modules if m.split('.')[0] == 'django')",
            "assert not bad, bad",
            "assert 'numpy' in sys.modules and 'scipy' in sys.modules",
        ]
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
