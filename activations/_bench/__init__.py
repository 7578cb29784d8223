"""``python -m activations bench``: the library against hand-written idioms and native calls.

Every figure is a ratio measured in the same run against a copy of the same array (absolute
times on a shared machine are noise). Rules that keep the comparison fair:

- each case is timed as the best of several repetitions of a loop long enough to time;
- in-place idioms (``np.maximum(x, 0, out=x)``, ``x[x < 0] = 0``, ``relu(x, out=x)``) get a
  fresh copy of the input for every call, made outside the timed region, so they never run on
  data they already made non-negative;
- out-of-place cases are compared with ``x.copy()`` (a fresh output, page faults included),
  in-place cases with ``np.copyto(o, x)`` into an existing array;
- jax results are waited for (``block_until_ready``); torch runs on the CPU.

Peak extra memory (NumPy only) is measured with tracemalloc, as a multiple of the input's size.

The parts: ``model`` (cases and results), ``cases`` (what is timed on each framework),
``timing`` (how), ``targets`` (the targets and why one can be missed), ``params`` (a loop over
parameter values), ``imports`` (the import's cost) and ``plot``.
"""

from __future__ import annotations

from .cases import BENCHED, installed
from .imports import import_cost
from .model import DTYPES, QUICK_SIZES, SIZES, Case, Result
from .plot import plot
from .targets import WHY, fastest_references, targets
from .timing import run

__all__ = [
    "BENCHED",
    "DTYPES",
    "QUICK_SIZES",
    "SIZES",
    "WHY",
    "Case",
    "Result",
    "fastest_references",
    "import_cost",
    "installed",
    "plot",
    "run",
    "targets",
]
