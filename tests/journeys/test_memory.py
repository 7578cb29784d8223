"""Many parameter values (an annealed slope) and softmax along changing axes: every cache
stays bounded, memory stays flat and nothing is compiled again per value, on every
backend."""

from __future__ import annotations

import importlib.util

import pytest
from _journey import Journey, run
from _required import missing

from activations._convert import MODULES

LOOP = """
import sys
import numpy as np, activations as A
from activations._bench.params import rss_mb
from activations._convert import to_backend

name = sys.argv[1]
x = to_backend(np.linspace(-3, 3, 1000, dtype=np.float32), name)
m = to_backend(np.linspace(-3, 3, 1000, dtype=np.float32).reshape(10, 100), name)
AXES = (0, 1, (0, 1), -1)  # softmax along changing axes: a kernel per axis, not per call

def call(i):
    s = 0.01 + i * 1e-6
    ys = A.leaky_relu(x, s), A.elu(x, 1 + s), A.relu.derivative(x, s), A.celu.vjp(x, x, 1 + s)
    ys += A.softmax(m, axis=AXES[i % 4]), A.log_softmax.vjp(m, m, axis=AXES[(i + 1) % 4])
    for y in ys:
        getattr(y, "block_until_ready", lambda: None)()

for i in range(50):  # first calls compile and fill caches
    call(-i)
if name == "jax":
    from activations.backends.jax.ops import BACKEND
    kernels = len(BACKEND._kernels)
if name == "pytensor":
    from activations.backends.pytensor.ops import BACKEND
    graphs = len(BACKEND._graphs)
before = rss_mb()
for i in range({n}):
    call(i)
grew = rss_mb() - before
print(f"{name}: memory grew {grew:.1f} MB over {n} values")
assert grew < 40, grew
if name == "jax":
    assert len(BACKEND._kernels) == kernels, "a kernel per parameter value"
if name == "pytensor":
    assert len(BACKEND._graphs) == graphs, "a graph per parameter value"
print("ok", name)
"""


@pytest.mark.parametrize("backend", list(MODULES))
def test_many_parameter_values_keep_memory_flat(backend: str) -> None:
    if importlib.util.find_spec(MODULES[backend]) is None:
        missing(backend)
    code = LOOP.replace("{n}", "2000")
    out = run([Journey(backend, code, (backend,), timeout=300)])[0].check()
    assert f"ok {backend}" in out
