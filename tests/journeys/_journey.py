"""Run a user's program in fresh Python processes, as a user would.

Each journey is a short script run with ``sys.executable`` in a new process, so that import
orders, first calls and process start-up are those of a real program. Several journeys run at
once (each mostly imports frameworks); a journey that does not finish in time fails, with its
output, instead of hanging the suite.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PARALLEL = 3


@dataclass
class Journey:
    """One script and what it runs with; ``argv`` are its arguments."""

    name: str
    code: str
    argv: Sequence[str] = ()
    env: Mapping[str, str] | None = None
    timeout: float = 300


@dataclass
class Outcome:
    journey: Journey
    returncode: int | None  # None: it did not finish in time
    output: str

    def check(self) -> str:
        """The output, after asserting that the journey finished and exited 0."""
        head = f"journey {self.journey.name!r}"
        assert self.returncode is not None, f"{head} did not finish: a hang\n{self.output}"
        assert self.returncode == 0, f"{head} exited {self.returncode}:\n{self.output[-4000:]}"
        return self.output


def _env(extra: Mapping[str, str] | None) -> dict[str, str]:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONUNBUFFERED": "1"}
    env.pop("KERAS_BACKEND", None)
    extra = dict(extra or {})
    # the journey's own path first (stand-in packages), then this checkout
    path = [extra.pop("PYTHONPATH", ""), str(ROOT), env.get("PYTHONPATH", "")]
    env["PYTHONPATH"] = os.pathsep.join(p for p in path if p)
    env.update(extra)
    return env


def run(journeys: Sequence[Journey], cwd: Path | None = None) -> list[Outcome]:
    """Run the journeys, ``PARALLEL`` at a time, each in a fresh process."""
    pending = list(journeys)
    running: list[tuple[Journey, subprocess.Popen[str], float, Any]] = []
    done: dict[str, Outcome] = {}
    scripts = tempfile.TemporaryDirectory()
    while pending or running:
        while pending and len(running) < PARALLEL:
            j = pending.pop(0)
            # a file, not a pipe: a full pipe would block; closed once the journey has ended
            log = tempfile.TemporaryFile("w+")  # noqa: SIM115
            # a file, not -c: multiprocessing's spawn re-imports the main module from its file
            script = Path(scripts.name) / f"journey_{len(done) + len(running)}_{j.name}.py"
            script.write_text(textwrap.dedent(j.code))
            proc = subprocess.Popen(
                [sys.executable, str(script), *j.argv],
                stdout=log,
                stderr=subprocess.STDOUT,
                text=True,
                env=_env(j.env),
                cwd=cwd,
                start_new_session=True,
            )
            running.append((j, proc, time.monotonic() + j.timeout, log))
        time.sleep(0.05)
        for item in list(running):
            j, proc, deadline, log = item
            if proc.poll() is None and time.monotonic() < deadline:
                continue
            code: int | None = proc.returncode
            if code is None:  # past its time: a hang
                os.killpg(proc.pid, 9)
                proc.wait()
            log.seek(0)
            done[j.name] = Outcome(j, code, log.read())
            log.close()
            running.remove(item)
    scripts.cleanup()
    return [done[j.name] for j in journeys]


def run_one(journey: Journey, cwd: Path | None = None) -> str:
    """Run one journey and return its output (asserting it succeeded)."""
    return run([journey], cwd)[0].check()
