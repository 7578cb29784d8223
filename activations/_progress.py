"""A progress display for the long commands (check, bench, plot --gallery).

rich's progress bar where rich is installed and stderr is a terminal; a one-line counter on a
terminal without rich; nothing when stderr is not a terminal (CI logs, pipes), so that the
commands' standard output stays the same table either way.
"""

from __future__ import annotations

import sys
from types import TracebackType
from typing import Any

__all__ = ["Progress"]


class Progress:
    """``with Progress(total, "checking") as p: p.step("numpy relu float32")``."""

    def __init__(self, total: int | None, description: str) -> None:
        self.total, self.description, self.done = total, description, 0
        self._rich: Any = None
        self._task: Any = None
        self._plain = False
        if not sys.stderr.isatty():
            return
        try:
            import rich.console
            import rich.progress as rp
        except ImportError:
            self._plain = True
            return
        self._rich = rp.Progress(
            rp.TextColumn("{task.description}"),
            rp.BarColumn(),
            rp.MofNCompleteColumn(),
            rp.TimeElapsedColumn(),
            rp.TextColumn("{task.fields[item]}"),
            console=rich.console.Console(stderr=True),
            transient=True,
        )

    def __enter__(self) -> Progress:
        if self._rich is not None:
            self._rich.start()
            self._task = self._rich.add_task(self.description, total=self.total, item="")
        return self

    def step(self, item: str) -> None:
        """One more unit of work, about to do ``item``."""
        self.done += 1
        if self._rich is not None:
            self._rich.update(self._task, completed=self.done - 1, item=item)
        elif self._plain:
            of = f"/{self.total}" if self.total else ""
            print(
                f"\r  {self.description} {self.done}{of}: {item:<50.50}",
                end="",
                file=sys.stderr,
                flush=True,
            )

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._rich is not None:
            self._rich.stop()
        elif self._plain:
            print("\r" + " " * 80 + "\r", end="", file=sys.stderr, flush=True)
