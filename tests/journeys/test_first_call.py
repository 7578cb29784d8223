"""The first call of a process inside a tracer, compiler or exporter, or on meta and fake
tensors: it works, fills no probe or cache from traced values, and gives the eager bits."""

from __future__ import annotations

import importlib.util

import pytest
from _journey import Journey, run
from _required import missing

TORCH = """
import torch, activations as A
from activations.backends.torch import ops as backend

x = torch.tensor([-2.0, -0.0, 0.0, 1.5, float("nan"), float("inf"), -float("inf"), 3.0])
def same(a, b):
    a, b = a.detach(), b.detach()
    assert a.dtype == b.dtype and a.shape == b.shape, (a, b)
    nan = a.isnan()
    assert nan.equal(b.isnan()), (a, b)  # any NaN payload: the contract says NaN, not which
    assert a[~nan].view(torch.int32).equal(b[~nan].view(torch.int32)), (a, b)

class Net(torch.nn.Module):
    def forward(self, x):
        return A.relu(x) + A.gelu(x) * 0.5 - A.leaky_relu(x, 0.2)

def eager(x):
    return A.relu(x) + A.gelu(x) * 0.5 - A.leaky_relu(x, 0.2)

case = "{case}"
if case == "compile":
    got = torch.compile(eager, fullgraph=True)(x)
elif case == "export":
    got = torch.export.export(Net(), (x,)).module()(x)
elif case == "vmap":
    got = torch.func.vmap(eager)(x.reshape(2, 4)).reshape(-1)
elif case == "grad":
    got = torch.func.grad(lambda x: eager(x).nan_to_num().sum())(x)
elif case == "jacrev":
    three = lambda x: torch.stack([A.relu(x), A.gelu(x), A.leaky_relu(x, 0.2)])
    got = torch.func.jacrev(three)(x).diagonal(dim1=1, dim2=2)
elif case == "meta":
    got = A.relu(x.to("meta"))
    assert got.device.type == "meta" and got.shape == x.shape
    got = A.relu.vjp(x.to("meta"), x.to("meta"))
    assert got.device.type == "meta"
    got = None
elif case == "fake":
    from torch._subclasses.fake_tensor import FakeTensorMode
    with FakeTensorMode() as mode:
        fake = mode.from_tensor(x)
        out = eager(fake)
        assert out.shape == x.shape
    got = None
elif case == "portable":  # float32 graphs of elementary ops: within a few ULPs, limits kept
    with A.portable(), torch.no_grad():
        got = eager(x)
    assert not backend._threshold_checked, "a probe ran for an exported graph"
    want = eager(x)
    backend._threshold_checked.clear()  # filled by the eager call
    assert torch.allclose(got, want, rtol=5e-7, atol=0, equal_nan=True), (got, want)
    assert got.signbit().equal(want.signbit()), (got, want)
    got = None
elif case == "make_fx":
    from torch.fx.experimental.proxy_tensor import make_fx
    got = make_fx(eager)(x)(x)
assert not backend._threshold_checked, "a probe ran while tracing"
if got is not None:
    if case == "grad":
        x.requires_grad_(True)
        want = torch.autograd.grad(eager(x).nan_to_num().sum(), x)[0]
    elif case == "jacrev":
        want = torch.stack(
            [A.relu.derivative(x), A.gelu.derivative(x), A.leaky_relu.derivative(x, 0.2)]
        )
    else:
        want = eager(x)
    same(got, want)
print("ok", case)
"""

JAX = """
import jax, jax.numpy as jnp, activations as A

x = jnp.array([-2.0, -0.0, 0.0, 1.5, float("nan"), float("inf"), -float("inf"), 3.0])
def f(x, s=0.2):
    return A.relu(x) + A.gelu(x) * 0.5 - A.leaky_relu(x, s) + A.elu(x, 0.5)

case = "{case}"
if case == "jit":
    got = jax.jit(f)(x)
elif case == "jit_static":
    got = jax.jit(f, static_argnums=1)(x, 0.2)
elif case == "grad":
    got = jax.grad(lambda x: jnp.nan_to_num(f(x)).sum())(x)
elif case == "vmap":
    got = jax.vmap(f)(x.reshape(2, 4)).reshape(-1)
if case == "grad":
    want = jax.grad(lambda x: jnp.nan_to_num(f(x)).sum())(x)
else:
    want = f(x)
assert jnp.asarray(got).tobytes() == jnp.asarray(want).tobytes(), (got, want)
print("ok", case)
"""

TF = """
import numpy as np, tensorflow as tf, activations as A

x = tf.constant([-2.0, -0.0, 0.0, 1.5, float("nan"), float("inf"), -float("inf"), 3.0])
def f(x):
    return A.relu(x) + A.leaky_relu(x, 0.2) - A.relu6(x) + A.prelu(x, 0.25)

case = "{case}"
if case == "function":
    got = tf.function(f)(x)
elif case == "xla":
    got = tf.function(f, jit_compile=True)(x)
elif case == "keras":
    import keras
    inp = keras.Input((8,))
    model = keras.Model(inp, A.relu(inp) + A.leaky_relu(inp, 0.2))
    got = model(tf.reshape(x, (1, 8)))[0]
    want = A.relu(x) + A.leaky_relu(x, 0.2)
if case != "keras":
    want = f(x)
assert np.asarray(got).tobytes() == np.asarray(want).tobytes(), (got, want)
print("ok", case)
"""

CASES = {
    "torch": (
        TORCH,
        ["compile", "export", "vmap", "grad", "jacrev", "meta", "fake", "make_fx", "portable"],
    ),
    "jax": (JAX, ["jit", "jit_static", "grad", "vmap"]),
    "tensorflow": (TF, ["function", "xla", "keras"]),
}


@pytest.mark.parametrize("framework", list(CASES))
def test_first_call_of_a_process_inside_a_tracer(framework: str) -> None:
    if importlib.util.find_spec(framework) is None:
        missing(framework)
    code, cases = CASES[framework]
    journeys = [Journey(case, code.replace("{case}", case)) for case in cases]
    for outcome in run(journeys):
        assert f"ok {outcome.journey.name}" in outcome.check()
