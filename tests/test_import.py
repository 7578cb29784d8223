"""Importing the package loads no framework (and not even SciPy or mpmath)."""

import subprocess
import sys

from _required import require

HEAVY = [
    "torch",
    "tensorflow",
    "jax",
    "keras",
    "pytensor",
    "dask",
    "distributed",
    "cupy",
    "array_api_strict",
    "array_api_compat",
    "scipy",
    "mpmath",
]


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys\nprint('\\n'.join(sys.modules))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return {line.split(".")[0] for line in out.split()}


def test_import_loads_no_framework() -> None:
    loaded = _modules_after("import activations")
    assert not loaded & set(HEAVY), loaded & set(HEAVY)


def test_numpy_calls_load_no_framework() -> None:
    code = (
        "import numpy as np, activations as A\n"
        "x = np.linspace(-3, 3, 7)\n"
        "for name in A.names():\n"
        "    f = A.get(name)\n"
        "    if name in ('prelu', 'threshold', 'gelu'):\n"
        "        continue\n"
        "    f(x); f.derivative(x); f.vjp(x, x)\n"
    )
    loaded = _modules_after(code)
    assert not loaded & set(HEAVY), loaded & set(HEAVY)


def test_scipy_is_loaded_by_gelu_only() -> None:
    loaded = _modules_after("import numpy as np, activations as A\nA.gelu(np.ones(3))")
    assert "scipy" in loaded
    assert not loaded & (set(HEAVY) - {"scipy"})


def test_array_api_calls_load_no_other_framework() -> None:
    """An array-api-strict array needs array-api-compat (a helper) and nothing heavy."""
    require("array_api_strict")
    code = (
        "import array_api_strict as xp, activations as A\n"
        "x = xp.linspace(-3, 3, 7)\n"
        "A.gelu(x); A.relu.vjp(x, x); A.prelu(x, 0.25)\n"
    )
    loaded = _modules_after(code)
    assert not loaded & (set(HEAVY) - {"array_api_strict", "array_api_compat"})


def test_test_files_have_unique_names() -> None:
    """The tests are imported by their file's name (no packages): two files of one name in
    different folders stop the collection of the whole suite."""
    from collections import Counter
    from pathlib import Path

    names = Counter(p.name for p in Path(__file__).parent.rglob("test_*.py"))
    assert [n for n, k in names.items() if k > 1] == []
