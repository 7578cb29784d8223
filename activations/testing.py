"""Test your own framework-agnostic code on every installed backend.

A pytest plugin, which a project turns on (``pytest -p activations.testing``, or
``pytest_plugins = ["activations.testing"]`` in its conftest.py), gives a ``backend`` fixture
parametrized over the backends; a test that takes it runs once per backend, and is skipped,
with the reason, where a backend is not installed. On JAX the test runs with x64 on, so that
float64 arrays stay float64::

    import numpy as np
    import activations as A
    from activations.testing import assert_same_across_backends

    def block(x):                          # your code: only activations.* and arithmetic
        return A.gelu(x) * 0.5 + A.relu(x, max_value=6.0)

    def test_block_on_every_backend(backend):
        x = backend.asarray(np.linspace(-8, 8, 101))
        y = backend.to_numpy(block(x))     # back on the host, as float64
        assert y.shape == (101,)

    def test_block_agrees_across_backends():
        assert_same_across_backends(block, np.linspace(-8, 8, 101))

``pytest --activations-backend torch --activations-backend jax`` restricts the runs; where a
backend must not be skipped (a CI job that installed it), the environment variable
``ACTIVATIONS_REQUIRE_BACKENDS=torch,jax`` turns its skip into a failure. The plugin is a
guest: its option is namespaced, it is off until a project turns it on, and a test that
parametrizes ``backend`` itself, or gets a project's own ``backend`` fixture, is left alone.
Importing this module imports no framework: each is imported by the first conversion to it.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._convert import MODULES, backend_name, to_backend, to_numpy
from .backends import library
from .backends._entry import dtype_scope

__all__ = [
    "BACKENDS",
    "BackendUnderTest",
    "assert_same_across_backends",
    "installed_backends",
    "to_backend",
    "to_numpy",
]

# every backend the kit runs on: name -> the module that must be importable
BACKENDS = MODULES
# the contract's ULP bounds between two backends (twice each backend's bound from the
# reference, for the derivative, the larger): docs/conventions.md
ULPS = {"float16": 2, "bfloat16": 2, "float32": 16, "float64": 64}
REQUIRE_ENV = "ACTIVATIONS_REQUIRE_BACKENDS"


def installed_backends() -> list[str]:
    """The backends whose framework is installed (nothing is imported to find out)."""
    return [n for n, m in BACKENDS.items() if importlib.util.find_spec(m) is not None]


@dataclass(frozen=True)
class BackendUnderTest:
    """What the ``backend`` fixture gives a test: the name and the two conversions."""

    name: str

    def asarray(self, array: Any) -> Any:
        """A NumPy array (or list) as this backend's array."""
        return to_backend(array, self.name)

    def to_numpy(self, y: Any) -> Any:
        return to_numpy(y)

    def __str__(self) -> str:
        return self.name


def _compare(name: str, got: np.ndarray, want: np.ndarray, ulps: float, what: str) -> None:
    if got.shape != want.shape:
        raise AssertionError(f"{what}: {name} gave shape {got.shape}, numpy {want.shape}")
    g, w = got.astype(np.float64).ravel(), want.astype(np.float64).ravel()
    bad = np.isnan(g) != np.isnan(w)
    both = ~np.isnan(g) & ~np.isnan(w)
    infinite = both & (np.isinf(g) | np.isinf(w))
    bad |= infinite & (g != w)
    finite = both & ~infinite
    spacing = np.spacing(np.maximum(np.abs(w), np.finfo(want.dtype).tiny).astype(want.dtype))
    err = np.zeros_like(g)
    err[finite] = np.abs(g[finite] - w[finite]) / np.abs(spacing[finite].astype(np.float64))
    bad |= err > ulps
    if bad.any():
        i = np.flatnonzero(bad)
        shown = ", ".join(f"[{k}] {g[k]!r} vs {w[k]!r}" for k in i[:5])
        raise AssertionError(
            f"{what}: {name} differs from numpy at {i.size} of {g.size} elements "
            f"(bound {ulps:g} ULP of {want.dtype}): {shown}"
        )


def assert_same_across_backends(
    fn: Callable[..., Any],
    *arrays: Any,
    backends: Sequence[str] | None = None,
    ulps: float | None = None,
) -> dict[str, Any]:
    """Run ``fn(*arrays)`` on NumPy and on every other backend; assert the same results.

    ``arrays`` are NumPy arrays (or lists), converted to each backend with :func:`to_backend`.
    Results (an array or a tuple of arrays) are compared with NumPy's: NaN where NumPy has
    NaN, the same infinities, and finite values within ``ulps`` ULPs of the dtype (by default
    twice the contract's bound: 2 for float16, 16 for float32, 64 for float64). ``backends``
    defaults to every installed one. Returns each backend's results as NumPy arrays.

    Examples
    --------
    >>> import activations as A
    >>> r = assert_same_across_backends(A.relu, np.array([-1.0, 0.0, 2.0]), backends=["numpy"])
    >>> r["numpy"]
    array([0., 0., 2.])
    """
    names = [backend_name(b) for b in backends] if backends is not None else installed_backends()
    host = [np.asarray(a) for a in arrays]
    want = to_numpy(fn(*host))
    results: dict[str, Any] = {"numpy": want}
    for name in names:
        if name == "numpy":
            continue
        if importlib.util.find_spec(BACKENDS[name]) is None:
            raise AssertionError(f"backend {name} was asked for but is not installed")
        dtype = host[0].dtype if host else np.float64
        with dtype_scope(library(name), dtype):
            got = to_numpy(fn(*(to_backend(a, name) for a in host)))
        results[name] = got
        pairs = zip(got, want, strict=True) if isinstance(want, tuple) else [(got, want)]
        for k, (g, w) in enumerate(pairs):
            bound = ulps if ulps is not None else ULPS.get(np.asarray(w).dtype.name, 0)
            what = f"{getattr(fn, '__name__', 'fn')} output {k}"
            _compare(name, np.asarray(g), np.asarray(w), bound, what)
    return results


# --- the pytest plugin ---------------------------------------------------------------------


def _required() -> set[str]:
    return {b.strip() for b in os.environ.get(REQUIRE_ENV, "").split(",") if b.strip()}


def pytest_addoption(parser: Any) -> None:
    group = parser.getgroup("activations")
    group.addoption(
        "--activations-backend",
        action="append",
        dest="activations_backends",
        metavar="NAME",
        help=f"run tests using the `backend` fixture on this backend only (repeatable): "
        f"{', '.join(BACKENDS)}",
    )


def pytest_configure(config: Any) -> None:
    import pytest

    for name in config.getoption("activations_backends") or ():
        try:
            backend_name(name)
        except ValueError as e:
            raise pytest.UsageError(f"--activations-backend: {e}") from None


def pytest_generate_tests(metafunc: Any) -> None:
    if "backend" not in metafunc.fixturenames or "backend" in _parametrized(metafunc):
        return  # no `backend` fixture, or the test parametrizes `backend` itself
    if not _is_ours(metafunc):
        return  # the project's own `backend` fixture (conftest.py) is the one this test gets
    chosen = metafunc.config.getoption("activations_backends") or list(BACKENDS)
    metafunc.parametrize("backend", chosen, indirect=True, ids=chosen)


def _is_ours(metafunc: Any) -> bool:
    """Whether the `backend` fixture this test resolves to is this plugin's."""
    # pytest keeps the resolution private; the closest definition comes last
    defs = getattr(metafunc, "_arg2fixturedefs", {}).get("backend")
    return not defs or getattr(defs[-1], "func", None) is _backend_fixture


def _parametrized(metafunc: Any) -> set[str]:
    """The argument names that the test's own parametrize marks (any level) give values."""
    names: set[str] = set()
    for mark in metafunc.definition.iter_markers("parametrize"):
        argnames = mark.args[0] if mark.args else mark.kwargs.get("argnames", ())
        if isinstance(argnames, str):
            argnames = argnames.split(",")
        names.update(n.strip() for n in argnames)
    return names


def _backend_fixture(request: Any) -> Iterator[BackendUnderTest]:
    """One backend per run of the test; on JAX the test runs with x64 on (float64 exists)."""
    import pytest

    name = getattr(request, "param", "numpy")
    if importlib.util.find_spec(BACKENDS[name]) is None:
        if name in _required():
            pytest.fail(f"backend {name} is required ({REQUIRE_ENV}) but not installed")
        pytest.skip(f"backend {name} is not installed (pip install {name.replace('_', '-')})")
    with dtype_scope(library(name), "float64"):
        yield BackendUnderTest(name)


def _make_fixture() -> Any:
    try:
        import pytest
    except ImportError:  # pytest is only needed when this module is used as a plugin
        return None
    return pytest.fixture(name="backend")(_backend_fixture)


backend_fixture = _make_fixture()
