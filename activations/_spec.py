"""How an activation is described: its parameters, its formulas and its kinks.

A :class:`Spec` is pure data plus two formulas written against a backend's small op set (see
``activations.backends._base.Ops``). Nothing here knows about any framework.
"""

from __future__ import annotations

import functools
import math
import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["REQUIRED", "Param", "Spec", "are_numbers", "choice_gelu", "is_array", "real"]


class _Required:
    def __repr__(self) -> str:
        return "<required>"


REQUIRED: Any = _Required()

Converter = Callable[[str, Any], Any]
Formula = Callable[..., Any]


def real(
    *,
    optional: bool = False,
    positive: bool = False,
    nonnegative: bool = False,
) -> Converter:
    """A converter for a finite real scalar parameter (Python or NumPy number)."""

    def convert(name: str, value: Any) -> Any:
        if value is None and optional:
            return None
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            array: Any = value
            if is_array(array):
                if type(array).__module__ != "numpy" or getattr(array, "ndim", None) != 0:
                    return array  # checked against x (dtype, shape) by the backend
                value = array.item()  # a 0-d NumPy array is a number
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                expected = (
                    "a real number, an array or None" if optional else "a real number or an array"
                )
                raise TypeError(f"{name} must be {expected}, got {type(value).__name__} {value!r}")
        number: int | float = int(value) if isinstance(value, numbers.Integral) else float(value)
        if not math.isfinite(number):
            raise ValueError(f"{name} must be finite, got {number!r}")
        if positive and not number > 0:
            raise ValueError(f"{name} must be > 0, got {number!r}")
        if nonnegative and not number >= 0:
            raise ValueError(f"{name} must be >= 0, got {number!r}")
        return number

    return convert


def is_array(value: Any) -> bool:
    """Whether a parameter value is an array, tensor, variable or tracer (not a number)."""
    return (
        not isinstance(value, (numbers.Number, str, bytes))
        and hasattr(value, "dtype")
        and hasattr(value, "shape")
    )


def are_numbers(*values: Any) -> bool:
    """Whether every value is a number (checks between parameters apply to numbers only:
    an array's values may not be known until it is computed)."""
    return all(isinstance(v, numbers.Real) for v in values)


def choice_gelu(name: str, value: Any) -> bool:
    """gelu's ``approximate``: a bool, or torch's spelling 'none' / 'tanh'."""
    if is_array(value):
        raise TypeError(
            f"{name} is a structural choice (True/False or 'none'/'tanh'), not a number: it "
            f"cannot be an array, a tensor or a traced value, and it has no gradient"
        )
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("none", "tanh"):
        return value.lower() == "tanh"
    raise ValueError(f"{name} must be True/False or 'none'/'tanh', got {value!r}")


def array_param(name: str, value: Any) -> Any:
    if value is None:
        raise TypeError(f"{name} must be an array or a number, got None")
    if type(value).__module__ == "numpy" and getattr(value, "ndim", None) == 0:
        value = value.item()  # a 0-d NumPy array is a number, checked as numbers are
    if isinstance(value, (bool, str, bytes)):
        raise TypeError(f"{name} must be an array or a number, got {type(value).__name__}")
    if isinstance(value, numbers.Real) and not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return value  # an array (of a registered backend): checked against x by the backend


@dataclass(frozen=True)
class Param:
    """One keyword parameter of an activation."""

    name: str
    default: Any
    convert: Converter
    doc: str = ""
    array: bool = False  # an array argument (prelu's weight), dispatched like x
    output: bool = False  # the value becomes an output (threshold's value)
    numeric: bool = True  # a number (False: a structural choice, like gelu's approximate)


# The key under which a backend's plan gives the formulas the significand bits of the result's
# dtype (float32: 24), next to the parameters: a formula computed in a much wider type may skip
# corrections that only matter when it is computed in the result's own precision.
RESULT_BITS = "__result_bits__"


@dataclass(frozen=True, eq=False)
class Spec:
    """One activation, defined once for every backend.

    ``forward(ops, x, p)`` and ``derivative(ops, x, p)`` receive the backend's op set, the input
    already in the compute dtype, and the parameters as scalars of that dtype (``p`` maps names
    to values; for floating input it also holds ``p[RESULT_BITS]``). ``piecewise`` activations
    use no transcendental function (pieces of polynomials, hardswish and hard_sigmoid with a
    division by 6): they are computed in the input dtype (float16 and bfloat16 in float32), are
    bitwise identical on every backend, and are judged bitwise against the reference, or within
    the division's rounding (``division_ulps``). The others are computed in the backend's most
    precise float type where it has one, then rounded once.

    ``class_name`` names the activation's class in ``activations.torch`` and
    ``activations.keras``: torch.nn's name where torch has the activation, else (the default)
    the name in CamelCase.
    """

    name: str
    summary: str
    definition: str
    forward: Formula
    derivative: Formula
    params: tuple[Param, ...] = ()
    aliases: tuple[str, ...] = ()
    class_name: str = ""
    piecewise: bool = False
    # Which parameter sets keep an integer input's dtype (None: integers are refused).
    integer_ok: Callable[[Mapping[str, Any]], bool] | None = None
    # The kink points and the derivative taken there, for docs and tests.
    kinks: Callable[[Mapping[str, Any]], tuple[tuple[float, float], ...]] = lambda p: ()
    # Cross-parameter checks and derived parameters, on Python numbers.
    prepare: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    # Parameter sets that the conformance tests and `check` use besides the defaults.
    examples: tuple[Mapping[str, Any], ...] = ()
    # d f / d parameter, elementwise, for each numeric parameter: ``partial(ops, x, p)`` like
    # ``derivative`` (the backend sums it over the dimensions a parameter was broadcast along).
    partials: Mapping[str, Formula] = field(default_factory=dict)
    # A piecewise activation computed with a division (by 6): its (value, derivative) bounds in
    # ULPs of the dtype, the same on every backend (None: bitwise).
    division_ulps: tuple[int, int] | None = None
    # The recommended gain for He/Glorot initialisation, from the keyword parameters given to
    # ``activations.init.gain`` (unbound: missing ones take their usual values). None: no gain.
    gain: Callable[[Mapping[str, Any]], float] | None = None
    _defaults: dict[str, Any] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._defaults.update({p.name: p.default for p in self.params})
        if not self.class_name:
            camel = "".join(w.capitalize() for w in self.name.split("_"))
            object.__setattr__(self, "class_name", camel)

    def class_doc(self, what: str, extra: str = "") -> str:
        """The docstring of the activation's class (``what``: "a torch module")."""
        params = ", ".join(p.name for p in self.params) or "none"
        return (
            f"``activations.{self.name}`` as {what}. {self.summary}\n\n"
            f"Parameters: {params} (as for the function){extra}."
        )

    @functools.cached_property
    def defaults(self) -> dict[str, Any] | None:
        """``bind((), {})``, made once; None when a parameter is required (prelu, threshold).

        Backends compare a call's parameters with it to pick a native kernel, and the public
        call reuses it for calls without parameters. Do not mutate it.
        """
        if any(p.default is REQUIRED for p in self.params):
            return None
        return self.bind((), {})

    @property
    def doc_example(self) -> dict[str, Any]:
        """The parameters of the docs' example call: none, or the first example set when a
        parameter is required."""
        required = any(p.default is REQUIRED for p in self.params)
        return dict(self.examples[0]) if required else {}

    def at_defaults(self, params: Mapping[str, Any]) -> bool:
        """Whether ``params`` (bound) are the defaults (never with an array parameter)."""
        return not any(is_array(v) for v in params.values()) and params == self.defaults

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)

    @property
    def array_params(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params if p.array)

    def bind(self, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> dict[str, Any]:
        """Map positional and keyword arguments to normalized parameter values."""
        params = self.params
        if len(args) > len(params):
            raise TypeError(
                f"{self.name}() takes at most {len(params)} parameter(s) after x "
                f"({', '.join(self.param_names) or 'none'}), got {len(args)}"
            )
        values: dict[str, Any] = {}
        for p, a in zip(params, args, strict=False):
            values[p.name] = a
        for key, value in kwargs.items():
            if key not in self._defaults:
                raise TypeError(
                    f"{self.name}() got an unexpected keyword argument {key!r}; "
                    f"its parameters are: {', '.join(self.param_names) or 'none'}"
                )
            if key in values:
                raise TypeError(f"{self.name}() got multiple values for argument {key!r}")
            values[key] = value
        out: dict[str, Any] = {}
        for p in params:
            if p.name in values:
                try:
                    out[p.name] = p.convert(p.name, values[p.name])
                except (TypeError, ValueError) as exc:
                    # our own exception types: a framework's subclass may not take a message
                    kind = ValueError if isinstance(exc, ValueError) else TypeError
                    raise kind(f"{self.name}(): {exc}") from None
            elif p.default is REQUIRED:
                raise TypeError(f"{self.name}() missing required argument {p.name!r}")
            else:
                out[p.name] = p.default
        if self.prepare is not None:
            out = self.prepare(out)
        return out

    def allows_integers(self, params: Mapping[str, Any]) -> bool:
        return self.integer_ok is not None and self.integer_ok(params)
