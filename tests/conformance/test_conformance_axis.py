"""The conformance cells of softmax and log_softmax: every backend and dtype against the
definition in exact arithmetic (values and autograd gradients), and the cells' own power to
fail."""

import dataclasses
import subprocess
import sys

import numpy as np
import pytest
from _required import harness

from activations import _conformance as conf
from activations._axis import AXIS_ACTIVATIONS
from activations._conformance_axis import check_axis, vectors


@pytest.mark.parametrize("backend", conf.all_backends())
@pytest.mark.parametrize("name", list(AXIS_ACTIVATIONS))
def test_axis_conformance(backend: str, name: str) -> None:
    h = harness(backend)
    failures = []
    for dtype in h.dtypes:  # type: ignore[attr-defined]
        r = check_axis(h, name, dtype)  # type: ignore[arg-type]
        assert r.points > 50
        failures += [f"{dtype}: {f}" for f in r.failures]
    assert not failures, "\n".join(failures[:20])


@pytest.mark.parametrize("name", list(AXIS_ACTIVATIONS))
def test_a_value_one_part_in_a_million_off_fails(name: str) -> None:
    h = harness("numpy")
    off = dataclasses.replace(h, value=lambda f, x, kw: f(x) * (1 + 2.0**-20))  # type: ignore[type-var]
    assert not check_axis(off, name, "float64").ok
    assert not check_axis(off, name, "float32").ok
    assert check_axis(h, name, "float32").ok  # type: ignore[arg-type]


def test_a_wrong_gradient_fails() -> None:
    h = harness("numpy")
    rows = AXIS_ACTIVATIONS["softmax"]
    # the vjp of log_softmax in place of softmax's: values right, gradients wrong (NumPy's
    # cells take the gradient from vjp)
    original = rows.vjp
    try:
        rows.vjp = AXIS_ACTIVATIONS["log_softmax"].vjp  # type: ignore[method-assign]
        r = check_axis(h, "softmax", "float64")  # type: ignore[arg-type]
    finally:
        rows.vjp = original  # type: ignore[method-assign]
    assert r.value_ulp <= 16 and not r.ok and any("grad" in f for f in r.failures)


def test_the_vectors_hold_masks_ties_and_special_slices() -> None:
    vs = vectors("float32")
    assert any(np.isneginf(v).any() and np.isfinite(v).any() for v in vs)
    assert any(np.isnan(v).any() for v in vs) and any(np.isposinf(v).any() for v in vs)
    assert any((v == v.max()).sum() > 1 for v in vs if np.isfinite(v).all())


def test_check_prints_the_rows() -> None:
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "activations",
            "check",
            "--backend",
            "numpy",
            "--activation",
            "softmax",
            "--activation",
            "log_softmax",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr
    rows = [line.split() for line in run.stdout.splitlines()]
    for name in AXIS_ACTIVATIONS:
        row = next(r for r in rows if r and r[0] == name)
        assert row[-1] == "pass"
    assert "6 passed, 0 failed" in run.stdout
