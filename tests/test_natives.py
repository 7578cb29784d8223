"""check --natives: the frameworks' own activations against the contract, named by kind.

The classifier is tested on stand-in natives whose faults are known; the real frameworks'
findings are not asserted (a release that fixes one must not fail this suite), only that
every installed framework is measured.
"""

import os
import re
import subprocess
import sys

import numpy as np
import pytest
from _required import REQUIRED, require

from activations import _natives


def _faulty_relu(x, negative_slope, max_value, threshold):
    """relu with one fault of each value kind: NaN -> 0, relu(0) = -0.0, relu(inf) finite,
    and values in (1, 2) a little off."""
    y = np.maximum(x, 0)
    y = np.where(np.isnan(x), 0, y)
    y = np.where(x == 0, -0.0, y)
    y = np.where(np.isposinf(x), np.finfo(x.dtype).max, y)
    return np.where((x > 1) & (x < 2), y * x.dtype.type(1 + 2**-20), y).astype(x.dtype)


def _source(backend: str, **calls) -> _natives.Source:
    return _natives.Source("stand-in", backend, backend, lambda: calls)


def _measure(source: _natives.Source, name: str) -> _natives.NativeResult:
    found = _natives.check_natives(activations=[name], found=[source], n_random=20)
    (result,) = [r for r in found if r.label == name]  # the default parameters
    return result


def test_each_kind_of_value_fault_is_named() -> None:
    r = _measure(_source("numpy", relu=_faulty_relu), "relu")
    assert r.kinds == {"NaN", "-0.0", "inf", "ULP"}, r.examples
    assert r.derivative_ulp is None  # NumPy: no autograd
    assert r.examples["NaN"].startswith("f(nan) = 0.0")


def test_a_faithful_native_is_clean() -> None:
    r = _measure(_source("numpy", relu6=lambda x: np.minimum(np.maximum(x, 0), 6)), "relu6")
    assert not r.kinds and r.value_ulp == 0, r.examples


def test_dtype_and_error_are_named() -> None:
    r = _measure(_source("numpy", relu6=lambda x: np.clip(x.astype("float64"), 0, 6)), "relu6")
    assert "dtype" in r.kinds and r.examples["dtype"] == "f: float32 in, float64 out"

    def refuses(x):
        raise RuntimeError("not for this input\nsecond line")

    r = _measure(_source("numpy", relu6=refuses), "relu6")
    assert r.kinds == {"error"}
    assert r.examples["error"] == "f: RuntimeError: not for this input"


def test_a_derivative_s_kink_and_nan_are_named() -> None:
    torch = require("torch")

    def relu_one_at_zero(x, negative_slope, max_value, threshold):
        return torch.where(x >= 0, x, torch.zeros_like(x))  # f'(0) = 1, f'(nan) = 0

    r = _measure(_source("torch", relu=relu_one_at_zero), "relu")
    assert r.kinds == {"kink", "NaN"}, r.examples
    assert r.value_ulp == 0 and r.derivative_ulp == 0
    assert re.match(r"f'\(-?0\.0\) = 1\.0", r.examples["kink"]), r.examples


def test_numpy_idioms_show_their_errors() -> None:
    """The idioms are this library's own code: their findings are stable."""
    found = _natives.check_natives(["numpy"], ["elu", "softplus", "relu", "gelu"])
    r = {x.label: x for x in found}
    assert r["elu"].derivative_ulp is None
    assert "ULP" in r["elu"].kinds  # exp(x) - 1 cancels
    assert "ULP" in r["softplus"].kinds  # log1p(exp(100)) overflows
    assert not r["relu"].kinds
    assert "dtype" not in r["gelu"].kinds  # float32 constants


def test_every_installed_framework_is_measured() -> None:
    names = {s.backend for s in _natives.SOURCES}
    for name in sorted(names & REQUIRED):
        require(name)
    found = _natives.sources()
    assert {s.backend for s in found} >= names & REQUIRED
    results = _natives.check_natives(activations=["relu6"], n_random=20)
    assert {r.source for r in results} == {s.name for s in found}
    for r in results:  # what each finds is the frameworks' business; that it runs is ours
        assert "error" not in r.kinds, (r.source, r.examples)


def test_keras_ops_is_measured_only_on_tensorflow() -> None:
    require("tensorflow")
    require("jax")
    code = (
        "from activations import _natives\n"
        "print(sorted({r.source for r in _natives.check_natives(['tensorflow'], ['relu6'])}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "KERAS_BACKEND": "jax", "TF_CPP_MIN_LOG_LEVEL": "3"},
        timeout=600,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "['tf.nn / keras.activations']", out.stdout


def test_the_keras_backend_selects_keras_ops(capsys: pytest.CaptureFixture[str]) -> None:
    require("tensorflow")
    require("keras")
    found = [s.name for s in _natives.sources(["keras"])]
    assert found == ["keras.ops"]
    from activations.__main__ import main

    code = main(["check", "--natives", "--backend", "keras", "--activation", "relu6"])
    out = capsys.readouterr().out
    assert code == 0 and "keras.ops" in out and "torch.nn.functional" not in out, out


def test_check_natives_prints_the_tables(capsys: pytest.CaptureFixture[str]) -> None:
    from activations.__main__ import main

    assert main(["check", "--natives", "--backend", "numpy", "--activation", "elu"]) == 0
    out = capsys.readouterr().out
    assert "NumPy idioms" in out
    assert re.search(r"^elu\s+\S+/-\s+ULP$", out, re.M), out  # its row: no autograd, ULP
    assert main(["check", "--natives", "--autodiff"]) == 2


def test_a_backend_without_natives_is_told_so(capsys: pytest.CaptureFixture[str]) -> None:
    require("dask")
    from activations.__main__ import main

    assert main(["check", "--natives", "--backend", "dask"]) == 2
    err = capsys.readouterr().err
    assert "dask: no native activations to measure here (natives: jax, keras, numpy" in err


def test_an_activation_without_a_native_is_told_so(capsys: pytest.CaptureFixture[str]) -> None:
    from activations.__main__ import main

    assert main(["check", "--natives", "--backend", "numpy", "--activation", "sparse_plus"]) == 2
    assert "NumPy idioms has no native sparse_plus" in capsys.readouterr().err


def test_the_new_activations_have_their_natives() -> None:
    """Each framework's own function for them is measured (numpy: its idioms)."""
    found = _natives.check_natives(["numpy"], ["softsign", "tanhshrink", "exponential"])
    assert {r.label for r in found} == {"softsign", "tanhshrink", "exponential"}
