"""The benchmark runs, reports well-formed figures, and its contenders agree.

Timing ratios are not asserted (shared machines are noisy); only that the bench works and
that the correctness checks inside it hold.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks" / "bench.py"

pytest.importorskip("sklearn")


@pytest.fixture(scope="module")
def report():
    """The bench's JSON report from a quick run."""
    out = subprocess.run([sys.executable, str(BENCH), "--quick", "--json"], capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_report_has_expected_sections(report):
    for key in ("quick", "setup", "sizes", "results", "checks", "memory", "summary"):
        assert key in report
    assert report["quick"] is True
    for key in ("cpu_count", "numpy", "numba", "blas", "OPENBLAS_CORETYPE"):
        assert key in report["setup"]


def test_rows_hold_positive_numbers(report):
    names = [r["name"] for r in report["results"]]
    assert any(n.startswith("train: ours / scikit-learn") for n in names)
    assert any(n.startswith("train: ours / numpy loop") for n in names)
    assert any(n.startswith("respond:") for n in names)
    for r in report["results"]:
        for key in ("ours", "baseline", "ratio", "target"):
            assert isinstance(r[key], (int, float)) and math.isfinite(r[key]) and r[key] > 0, r
        assert isinstance(r["pass"], bool)


def test_contenders_do_the_same_arithmetic(report):
    checks = report["checks"]
    assert checks["same_weights_naive"] is True
    assert checks["same_weights_sklearn"] is True
    assert checks["same_weights"] is True
    assert checks["same_answers"] is True


def test_memory_section(report):
    mem = report["memory"]
    assert mem["trials"] == 2000
    assert mem["import_peak_rss_mb"] > 0
    if mem["available"]:
        assert mem["peak_rss_mb"] > 0 and mem["wall_s"] > 0
        assert any(r["name"].startswith("memory:") for r in report["results"])
    else:
        assert mem["error"]


def test_kiosk_section(report):
    """The one-card session as shipped never loads numba; the old path it is compared with does."""
    procs = report["kiosk"]["processes"]
    assert procs["ours"]["numba_loaded"] is False
    assert procs["old path"]["numba_loaded"] is True
    names = [r["name"] for r in report["results"]]
    for prefix in ("kiosk: session RSS", "kiosk: start to first trial, warm",
                   "kiosk: start to first trial, cold", "kiosk: one-card trial, CPU"):
        assert any(n.startswith(prefix) for n in names), prefix


def test_kiosk_screens_rows(report):
    """The exhibit's screens are measured: its rows are there, and the real exhibit and the app
    built for the screens' figures never load numba."""
    screens = report["kiosk"]["screens"]
    assert screens["numba_loaded"] is False
    assert screens["screens"]["day"]["mode_at_end"] == "attract"
    names = [r["name"] for r in report["results"]]
    for prefix in ("kiosk: attract loop CPU", "kiosk: idle visitor screen CPU",
                   "kiosk: frame 1920x1080, attract loop, p99",
                   "kiosk: frame 1920x1080, visitor teaching, p99",
                   "kiosk: exhibit RSS", "kiosk: launch to first attract frame, warm",
                   "kiosk: launch to first attract frame, cold"):
        assert any(n.startswith(prefix) for n in names), prefix
