"""PyTorch modules: one ``nn.Module`` per activation, generated from the catalog.

    import torch, activations.torch as AT

    model = torch.nn.Sequential(torch.nn.Linear(4, 8), AT.GELU(), torch.nn.Linear(8, 8),
                                AT.PReLU(8), AT.ReLU(max_value=6.0))
    model.load_state_dict(...)      # PReLU's state is torch.nn.PReLU's: {"weight": (C,)}

Each module takes the activation's parameters (validated when the module is built) and calls
``activations.<name>`` in ``forward``, so it has the library's numbers and gradients on every
device; its ``extra_repr`` shows the parameters. Module names follow ``torch.nn`` where torch
has the activation (``ReLU``, ``LeakyReLU``, ``GELU``, ``SiLU``, ``Hardswish``, ...) and the
catalog's name in CamelCase otherwise (``SquaredReLU``, ``Squareplus``). ``inplace=`` is
accepted for drop-in compatibility with ``torch.nn`` and returns a new tensor (the values are
the same; autograd needs the input).

Defaults are the catalog's, not torch's, where they differ: ``Softplus()`` has no threshold
(torch's ``threshold=20`` switches to ``x`` early and loses accuracy; pass it to get torch's
numbers) and ``RReLU`` is the evaluation-mode form (the mean slope).

Modules work under ``torch.compile(fullgraph=True)`` and ``torch.export``, with the same
results as eager. ``torch.jit.script`` (deprecated: torch 2.13 warns and points to those two)
is not supported: the activations dispatch in Python. Importing this module imports torch.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from ._activation import Activation, get
from ._axis import AXIS_ACTIVATIONS
from ._catalog import CATALOG

__all__ = ["MODULES", "ActivationModule", "PReLU", "module"]  # and a module per activation


class ActivationModule(nn.Module):
    """Base of the generated modules: ``activation`` names the catalog entry."""

    activation: str = ""

    def __init__(self, *args: Any, inplace: bool = False, **kwargs: Any) -> None:
        super().__init__()
        spec = get(self.activation).spec
        spec.bind(args, kwargs)  # raises on bad parameters, now rather than at the first call
        self.params: dict[str, Any] = {**dict(zip(spec.param_names, args, strict=False)), **kwargs}
        self.inplace = inplace

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        fn: Activation = get(self.activation)
        return fn(x, **self.params)

    def extra_repr(self) -> str:
        return ", ".join(f"{k}={v!r}" for k, v in self.params.items())


class PReLU(nn.Module):
    """prelu with a learnable weight, state-compatible with ``torch.nn.PReLU``.

    ``weight`` has shape ``(num_parameters,)``, filled with ``init``; for input ``(N, C, ...)``
    with ``num_parameters == C`` each channel (axis 1) has its own slope, as in torch.

    Examples
    --------
    >>> import torch, activations.torch as AT
    >>> m = AT.PReLU(3)
    >>> m.load_state_dict(torch.nn.PReLU(3, init=0.1).state_dict())
    <All keys matched successfully>
    """

    activation = "prelu"

    def __init__(
        self,
        num_parameters: int = 1,
        init: float = 0.25,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        if not isinstance(num_parameters, int) or num_parameters < 1:
            raise ValueError(
                f"PReLU(): num_parameters must be a positive int, got {num_parameters!r}"
            )
        self.num_parameters = num_parameters
        self.init = float(init)
        self.weight = nn.Parameter(
            torch.full((num_parameters,), self.init, device=device, dtype=dtype)
        )

    def reset_parameters(self) -> None:
        with torch.no_grad():
            self.weight.fill_(self.init)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        w: torch.Tensor = self.weight
        if self.num_parameters > 1:
            if x.ndim < 2 or x.shape[1] != self.num_parameters:
                raise ValueError(
                    f"PReLU({self.num_parameters}): x of shape {tuple(x.shape)} needs "
                    f"{self.num_parameters} channels at axis 1"
                )
            w = w.reshape(self.num_parameters, *([1] * (x.ndim - 2)))
        result: torch.Tensor = get("prelu")(x, w)
        return result

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class Softmax(nn.Module):
    """softmax along ``dim`` (default -1, the last; torch's ``dim=None`` guess is not made).

    Examples
    --------
    >>> import torch, activations.torch as AT
    >>> AT.Softmax(dim=1)(torch.tensor([[0.0, 0.0]]))
    tensor([[0.5000, 0.5000]])
    """

    activation = "softmax"

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        if not isinstance(dim, int) or isinstance(dim, bool):
            raise TypeError(f"{type(self).__name__}(): dim must be an int, got {dim!r}")
        self.dim = dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        result: torch.Tensor = AXIS_ACTIVATIONS[self.activation](x, self.dim)
        return result

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """log_softmax along ``dim`` (default -1, the last)."""

    activation = "log_softmax"


def _make(name: str) -> type[ActivationModule]:
    spec = CATALOG[name]
    cls = type(
        spec.class_name,
        (ActivationModule,),
        {
            "activation": name,
            "__doc__": spec.class_doc("a torch module"),
            "__module__": __name__,
        },
    )
    return cls


# An activation with an array parameter needs a module that owns it as a learnable weight, in
# torch.nn's layout; the others are made from their catalog entry.
_WITH_WEIGHTS: dict[str, type[nn.Module]] = {cls.activation: cls for cls in (PReLU,)}
MODULES: dict[str, type[nn.Module]] = {
    **{name: _WITH_WEIGHTS.get(name) or _make(name) for name in CATALOG},
    "softmax": Softmax,
    "log_softmax": LogSoftmax,
}
globals().update({cls.__name__: cls for cls in MODULES.values()})
__all__ += sorted(
    cls.__name__ for cls in MODULES.values() if cls not in (PReLU, Softmax, LogSoftmax)
)
__all__ += ["LogSoftmax", "Softmax"]


def module(name: str, *args: Any, **kwargs: Any) -> nn.Module:
    """The module for an activation name or alias: ``module("swish")`` is ``SiLU()``."""
    if isinstance(name, str) and name in AXIS_ACTIVATIONS:
        return MODULES[name](*args, **kwargs)
    return MODULES[get(name).__name__](*args, **kwargs)


def __getattr__(name: str) -> Any:  # a clear error for a module that does not exist
    known = ", ".join(sorted(c.__name__ for c in MODULES.values()))
    raise AttributeError(f"activations.torch has no {name!r}; modules: {known}")
