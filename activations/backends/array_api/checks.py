"""How the checks drive array-api-strict: like NumPy (no autograd)."""

from __future__ import annotations

import array_api_strict as xp

from ..._conformance import Harness, eager_harness
from ..._conformance_ad import Ad, eager_ad
from . import LIBRARY


def harness() -> Harness:
    return eager_harness(LIBRARY, xp.__version__)


def ad() -> Ad:
    return eager_ad(LIBRARY)
