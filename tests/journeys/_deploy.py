"""Comparisons of the deployment journeys: bit for bit, and in float32 ULPs."""

from __future__ import annotations

import numpy as np


def same(a: np.ndarray, b: np.ndarray) -> bool:
    """Bit for bit, sign of zero included, any NaN for NaN."""
    nan = np.isnan(a)
    return (
        a.dtype == b.dtype
        and a.shape == b.shape
        and np.array_equal(nan, np.isnan(b))
        and np.array_equal(a[~nan].view(np.uint32), b[~nan].view(np.uint32))
    )


def ulps(got: np.ndarray, exact: np.ndarray, floor: float = 2.0**-10) -> np.ndarray:
    """float32 ULPs at max(|exact|, floor) (the contract's measure); 0 where got is exact
    rounded to float32 (an exact value beyond float32's range rounds to inf) and NaN for NaN."""
    exact = exact.astype(np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        rounded = exact.astype(np.float32)
        at = np.minimum(np.maximum(np.abs(exact), floor), np.finfo(np.float32).max)
        scale = np.spacing(at.astype(np.float32)).astype(np.float64)
        err = np.abs(got.astype(np.float64) - exact) / scale
    err[(got == rounded) | (np.isnan(got) & np.isnan(exact))] = 0
    return err
