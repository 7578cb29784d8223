"""Keras 3 layers: an activation layer per name and a PReLU with a learnable weight.

    import keras, activations.keras as AK

    model = keras.Sequential([
        keras.Input((16,)),
        keras.layers.Dense(32), AK.GELU(approximate=True),
        keras.layers.Dense(32), AK.PReLU(),
        keras.layers.Dense(8, activation=AK.get("leaky_relu")),
        AK.Activation("swish"),             # any name or alias of the library
    ])
    model.save("model.keras")               # loads back with keras.models.load_model

The layers run on every Keras backend (TensorFlow, JAX, PyTorch): ``call`` hands the backend's
tensors to the library, so the numbers and gradients are the library's. Every layer is
registered with Keras' serialization (package ``activations.keras``), so models save to ``.keras``
and load back without ``custom_objects``. Layer names follow ``keras.layers`` where Keras has
the activation (``ReLU``, ``LeakyReLU``, ``ELU``, ``PReLU``) and ``torch.nn``'s otherwise
(``GELU``, ``SiLU``, ...), as in ``activations.torch``.

``AK.get(name)`` resolves an activation string through the library (aliases included) for
``activation=`` arguments of Keras layers. Importing this module imports Keras.
"""

from __future__ import annotations

from typing import Any

import keras

from ._activation import Activation as _Fn
from ._activation import get as _get
from ._axis import AXIS_ACTIVATIONS, AxisActivation
from ._catalog import CATALOG
from ._on_import import keras_major

if keras_major(keras) < 3:
    raise ImportError(
        f"activations.keras needs Keras 3; the installed `keras` is {keras.__version__} "
        "(Keras 2). With Keras 2, pass the library's functions to your layers instead, e.g. "
        "keras.layers.Dense(8, activation=activations.gelu), or install Keras 3 (pip install "
        "'keras>=3')"
    )

__all__ = ["LAYERS", "Activation", "LogSoftmax", "PReLU", "Softmax", "get", "layer"]

_PACKAGE = "activations.keras"  # "activations>Activation" is the function object


def get(name: str) -> _Fn | AxisActivation:
    """The library's activation for a name or alias, for ``activation=`` of Keras layers
    (``"softmax"`` and ``"log_softmax"``: along the last axis)."""
    if isinstance(name, str) and name in AXIS_ACTIVATIONS:
        return AXIS_ACTIVATIONS[name]
    return _get(name)


@keras.saving.register_keras_serializable(package=_PACKAGE)
class Activation(keras.layers.Layer):  # type: ignore[misc]
    """Any activation of the library by name, with its parameters.

    ``Activation("leaky_relu", negative_slope=0.2, name="act")``: keywords that are parameters
    of the activation go to it, the others (``name``, ``dtype``, ...) to ``keras.layers.Layer``.
    """

    def __init__(self, activation: str, **kwargs: Any) -> None:
        fn = _get(activation)
        params = {k: kwargs.pop(k) for k in list(kwargs) if k in fn.spec.param_names}
        fn.spec.bind((), params)  # raises on bad parameters now, not at the first call
        if fn.spec.array_params:
            raise ValueError(
                f"Activation({activation!r}): {fn.__name__} has a weight; use activations.keras."
                "PReLU, which learns it"
            )
        super().__init__(**kwargs)
        self.activation = fn.__name__
        self.params = params
        self.supports_masking = True

    def call(self, inputs: Any) -> Any:
        return _get(self.activation)(inputs, **self.params)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "activation": self.activation, **self.params}


@keras.saving.register_keras_serializable(package=_PACKAGE)
class PReLU(keras.layers.Layer):  # type: ignore[misc]
    """prelu with a learnable weight ``alpha``, laid out as ``keras.layers.PReLU``'s.

    ``alpha`` has the input's shape without the batch axis, with size 1 along
    ``shared_axes`` (e.g. ``shared_axes=[1, 2]`` for one slope per channel of images), and
    starts at ``alpha_initializer`` (0.25, as in torch). Its weights load into and from
    ``keras.layers.PReLU`` with ``set_weights``/``get_weights``.
    """

    activation = "prelu"

    def __init__(
        self,
        alpha_initializer: Any = 0.25,
        shared_axes: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if isinstance(alpha_initializer, (int, float)):
            alpha_initializer = keras.initializers.Constant(float(alpha_initializer))
        self.alpha_initializer = keras.initializers.get(alpha_initializer)
        if shared_axes is None:
            self.shared_axes: list[int] | None = None
        elif isinstance(shared_axes, (list, tuple)):
            self.shared_axes = list(shared_axes)
        else:
            self.shared_axes = [shared_axes]
        self.supports_masking = True

    def build(self, input_shape: Any) -> None:
        shape = list(input_shape[1:])
        for axis in self.shared_axes or []:
            shape[axis - 1] = 1
        if any(n is None for n in shape):
            raise ValueError(
                f"PReLU: the input shape {tuple(input_shape)} has unknown sizes outside the "
                "batch axis; share those axes (shared_axes=[...])"
            )
        self.alpha = self.add_weight(
            shape=tuple(shape), initializer=self.alpha_initializer, name="alpha"
        )

    def call(self, inputs: Any) -> Any:
        return _get("prelu")(inputs, self.alpha.value)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "alpha_initializer": keras.initializers.serialize(self.alpha_initializer),
            "shared_axes": self.shared_axes,
        }


@keras.saving.register_keras_serializable(package=_PACKAGE)
class Softmax(keras.layers.Layer):  # type: ignore[misc]
    """softmax along ``axis`` (an int or a list of ints; default -1, the last).

    Unlike ``keras.layers.Softmax`` it takes no mask: write masked entries as -inf (they get
    probability 0).
    """

    activation = "softmax"

    def __init__(self, axis: Any = -1, **kwargs: Any) -> None:
        name = type(self).__name__
        if "dim" in kwargs:
            raise TypeError(f"{name}(): the axis is called axis here, as in keras.layers.Softmax")
        items = list(axis) if isinstance(axis, (list, tuple)) else [axis]
        if not items or not all(isinstance(a, int) and not isinstance(a, bool) for a in items):
            raise TypeError(f"{name}(): axis must be an int or a list of ints, got {axis!r}")
        super().__init__(**kwargs)
        self.axis = items if isinstance(axis, (list, tuple)) else axis

    def call(self, inputs: Any) -> Any:
        axis = tuple(self.axis) if isinstance(self.axis, list) else self.axis
        return AXIS_ACTIVATIONS[self.activation](inputs, axis)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axis": self.axis}


@keras.saving.register_keras_serializable(package=_PACKAGE)
class LogSoftmax(Softmax):
    """log_softmax along ``axis`` (an int or a list of ints; default -1, the last)."""

    activation = "log_softmax"


def _make(name: str) -> type[Activation]:
    spec = CATALOG[name]

    def __init__(self: Activation, **kwargs: Any) -> None:
        kwargs.pop("activation", None)  # present in a saved config
        Activation.__init__(self, name, **kwargs)

    cls = type(
        spec.class_name,
        (Activation,),
        {
            "__init__": __init__,
            "__doc__": spec.class_doc("a Keras layer", ", and keras.layers.Layer's keywords"),
            "__module__": __name__,
        },
    )
    registered: type[Activation] = keras.saving.register_keras_serializable(package=_PACKAGE)(cls)
    return registered


# An activation with an array parameter needs a layer that owns it as a learnable weight, in
# keras.layers' layout; the others are made from their catalog entry.
_WITH_WEIGHTS: dict[str, type[keras.layers.Layer]] = {cls.activation: cls for cls in (PReLU,)}
LAYERS: dict[str, type[keras.layers.Layer]] = {
    **{name: _WITH_WEIGHTS.get(name) or _make(name) for name in CATALOG},
    "softmax": Softmax,
    "log_softmax": LogSoftmax,
}
globals().update({cls.__name__: cls for cls in LAYERS.values()})
__all__ += sorted(
    cls.__name__ for cls in LAYERS.values() if cls not in (PReLU, Softmax, LogSoftmax)
)


def layer(name: str, **kwargs: Any) -> keras.layers.Layer:
    """The layer for an activation name or alias: ``layer("swish")`` is ``SiLU()``."""
    if name in AXIS_ACTIVATIONS:
        return LAYERS[name](**kwargs)
    return LAYERS[_get(name).__name__](**kwargs)


def __getattr__(name: str) -> Any:  # a clear error for a layer that does not exist
    known = ", ".join(sorted(c.__name__ for c in LAYERS.values()))
    raise AttributeError(f"activations.keras has no {name!r}; layers: {known}")
