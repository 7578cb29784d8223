"""What type checkers infer: the result has the input's type (mypy --strict and pyright pass).

    mypy --strict examples/typed_usage.py && pyright examples/typed_usage.py

Runs as a script too: the assertions at run time check the same types.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
import numpy.typing as npt

import activations as A

if sys.version_info >= (3, 11):
    from typing import assert_type
else:  # pragma: no cover
    from typing_extensions import assert_type


def numpy_layer(x: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    h = A.gelu(x, approximate=True)
    assert_type(h, npt.NDArray[np.float32])
    dh = A.gelu.derivative(x)
    assert_type(dh, npt.NDArray[np.float32])
    g = A.relu.vjp(h, np.ones_like(h))
    assert_type(g, npt.NDArray[np.float32])
    dx, _dweight = A.prelu.vjp(h, g, np.float32(0.25))
    assert_type(dx, npt.NDArray[np.float32])
    return A.leaky_relu(h, 0.1)


def from_lists() -> npt.NDArray[np.floating[Any]]:
    y = A.relu([-1.0, 2.0])  # a list goes to NumPy and comes back as an array
    assert_type(y, npt.NDArray[np.floating[Any]])
    return y


def torch_layer(x: Any) -> None:
    import torch

    t: torch.Tensor = torch.as_tensor(x)
    y = A.silu(t)
    assert_type(y, torch.Tensor)
    assert_type(A.elu.derivative(t), torch.Tensor)


def jax_layer(x: Any) -> None:
    import jax

    a: jax.Array = jax.numpy.asarray(x)
    assert_type(A.mish(a), jax.Array)


def main() -> int:
    x = np.linspace(-3, 3, 12, dtype=np.float32).reshape(3, 4)
    y = numpy_layer(x)
    assert isinstance(y, np.ndarray) and y.dtype == np.float32
    assert isinstance(from_lists(), np.ndarray)
    print("typed usage: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
