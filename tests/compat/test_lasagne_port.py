"""The Lasagne MLP port (examples/lasagne_mlp.py) gives the old library's numbers.

Lasagne's algorithm is written here again, independently of the library: ``GlorotUniform``
(std = gain * sqrt(2 / (fan_in + fan_out)), a = sqrt(3) * std, drawn by
``get_rng().uniform(low=-a, high=a, size=shape)`` from the legacy ``np.random`` seeded as the
old program seeded it), gain 'relu' = sqrt(2), b = 0, ``rectify`` = Theano's
``0.5 * (x + abs(x))`` (slope 0.5 at 0), ``softmax`` = exp(x - max) / sum over each row, the
mean categorical cross-entropy, and Theano's gradients with its optimiser's rewrite of the
softmax and cross-entropy gradient (``g - sum(g) * softmax``, g = -targets / n), in float64
NumPy.
"""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
SEED, STEPS, HIDDEN, LEARNING_RATE, SAMPLES = 42, 5, 800, 0.1, 256


def example() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "lasagne_mlp", ROOT / "examples" / "lasagne_mlp.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # the dataclass looks its module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def run() -> Any:
    return example().train(STEPS, SEED, HIDDEN, LEARNING_RATE, SAMPLES)


# --- Lasagne 0.2 on Theano 1.0, in float64 NumPy ---------------------------------------------


def glorot_uniform(shape: tuple[int, int], gain: float) -> np.ndarray:
    std = gain * np.sqrt(2.0 / (shape[0] + shape[1]))
    a = np.sqrt(3) * std
    return np.random.uniform(low=-a, high=a, size=shape)


def lasagne_initial_weights() -> list[np.ndarray]:
    np.random.seed(SEED)  # what the old program did before building the network
    W1 = glorot_uniform((784, HIDDEN), gain=np.sqrt(2))  # gain='relu'
    b1 = np.zeros(HIDDEN)
    W2 = glorot_uniform((HIDDEN, 10), gain=1.0)
    b2 = np.zeros(10)
    return [W1, b1, W2, b2]


def rectify(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0)


def softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def forward(p: list[np.ndarray], x: np.ndarray) -> tuple[np.ndarray, ...]:
    W1, b1, W2, b2 = p
    z1 = x @ W1 + b1
    h = rectify(z1)
    return z1, h, softmax(h @ W2 + b2)


def loss(prediction: np.ndarray, targets: np.ndarray) -> float:
    return float(np.mean(-np.sum(targets * np.log(prediction), axis=1)))


def lasagne_sgd(p: list[np.ndarray], x: np.ndarray, targets: np.ndarray) -> list[float]:
    losses = []
    for _ in range(STEPS):
        W2 = p[2]
        z1, h, prediction = forward(p, x)
        losses.append(loss(prediction, targets))
        g = -targets / len(x)
        dz2 = g - g.sum(axis=1, keepdims=True) * prediction
        dz1 = (dz2 @ W2.T) * np.where(z1 > 0, 1.0, np.where(z1 < 0, 0.0, 0.5))
        grads = [x.T @ dz1, dz1.sum(axis=0), h.T @ dz2, dz2.sum(axis=0)]
        p[:] = [w - LEARNING_RATE * dw for w, dw in zip(p, grads, strict=True)]
    return losses


# --- the port against it ------------------------------------------------------------------------


def test_initial_weights_are_lasagnes_bit_for_bit(run: Any) -> None:
    want = lasagne_initial_weights()
    assert [w.shape for w in run.initial] == [w.shape for w in want]
    for got, w in zip(run.initial, want, strict=True):
        assert got.dtype == np.float64
        np.testing.assert_array_equal(got, w)


def test_forward_pass_and_loss_are_lasagnes(run: Any) -> None:
    _, _, want = forward(lasagne_initial_weights(), run.x)
    # the same float64 operations in the same order (equal today); one ULP of slack leaves
    # the library free to round exp and the division its own way
    np.testing.assert_allclose(run.prediction, want, rtol=1e-15, atol=0)
    np.testing.assert_allclose(run.prediction.sum(axis=1), 1.0, rtol=1e-15)
    assert run.losses[0] == pytest.approx(loss(want, run.targets), rel=1e-15, abs=0)


def test_sgd_steps_give_lasagnes_losses_and_weights(run: Any) -> None:
    p = lasagne_initial_weights()
    losses = lasagne_sgd(p, run.x, run.targets)
    # not bit for bit: the port differentiates softmax and the cross-entropy one after the
    # other (-targets/prediction through softmax's vjp) where Theano's optimiser rewrote the
    # pair to g - sum(g)*softmax; the two differ by a few ULPs per step
    np.testing.assert_allclose(run.losses, losses, rtol=1e-14, atol=0)
    for got, want in zip(run.final, p, strict=True):
        scale = float(np.abs(want).max())
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-14 * scale)
    assert run.losses[-1] < run.losses[0]


def test_the_updates_move_the_weights(run: Any) -> None:
    # so that comparing the final weights says something about the gradients
    for before, after in zip(run.initial, run.final, strict=True):
        assert np.abs(after - before).max() > 1e-4


def test_example_runs_as_a_program() -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "lasagne_mlp.py"), "--steps", "3"],
        capture_output=True,
        text=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
        timeout=600,
    )
    assert out.returncode == 0, out.stdout + out.stderr[-2000:]
    assert out.stdout.count("loss") >= 3 and "the loss fell" in out.stdout
