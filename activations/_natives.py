"""``python -m activations check --natives``: the frameworks' own activations, measured.

The same cells as ``check`` (every activation and parameter set, on the contract's edge
values, kinks and random points), run on each framework's own activation where it has one:
``torch.nn.functional``, ``tf.nn``/``keras.activations``, ``jax.nn``, ``keras.ops`` and the
NumPy idioms people write. Each is compared with the mpmath reference under the contract's
rules, and what it gets wrong is named by kind, so that a user sees on their own machine what
the library fixes:

- ``NaN``: a NaN input does not give NaN (value or derivative);
- ``-0.0``: the sign of a zero result differs from the contract (rule 6);
- ``inf``: the value or the derivative at +-inf is not the limit;
- ``kink``: the derivative at a kink is not the contract's one;
- ``ULP``: finite results beyond the contract's bounds (the worst error is shown);
- ``defaults``: the native's default parameters are not the contract's (called with them
  when the library's default has no native spelling);
- ``dtype``: float32 in, another dtype out (the values are compared after rounding);
- ``error``: the native raises for parameters the contract allows.

Derivatives come from the framework's autograd (NumPy idioms have none).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import _reference as ref
from ._catalog import CATALOG
from ._conformance import (
    DERIVATIVE_FLOOR,
    VALUE_FLOOR,
    Harness,
    _reference,
    _rounded_params,
    bounds,
    label,
    param_sets,
)
from ._dtypes import FORMATS

__all__ = ["SOURCES", "NativeResult", "check_natives", "sources"]

Call = Callable[..., Any]  # (x, **the library's parameters) -> the native's result


@dataclass(frozen=True)
class Source:
    """A framework's own activations: name -> call, and where its defaults differ."""

    name: str
    backend: str  # the conformance harness that makes its inputs and differentiates
    module: str  # importable for the source to run
    calls: Callable[[], dict[str, Call]]
    defaults: Mapping[str, str] = field(default_factory=dict)  # activation -> note
    also: tuple[str, ...] = ()  # other backend names that select it (keras: keras.ops)

    @property
    def selected_by(self) -> tuple[str, ...]:
        """The names of ``--backend`` that select this source."""
        return (self.backend, *self.also)


def _torch() -> dict[str, Call]:
    import torch
    import torch.nn.functional as F

    return {
        "relu": lambda x, negative_slope, max_value, threshold: (
            F.relu(x) if (negative_slope, max_value, threshold) == (0, None, 0) else None
        ),
        "relu6": lambda x: F.relu6(x),
        "leaky_relu": lambda x, negative_slope: F.leaky_relu(x, negative_slope),
        "prelu": lambda x, weight: F.prelu(x, torch.tensor([weight], dtype=x.dtype)),
        "rrelu": lambda x, lower, upper: F.rrelu(x, lower, upper, training=False),
        "elu": lambda x, alpha: F.elu(x, alpha),
        "selu": lambda x: F.selu(x),
        "celu": lambda x, alpha: F.celu(x, alpha),
        "gelu": lambda x, approximate: F.gelu(x, approximate="tanh" if approximate else "none"),
        "silu": lambda x: F.silu(x),
        "mish": lambda x: F.mish(x),
        "softplus": lambda x, beta, threshold: F.softplus(
            x, beta, 20.0 if threshold is None else threshold
        ),
        "log_sigmoid": lambda x: F.logsigmoid(x),
        "hardswish": lambda x: F.hardswish(x),
        "hard_sigmoid": lambda x: F.hardsigmoid(x),
        "hardtanh": lambda x, min_val, max_val: F.hardtanh(x, min_val, max_val),
        "threshold": lambda x, threshold, value: F.threshold(x, threshold, value),
        "softsign": lambda x: F.softsign(x),
        "softshrink": lambda x, lambd: F.softshrink(x, lambd),
        "hardshrink": lambda x, lambd: F.hardshrink(x, lambd),
        "tanhshrink": lambda x: F.tanhshrink(x),
        "exponential": lambda x: torch.exp(x),
        "sigmoid": lambda x: torch.sigmoid(x),
        "tanh": lambda x: torch.tanh(x),
    }


def _tensorflow() -> dict[str, Call]:
    import keras
    import tensorflow as tf

    return {
        "relu": lambda x, negative_slope, max_value, threshold: keras.activations.relu(
            x, negative_slope=negative_slope, max_value=max_value, threshold=threshold
        ),
        "relu6": lambda x: tf.nn.relu6(x),
        "leaky_relu": lambda x, negative_slope: tf.nn.leaky_relu(x, negative_slope),
        "elu": lambda x, alpha: tf.nn.elu(x) if alpha == 1 else None,
        "selu": lambda x: tf.nn.selu(x),
        "gelu": lambda x, approximate: tf.nn.gelu(x, approximate=approximate),
        "silu": lambda x: tf.nn.silu(x),
        "mish": lambda x: keras.activations.mish(x),
        "softplus": lambda x, beta, threshold: (
            tf.math.softplus(x) if (beta, threshold) == (1, None) else None
        ),
        "log_sigmoid": lambda x: tf.math.log_sigmoid(x),
        "hardswish": lambda x: keras.activations.hard_silu(x),
        "hard_sigmoid": lambda x: keras.activations.hard_sigmoid(x),
        "softsign": lambda x: tf.nn.softsign(x),
        "softshrink": lambda x, lambd: keras.activations.soft_shrink(x, lambd),
        "hardshrink": lambda x, lambd: keras.activations.hard_shrink(x, lambd),
        "tanhshrink": lambda x: keras.activations.tanh_shrink(x),
        "sparse_plus": lambda x: keras.activations.sparse_plus(x),
        "sparse_sigmoid": lambda x: keras.activations.sparse_sigmoid(x),
        "exponential": lambda x: keras.activations.exponential(x),
        "sigmoid": lambda x: tf.sigmoid(x),
        "tanh": lambda x: tf.tanh(x),
    }


def _jax() -> dict[str, Call]:
    import jax.nn as jn

    return {
        "relu": lambda x, negative_slope, max_value, threshold: (
            jn.relu(x) if (negative_slope, max_value, threshold) == (0, None, 0) else None
        ),
        "relu6": lambda x: jn.relu6(x),
        "leaky_relu": lambda x, negative_slope: jn.leaky_relu(x, negative_slope),
        "elu": lambda x, alpha: jn.elu(x, alpha),
        "selu": lambda x: jn.selu(x),
        "celu": lambda x, alpha: jn.celu(x, alpha),
        "gelu": lambda x, approximate: jn.gelu(x, approximate=approximate),
        "silu": lambda x: jn.silu(x),
        "mish": lambda x: jn.mish(x),
        "softplus": lambda x, beta, threshold: (
            jn.softplus(x) if (beta, threshold) == (1, None) else None
        ),
        "log_sigmoid": lambda x: jn.log_sigmoid(x),
        "hardswish": lambda x: jn.hard_swish(x),
        "hard_sigmoid": lambda x: jn.hard_sigmoid(x),
        "hardtanh": lambda x, min_val, max_val: (
            jn.hard_tanh(x) if (min_val, max_val) == (-1, 1) else None
        ),
        "squareplus": lambda x, b: jn.squareplus(x, b),
        "softsign": lambda x: jn.soft_sign(x),
        "sparse_plus": lambda x: jn.sparse_plus(x),
        "sparse_sigmoid": lambda x: jn.sparse_sigmoid(x),
        "sigmoid": lambda x: jn.sigmoid(x),
        "tanh": lambda x: jn.tanh(x),
    }


def _keras_ops() -> dict[str, Call]:
    import keras

    if keras.backend.backend() != "tensorflow":
        return {}  # measured through the TensorFlow harness: only Keras on TensorFlow
    o = keras.ops
    return {
        "relu": lambda x, negative_slope, max_value, threshold: (
            o.relu(x) if (negative_slope, max_value, threshold) == (0, None, 0) else None
        ),
        "relu6": lambda x: o.relu6(x),
        "leaky_relu": lambda x, negative_slope: o.leaky_relu(x, negative_slope),
        "elu": lambda x, alpha: o.elu(x, alpha),
        "selu": lambda x: o.selu(x),
        "celu": lambda x, alpha: o.celu(x, alpha),
        "gelu": lambda x, approximate: o.gelu(x, approximate),
        "silu": lambda x: o.silu(x),
        "softplus": lambda x, beta, threshold: (
            o.softplus(x) if (beta, threshold) == (1, None) else None
        ),
        "log_sigmoid": lambda x: o.log_sigmoid(x),
        "hardswish": lambda x: o.hard_silu(x),
        "hard_sigmoid": lambda x: o.hard_sigmoid(x),
        "hardtanh": lambda x, min_val, max_val: (
            o.hard_tanh(x) if (min_val, max_val) == (-1, 1) else None
        ),
        "threshold": lambda x, threshold, value: o.threshold(x, threshold, value),
        "squareplus": lambda x, b: o.squareplus(x, b),
        "softsign": lambda x: o.softsign(x),
        "softshrink": lambda x, lambd: o.soft_shrink(x, lambd),
        "hardshrink": lambda x, lambd: o.hard_shrink(x, lambd),
        "tanhshrink": lambda x: o.tanh_shrink(x),
        "sparse_plus": lambda x: o.sparse_plus(x),
        "sparse_sigmoid": lambda x: o.sparse_sigmoid(x),
        "exponential": lambda x: o.exp(x),
        "sigmoid": lambda x: o.sigmoid(x),
        "tanh": lambda x: o.tanh(x),
    }


def _numpy() -> dict[str, Call]:
    def gelu(x: Any, approximate: bool) -> Any:
        c = x.dtype.type  # NumPy scalars as constants would make float32 float64 (NEP 50)
        if approximate:
            z = c(math.sqrt(2 / math.pi)) * (x + c(0.044715) * x**3)
            return 0.5 * x * (1 + np.tanh(z))
        from scipy.special import erf

        return 0.5 * x * (1 + erf(x / c(math.sqrt(2))))

    return {
        "relu": lambda x, negative_slope, max_value, threshold: (
            np.maximum(x, 0) if (negative_slope, max_value, threshold) == (0, None, 0) else None
        ),
        "relu6": lambda x: np.clip(x, 0, 6),
        "leaky_relu": lambda x, negative_slope: np.where(x > 0, x, negative_slope * x),
        "elu": lambda x, alpha: np.where(x > 0, x, alpha * (np.exp(x) - 1)),
        "gelu": gelu,
        "silu": lambda x: x / (1 + np.exp(-x)),
        "mish": lambda x: x * np.tanh(np.log1p(np.exp(x))),
        "softplus": lambda x, beta, threshold: (
            np.log1p(np.exp(x)) if (beta, threshold) == (1, None) else None
        ),
        "log_sigmoid": lambda x: -np.logaddexp(0, -x),
        "hardswish": lambda x: x * np.clip(x + 3, 0, 6) / 6,
        "hard_sigmoid": lambda x: np.clip(x / 6 + 0.5, 0, 1),
        "hardtanh": lambda x, min_val, max_val: np.clip(x, min_val, max_val),
        "threshold": lambda x, threshold, value: np.where(x > threshold, x, value),
        "squared_relu": lambda x: np.maximum(x, 0) ** 2,
        "softsign": lambda x: x / (1 + np.abs(x)),
        "tanhshrink": lambda x: x - np.tanh(x),
        "exponential": lambda x: np.exp(x),
        "sigmoid": lambda x: 1 / (1 + np.exp(-x)),
        "tanh": lambda x: np.tanh(x),
    }


SOURCES = (
    Source("NumPy idioms", "numpy", "scipy", _numpy),
    Source(
        "torch.nn.functional",
        "torch",
        "torch",
        _torch,
        {"softplus": "threshold=20 (the contract: None)"},
    ),
    Source(
        "tf.nn / keras.activations",
        "tensorflow",
        "tensorflow",
        _tensorflow,
        {"leaky_relu": "tf.nn.leaky_relu's alpha=0.2 (the contract: 0.01)"},
    ),
    Source(
        "jax.nn",
        "jax",
        "jax",
        _jax,
        {"gelu": "approximate=True (the contract: False)"},
    ),
    Source(
        "keras.ops",
        "tensorflow",
        "keras",
        _keras_ops,
        {
            "leaky_relu": "negative_slope=0.2 (the contract: 0.01)",
            "gelu": "approximate=True (the contract: False)",
        },
        also=("keras",),
    ),
)


def sources(backends: list[str] | None = None) -> list[Source]:
    """The sources whose framework is installed (and whose backend is asked for)."""
    import importlib.util

    from ._conformance import installed

    return [
        s
        for s in SOURCES
        if (backends is None or not set(s.selected_by).isdisjoint(backends))
        and installed(s.backend)
        and importlib.util.find_spec(s.module) is not None
    ]


@dataclass
class NativeResult:
    source: str
    label: str
    value_ulp: float = 0.0  # worst error at the finite points other than the special ones
    derivative_ulp: float | None = 0.0  # None: no autograd
    kinds: set[str] = field(default_factory=set)
    examples: dict[str, str] = field(default_factory=dict)  # kind -> one failing point


def _classify(
    res: NativeResult,
    what: str,
    xs: np.ndarray,
    got: np.ndarray,
    refs: list[Any],
    dtype: str,
    floor: float,
    bound: float,
    kinks: set[float],
    signed_zero: bool,
    flushes: bool,
) -> float:
    fmt = FORMATS[dtype]
    tiny = fmt.smallest_normal
    worst = 0.0
    for x, g, r in zip(xs, got, refs, strict=True):
        x, g = float(x), float(g)
        want = ref.round_to_format(r, fmt)
        kind = None
        if flushes and (0 < abs(x) < tiny or (abs(want) <= tiny and abs(g) <= tiny)):
            continue  # rule 7: subnormals may act as zeros there
        if math.isnan(x):
            kind = None if math.isnan(g) else "NaN"
        elif math.isinf(x) or math.isinf(want):
            same = g == want or (math.isnan(g) and math.isnan(want))
            kind = None if same else "inf"
        elif what == "f'" and x in kinks:
            kind = None if g == want else "kink"
        elif signed_zero and want == 0 and g == 0:
            kind = None if math.copysign(1, g) == math.copysign(1, want) else "-0.0"
        else:
            err = ref.ulp_error(g, r, fmt, floor)
            if bound == 0:  # exact activations: the correctly rounded reference, bit for bit
                err = 0.0 if g == want else max(err, 1.0)
            worst = max(worst, err)
            kind = "ULP" if err > bound else None
        if kind is not None:
            res.kinds.add(kind)
            res.examples.setdefault(kind, f"{what}({x!r}) = {g!r}, the contract: {want!r}")
    return worst


def _error(res: NativeResult, what: str, exc: Exception) -> NativeResult:
    res.kinds.add("error")
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    res.examples.setdefault("error", f"{what}: {type(exc).__name__}: {message}"[:200])
    return res


def check_native(
    source: Source,
    h: Harness,
    calls: dict[str, Call],
    spec: Any,
    kwargs: Mapping[str, Any],
    n_random: int = 200,
) -> NativeResult | None:
    """One cell (float32) of one source; None where the source has no such activation (or
    no spelling for these parameters)."""
    call = calls.get(spec.name)
    if call is None:
        return None
    dtype = "float32"
    params = spec.bind((), dict(kwargs))
    native_kw = {p.name: params[p.name] for p in spec.params}
    xs, vals, ders = _reference(spec, kwargs, dtype, n_random)
    x = h.make(xs, dtype)
    res = NativeResult(source.name, label(spec, kwargs))
    try:
        y = call(x, **native_kw)
    except Exception as exc:  # whatever the framework raises is the finding
        return _error(res, "f", exc)
    if y is None:
        return None
    if spec.name in source.defaults and not kwargs:
        res.kinds.add("defaults")
        res.examples["defaults"] = source.defaults[spec.name]
    got = h.to_numpy(y)  # float64
    out_dtype = str(getattr(y.dtype, "name", y.dtype)).removeprefix("torch.")
    if out_dtype != dtype:
        res.kinds.add("dtype")
        res.examples["dtype"] = f"f: {dtype} in, {out_dtype} out"
        got = got.astype(dtype)
    rounded = _rounded_params(spec, kwargs, dtype)
    try:
        kinks = {float(k) for k, _ in spec.kinks(rounded) if isinstance(k, (int, float))}
    except TypeError:
        kinks = set()
    vb, db = bounds(spec, dtype)
    flushes = h.flushes_subnormals
    res.value_ulp = _classify(res, "f", xs, got, vals, dtype, VALUE_FLOOR, vb, kinks, True, flushes)
    if source.backend == "numpy":
        res.derivative_ulp = None
        return res

    def f(t: Any, **kw: Any) -> Any:
        return call(t, **kw)

    f.__name__ = f"native {spec.name}"
    try:
        d = h.to_numpy(h.grad(f, x, native_kw)).astype(dtype)  # rounded, as the values
    except Exception as exc:  # whatever the framework raises is the finding
        res.derivative_ulp = None
        return _error(res, "f'", exc)
    res.derivative_ulp = _classify(
        res, "f'", xs, d, ders, dtype, DERIVATIVE_FLOOR, db, kinks, False, flushes
    )
    return res


def check_natives(
    backends: list[str] | None = None,
    activations: list[str] | None = None,
    step: Callable[[str], None] | None = None,
    n_random: int = 200,
    found: list[Source] | None = None,
) -> list[NativeResult]:
    """Every cell of every installed source (float32), or of the sources ``found``."""
    from ._activation import get
    from ._conformance import harnesses

    names = [get(a).__name__ for a in activations] if activations else list(CATALOG)
    found = sources(backends) if found is None else found
    out: list[NativeResult] = []
    hs = {h.name: h for h in harnesses(list(dict.fromkeys(s.backend for s in found)))}
    with np.errstate(all="ignore"):
        for source in found:
            calls = source.calls()
            for name in names:
                spec = CATALOG[name]
                for kw in param_sets(spec):
                    if step:
                        step(f"{source.name} {label(spec, kw)}")
                    r = check_native(source, hs[source.backend], calls, spec, kw, n_random)
                    if r is not None:
                        out.append(r)
    return out
