"""The command line and the generated documentation."""

import subprocess
import sys
from pathlib import Path

import pytest

from activations import _doctable
from activations.__main__ import main

ROOT = Path(__file__).resolve().parent.parent


def test_info_lists_backends(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert "numpy" in out and "available" in out


def test_check_prints_the_table_and_passes(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "check",
            "--backend",
            "numpy",
            "--activation",
            "relu",
            "--activation",
            "gelu",
            "--random",
            "50",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert "relu " in out and "gelu(approximate=True)" in out and "0 failed" in out


def test_check_of_an_unknown_activation_fails_clearly() -> None:
    with pytest.raises(ValueError, match="unknown activation"):
        main(["check", "--activation", "rleu"])


def test_module_entry_point_runs() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "activations", "info"], capture_output=True, text=True, check=True
    ).stdout
    assert out.startswith("activations ")


def test_conventions_doc_is_generated_from_the_catalog() -> None:
    text = (ROOT / "docs" / "conventions.md").read_text()
    assert _doctable.generated() in text, "run: python -m activations._doctable --write"


def test_readme_examples_run() -> None:
    import doctest

    result = doctest.testfile(
        str(ROOT / "README.md"), module_relative=False, optionflags=doctest.NORMALIZE_WHITESPACE
    )
    assert result.attempted > 5 and result.failed == 0


def test_bench_runs_and_evaluates_the_targets(tmp_path: Path) -> None:
    png = tmp_path / "perf.png"
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "activations",
            "bench",
            "--backend",
            "numpy",
            "--size",
            "16",
            "--size",
            "1000",
            "--dtype",
            "float32",
            "--budget",
            "0.002",
            "--plot",
            str(png),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    for label in (
        "activations.relu(x)",
        "np.clip(x, 0, inf)",
        "x[x < 0] = 0",
        "relu.derivative(x)",
        "relu.vjp(x, dout)",
        "activations.gelu(x)",
    ):
        assert label in out.stdout
    assert "dispatch <= 1.10x native" in out.stdout  # the targets are evaluated
    assert "import activations adds" in out.stdout
    assert png.stat().st_size > 10_000 and png.read_bytes()[:4] == b"\x89PNG"


def test_bench_targets_compare_the_right_references() -> None:
    from activations._bench import Result, targets

    def r(label: str, seconds: float, library: bool = False) -> Result:
        return Result("numpy", "float64", 16, label, "value", seconds, 1.0, 2, library)

    rows = targets(
        [
            r("activations.relu(x)", 2.0, True),
            r("np.maximum(x, 0)", 4.0),
            r("np.clip(x, 0, inf)", 1.0),
        ]
    )
    relu = next(row for row in rows if "fastest idiom" in row[0])
    assert relu[1] == 2.0 and not relu[3] and "np.clip" in relu[0]
