"""``python -m activations bench``: the library against hand-written idioms and native calls.

Every figure is a ratio measured in the same run against a copy of the same array (absolute
times on a shared machine are noise). Rules that keep the comparison fair:

- each case is timed as the best of several repetitions of a loop long enough to time;
- in-place idioms (``np.maximum(x, 0, out=x)``, ``x[x < 0] = 0``, ``relu(x, out=x)``) get a
  fresh copy of the input for every call, made outside the timed region, so they never run on
  data they already made non-negative;
- out-of-place cases are compared with ``x.copy()`` (a fresh output, page faults included),
  in-place cases with ``np.copyto(b, x)`` timed as they are: into fresh copies b of x, made
  outside the timed loop, as many as fill 32 MB (at most 4,096), so that the call and its
  baseline write to buffers equally cold (one reused buffer would stay in cache and make an
  in-place call at memory speed look several times a copy);
- 'x idiom' compares a library call with the references of its group: the same operation
  (relu's cases by kind; leaky_relu, leaky_relu at slope 0.2, relu6, hardtanh, threshold,
  prelu and leaky_relu's derivative and vjp each by name). The family is timed at 1e3 and 1e6
  elements only (``Case.sizes``), to keep the bench within two minutes;
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
