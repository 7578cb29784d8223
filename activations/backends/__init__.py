"""The backend registry.

Each backend is registered as an :class:`Entry`: a name, an ``owns(type)`` test that looks only
at modules already in ``sys.modules`` (so that asking never imports a framework), and a
``load()`` that imports the backend module, and with it the framework, on first use.

Third parties add backends with :func:`register_backend` or through the entry-point group
``activations.backends``, whose objects are :class:`Entry` instances (or callables returning
one); entry points are read the first time an array type is not recognised.
"""

from __future__ import annotations

import importlib
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ._base import Backend

__all__ = [
    "ENTRY_POINT_GROUP",
    "Backend",
    "BackendUnavailable",
    "Entry",
    "entries",
    "failures",
    "get",
    "register_backend",
]

ENTRY_POINT_GROUP = "activations.backends"


@dataclass(frozen=True)
class Entry:
    """A registered backend: how to recognise its arrays and how to load it."""

    name: str
    owns: Callable[[type], bool]
    load: Callable[[], Backend]
    distribution: str | None = None  # the PyPI distribution, for `info`
    module: str | None = None  # the framework's top-level module


_lock = threading.Lock()
_entries: list[Entry] = []
_loaded: dict[str, Backend] = {}
_failed: dict[str, str] = {}  # backend -> why its load failed (for `info`)


class BackendUnavailable(ImportError):
    """A backend's module (or its framework) failed to load; other backends keep working."""


def failures() -> dict[str, str]:
    """The backends whose load failed in this process, with the error."""
    return dict(_failed)


_entry_points_read = False


def _module_class(module: str, *path: str) -> Any:
    """A class from an already-imported module, or None; never imports."""
    obj = sys.modules.get(module)
    for attr in path:
        if obj is None:
            return None
        obj = getattr(obj, attr, None)
    return obj


def _subclass_of(cls: type, module: str, *path: str) -> bool:
    base = _module_class(module, *path)
    return isinstance(base, type) and issubclass(cls, base)


def _owns_torch(cls: type) -> bool:
    return _subclass_of(cls, "torch", "Tensor")


def _owns_tensorflow(cls: type) -> bool:
    return _subclass_of(cls, "tensorflow", "Tensor") or _subclass_of(cls, "tensorflow", "Variable")


def _owns_jax(cls: type) -> bool:
    return _subclass_of(cls, "jax", "Array") or _subclass_of(cls, "jax", "core", "Tracer")


def _owns_pytensor(cls: type) -> bool:
    return _subclass_of(cls, "pytensor", "graph", "basic", "Variable")


def _owns_keras(cls: type) -> bool:
    return _subclass_of(cls, "keras", "KerasTensor")


def _owns_dask(cls: type) -> bool:
    return _subclass_of(cls, "dask.array", "Array")


def _owns_array_api(cls: type) -> bool:
    """Any other array of the Array API standard (array-api-strict, CuPy, ...)."""
    return hasattr(cls, "__array_namespace__") or _subclass_of(cls, "cupy", "ndarray")


def _owns_numpy(cls: type) -> bool:
    return _subclass_of(cls, "numpy", "ndarray") or _subclass_of(cls, "numpy", "generic")


def _loader(module: str) -> Callable[[], Backend]:
    def load() -> Backend:
        mod = importlib.import_module(module)
        backend: Backend = mod.BACKEND
        return backend

    return load


def register_backend(entry: Entry, *, first: bool = True) -> None:
    """Add a backend. ``first=True`` (the default) lets it claim types before the built-ins.

    Example
    -------
    >>> from activations.backends import Entry, register_backend
    >>> register_backend(Entry("mylib", owns=lambda cls: cls.__module__ == "mylib",
    ...                        load=lambda: MyBackend()))  # doctest: +SKIP
    """
    from .. import _dispatch

    if not isinstance(entry, Entry):
        raise TypeError(f"register_backend() takes an activations.backends.Entry, got {entry!r}")
    with _lock:
        _entries[:] = [e for e in _entries if e.name != entry.name]
        _entries.insert(0, entry) if first else _entries.append(entry)
        _loaded.pop(entry.name, None)
    _dispatch.clear_cache()


def entries() -> tuple[Entry, ...]:
    return tuple(_entries)


def get(name: str) -> Backend:
    """The backend called ``name``, loading it (and its framework) if needed."""
    backend = _loaded.get(name)
    if backend is not None:
        return backend
    for entry in _entries:
        if entry.name == name:
            with _lock:
                backend = _loaded.get(name)
                if backend is None:
                    try:
                        backend = entry.load()
                    except Exception as exc:
                        why = f"{type(exc).__name__}: {exc}"
                        _failed[name] = why
                        raise BackendUnavailable(
                            f"the {name} backend could not be loaded ({why}). The other "
                            "backends keep working; `python -m activations info` checks the "
                            f"installed frameworks (reinstall {entry.distribution or name}?)"
                        ) from exc
                    _loaded[name] = backend
                    _failed.pop(name, None)
            return backend
    known = ", ".join(e.name for e in _entries)
    raise ValueError(f"unknown backend {name!r}; registered backends: {known}")


def read_entry_points() -> bool:
    """Register the backends that installed packages advertise; True if any was new."""
    global _entry_points_read
    with _lock:
        if _entry_points_read:
            return False
        _entry_points_read = True
    from importlib.metadata import entry_points

    added = False
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        obj = ep.load()
        entry = obj if isinstance(obj, Entry) else obj()
        register_backend(entry, first=False)
        added = True
    return added


_entries.extend(
    [
        Entry("torch", _owns_torch, _loader("activations.backends.torch"), "torch", "torch"),
        Entry(
            "tensorflow",
            _owns_tensorflow,
            _loader("activations.backends.tensorflow"),
            "tensorflow",
            "tensorflow",
        ),
        Entry("jax", _owns_jax, _loader("activations.backends.jax"), "jax", "jax"),
        Entry(
            "pytensor",
            _owns_pytensor,
            _loader("activations.backends.pytensor"),
            "pytensor",
            "pytensor",
        ),
        Entry("keras", _owns_keras, _loader("activations.backends.keras"), "keras", "keras"),
        Entry("dask", _owns_dask, _loader("activations.backends.dask"), "dask", "dask"),
        Entry("numpy", _owns_numpy, _loader("activations.backends.numpy"), "numpy", "numpy"),
        # last: it claims whatever has __array_namespace__ and no backend of its own
        Entry(
            "array_api",
            _owns_array_api,
            _loader("activations.backends.array_api"),
            "array-api-compat",
            "array_api_compat",
        ),
    ]
)
