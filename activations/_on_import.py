"""Work that waits for a framework's own import, never causing it.

- Keras loads a saved model's custom objects only from its registry: the activations (and the
  layers of ``activations.keras``) must be registered before ``keras.models.load_model``, yet
  ``import activations`` must not import Keras.
- ``torch.compile(fullgraph=True)`` cannot trace the import of our torch backend module when
  the first torch call of a process happens inside a compiled function.

So each action runs at ``import activations`` if its framework is already imported, and
otherwise right after the framework's own import has finished, from an import hook.

Rules the hook keeps, so that it never changes another package's import:

- it answers only for the top-level names it waits for, and only by asking the finders after
  it on ``sys.meta_path`` (editable installs, zip imports and custom finders keep working);
- a lookup without an import (``importlib.util.find_spec("keras")``, as TensorFlow does while
  it imports) consumes nothing: the hook stays until the module has really been executed;
- the module runs with its own loader on ``__spec__``/``__loader__``; an error of the
  framework's import propagates unchanged and the action does not run;
- an action that fails is reported as an :class:`ActivationsImportWarning`, never raised into
  the framework's import.

Nothing here imports a framework.
"""

from __future__ import annotations

import importlib.machinery
import sys
import warnings
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

__all__ = ["ACTIONS", "ActivationsImportWarning", "install", "keras_major"]


class ActivationsImportWarning(UserWarning):
    """Registering the library with a framework that was just imported failed."""


def keras_major(keras: Any) -> int:
    """The major version of an imported ``keras`` module (2 for Keras 2 / tf-keras)."""
    try:
        return int(str(getattr(keras, "__version__", "0")).split(".")[0])
    except ValueError:
        return 0


def _register_keras() -> None:
    from ._keras_saving import register

    register()


def _load_torch_backend() -> None:
    from . import backends

    backends.preload("torch")


ACTIONS: dict[str, Callable[[], None]] = {"keras": _register_keras, "torch": _load_torch_backend}


def _act(name: str) -> None:
    try:
        ACTIONS[name]()
    except Exception as exc:
        warnings.warn(
            f"activations could not register itself with {name} ({type(exc).__name__}: {exc}); "
            f"{name} works, but may not find the library's objects (e.g. when loading a model)",
            ActivationsImportWarning,
            stacklevel=3,
        )


class _Loader:
    """The framework's own loader, followed by the action once the module has executed."""

    def __init__(self, loader: Any, hook: _AfterImport, name: str) -> None:
        self._loader = loader
        self._hook = hook
        self._name = name

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        create = getattr(self._loader, "create_module", None)
        return None if create is None else create(spec)

    def exec_module(self, module: ModuleType) -> None:
        # the module runs (and stays) with its own loader
        if module.__spec__ is not None:
            module.__spec__.loader = self._loader
        module.__loader__ = self._loader
        self._loader.exec_module(module)  # an error here is the framework's: it propagates
        self._hook.done(self._name)

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._loader, attr)


class _AfterImport:
    """Runs ``ACTIONS[name]`` right after the top-level module ``name`` is executed.

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
        spec = self._find_after_me(fullname, path, target)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        spec.loader = _Loader(spec.loader, self, fullname)  # type: ignore[assignment]  # pyright: ignore[reportAttributeAccessIssue]
        return spec

    def _find_after_me(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None
    ) -> importlib.machinery.ModuleSpec | None:
        finders = list(sys.meta_path)
        start = finders.index(self) + 1 if self in finders else 0
        for finder in finders[start:]:
            find = getattr(finder, "find_spec", None)
            if find is None or isinstance(finder, _AfterImport):
                continue
            spec: importlib.machinery.ModuleSpec | None = find(fullname, path, target)
            if spec is not None:
                return spec
        return None

    def done(self, name: str) -> None:
        self.pending.discard(name)
        if not self.pending:
            sys.meta_path[:] = [f for f in sys.meta_path if f is not self]
        _act(name)


def _imported(name: str) -> bool:
    """Whether ``name`` is imported and has finished executing."""
    module = sys.modules.get(name)
    spec = getattr(module, "__spec__", None)
    return module is not None and not getattr(spec, "_initializing", False)


def install() -> None:
    pending = set()
    for name in ACTIONS:
        if _imported(name):
            _act(name)
        elif name not in sys.modules:
            pending.add(name)
        else:  # activations is being imported by the framework's own import: too early
            warnings.warn(
                f"activations was imported while {name} itself was being imported, so it could "
                f"not register with {name}; import activations after {name} (Keras: saved "
                "models that use the library's objects need that registration to load)",
                ActivationsImportWarning,
                stacklevel=3,
            )
    if pending and not any(isinstance(f, _AfterImport) for f in sys.meta_path):
        sys.meta_path.insert(0, _AfterImport(pending))
