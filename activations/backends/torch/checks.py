"""How the checks drive PyTorch: gradients through ``torch.autograd``, forward mode through
``torch.func.jvp``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import torch

from ..._conformance import Harness
from ..._conformance_ad import Ad
from . import LIBRARY

_DTYPES = {
    "float16": torch.float16,
    "bfloat16": torch.bfloat16,
    "float32": torch.float32,
    "float64": torch.float64,
}


def harness() -> Harness:
    def grad(f: Any, x: Any, kw: Mapping[str, Any]) -> Any:
        x = x.detach().requires_grad_(True)
        (g,) = torch.autograd.grad(f(x, **kw), x, torch.ones_like(x))
        return g

    return Harness(
        name="torch",
        dtypes=LIBRARY.dtypes,
        make=lambda v, dtype: torch.tensor(np.asarray(v, dtype=np.float64)).to(_DTYPES[dtype]),
        value=lambda f, x, kw: f(x, **kw),
        grad=grad,
        to_numpy=lambda y: y.detach().to(torch.float64).cpu().numpy(),
        version=torch.__version__,
    )


def ad() -> Ad:
    def param(v: float, x: Any, full: bool) -> Any:
        return torch.full(x.shape if full else (), v, dtype=x.dtype).requires_grad_(True)

    def param_grad(f: Any, x: Any, kw: dict[str, Any], name: str) -> Any:
        (g,) = torch.autograd.grad(f(x, **kw).sum(), kw[name])
        return g

    def jvp(f: Any, x: Any, kw: dict[str, Any]) -> Any:
        return torch.func.jvp(lambda t: f(t, **kw), (x,), (torch.ones_like(x),))[1]

    def second(f: Any, x: Any, kw: dict[str, Any]) -> Any:
        x = x.detach().requires_grad_(True)
        (d,) = torch.autograd.grad(f(x, **kw).sum(), x, create_graph=True)
        (dd,) = torch.autograd.grad(d.sum(), x)
        return dd

    return Ad(param=param, param_grad=param_grad, jvp=jvp, second=second)
