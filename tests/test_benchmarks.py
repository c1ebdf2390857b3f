"""The benchmark runner keeps working: its tiny configuration runs in seconds and writes a report."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

RUNNER = Path(__file__).parent.parent / "benchmarks" / "run.py"


def test_quick_benchmark_writes_every_section_and_judges_every_goal(tmp_path):
    out = tmp_path / "RESULTS.md"
    proc = subprocess.run(
        [sys.executable, str(RUNNER), "--quick", "--out", str(out)], capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    text = out.read_text()
    headings = ["## Goals", "## 1. Start-up", "## 2. Time to a figure", "## 3. Gallery", "## 4. Evaluation"]
    headings += ["## 5. Scale", "## 6. Propagation"]
    for heading in headings:
        assert heading in text
    goals = text.split("## Goals", 1)[1].split("## 1.", 1)[0]
    judged = goals.count("| yes |") + goals.count("| **no** |")
    assert judged >= 4  # start-up (2), figure, gallery; evaluation when torch is installed
    assert "| `actplot list` |" in text and "| relu |" in text.split("## 4.", 1)[1]
