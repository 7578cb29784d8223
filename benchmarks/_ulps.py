"""The ULP measure of the benchmark scripts: float32 ULPs at max(|exact|, floor), 0 where the
result is the exact value rounded to float32 (the contract's measure, docs/conventions.md)."""

from __future__ import annotations

import numpy as np


def ulps(got: np.ndarray, exact: np.ndarray, floor: float = 2.0**-10) -> np.ndarray:
    scale = np.spacing(np.maximum(np.abs(exact), floor).astype(np.float32)).astype(np.float64)
    err = np.abs(got.astype(np.float64) - exact) / scale
    err[got == exact.astype(np.float32)] = 0
    return err
