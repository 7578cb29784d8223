"""The Theano tutorial's MLP, written once, trained on NumPy, PyTorch, JAX, TensorFlow and PyTensor.

A ``HiddenLayer`` taking ``activation=`` (here Theano's ``T.nnet.relu`` through
``activations.compat.theano``) and a softmax ``LogisticRegression`` on top, as in the
deeplearning.net tutorial. The model code below is framework-agnostic: the layers only use
``@``, ``+`` and the activation; the five training loops differ only in how each framework
computes gradients (NumPy: manual backprop with ``activation.vjp``). Everything is float64;
the script prints each framework's losses and exits non-zero unless losses and final weights
agree with NumPy's to 1e-10.

    python examples/theano_mlp.py [--steps 20] [--activation relu]
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from collections.abc import Callable
from typing import Any

import numpy as np

import activations.compat.theano as T
from activations import init

N_IN, N_HIDDEN, N_OUT, N_SAMPLES, LEARNING_RATE = 4, 8, 3, 32, 0.1


# --- the model, written once --------------------------------------------------------------


class HiddenLayer:
    """output = activation(x @ W + b), W drawn as in the tutorial (x4 for sigmoid)."""

    def __init__(self, rng: np.random.RandomState, n_in: int, n_out: int, activation: Any):
        name = getattr(activation, "__name__", "tanh")
        self.W = init.glorot_uniform((n_in, n_out), rng=rng, gain=init.gain(name))
        self.b = np.zeros(n_out)
        self.activation = activation

    @staticmethod
    def output(x: Any, W: Any, b: Any, activation: Any) -> Any:
        return activation(x @ W + b)


def negative_log_likelihood(ops: dict[str, Callable[..., Any]], h: Any, W: Any, b: Any, y1: Any):
    """LogisticRegression's cost: mean -log softmax(h @ W + b)[y], y one-hot."""
    a = h @ W + b
    shifted = a - ops["max"](a)
    log_p = shifted - ops["log"](ops["sum"](ops["exp"](shifted)))
    return -ops["mean"](ops["sum"](log_p * y1))


def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.RandomState(0)
    x = rng.normal(size=(N_SAMPLES, N_IN))
    y = (x[:, 0] + 2 * x[:, 1] > 0).astype(int) + (x[:, 2] > 1).astype(int)
    return x, np.eye(N_OUT)[y]


def initial_params(activation: Any) -> list[np.ndarray]:
    hidden = HiddenLayer(np.random.RandomState(1234), N_IN, N_HIDDEN, activation)
    return [hidden.W, hidden.b, np.zeros((N_HIDDEN, N_OUT)), np.zeros(N_OUT)]  # tutorial: zeros


# --- five training loops ------------------------------------------------------------------


def train_numpy(act: Any, steps: int) -> tuple[list[float], list[np.ndarray]]:
    x, y1 = data()
    W1, b1, W2, b2 = initial_params(act)
    ops = {
        "max": lambda a: a.max(axis=1, keepdims=True),
        "sum": lambda a: a.sum(axis=1, keepdims=True),
        "exp": np.exp,
        "log": np.log,
        "mean": np.mean,
    }
    losses = []
    for _ in range(steps):
        z = x @ W1 + b1
        h = act(z)
        losses.append(float(negative_log_likelihood(ops, h, W2, b2, y1)))
        a = h @ W2 + b2
        p = np.exp(a - a.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        da = (p - y1) / N_SAMPLES
        dW2, db2 = h.T @ da, da.sum(axis=0)
        dz = act.vjp(z, da @ W2.T)  # the backward pass of the activation
        dW1, db1 = x.T @ dz, dz.sum(axis=0)
        W1, b1, W2, b2 = (
            W1 - LEARNING_RATE * dW1,
            b1 - LEARNING_RATE * db1,
            W2 - LEARNING_RATE * dW2,
            b2 - LEARNING_RATE * db2,
        )
    return losses, [W1, b1, W2, b2]


def train_torch(act: Any, steps: int) -> tuple[list[float], list[np.ndarray]]:
    import torch

    x, y1 = (torch.from_numpy(a) for a in data())
    params = [init.to_backend(p, "torch").requires_grad_(True) for p in initial_params(act)]
    ops = {
        "max": lambda a: a.amax(dim=1, keepdim=True),
        "sum": lambda a: a.sum(dim=1, keepdim=True),
        "exp": torch.exp,
        "log": torch.log,
        "mean": torch.mean,
    }
    losses = []
    for _ in range(steps):
        W1, b1, W2, b2 = params
        loss = negative_log_likelihood(ops, HiddenLayer.output(x, W1, b1, act), W2, b2, y1)
        losses.append(float(loss.detach()))
        grads = torch.autograd.grad(loss, params)
        with torch.no_grad():
            pairs = zip(params, grads, strict=True)
            params = [(p - LEARNING_RATE * g).requires_grad_(True) for p, g in pairs]
    return losses, [p.detach().numpy() for p in params]


def train_jax(act: Any, steps: int) -> tuple[list[float], list[np.ndarray]]:
    import jax
    import jax.numpy as jnp

    with jax.enable_x64(True):
        x, y1 = (jnp.asarray(a) for a in data())
        params = [init.to_backend(p, "jax") for p in initial_params(act)]
        ops = {
            "max": lambda a: a.max(axis=1, keepdims=True),
            "sum": lambda a: a.sum(axis=1, keepdims=True),
            "exp": jnp.exp,
            "log": jnp.log,
            "mean": jnp.mean,
        }

        def cost(params: list[Any]) -> Any:
            W1, b1, W2, b2 = params
            return negative_log_likelihood(ops, HiddenLayer.output(x, W1, b1, act), W2, b2, y1)

        step = jax.jit(jax.value_and_grad(cost))
        losses = []
        for _ in range(steps):
            loss, grads = step(params)
            losses.append(float(loss))
            params = [p - LEARNING_RATE * g for p, g in zip(params, grads, strict=True)]
        return losses, [np.asarray(p) for p in params]


def train_tensorflow(act: Any, steps: int) -> tuple[list[float], list[np.ndarray]]:
    import tensorflow as tf

    x, y1 = (tf.constant(a) for a in data())
    params = [init.to_backend(p, "tensorflow") for p in initial_params(act)]
    ops = {
        "max": lambda a: tf.reduce_max(a, axis=1, keepdims=True),
        "sum": lambda a: tf.reduce_sum(a, axis=1, keepdims=True),
        "exp": tf.exp,
        "log": tf.math.log,
        "mean": tf.reduce_mean,
    }
    losses = []
    for _ in range(steps):
        with tf.GradientTape() as tape:
            W1, b1, W2, b2 = params
            loss = negative_log_likelihood(ops, HiddenLayer.output(x, W1, b1, act), W2, b2, y1)
        losses.append(float(loss))
        for p, g in zip(params, tape.gradient(loss, params), strict=True):
            p.assign_sub(LEARNING_RATE * g)
    return losses, [p.numpy() for p in params]


def train_pytensor(act: Any, steps: int) -> tuple[list[float], list[np.ndarray]]:
    import pytensor
    import pytensor.tensor as pt

    x, y1 = data()
    params = [init.to_backend(p, "pytensor") for p in initial_params(act)]
    ops = {
        "max": lambda a: pt.max(a, axis=1, keepdims=True),
        "sum": lambda a: pt.sum(a, axis=1, keepdims=True),
        "exp": pt.exp,
        "log": pt.log,
        "mean": pt.mean,
    }
    W1, b1, W2, b2 = params
    loss = negative_log_likelihood(ops, HiddenLayer.output(x, W1, b1, act), W2, b2, y1)
    grads = pytensor.grad(loss, params)
    with pytensor.config.change_flags(numba__fastmath=False):
        updates = [(p, p - LEARNING_RATE * g) for p, g in zip(params, grads, strict=True)]
        step = pytensor.function([], loss, updates=updates)
    losses = [float(step()) for _ in range(steps)]
    return losses, [p.get_value() for p in params]


TRAINERS = {
    "numpy": train_numpy,
    "torch": train_torch,
    "jax": train_jax,
    "tensorflow": train_tensorflow,
    "pytensor": train_pytensor,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--activation", default="relu", help="a name in activations.compat.theano")
    args = parser.parse_args(argv)
    act = getattr(T, args.activation)
    results = {}
    for name, train in TRAINERS.items():
        if name != "numpy" and importlib.util.find_spec(name) is None:
            print(f"{name:<11} not installed")
            continue
        results[name] = train(act, args.steps)
    ref_losses, ref_params = results["numpy"]
    worst = 0.0
    for name, (losses, params) in results.items():
        diff = max(
            max(abs(a - b) for a, b in zip(losses, ref_losses, strict=True)),
            max(float(np.max(np.abs(p - q))) for p, q in zip(params, ref_params, strict=True)),
        )
        worst = max(worst, diff)
        print(f"{name:<11} loss {losses[0]:.12f} -> {losses[-1]:.12f}   max diff {diff:.2e}")
    print(f"largest difference from NumPy (losses and weights): {worst:.2e}")
    return 0 if worst <= 1e-10 else 1


if __name__ == "__main__":
    sys.exit(main())
