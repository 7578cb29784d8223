"""Work that waits for a framework's own import, never causing it.

- Keras loads a saved model's custom objects only from its registry: the activations must be
  registered before ``keras.models.load_model``, yet ``import activations`` must not import
  Keras.
- ``torch.compile(fullgraph=True)`` cannot trace the import of our torch backend module when
  the first torch call of a process happens inside a compiled function.

So each action runs at ``import activations`` if its framework is already imported, and
otherwise from a one-shot import hook, right after the framework's own import finishes; the
hook then removes itself. Nothing here imports a framework.
"""

from __future__ import annotations

import importlib.machinery
import sys
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

__all__ = ["install"]


def _register_keras() -> None:
    from .backends.keras import register_serializable

    register_serializable()


def _load_torch_backend() -> None:
    from . import backends

    backends.get("torch")


ACTIONS: dict[str, Callable[[], None]] = {"keras": _register_keras, "torch": _load_torch_backend}


class _AfterImport:
    """Runs ``ACTIONS[name]`` right after the top-level module ``name`` is imported.

    A meta path finder by protocol (``find_spec``); subclassing importlib.abc.MetaPathFinder
    would import importlib.resources, tempfile and more (~10 ms) at ``import activations``.
    """

    def __init__(self, pending: set[str]) -> None:
        self.pending = pending

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in self.pending:
            return None
        self.pending.discard(fullname)
        if not self.pending:
            sys.meta_path[:] = [f for f in sys.meta_path if f is not self]
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        loader: Any = spec.loader
        exec_module = loader.exec_module
        action = ACTIONS[fullname]

        def exec_then_act(module: ModuleType) -> None:
            exec_module(module)
            action()

        loader.exec_module = exec_then_act
        return spec


def install() -> None:
    pending = set()
    for name, action in ACTIONS.items():
        if name in sys.modules:
            action()
        else:
            pending.add(name)
    if pending and not any(isinstance(f, _AfterImport) for f in sys.meta_path):
        sys.meta_path.insert(0, _AfterImport(pending))
