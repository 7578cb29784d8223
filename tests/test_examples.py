"""The examples run as a new user would run them."""

import os
import subprocess
import sys
from pathlib import Path

from _required import REQUIRED, REQUIRED_ARRAYS, require

ROOT = Path(__file__).resolve().parent.parent
AUTOGRAD = {"torch", "tensorflow", "jax", "pytensor"}  # the MLP trains with each one's autograd


def test_framework_agnostic_snippet_agrees_across_frameworks() -> None:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    out = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "agnostic.py")],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert out.returncode == 0, out.stdout + out.stderr[-2000:]
    assert "largest difference from NumPy" in out.stdout
    for backend in REQUIRED_ARRAYS - {"numpy"}:
        assert f"{backend:<16} f  =" in out.stdout, f"{backend} did not run"


def test_theano_mlp_agrees_across_five_backends() -> None:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    out = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "theano_mlp.py"), "--steps", "10"],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )
    assert out.returncode == 0, out.stdout + out.stderr[-2000:]
    for backend in REQUIRED & AUTOGRAD:
        assert f"{backend:<11} loss" in out.stdout, f"{backend} did not run"


def test_dask_cluster_stays_under_the_worker_memory_limit() -> None:
    """The cluster example on a small array: 2x the limit, each worker under it, lazily."""
    require("distributed", "dask")
    out = subprocess.run(
        [
            sys.executable,
            str(ROOT / "examples" / "dask_cluster.py"),
            "--limit",
            "300MiB",
            "--factor",
            "2",
            "--chunk",
            "4MiB",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stdout + out.stderr[-3000:]
    assert "2.0x the per-worker limit" in out.stdout
    assert "one chunk equal to NumPy's: True" in out.stdout
    assert "every worker stayed under its limit" in out.stdout
    rows = [line for line in out.stdout.splitlines() if line.startswith("tcp://")]
    assert len(rows) == 2, out.stdout
