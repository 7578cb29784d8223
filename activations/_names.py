"""Class names of the activations in activations.torch and activations.keras.

torch.nn's name where torch has the activation, the catalog's name in CamelCase otherwise.
"""

__all__ = ["CLASS_NAMES"]

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
