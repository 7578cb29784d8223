"""Type checkers infer the input's type for the result: mypy --strict and pyright pass."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from _required import REQUIRED

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "typed_usage.py"


# the package is type-checked against every framework it has a backend for
FRAMEWORKS = ("torch", "tensorflow", "keras", "jax", "pytensor", "dask", "array_api_strict")


def _needs_every_framework() -> None:
    import importlib.util

    missing = [m for m in FRAMEWORKS if importlib.util.find_spec(m) is None]
    if set(missing) & REQUIRED:
        pytest.fail(f"required here but not installed: {sorted(set(missing) & REQUIRED)}")
    if missing:
        pytest.skip(
            f"type-checking the backends needs every framework installed (missing: "
            f"{', '.join(missing)}); tox -e all"
        )


def _tool(name: str) -> list[str]:
    if shutil.which(name, path=str(Path(sys.executable).parent)) is None and not os.environ.get(
        "CI"
    ):
        pytest.skip(f"{name} is not installed (pip install -e '.[test]')")
    return [sys.executable, "-m", name]


def test_typed_usage_runs() -> None:
    out = subprocess.run([sys.executable, str(EXAMPLE)], capture_output=True, text=True)
    assert out.returncode == 0 and "typed usage: ok" in out.stdout, out.stderr


def test_mypy_strict_on_the_package_and_the_example() -> None:
    _needs_every_framework()
    out = subprocess.run(
        [*_tool("mypy"), "--strict", "--no-incremental", "activations", str(EXAMPLE)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_pyright_on_the_package_and_the_example() -> None:
    _needs_every_framework()
    out = subprocess.run(
        [*_tool("pyright"), "--pythonpath", sys.executable],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert out.returncode == 0, out.stdout[-5000:] + out.stderr
    assert "0 errors" in out.stdout


def test_a_wrong_type_is_caught(tmp_path: Path) -> None:
    """The check can fail: an ndarray result is not a torch.Tensor."""
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import numpy as np\nimport activations as A\n"
        "from typing_extensions import assert_type\n"
        "assert_type(A.relu(np.ones(3)), list[float])\n"
    )
    out = subprocess.run(
        [*_tool("mypy"), "--strict", "--no-incremental", str(bad)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert out.returncode == 1 and "assert-type" in out.stdout, out.stdout
