"""activations: ReLU and its variants, with the same numbers on every array library.

The type of the input picks the backend (NumPy, PyTorch, TensorFlow/Keras, JAX, ...); every
activation keeps one contract (docs/conventions.md) on all of them.

Examples
--------
>>> import numpy as np, activations
>>> activations.relu(np.array([-1.0, 0.0, 2.0]))
array([0., 0., 2.])
>>> activations.leaky_relu.derivative(np.array([-1.0, 0.0, 2.0]))
array([0.01, 0.01, 1.  ])
"""

from typing import cast as _cast

from . import _on_import
from ._activation import Activation, WeightedActivation, get, names
from ._axis import AxisActivation, log_softmax, softmax
from ._on_import import ActivationsImportWarning
from ._portable_mode import portable
from .backends import Entry as BackendEntry
from .backends import register_backend

__version__ = "0.2.0.dev0"

_g = get
relu = _g("relu")
relu6 = _g("relu6")
leaky_relu = _g("leaky_relu")
prelu = _cast(WeightedActivation, _g("prelu"))
rrelu = _g("rrelu")
elu = _g("elu")
selu = _g("selu")
celu = _g("celu")
gelu = _g("gelu")
silu = _g("silu")
swish = silu
mish = _g("mish")
softplus = _g("softplus")
log_sigmoid = _g("log_sigmoid")
logsigmoid = log_sigmoid
hardswish = _g("hardswish")
hard_swish = hardswish
hard_silu = hardswish
hard_sigmoid = _g("hard_sigmoid")
hardsigmoid = hard_sigmoid
hardtanh = _g("hardtanh")
hard_tanh = hardtanh
threshold = _g("threshold")
thresholded_relu = _g("thresholded_relu")
squared_relu = _g("squared_relu")
squareplus = _g("squareplus")
sigmoid = _g("sigmoid")
tanh = _g("tanh")
softsign = _g("softsign")
softshrink = _g("softshrink")
soft_shrink = softshrink
hardshrink = _g("hardshrink")
hard_shrink = hardshrink
tanhshrink = _g("tanhshrink")
tanh_shrink = tanhshrink
sparse_plus = _g("sparse_plus")
sparse_sigmoid = _g("sparse_sigmoid")
exponential = _g("exponential")
linear = _g("linear")
identity = linear
del _g, _cast

# last: an action may import activations.keras, which needs the whole package
_on_import.install()  # Keras serialization and torch.compile: see _on_import

__all__ = [
    "Activation",
    "ActivationsImportWarning",
    "AxisActivation",
    "BackendEntry",
    "WeightedActivation",
    "celu",
    "elu",
    "exponential",
    "gelu",
    "get",
    "hard_shrink",
    "hard_sigmoid",
    "hard_silu",
    "hard_swish",
    "hard_tanh",
    "hardshrink",
    "hardsigmoid",
    "hardswish",
    "hardtanh",
    "identity",
    "leaky_relu",
    "linear",
    "log_sigmoid",
    "log_softmax",
    "logsigmoid",
    "mish",
    "names",
    "portable",
    "prelu",
    "register_backend",
    "relu",
    "relu6",
    "rrelu",
    "selu",
    "sigmoid",
    "silu",
    "soft_shrink",
    "softmax",
    "softplus",
    "softshrink",
    "softsign",
    "sparse_plus",
    "sparse_sigmoid",
    "squared_relu",
    "squareplus",
    "swish",
    "tanh",
    "tanh_shrink",
    "tanhshrink",
    "threshold",
    "thresholded_relu",
]
