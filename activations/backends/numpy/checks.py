"""How the checks drive NumPy: ``derivative`` is its gradient (NumPy has no autograd), and
``vjp(..., wrt=...)`` its parameter gradient."""

from __future__ import annotations

import numpy as np

from ..._conformance import Harness
from ..._conformance_ad import Ad, vjp_grad
from . import LIBRARY


def harness() -> Harness:
    return Harness(
        name="numpy",
        dtypes=LIBRARY.dtypes,
        make=lambda v, dtype: np.asarray(v).astype(dtype),
        value=lambda f, x, kw: f(x, **kw),
        grad=lambda f, x, kw: f.derivative(x, **kw),
        to_numpy=lambda y: np.asarray(y, dtype=np.float64),
        version=np.__version__,
        autograd=False,
    )


def ad() -> Ad:
    return Ad(
        param=lambda v, x, full: np.full(x.shape if full else (), v, x.dtype),
        param_grad=lambda f, x, kw, n: vjp_grad(f, x, kw, n, np.ones_like),
        scalar_is_number=True,
    )
