"""Class names and docstrings of the activations in activations.torch and activations.keras.

torch.nn's name where torch has the activation, the catalog's name in CamelCase otherwise.
"""

__all__ = ["CLASS_NAMES", "class_doc"]

CLASS_NAMES = {
    "relu": "ReLU",
    "relu6": "ReLU6",
    "leaky_relu": "LeakyReLU",
    "rrelu": "RReLU",
    "elu": "ELU",
    "selu": "SELU",
    "celu": "CELU",
    "gelu": "GELU",
    "silu": "SiLU",
    "mish": "Mish",
    "softplus": "Softplus",
    "log_sigmoid": "LogSigmoid",
    "hardswish": "Hardswish",
    "hard_sigmoid": "Hardsigmoid",
    "hardtanh": "Hardtanh",
    "threshold": "Threshold",
    "thresholded_relu": "ThresholdedReLU",
    "squared_relu": "SquaredReLU",
    "squareplus": "Squareplus",
    "sigmoid": "Sigmoid",
    "tanh": "Tanh",
    "linear": "Identity",
}


def class_doc(name: str, what: str, extra: str = "") -> str:
    """The docstring of the generated class for activation ``name`` (``what``: "a torch module")."""
    from ._catalog import CATALOG

    spec = CATALOG[name]
    params = ", ".join(p.name for p in spec.params) or "none"
    return (
        f"``activations.{name}`` as {what}. {spec.summary}\n\n"
        f"Parameters: {params} (as for the function){extra}."
    )
