"""The conformance matrix beyond values and first derivatives: array parameters, parameter
gradients, forward mode and second derivatives, activation x parameters x backend x dtype,
against the mpmath reference (activations._conformance_ad)."""

import os

import pytest
from _required import missing

from activations import _conformance as conf
from activations import _conformance_ad as ad
from activations._catalog import CATALOG

N_RANDOM = int(os.environ.get("ACTIVATIONS_AUTODIFF_RANDOM", "60"))
HARNESSES = {h.name: h for h in conf.harnesses()}
OFFERED = {name: ad.ad_for(h) for name, h in HARNESSES.items()}
# Keras' symbolic tensors run on another backend, whose autodiff is checked under its name
WITH_AD = [b for b in conf.all_backends() if b not in OFFERED or OFFERED[b] is not None]
CASES = [(spec.name, kw) for spec in CATALOG.values() for kw in conf.param_sets(spec)]


@pytest.mark.parametrize("backend", WITH_AD)
@pytest.mark.parametrize(("name", "kw"), CASES, ids=[conf.label(CATALOG[n], k) for n, k in CASES])
def test_parameters_and_higher_derivatives(backend: str, name: str, kw: dict) -> None:
    if backend not in HARNESSES:
        missing(backend)
    h = HARNESSES[backend]
    failures = []
    for dtype in h.dtypes:
        r = ad.check_ad(h, CATALOG[name], kw, dtype, N_RANDOM)
        failures += [f"{dtype}: {f}" for f in r.failures or []]
    assert not failures, "\n".join(failures[:20])


def test_every_numeric_parameter_has_a_partial_in_the_catalog_and_the_reference() -> None:
    from activations import _reference as ref

    for spec in CATALOG.values():
        numeric = [p.name for p in spec.params if p.numeric]
        assert sorted(spec.partials) == sorted(numeric), spec.name
        assert sorted(ref.partial_names(spec.name)) == sorted(numeric), spec.name


def test_every_backend_offers_the_checks_its_framework_has() -> None:
    """Autograd frameworks are checked in forward mode and at second order; the others give
    parameter gradients through vjp(wrt=...)."""
    autograd = {"torch", "tensorflow", "jax", "pytensor"}
    for name, a in OFFERED.items():
        if name == "keras":
            assert a is None, "keras: its tensors' autodiff is the executing backend's"
            continue
        assert a is not None, f"{name}: its checks module has no ad()"
        assert (a.jvp is not None) == (name in autograd), name
        assert (a.second is not None) == (name in autograd), name
