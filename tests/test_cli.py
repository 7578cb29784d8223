"""The command line and the generated documentation."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from activations import _doctable
from activations.__main__ import main

ROOT = Path(__file__).resolve().parent.parent


def test_info_lists_backends(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert "numpy" in out and "available" in out


def test_info_says_whether_the_compiled_numpy_kernels_run(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from activations.backends.numpy import kernels

    assert main(["info", "--no-import"]) == 0
    (line,) = [ln for ln in capsys.readouterr().out.splitlines() if "numpy kernels" in ln]
    assert ("compiled" in line) == kernels.COMPILED, line


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


def test_check_autodiff_prints_its_summary(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", "--backend", "numpy", "--activation", "elu", "--autodiff"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "df/dparam" in out and "(6 passed, 0 failed" in out


def test_check_of_an_unknown_activation_fails_clearly(capsys) -> None:
    assert main(["check", "--activation", "rleu"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("python -m activations check: unknown activation 'rleu'")
    assert "did you mean 'relu'" in err


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
    relu_row = next(line for line in out.stdout.splitlines() if "activations.relu(x)" in line)
    assert "x idiom" in relu_row and "x copy" in relu_row  # both ratios, from one run
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


def test_bench_fastest_reference_by_kind() -> None:
    from activations._bench import Result, fastest_references

    def r(label: str, kind: str, seconds: float, library: bool = False) -> Result:
        return Result("numpy", "float32", 1000, label, kind, seconds, 1.0, 2, library)

    best = fastest_references(
        [
            r("activations.relu(x)", "value", 0.5, True),
            r("np.maximum(x, 0)", "value", 3.0),
            r("np.clip(x, 0, inf)", "value", 2.0),
            r("np.maximum(x, 0, out=x)", "inplace", 1.5),
            r("x * expit(x)", "smooth", 0.1),
        ]
    )
    assert best == {
        ("numpy", "float32", 1000, "value"): 2.0,
        ("numpy", "float32", 1000, "inplace"): 1.5,
    }


def test_plot_draws_every_backend_into_a_png(tmp_path) -> None:
    import matplotlib  # noqa: F401  (the test extra)

    out = tmp_path / "leaky.png"
    r = subprocess.run(
        [sys.executable, "-m", "activations", "plot", "leaky_relu", "--param",
         "negative_slope=0.2", "--backend", "numpy", "--out", str(out)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "largest difference between backends 0" in r.stdout


def test_plot_bad_input_is_a_clear_error() -> None:
    for args in (["gleu"], ["relu", "--param", "slope"], ["relu", "--param", "slope=1"], []):
        r = subprocess.run(
            [sys.executable, "-m", "activations", "plot", *args, "--backend", "numpy"],
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert r.returncode == 2, (args, r.stdout, r.stderr)
        assert r.stderr.startswith("python -m activations plot:"), r.stderr


def test_plot_evaluates_every_installed_backend_identically() -> None:
    from activations import _conformance as conf
    from activations import _plot

    x = np.linspace(-7, 7, 141)
    curves = _plot.evaluate("hardswish", {}, x)
    assert set(curves) == {h.name for h in conf.harnesses() if "float64" in h.dtypes}
    y0, d0 = curves["numpy"]
    for y, d in curves.values():
        np.testing.assert_array_equal(y, y0)
        np.testing.assert_array_equal(d, d0)


def test_param_parsing() -> None:
    from activations._plot import parse_params

    assert parse_params(["negative_slope=0.2", "max_value=None", "approximate=tanh"]) == {
        "negative_slope": 0.2,
        "max_value": None,
        "approximate": "tanh",
    }
    assert parse_params(["threshold=1"]) == {"threshold": 1}


def test_progress_on_a_terminal(monkeypatch, capsys) -> None:
    import io

    from activations import _progress

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    for rich_installed in (True, False):
        fake = Tty()
        monkeypatch.setattr(sys, "stderr", fake)
        if not rich_installed:
            monkeypatch.setitem(sys.modules, "rich.progress", None)  # import fails
        with _progress.Progress(3, "checking") as bar:
            for item in ("a", "b", "c"):
                bar.step(item)
        assert bar.done == 3
        if not rich_installed:
            assert "checking 3/3: c" in fake.getvalue()
    monkeypatch.setattr(sys, "stderr", io.StringIO())  # not a terminal: nothing written
    with _progress.Progress(1, "checking") as bar:
        bar.step("a")
    assert sys.stderr.getvalue() == ""


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["check", "--backend", "torchh"], "unknown backend 'torchh' (did you mean 'torch'?)"),
        (["check", "--activation", "gelux"], "unknown activation 'gelux'; did you mean 'gelu'"),
        (["plot", "relu", "--backend", "nosuch"], "unknown backend 'nosuch'"),
        (["plot"], "give an activation name, or --gallery DIR"),
        (["bench", "--backend", "pytensor", "--param-values", "0"], "bench times numpy, torch"),
        (["bench", "--size", "abc"], "argument --size: not a size: 'abc' (see --help)"),
        (["bench", "--backend", "keras"], "keras: symbolic tensors, not timed"),
        (["check", "--random"], "argument --random: expected one argument"),
        (["frob"], "invalid choice: 'frob'"),
    ],
)
def test_user_errors_exit_2_with_one_line(argv: list[str], message: str) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "activations", *argv], capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 2, out.stdout + out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in out.stderr, lines


@pytest.mark.parametrize(
    "argv",
    [
        ["check", "--backend", "numpy", "--backend", "torch"],
        ["check", "--natives", "--backend", "torch"],
        ["bench", "--backend", "torch"],
        ["bench", "--backend", "pytensor"],
        ["plot", "relu", "--backend", "torch"],
    ],
)
def test_a_backend_asked_for_but_not_installed_is_a_user_error(
    argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import importlib.util

    find_spec = importlib.util.find_spec
    hidden = {"torch", "pytensor"}

    def hide(name: str, *args: object) -> object:
        return None if name in hidden else find_spec(name, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(importlib.util, "find_spec", hide)
    assert main(argv) == 2
    assert capsys.readouterr().err.strip().endswith(f"{argv[-1]} is not installed")


def test_check_of_an_unknown_activation_imports_no_framework() -> None:
    code = (
        "import sys\n"
        "from activations.__main__ import main\n"
        "assert main(['check', '--activation', 'gelux']) == 2\n"
        "heavy = {'torch', 'tensorflow', 'jax', 'pytensor', 'dask', 'keras'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, timeout=300)


def test_version_and_sizes() -> None:
    from importlib import metadata

    import activations

    version = subprocess.run(
        [sys.executable, "-m", "activations", "--version"], capture_output=True, text=True
    )
    assert version.returncode == 0 and version.stdout == f"activations {activations.__version__}\n"
    assert metadata.version("activations-shim") == activations.__version__  # one version
    from activations.__main__ import _size

    assert _size("1e5") == _size("100_000") == _size("100000") == 100_000


@pytest.mark.parametrize("buffered", [True, False])
def test_a_reader_that_stops_early_is_fine(buffered: bool) -> None:
    """``| head``: the reader closes the pipe before the output is written (a block-buffered
    stdout fails at its last flush, a line-buffered one at the first line)."""
    import os

    env = {**os.environ, "PYTHONUNBUFFERED": "" if buffered else "1"}
    args = ["check", "--backend", "numpy", "--activation", "relu", "--random", "10"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "activations", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # before the first line: the conformance run takes seconds
    err = proc.stderr.read()
    assert proc.wait(timeout=300) == 0, err
    assert err == "", err


def test_plot_without_matplotlib_says_how_to_get_it(tmp_path: Path) -> None:
    stand_in = tmp_path / "matplotlib"  # first on the path: as if it were not installed
    stand_in.mkdir()
    (stand_in / "__init__.py").write_text("raise ModuleNotFoundError('No module named x')\n")
    import os

    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-m", "activations", "plot", "relu"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert out.returncode == 2 and "pip install 'activations-shim[bench]'" in out.stderr, out.stderr


def test_info_and_check_name_the_same_backends(capsys: pytest.CaptureFixture[str]) -> None:
    from activations.__main__ import _names

    assert main(["info", "--no-import"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()[1:]
    rows = lines[: next(i for i, line in enumerate(lines) if line.startswith("  ("))]
    listed = [line.split()[0] for line in rows]
    assert listed == list(_names())  # one row per name, none other
    assert "array_api" not in listed  # a dispatch entry; its library is array_api_strict
    from activations.__main__ import _known

    assert _known(listed) == listed  # every name info shows, check --backend takes
