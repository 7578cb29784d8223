"""The conformance matrix: activation x parameters x backend x dtype against mpmath.

Every installed backend is checked. A backend that is not installed is skipped with the
reason, except where ACTIVATIONS_REQUIRE_BACKENDS (comma-separated) names it; under CI=true
every backend is required, so that a missing one fails the run instead of hiding in a skip.
"""

import os

import pytest
from _required import REQUIRED, missing

from activations import _conformance as conf
from activations._catalog import CATALOG

N_RANDOM = int(os.environ.get("ACTIVATIONS_CONFORMANCE_RANDOM", "300"))
ALL_BACKENDS = conf.all_backends()
HARNESSES = {h.name: h for h in conf.harnesses()}  # the installed ones
CASES = [(spec.name, kw) for spec in CATALOG.values() for kw in conf.param_sets(spec)]


def _harness(backend: str) -> conf.Harness:
    if backend not in HARNESSES:
        missing(backend)
    return HARNESSES[backend]


@pytest.mark.parametrize("backend", ALL_BACKENDS)
@pytest.mark.parametrize(("name", "kw"), CASES, ids=[conf.label(CATALOG[n], k) for n, k in CASES])
def test_conformance(backend: str, name: str, kw: dict) -> None:
    h = _harness(backend)
    failures = []
    for dtype in h.dtypes:
        r = conf.check_one(h, CATALOG[name], kw, dtype, N_RANDOM)
        failures += [f"{dtype}: {f}" for f in r.failures]
    assert not failures, "\n".join(failures[:20])


def test_every_required_backend_is_installed() -> None:
    absent = REQUIRED - set(HARNESSES)
    assert not absent, f"required backends not installed: {sorted(absent)}"
