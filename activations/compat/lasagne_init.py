"""Lasagne's initialisers (``lasagne.init``), drawing Lasagne's very numbers.

Each class takes Lasagne's arguments and is called as ``init.sample(shape)`` or
``init(shape)``. The numbers come from ``lasagne_random.get_rng()`` (NumPy's global legacy
generator unless ``set_rng`` replaced it) with the same calls in the same order as Lasagne,
so that after ``np.random.seed(s)`` a ported model starts from the same weights. The result is
a NumPy array of ``floatx()`` (Theano's default ``floatX``, float64, until ``set_floatx``);
``activations.init.to_backend(W, "torch")`` hands it to another framework.

- ``GlorotUniform``/``GlorotNormal``: std = gain * sqrt(2 / ((n1 + n2) * receptive_field)),
  with n1, n2 = shape[:2] and the receptive field prod(shape[2:]); with ``c01b=True`` (the
  4-d cuda-convnet layout) n1, n2 = shape[0], shape[3] and the receptive field
  shape[1] * shape[2]. The uniform one draws from U(-sqrt(3)*std, sqrt(3)*std).
- ``HeUniform``/``HeNormal``: std = gain * sqrt(1 / fan_in), fan_in = shape[0] (2-d),
  prod(shape[1:]) (more dimensions) or prod(shape[:3]) (``c01b=True``).
- ``gain='relu'`` means sqrt(2), for Glorot, He and Orthogonal.
- ``Normal(std=0.01, mean=0.0)``, ``Uniform(range=0.01, std=None, mean=0.0)`` (``range`` a
  number r for U(-r, r), a pair (a, b), or ``std`` and ``mean`` for
  U(mean - sqrt(3)*std, mean + sqrt(3)*std)), ``Constant(val=0.0)``,
  ``Sparse(sparsity=0.1, std=0.01)`` and ``Orthogonal(gain=1.0)`` (through an SVD).

Examples
--------
>>> import numpy as np
>>> from activations.compat.lasagne import init
>>> np.random.seed(0)
>>> W = init.GlorotUniform(gain="relu")((3, 2))
>>> W.shape, W.dtype
((3, 2), dtype('float64'))
>>> np.random.seed(0)
>>> bool(np.all(W == init.GlorotUniform(gain=np.sqrt(2)).sample((3, 2))))
True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..init import _fans
from .lasagne_random import get_rng, set_rng

__all__ = [
    "Constant",
    "Glorot",
    "GlorotNormal",
    "GlorotUniform",
    "He",
    "HeNormal",
    "HeUniform",
    "Initializer",
    "Normal",
    "Orthogonal",
    "ShapeError",
    "Sparse",
    "Uniform",
    "floatx",
    "get_rng",
    "set_floatx",
    "set_rng",
]

_floatx = "float64"


class ShapeError(ValueError, RuntimeError):
    """A shape an initialiser cannot fill (a RuntimeError too, as Lasagne raised)."""


def floatx() -> str:
    """The dtype of the initial weights (Theano's ``floatX``): float64 unless changed.

    Examples
    --------
    >>> from activations.compat.lasagne_init import floatx
    >>> floatx()
    'float64'
    """
    return _floatx


def set_floatx(dtype: str) -> None:
    """Set the dtype of the initial weights, like ``theano.config.floatX = 'float32'``.

    Examples
    --------
    >>> from activations.compat.lasagne_init import Constant, set_floatx
    >>> set_floatx("float32")
    >>> Constant(1.5)((2,)).dtype
    dtype('float32')
    >>> set_floatx("float64")
    """
    global _floatx
    if dtype not in ("float16", "float32", "float64"):
        raise ValueError(f"set_floatx(): dtype must be float16, float32 or float64, got {dtype!r}")
    _floatx = dtype


def _as_floatx(a: Any) -> np.ndarray:
    return np.asarray(a, dtype=_floatx)


def _shape(who: str, shape: Any) -> tuple[int, ...]:
    try:
        dims = tuple(int(d) for d in (shape if isinstance(shape, Sequence) else [shape]))
    except (TypeError, ValueError):
        raise TypeError(
            f"{who}: shape must be a tuple of non-negative integers, got {shape!r}"
        ) from None
    if any(d < 0 for d in dims):
        raise ValueError(f"{who}: shape must be a tuple of non-negative integers, got {shape!r}")
    return dims


def _gain(who: str, gain: Any) -> Any:
    if isinstance(gain, str):
        if gain == "relu":
            return np.sqrt(2)
        raise ValueError(f"{who}: gain must be a number or 'relu', got {gain!r}")
    return gain


class Initializer:
    """The base class: ``init(shape)`` is ``init.sample(shape)``."""

    def __call__(self, shape: Any) -> np.ndarray:
        return self.sample(shape)

    def sample(self, shape: Any) -> np.ndarray:
        """An array of shape ``shape`` with the initial values."""
        raise NotImplementedError

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({args})"


class Normal(Initializer):
    """N(mean, std^2).

    Examples
    --------
    >>> import numpy as np
    >>> from activations.compat.lasagne_init import Normal
    >>> np.random.seed(1)
    >>> Normal(std=2.0, mean=1.0)((2,)).round(4)
    array([ 4.2487, -0.2235])
    """

    def __init__(self, std: float = 0.01, mean: float = 0.0) -> None:
        self.std = std
        self.mean = mean

    def sample(self, shape: Any) -> np.ndarray:
        shape = _shape("Normal.sample()", shape)
        return _as_floatx(get_rng().normal(self.mean, self.std, size=shape))


class Uniform(Initializer):
    """U(a, b): ``range=r`` for (-r, r), ``range=(a, b)``, or ``std`` and ``mean`` for
    (mean - sqrt(3)*std, mean + sqrt(3)*std).

    Examples
    --------
    >>> from activations.compat.lasagne_init import Uniform
    >>> Uniform(0.5).range, Uniform((0.0, 2.0)).range
    ((-0.5, 0.5), (0.0, 2.0))
    """

    def __init__(
        self, range: float | tuple[float, float] = 0.01, std: float | None = None, mean: float = 0.0
    ) -> None:
        if std is not None:
            a = mean - np.sqrt(3) * std
            b = mean + np.sqrt(3) * std
        else:
            try:
                a, b = range  # type: ignore[misc]
            except TypeError:
                a, b = -range, range  # type: ignore[operator]
            except ValueError:
                raise ValueError(
                    f"Uniform(): range must be a number or a pair (low, high), got {range!r}"
                ) from None
        self.range = (a, b)

    def sample(self, shape: Any) -> np.ndarray:
        shape = _shape("Uniform.sample()", shape)
        low, high = self.range
        return _as_floatx(get_rng().uniform(low=low, high=high, size=shape))

    def __repr__(self) -> str:
        return f"Uniform(range={self.range!r})"


class Glorot(Initializer):
    """Glorot (Xavier) initialisation with the distribution ``initializer`` (Normal or
    Uniform): std = gain * sqrt(2 / ((n1 + n2) * receptive_field))."""

    def __init__(
        self, initializer: Callable[..., Initializer], gain: Any = 1.0, c01b: bool = False
    ) -> None:
        self.initializer = initializer
        self.gain = _gain(f"{type(self).__name__}()", gain)
        self.c01b = c01b

    def sample(self, shape: Any) -> np.ndarray:
        who = f"{type(self).__name__}.sample()"
        shape = _shape(who, shape)
        if self.c01b:
            if len(shape) != 4:
                raise ShapeError(f"{who}: with c01b=True shape must have 4 dimensions, got {shape}")
            total = (shape[0] + shape[3]) * (shape[1] * shape[2])
        else:
            if len(shape) < 2:
                raise ShapeError(f"{who}: shape must have at least 2 dimensions, got {shape}")
            fan_in, fan_out = _fans(shape)  # their sum is (n1 + n2) * receptive_field
            total = fan_in + fan_out
        std = self.gain * np.sqrt(2.0 / total)
        return self.initializer(std=std).sample(shape)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(gain={self.gain!r}, c01b={self.c01b!r})"


class GlorotNormal(Glorot):
    """Glorot initialisation from N(0, std^2).

    Examples
    --------
    >>> import numpy as np
    >>> from activations.compat.lasagne_init import GlorotNormal
    >>> np.random.seed(0)
    >>> GlorotNormal()((100, 100)).std().round(2)
    np.float64(0.1)
    """

    def __init__(self, gain: Any = 1.0, c01b: bool = False) -> None:
        super().__init__(Normal, gain, c01b)


class GlorotUniform(Glorot):
    """Glorot initialisation from U(-sqrt(3)*std, sqrt(3)*std).

    Examples
    --------
    >>> import numpy as np
    >>> from activations.compat.lasagne_init import GlorotUniform
    >>> bool(np.abs(GlorotUniform()((4, 2))).max() <= 1.0)
    True
    """

    def __init__(self, gain: Any = 1.0, c01b: bool = False) -> None:
        super().__init__(Uniform, gain, c01b)


class He(Initializer):
    """He initialisation with the distribution ``initializer``: std = gain * sqrt(1/fan_in)."""

    def __init__(
        self, initializer: Callable[..., Initializer], gain: Any = 1.0, c01b: bool = False
    ) -> None:
        self.initializer = initializer
        self.gain = _gain(f"{type(self).__name__}()", gain)
        self.c01b = c01b

    def sample(self, shape: Any) -> np.ndarray:
        who = f"{type(self).__name__}.sample()"
        shape = _shape(who, shape)
        if self.c01b:
            if len(shape) != 4:
                raise ShapeError(f"{who}: with c01b=True shape must have 4 dimensions, got {shape}")
            fan_in = shape[0] * shape[1] * shape[2]
        else:
            if len(shape) < 2:
                raise ShapeError(f"{who}: shape must have at least 2 dimensions, got {shape}")
            fan_in, _ = _fans(shape)  # shape[0], or prod(shape[1:]) for a convolution
        std = self.gain * np.sqrt(1.0 / fan_in)
        return self.initializer(std=std).sample(shape)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(gain={self.gain!r}, c01b={self.c01b!r})"


class HeNormal(He):
    """He initialisation from N(0, std^2).

    Examples
    --------
    >>> import numpy as np
    >>> from activations.compat.lasagne_init import HeNormal
    >>> np.random.seed(0)
    >>> HeNormal(gain="relu")((400, 300)).std().round(2)
    np.float64(0.07)
    """

    def __init__(self, gain: Any = 1.0, c01b: bool = False) -> None:
        super().__init__(Normal, gain, c01b)


class HeUniform(He):
    """He initialisation from U(-sqrt(3)*std, sqrt(3)*std).

    Examples
    --------
    >>> import numpy as np
    >>> from activations.compat.lasagne_init import HeUniform
    >>> bool(np.abs(HeUniform()((3, 5))).max() <= 1.0)
    True
    """

    def __init__(self, gain: Any = 1.0, c01b: bool = False) -> None:
        super().__init__(Uniform, gain, c01b)


class Constant(Initializer):
    """Every value ``val``.

    Examples
    --------
    >>> from activations.compat.lasagne_init import Constant
    >>> Constant(0.5)((2,))
    array([0.5, 0.5])
    """

    def __init__(self, val: float = 0.0) -> None:
        self.val = val

    def sample(self, shape: Any) -> np.ndarray:
        shape = _shape("Constant.sample()", shape)
        return _as_floatx(np.ones(shape) * self.val)


class Sparse(Initializer):
    """A (n_inputs, n_outputs) matrix with ``int(sparsity * n_inputs)`` nonzero weights per
    column, drawn from N(0, std^2) at rows chosen by shuffling.

    Examples
    --------
    >>> from activations.compat.lasagne_init import Sparse
    >>> W = Sparse(sparsity=0.5)((4, 3))
    >>> (W != 0).sum(axis=0).tolist()
    [2, 2, 2]
    """

    def __init__(self, sparsity: float = 0.1, std: float = 0.01) -> None:
        self.sparsity = sparsity
        self.std = std

    def sample(self, shape: Any) -> np.ndarray:
        shape = _shape("Sparse.sample()", shape)
        if len(shape) != 2:
            # Lasagne's own type for this one
            raise NotImplementedError(f"Sparse.sample(): shape must have 2 dimensions, got {shape}")
        w = _as_floatx(np.zeros(shape))
        n_inputs, n_outputs = shape
        size = int(self.sparsity * n_inputs)
        rng = get_rng()
        for k in range(n_outputs):
            indices = np.arange(n_inputs)
            rng.shuffle(indices)
            w[indices[:size], k] = _as_floatx(rng.normal(0.0, self.std, size=size))
        return w


class Orthogonal(Initializer):
    """An orthogonal matrix (rows or columns, whichever fit) times ``gain``, from the SVD of a
    N(0, 1) matrix of shape (shape[0], prod(shape[1:])), reshaped to ``shape``.

    Examples
    --------
    >>> import numpy as np
    >>> from activations.compat.lasagne_init import Orthogonal
    >>> Q = Orthogonal()((3, 3))
    >>> bool(np.allclose(Q @ Q.T, np.eye(3)))
    True
    """

    def __init__(self, gain: Any = 1.0) -> None:
        self.gain = _gain("Orthogonal()", gain)

    def sample(self, shape: Any) -> np.ndarray:
        shape = _shape("Orthogonal.sample()", shape)
        if len(shape) < 2:
            raise ShapeError(
                f"Orthogonal.sample(): shape must have at least 2 dimensions, got {shape}"
            )
        flat_shape = (shape[0], int(np.prod(shape[1:])))
        a = get_rng().normal(0.0, 1.0, flat_shape)
        u, _, v = np.linalg.svd(a, full_matrices=False)
        q = u if u.shape == flat_shape else v  # the factor with the flat shape
        return _as_floatx(self.gain * q.reshape(shape))
