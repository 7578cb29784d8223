"""Floating-point formats by name, independent of any framework.

Backends describe an array's dtype by its name ("float32", "int64", ...). This module knows the
formats the contract supports and rounds Python numbers to them (rule 2: parameters are rounded
to the input's dtype before use), with NumPy alone, so that every backend rounds identically.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = [
    "FLOAT_NAMES",
    "FORMATS",
    "INT_NAMES",
    "Format",
    "is_float_name",
    "is_int_name",
    "round_to",
]


@dataclass(frozen=True)
class Format:
    """An IEEE-style binary floating-point format."""

    name: str
    mantissa_bits: int  # significand precision p, hidden bit included
    min_exponent: int  # exponent of the smallest normal number: 2**min_exponent
    max_value: float

    @property
    def smallest_normal(self) -> float:
        return math.ldexp(1.0, self.min_exponent)

    @property
    def smallest_subnormal(self) -> float:
        return math.ldexp(1.0, self.min_exponent - self.mantissa_bits + 1)

    def ulp(self, magnitude: float) -> float:
        """The spacing of the format's numbers at ``magnitude`` (>= 0)."""
        if magnitude < self.smallest_normal:
            return self.smallest_subnormal
        if math.isinf(magnitude):
            magnitude = self.max_value
        e = math.frexp(magnitude)[1] - 1
        return math.ldexp(1.0, e - self.mantissa_bits + 1)


FORMATS: dict[str, Format] = {
    "float16": Format("float16", 11, -14, 65504.0),
    "bfloat16": Format("bfloat16", 8, -126, float.fromhex("0x1.fep127")),
    "float32": Format("float32", 24, -126, float.fromhex("0x1.fffffep127")),
    "float64": Format("float64", 53, -1022, float.fromhex("0x1.fffffffffffffp1023")),
}

FLOAT_NAMES = tuple(FORMATS)
INT_NAMES = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")


def is_float_name(name: str) -> bool:
    return name in FORMATS


def is_int_name(name: str) -> bool:
    return name in INT_NAMES


def _round_exact(value: float, fmt: Format) -> float:
    """Round a float64 to ``fmt`` with one rounding (ties to even)."""
    if value == 0 or not math.isfinite(value):
        return value
    e = math.frexp(abs(value))[1]  # value = m * 2**e, 0.5 <= m < 1
    exponent = max(e - 1, fmt.min_exponent)
    quantum = exponent - fmt.mantissa_bits + 1
    scaled = math.ldexp(abs(value), -quantum)
    try:
        result = math.ldexp(float(round(scaled)), quantum)  # round() is ties-to-even
    except OverflowError:  # rounded up to 2**1024
        result = math.inf
    if result > fmt.max_value:
        result = math.inf
    return math.copysign(result, value)


def round_to(value: float | int, name: str) -> float | int:
    """Round a Python number to the format ``name`` (an integer dtype name gives an int).

    Examples
    --------
    >>> round_to(0.1, "float16")
    0.0999755859375
    """
    if not is_float_name(name):
        return int(value)
    value = float(value)
    if name == "float64":
        return value
    return _round_exact(value, FORMATS[name])
