"""PyTorch: torch tensors, with autograd, forward mode, ``torch.func``, ``torch.compile`` and
``torch.export`` (``ops``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._entry import Entry, Library, loader, subclass_of


def owns(cls: type) -> bool:
    return subclass_of(cls, "torch", "Tensor")


def from_numpy(a: np.ndarray) -> Any:
    import torch

    return torch.from_numpy(a.copy())


def to_numpy(y: Any) -> np.ndarray:
    y = y.detach().cpu()
    return np.asarray((y.float() if str(y.dtype) == "torch.bfloat16" else y).numpy())


LIBRARY = Library(
    name="torch",
    module="torch",
    distributions=("torch",),
    dtypes=("float16", "bfloat16", "float32", "float64"),
    from_numpy=from_numpy,
    to_numpy=to_numpy,
    array_modules=("torch",),
    checks="activations.backends.torch.checks",
    variable=from_numpy,
)
ENTRY = Entry("torch", owns, loader("activations.backends.torch.ops"), "torch", (LIBRARY,))
