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
        *_family_cases(),
    ]


# The family is timed at two sizes only, call cost (1e3) and a 4-8 MB array (1e6): at all five
# it added ~43 s to the NumPy bench on 2 cores (74 -> 117 s), at these two ~8 s, and the bench
# has two minutes for every backend.
_FAMILY_SIZES = (1_000, 1_000_000)


def _family_cases() -> list[Case]:
    """relu's piecewise-linear relatives against the idioms written for each, one group per
    operation; ``leaky_relu(x, 0.2)`` because a non-default parameter takes another path."""
    import activations as A

    def case(
        label: str,
        make: Any,
        group: str,
        kind: str = "value",
        arrays: int = 2,
        library: bool = False,
    ) -> Case:
        return Case(label, make, kind, arrays, library, group, _FAMILY_SIZES)

    def channels(x: Any) -> tuple[Any, Any]:
        # (N, C), a weight per channel on the last axis: C = 64 at 1e6 elements, 8 at 1e3
        # (the largest power of two up to 64 that divides the size)
        c = math.gcd(x.size, 64)
        return x.reshape(-1, c), np.linspace(0.05, 0.25, c, dtype=x.dtype)

    def prelu(x: Any, g: Any) -> Callable[[], Any]:
        x2, w = channels(x)
        return lambda: A.prelu(x2, w)

    def prelu_where(x: Any, g: Any) -> Callable[[], Any]:
        x2, w = channels(x)
        return lambda: np.where(x2 > 0, x2, x2 * w)

    def prelu_max(x: Any, g: Any) -> Callable[[], Any]:
        x2, w = channels(x)
        return lambda: np.maximum(x2, x2 * w)

    lr, lr2 = "leaky_relu", "leaky_relu 0.2"
    # Not every idiom is the library's bits; they are here because people write them.
    # Measured on NumPy 2.4: np.maximum(x, x * s) is exact only for 0 < s <= 1 (at s = 0,
    # -inf * 0 is NaN), np.clip(x, 0, 6) gives -0.0 for -0.0, and the np.where idioms of
    # threshold, the derivative and the vjp turn NaN into a number.
    return [
        case("activations.leaky_relu(x)", lambda x, g: lambda: A.leaky_relu(x), lr, library=True),
        case("np.where(x > 0, x, x * 0.01)", lambda x, g: lambda: np.where(x > 0, x, x * 0.01), lr),
        case("np.maximum(x, x * 0.01)", lambda x, g: lambda: np.maximum(x, x * 0.01), lr),
        case(
            "activations.leaky_relu(x, 0.2)",
            lambda x, g: lambda: A.leaky_relu(x, 0.2),
            lr2,
            library=True,
        ),
        case("np.where(x > 0, x, x * 0.2)", lambda x, g: lambda: np.where(x > 0, x, x * 0.2), lr2),
        case("np.maximum(x, x * 0.2)", lambda x, g: lambda: np.maximum(x, x * 0.2), lr2),
        case("activations.relu6(x)", lambda x, g: lambda: A.relu6(x), "relu6", library=True),
        case("np.clip(x, 0, 6)", lambda x, g: lambda: np.clip(x, 0, 6), "relu6"),
        case(
            "np.minimum(np.maximum(x, 0), 6)",
            lambda x, g: lambda: np.minimum(np.maximum(x, 0), 6),
            "relu6",
        ),
        case(
            "activations.hardtanh(x)", lambda x, g: lambda: A.hardtanh(x), "hardtanh", library=True
        ),
        case("np.clip(x, -1, 1)", lambda x, g: lambda: np.clip(x, -1, 1), "hardtanh"),
        case(
            "activations.threshold(x, 0.5, 0.0)",
            lambda x, g: lambda: A.threshold(x, 0.5, 0.0),
            "threshold",
            library=True,
        ),
        case(
            "np.where(x > 0.5, x, 0.0)", lambda x, g: lambda: np.where(x > 0.5, x, 0.0), "threshold"
        ),
        case("activations.prelu(x, w)", prelu, "prelu", library=True),
        case("np.where(x > 0, x, x * w)", prelu_where, "prelu"),
        case("np.maximum(x, x * w)", prelu_max, "prelu"),
        case(
            "leaky_relu.derivative(x)",
            lambda x, g: lambda: A.leaky_relu.derivative(x),
            "leaky_relu derivative",
            "derivative",
            library=True,
        ),
        case(
            "np.where(x > 0, 1, 0.01).astype(x.dtype)",
            lambda x, g: lambda: np.where(x > 0, 1, 0.01).astype(x.dtype),
            "leaky_relu derivative",
            "derivative",
        ),
        case(
            "leaky_relu.vjp(x, dout)",
            lambda x, g: lambda: A.leaky_relu.vjp(x, g),
            "leaky_relu vjp",
            "vjp",
            3,
            library=True,
        ),
        case(
            "dout * np.where(x > 0, 1, 0.01).astype(x.dtype)",
            lambda x, g: lambda: g * np.where(x > 0, 1, 0.01).astype(x.dtype),
            "leaky_relu vjp",
            "vjp",
            3,
        ),
        case(
            "np.where(x > 0, dout, dout * 0.01)",
            lambda x, g: lambda: np.where(x > 0, g, g * 0.01),
            "leaky_relu vjp",
            "vjp",
            3,
        ),
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
