"""How the checks drive Dask: like NumPy (no autograd), and every result must stay lazy."""

from __future__ import annotations

from typing import Any

import dask
import dask.array as da

from ..._conformance import Harness, eager_harness
from ..._conformance_ad import Ad, eager_ad
from . import LIBRARY


def _lazy(y: Any) -> None:
    assert isinstance(y, da.Array), f"a Dask array in gave {type(y).__name__} out"


def harness() -> Harness:
    return eager_harness(LIBRARY, dask.__version__, _lazy)


def ad() -> Ad:
    return eager_ad(LIBRARY)
