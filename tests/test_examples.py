"""The examples run as a new user would run them."""

import os
import subprocess
import sys
from pathlib import Path

from _required import REQUIRED

ROOT = Path(__file__).resolve().parent.parent


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
    for backend in REQUIRED - {"numpy"}:
        assert f"{backend:<11} f  =" in out.stdout, f"{backend} did not run"


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
    for backend in REQUIRED - {"numpy"}:
        assert f"{backend:<11} loss" in out.stdout, f"{backend} did not run"
