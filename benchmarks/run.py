"""Regenerate the figures of docs/performance.md: the full benchmark and its plot.

    python benchmarks/run.py            # every installed backend, sizes 16 to 2.5e7
    python benchmarks/run.py --quick    # sizes up to 1e6

It is ``python -m activations bench --plot docs/performance.png`` with the output also saved
to benchmarks/results.txt; other options are passed through.
"""

from __future__ import annotations

import contextlib
import io
import sys
from pathlib import Path

from activations.__main__ import main

ROOT = Path(__file__).resolve().parent.parent

if __name__ == "__main__":
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        code = main(["bench", "--plot", str(ROOT / "docs" / "performance.png"), *sys.argv[1:]])
    text = buffer.getvalue()
    print(text, end="")
    (ROOT / "benchmarks" / "results.txt").write_text(text)
    sys.exit(code)
