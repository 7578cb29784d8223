"""What ``import activations`` costs beside ``import numpy``."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

__all__ = ["import_cost"]


def import_cost(runs: int = 7) -> tuple[float, float]:
    """(seconds for `import numpy`, extra seconds for `import activations`), best of runs.

    Measured as a user meets it from the second import on: with compiled bytecode cached
    (in a temporary PYTHONPYCACHEPREFIX, so nothing is written beside the sources, and even
    where PYTHONDONTWRITEBYTECODE is set; compiling the package's sources costs ~20 ms more).
    """
    with tempfile.TemporaryDirectory() as cache:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = cache

        def best(code: str) -> float:
            times = []
            for _ in range(runs + 1):  # the first run compiles and caches: not kept
                out = subprocess.run(
                    [
                        sys.executable,
                        "-c",
                        f"import time; t=time.perf_counter(); {code}; print(time.perf_counter()-t)",
                    ],
                    capture_output=True,
                    text=True,
                    check=True,
                    env=env,
                )
                times.append(float(out.stdout.strip().splitlines()[-1]))
            return min(times[1:])

        base = best("import numpy")
        return base, best("import numpy; import activations") - base
