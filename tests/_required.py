"""Which backends this environment must have: a missing required backend fails, others skip.

ACTIVATIONS_REQUIRE_BACKENDS (comma-separated) decides; unset, CI=true requires every
backend and anywhere else only NumPy is required.
"""

import importlib.util
import os

import pytest

from activations._conformance import all_backends
from activations._convert import MODULES

_env = os.environ.get("ACTIVATIONS_REQUIRE_BACKENDS")
REQUIRED = frozenset(
    b
    for b in (
        _env
        if _env is not None
        else ",".join(all_backends())
        if os.environ.get("CI", "").lower() in ("true", "1", "yes")
        else "numpy"
    ).split(",")
    if b
)


# the required backends with arrays of their own (the testing kit's; Keras' tensors are symbolic)
REQUIRED_ARRAYS = REQUIRED & frozenset(MODULES)


def require(module: str, backend: str | None = None) -> object:
    """Import a backend's framework (or a module that ``backend`` needs), or skip; fail where
    the backend is required."""
    if (backend or module) in REQUIRED:
        return importlib.import_module(module)  # the module itself, also a dotted one
    return pytest.importorskip(module, reason=f"{module} is not installed")


def missing(backend: str) -> None:
    """Skip (or fail, where required) a test of a backend that is not installed."""
    if backend in REQUIRED:
        pytest.fail(f"backend {backend} is required here but not installed")
    pytest.skip(f"backend {backend} is not installed")


def not_installed(entry: object) -> bool:
    """Whether a library of a registered backend (an ``Entry``) is missing here."""
    libraries = getattr(entry, "libraries", ())
    return any(importlib.util.find_spec(lib.module) is None for lib in libraries)


def harness(backend: str) -> object:
    """The conformance harness of ``backend``; skip (or fail, where required) if it is not
    installed."""
    from activations import _conformance as conf

    found = {h.name: h for h in conf.harnesses([backend])}
    if backend not in found:
        missing(backend)
    return found[backend]
