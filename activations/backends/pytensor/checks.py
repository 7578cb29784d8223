"""How the checks drive PyTensor: each cell compiled once (values and ``pytensor.grad``
together), forward mode through the pushforward."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pytensor
import pytensor.tensor as pt
from pytensor.gradient import pushforward

from ..._conformance import Harness
from ..._conformance_ad import Ad
from . import LIBRARY


def _function(inputs: list[Any], outputs: Any) -> Any:
    # PyTensor's numba backend compiles with fastmath by default, which lets LLVM reassociate
    # arithmetic; the contract holds with it off (docs/backends.md).
    with pytensor.config.change_flags(numba__fastmath=False):
        return pytensor.function(inputs, outputs)  # pyright: ignore[reportArgumentType]


def harness() -> Harness:
    compiled: dict[tuple[str, str, str], Any] = {}

    def run(f: Any, x: np.ndarray, kw: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        key = (f.__name__, repr(sorted(kw.items())), str(x.dtype))
        # parameters given as shared variables: compiled for this call only
        plain = all(isinstance(v, (int, float, str, type(None))) for v in kw.values())
        if not plain or key not in compiled:
            v = pt.vector("x", dtype=str(x.dtype))
            y = f(v, **kw)
            fn = _function([v], [y, pytensor.grad(y.sum(), v)])
            if not plain:
                return fn(x)  # type: ignore[no-any-return]
            compiled[key] = fn
        return compiled[key](x)  # type: ignore[no-any-return]

    return Harness(
        name="pytensor",
        dtypes=LIBRARY.dtypes,
        make=lambda v, dtype: np.asarray(v).astype(dtype),
        value=lambda f, x, kw: run(f, x, kw)[0],
        grad=lambda f, x, kw: run(f, x, kw)[1],
        to_numpy=lambda y: np.asarray(y, dtype=np.float64),
        version=pytensor.__version__,
    )


def ad() -> Ad:
    def param(v: float, x: Any, full: bool) -> Any:
        return pytensor.shared(np.full(x.shape if full else (), v, x.dtype))

    def compiled(outputs: Callable[[Any], Any], x: np.ndarray) -> Any:
        v = pt.vector("x", dtype=str(x.dtype))
        with pytensor.config.change_flags(numba__fastmath=False):
            return _function([v], outputs(v))(x)

    def param_grad(f: Any, x: Any, kw: dict[str, Any], name: str) -> Any:
        return compiled(lambda v: pytensor.grad(f(v, **kw).sum(), kw[name]), x)

    def jvp(f: Any, x: Any, kw: dict[str, Any]) -> Any:
        return compiled(lambda v: pushforward(f(v, **kw), v, pt.ones_like(v)), x)  # pyright: ignore[reportArgumentType]

    def second(f: Any, x: Any, kw: dict[str, Any]) -> Any:
        def outputs(v: Any) -> Any:
            d: Any = pytensor.grad(f(v, **kw).sum(), v)
            return pytensor.grad(d.sum(), v)

        return compiled(outputs, x)

    # PyTensor rewrites and fuses each compiled graph on its own: the jvp's graph may round
    # differently from derivative()'s
    return Ad(param=param, param_grad=param_grad, jvp=jvp, second=second, exact_jvp=False)
