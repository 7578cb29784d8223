"""How the checks drive TensorFlow: gradients through ``GradientTape`` (nested for second
derivatives), forward mode through ``tf.autodiff.ForwardAccumulator``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import tensorflow as tf

from ..._conformance import Harness
from ..._conformance_ad import Ad
from . import LIBRARY


def harness() -> Harness:
    def grad(f: Any, x: Any, kw: Mapping[str, Any]) -> Any:
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = f(x, **kw)
        return tape.gradient(y, x, output_gradients=tf.ones_like(y))

    return Harness(
        name="tensorflow",
        dtypes=LIBRARY.dtypes,
        make=lambda v, dtype: tf.cast(tf.constant(np.asarray(v, dtype=np.float64)), dtype),
        value=lambda f, x, kw: f(x, **kw),
        grad=grad,
        to_numpy=lambda y: tf.cast(y, tf.float64).numpy(),
        flushes_subnormals=LIBRARY.flushes_subnormals,
        version=tf.__version__,
    )


def ad() -> Ad:
    def param(v: float, x: Any, full: bool) -> Any:
        return tf.Variable(tf.fill(x.shape if full else (), tf.constant(v, x.dtype)))

    def param_grad(f: Any, x: Any, kw: dict[str, Any], name: str) -> Any:
        with tf.GradientTape() as tape:
            y = f(x, **kw)
        return tape.gradient(y, kw[name], output_gradients=tf.ones_like(y))

    def jvp(f: Any, x: Any, kw: dict[str, Any]) -> Any:
        with tf.autodiff.ForwardAccumulator(x, tf.ones_like(x)) as acc:
            y = f(x, **kw)
        return acc.jvp(y)

    def second(f: Any, x: Any, kw: dict[str, Any]) -> Any:
        with tf.GradientTape() as outer:
            outer.watch(x)
            with tf.GradientTape() as inner:
                inner.watch(x)
                y = f(x, **kw)
            d = inner.gradient(y, x, output_gradients=tf.ones_like(y))
        return outer.gradient(d, x, output_gradients=tf.ones_like(d))

    return Ad(param=param, param_grad=param_grad, jvp=jvp, second=second, exact_jvp=False)
