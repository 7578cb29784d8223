"""Lasagne's MNIST MLP, ported with ``activations.compat.lasagne`` and trained with NumPy alone.

The network of Lasagne's ``examples/mnist.py`` (``build_mlp``, without its dropout): 784
inputs, a ``DenseLayer`` of 800 rectifier units with ``W=GlorotUniform(gain='relu')``, and a
``DenseLayer`` of 10 softmax units (Lasagne's defaults ``W=GlorotUniform()``,
``b=Constant(0.)``). The loss is ``categorical_crossentropy(prediction, targets).mean()`` and
the update ``sgd``: ``param - learning_rate * grad``. The lines marked ``# Lasagne:`` show the
code this replaces.

As in Lasagne, ``np.random.seed(seed)`` before building the network fixes the initial weights
(the layers draw from ``lasagne.random.get_rng()`` in the order they are built), so the port
starts from the weights the old program had. Theano took the gradients; here they are written
by hand with the activations' ``vjp``. The data are synthetic, MNIST-shaped (28x28 images in
[0, 1], mostly background, 10 classes): nothing is downloaded. Everything is float64 (Theano's
default ``floatX``). The script prints the loss at each step and exits non-zero unless it fell.

    python examples/lasagne_mlp.py [--steps 5] [--hidden 800] [--seed 42]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from typing import Any

import numpy as np

from activations.compat.lasagne import init, rectify, softmax

N_PIXELS, N_CLASSES = 28 * 28, 10


# --- the layers ---------------------------------------------------------------------------


class DenseLayer:
    """``lasagne.layers.DenseLayer``: ``nonlinearity(input @ W + b)``.

    ``incoming`` is the number of inputs or the layer below; W, then b, are drawn when the
    layer is built, as Lasagne's ``add_param`` did.
    """

    def __init__(
        self,
        incoming: int | DenseLayer,
        num_units: int,
        W: init.Initializer = init.GlorotUniform(),  # noqa: B008 (Lasagne's default)
        b: init.Initializer = init.Constant(0.0),  # noqa: B008
        nonlinearity: Any = rectify,
    ) -> None:
        num_inputs = incoming if isinstance(incoming, int) else incoming.num_units
        self.num_units = num_units
        self.W = W((num_inputs, num_units))
        self.b = b((num_units,))
        self.nonlinearity = nonlinearity

    def get_output_for(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(the activation ``x @ W + b``, the output): the backward pass needs both."""
        activation = x @ self.W + self.b
        return activation, self.nonlinearity(activation)


def build_mlp(n_hidden: int = 800) -> list[DenseLayer]:
    """Lasagne's ``build_mlp`` without dropout."""
    # Lasagne: l_hid = DenseLayer(l_in, num_units=800, nonlinearity=rectify,
    #                             W=lasagne.init.GlorotUniform(gain='relu'))
    l_hid = DenseLayer(N_PIXELS, n_hidden, W=init.GlorotUniform(gain="relu"), nonlinearity=rectify)
    # Lasagne: l_out = DenseLayer(l_hid, num_units=10, nonlinearity=softmax)
    l_out = DenseLayer(l_hid, N_CLASSES, nonlinearity=softmax)
    return [l_hid, l_out]


def params(layers: list[DenseLayer]) -> list[np.ndarray]:
    """``lasagne.layers.get_all_params(network)``, copied: W, b of each layer, bottom up."""
    return [p.copy() for layer in layers for p in (layer.W, layer.b)]


# --- the training step ----------------------------------------------------------------------


def categorical_crossentropy(predictions: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """``lasagne.objectives.categorical_crossentropy`` with one-hot targets (Theano's
    ``-sum(targets * log(predictions), axis=1)``)."""
    return -np.sum(targets * np.log(predictions), axis=1)


def sgd_step(
    layers: list[DenseLayer], x: np.ndarray, targets: np.ndarray, learning_rate: float
) -> float:
    """One ``sgd`` update on the batch; returns the loss before it."""
    l_hid, l_out = layers
    z_hid, h = l_hid.get_output_for(x)
    z_out, prediction = l_out.get_output_for(h)
    loss = float(categorical_crossentropy(prediction, targets).mean())
    # the backward pass, top down; d loss / d prediction of the mean cross-entropy first
    d_prediction = -targets / (prediction * len(x))
    d_z_out = l_out.nonlinearity.vjp(z_out, d_prediction)
    d_h = d_z_out @ l_out.W.T
    d_z_hid = l_hid.nonlinearity.vjp(z_hid, d_h)  # rectify's slope at 0 is Theano's 0.5
    grads = {
        l_hid: (x.T @ d_z_hid, d_z_hid.sum(axis=0)),
        l_out: (h.T @ d_z_out, d_z_out.sum(axis=0)),
    }
    for layer, (dW, db) in grads.items():  # Lasagne: updates = sgd(loss, params, lr)
        layer.W = layer.W - learning_rate * dW
        layer.b = layer.b - learning_rate * db
    return loss


# --- the data and the run -------------------------------------------------------------------


def synthetic_mnist(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """n MNIST-shaped images (flattened, in [0, 1], mostly 0) and their one-hot labels.

    Each class has a pattern of ink pixels; an image is its class's pattern at random
    intensities plus a few stray pixels. A generator of its own, so that the global one that
    the initialisers draw from is left as ``np.random.seed`` put it.
    """
    rng = np.random.RandomState(seed)
    patterns = rng.uniform(size=(N_CLASSES, N_PIXELS)) < 0.15
    labels = rng.randint(0, N_CLASSES, size=n)
    ink = patterns[labels] * rng.uniform(0.5, 1.0, size=(n, N_PIXELS))
    stray = (rng.uniform(size=(n, N_PIXELS)) < 0.03) * rng.uniform(size=(n, N_PIXELS))
    return np.clip(ink + stray, 0.0, 1.0), np.eye(N_CLASSES)[labels]


@dataclass
class Run:
    """What a training run gives: the data, the weights before and after, the first
    prediction, the loss at each step and the last batch accuracy."""

    x: np.ndarray
    targets: np.ndarray
    initial: list[np.ndarray]
    prediction: np.ndarray
    losses: list[float]
    final: list[np.ndarray]
    accuracy: float


def train(
    steps: int = 5,
    seed: int = 42,
    n_hidden: int = 800,
    learning_rate: float = 0.1,
    n_samples: int = 256,
) -> Run:
    """Build the network after ``np.random.seed(seed)`` and take ``steps`` SGD steps."""
    x, targets = synthetic_mnist(n_samples, seed + 1)
    np.random.seed(seed)  # lasagne.random.get_rng(): np.random unless set_rng changed it
    layers = build_mlp(n_hidden)
    initial = params(layers)
    prediction = layers[1].get_output_for(layers[0].get_output_for(x)[1])[1]
    losses = [sgd_step(layers, x, targets, learning_rate) for _ in range(steps)]
    final = layers[1].get_output_for(layers[0].get_output_for(x)[1])[1]
    accuracy = float(np.mean(final.argmax(axis=1) == targets.argmax(axis=1)))
    return Run(x, targets, initial, prediction, losses, params(layers), accuracy)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").partition("\n")[0])
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--hidden", type=int, default=800)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--learning-rate", type=float, default=0.1)
    args = parser.parse_args(argv)
    run = train(args.steps, args.seed, args.hidden, args.learning_rate)
    for step, loss in enumerate(run.losses):
        print(f"step {step}  loss {loss:.12f}")
    print(f"batch accuracy after {args.steps} steps: {run.accuracy:.3f}")
    fell = len(run.losses) < 2 or run.losses[-1] < run.losses[0]
    print("the loss fell" if fell else "the loss did not fall")
    return 0 if fell else 1


if __name__ == "__main__":
    sys.exit(main())
