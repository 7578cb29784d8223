"""One function, seven array libraries, the same numbers and gradients.

A small layer written once against ``activations`` (no framework imports in it), evaluated
with NumPy, PyTorch, TensorFlow, JAX, PyTensor, array-api-strict and Dask. Each framework
computes the gradient with its own autograd; NumPy, array-api-strict and Dask (no autograd)
use the activations' ``derivative``. The script prints the results side by side and exits
non-zero if any framework disagrees with NumPy beyond float64 rounding.

    python examples/agnostic.py
"""

from __future__ import annotations

import importlib.util
import sys

import numpy as np

import activations as A


def block(x):  # framework-agnostic: only activations.* and arithmetic
    """gelu, then a leaky relu and a clipped relu, with the contract's kinks at 0 and 6."""
    return A.leaky_relu(A.gelu(x), 0.1) + A.relu(x, max_value=6.0) - A.silu(x) * 0.5


X = np.array([-7.0, -3.0, -1.0, -0.0, 0.0, 0.5, 3.0, 6.0, 7.5])


def block_grad(x):  # framework-agnostic too: the chain rule by hand, for arrays without autograd
    g = A.gelu(x)
    dg = A.leaky_relu.derivative(g, 0.1) * A.gelu.derivative(x)
    return dg + A.relu.derivative(x, max_value=6.0) - A.silu.derivative(x) * 0.5


def numpy_run(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return block(x), block_grad(x)


def array_api_strict_run(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    import array_api_strict as xp

    t = xp.asarray(x)
    return np.from_dlpack(block(t)), np.from_dlpack(block_grad(t))


def dask_run(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    import dask
    import dask.array as da

    t = da.from_array(x, chunks=4)  # lazy until compute()
    return dask.compute(block(t), block_grad(t))


def torch_run(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    import torch

    t = torch.tensor(x, requires_grad=True)
    y = block(t)
    y.sum().backward()
    return y.detach().numpy(), t.grad.numpy()


def tensorflow_run(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    import tensorflow as tf

    t = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(t)
        y = block(t)
    return y.numpy(), tape.gradient(y, t).numpy()


def jax_run(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    import jax

    with jax.enable_x64(True):
        t = jax.numpy.asarray(x)
        y, pullback = jax.vjp(block, t)
        (g,) = pullback(jax.numpy.ones_like(y))
        return np.asarray(y), np.asarray(g)


def pytensor_run(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    import pytensor
    import pytensor.tensor as pt

    t = pt.dvector("x")
    y = block(t)
    (g,) = pytensor.grad(y.sum(), [t])
    # fastmath off: PyTensor's default lets the compiler reassociate float arithmetic
    with pytensor.config.change_flags(numba__fastmath=False):
        fn = pytensor.function([t], [y, g])
    yv, gv = fn(x)
    return np.asarray(yv), np.asarray(gv)


RUNS = {
    "numpy": numpy_run,
    "torch": torch_run,
    "tensorflow": tensorflow_run,
    "jax": jax_run,
    "pytensor": pytensor_run,
    "array_api_strict": array_api_strict_run,
    "dask": dask_run,
}


def main() -> int:
    results = {}
    for name, run in RUNS.items():
        if name != "numpy" and importlib.util.find_spec(name) is None:
            print(f"{name:<16} not installed")
            continue
        results[name] = run(X)
    y0, g0 = results["numpy"]
    np.set_printoptions(precision=6, suppress=True, linewidth=120)
    print(f"{'x':<21}{X}")
    worst = 0.0
    for name, (y, g) in results.items():
        worst = max(worst, float(np.max(np.abs(y - y0))), float(np.max(np.abs(g - g0))))
        print(f"{name:<16} f  = {y}\n{'':<16} f' = {g}")
    print(f"largest difference from NumPy: {worst:.3g}")
    return 0 if worst <= 1e-13 else 1


if __name__ == "__main__":
    sys.exit(main())
