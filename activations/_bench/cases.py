"""What the bench times on each framework: this library's calls beside the hand-written idioms
and the framework's native calls they replace, and how to copy an array (the baseline).

The frameworks' arrays are made by the conversions their backends declare
(:class:`activations.backends.Library`).
"""

from __future__ import annotations

import importlib.util
import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import backends
from .model import Case

__all__ = ["BENCHED", "Benched", "installed"]


def _numpy_cases() -> list[Case]:
    import activations as A

    def clip_inplace(b: Any) -> None:
        np.clip(b, 0, np.inf, out=b)

    def max_inplace(b: Any) -> None:
        np.maximum(b, 0, out=b)

    def mask_inplace(b: Any) -> None:
        b[b < 0] = 0

    def relu_inplace(b: Any) -> None:
        A.relu(b, out=b)

    from scipy.special import erfc, expit

    def one_thread(fn: Callable[[], Any]) -> Callable[[], Any]:
        def run() -> Any:
            old = os.environ.get("ACTIVATIONS_NUM_THREADS")
            os.environ["ACTIVATIONS_NUM_THREADS"] = "1"
            try:
                return fn()
            finally:
                if old is None:
                    del os.environ["ACTIVATIONS_NUM_THREADS"]
                else:
                    os.environ["ACTIVATIONS_NUM_THREADS"] = old

        return run

    s2 = 1 / math.sqrt(2)
    return [
        Case("activations.relu(x)", lambda x, g: lambda: A.relu(x), library=True),
        Case("np.maximum(x, 0)", lambda x, g: lambda: np.maximum(x, 0)),
        Case("np.clip(x, 0, inf)", lambda x, g: lambda: np.clip(x, 0, np.inf)),
        Case("x * (x > 0)", lambda x, g: lambda: x * (x > 0)),
        Case("(abs(x) + x) / 2", lambda x, g: lambda: (abs(x) + x) / 2),
        Case("np.where(x > 0, x, 0)", lambda x, g: lambda: np.where(x > 0, x, 0)),
        Case("relu(x, out=x)", lambda x, g: relu_inplace, "inplace", library=True),
        Case("np.maximum(x, 0, out=x)", lambda x, g: max_inplace, "inplace"),
        Case("np.clip(x, 0, inf, out=x)", lambda x, g: clip_inplace, "inplace"),
        Case("x[x < 0] = 0", lambda x, g: mask_inplace, "inplace"),
        Case(
            "relu.derivative(x)",
            lambda x, g: lambda: A.relu.derivative(x),
            "derivative",
            library=True,
        ),
        Case("(x > 0).astype(x.dtype)", lambda x, g: lambda: (x > 0).astype(x.dtype), "derivative"),
        Case("np.heaviside(x, 0)", lambda x, g: lambda: np.heaviside(x, 0), "derivative"),
        Case("relu.vjp(x, dout)", lambda x, g: lambda: A.relu.vjp(x, g), "vjp", 3, True),
        Case("np.multiply(dout, x > 0)", lambda x, g: lambda: np.multiply(g, x > 0), "vjp", 3),
        Case("activations.gelu(x)", lambda x, g: lambda: A.gelu(x), "smooth", library=True),
        Case("gelu, 1 thread", lambda x, g: one_thread(lambda: A.gelu(x)), "smooth", library=True),
        Case("0.5*x*erfc(-x/sqrt2)", lambda x, g: lambda: 0.5 * x * erfc(-x * s2), "smooth"),
        Case("activations.silu(x)", lambda x, g: lambda: A.silu(x), "smooth", library=True),
        Case("silu, 1 thread", lambda x, g: one_thread(lambda: A.silu(x)), "smooth", library=True),
        Case("x * expit(x)", lambda x, g: lambda: x * expit(x), "smooth"),
    ]


def _torch_cases() -> list[Case]:
    import torch

    import activations as A

    def fwd_bwd(f: Callable[[Any], Any]) -> Callable[[Any, Any], Callable[[], Any]]:
        def make(x: Any, g: Any) -> Callable[[], Any]:
            def run() -> Any:
                t = x.detach().requires_grad_()
                f(t).backward(g)
                return t.grad

            return run

        return make

    return [
        Case("activations.relu(x)", lambda x, g: lambda: A.relu(x), library=True),
        Case("torch.relu(x)", lambda x, g: lambda: torch.relu(x)),
        Case("activations.gelu(x)", lambda x, g: lambda: A.gelu(x), "smooth", library=True),
        Case("F.gelu(x)", lambda x, g: lambda: torch.nn.functional.gelu(x), "smooth"),
        Case("relu fwd+bwd", fwd_bwd(A.relu), "grad", 4, True),
        Case("torch.relu fwd+bwd", fwd_bwd(torch.relu), "grad", 4),
    ]


def _tensorflow_cases() -> list[Case]:
    import tensorflow as tf

    import activations as A

    return [
        Case("activations.relu(x)", lambda x, g: lambda: A.relu(x), library=True),
        Case("tf.nn.relu(x)", lambda x, g: lambda: tf.nn.relu(x)),
        Case("activations.gelu(x)", lambda x, g: lambda: A.gelu(x), "smooth", library=True),
        Case("tf.nn.gelu(x)", lambda x, g: lambda: tf.nn.gelu(x), "smooth"),
    ]


def _jax_cases() -> list[Case]:
    import jax

    import activations as A

    jit_relu = jax.jit(jax.nn.relu)

    def ready(f: Callable[[], Any]) -> Callable[[], Any]:
        return lambda: f().block_until_ready()

    return [
        Case("activations.relu(x)", lambda x, g: ready(lambda: A.relu(x)), library=True),
        Case("jax.nn.relu(x)", lambda x, g: ready(lambda: jax.nn.relu(x))),
        Case("jax.jit(jax.nn.relu)(x)", lambda x, g: ready(lambda: jit_relu(x))),
        Case("activations.gelu(x)", lambda x, g: ready(lambda: A.gelu(x)), "smooth", library=True),
        Case("jax.nn.gelu(x, False)", lambda x, g: ready(lambda: jax.nn.gelu(x, False)), "smooth"),
    ]


def _tf_copy(t: Any) -> Any:
    import tensorflow as tf

    return tf.identity(t) + 0  # identity alone may alias


def _jax_copy(t: Any) -> Any:
    return t.copy().block_until_ready()


@dataclass(frozen=True)
class Benched:
    """A framework the bench times: its cases, how to copy its array, and (from its backend's
    declaration) how to make one."""

    name: str
    cases: Callable[[], list[Case]]
    copy: Callable[[Any], Any]

    def convert(self, a: np.ndarray) -> Any:
        convert = backends.library(self.name).from_numpy
        assert convert is not None
        return convert(a)


BENCHED = {
    "numpy": Benched("numpy", _numpy_cases, np.copy),
    "torch": Benched("torch", _torch_cases, lambda t: t.clone()),
    "tensorflow": Benched("tensorflow", _tensorflow_cases, _tf_copy),
    "jax": Benched("jax", _jax_cases, _jax_copy),
}


def installed() -> list[str]:
    """The benched frameworks that are installed (nothing is imported to find out)."""
    return [n for n in BENCHED if importlib.util.find_spec(backends.library(n).module) is not None]
