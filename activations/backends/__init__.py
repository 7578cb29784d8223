"""The backend registry: the one list of backends, and everything derived from it.

A backend lives in one folder, ``activations/backends/<name>/``: its ``__init__`` declares an
:class:`Entry` (how the dispatch recognises its arrays, without importing the framework, and
how to load it) with the :class:`Library` objects it serves (conversions from and to NumPy,
trainable variables, dtypes, whether it flushes subnormals, its distributions, and the module
of its conformance checks); ``ops`` is the backend itself (the op set and the gradient hook),
imported with the framework on first use; ``checks`` drives it in the conformance matrix. The
command line, the checks, the benchmarks, the testing kit, the initialisers and the tests all
take their lists from :func:`entries` and :func:`libraries`.

Third parties add backends with :func:`register_backend` or through the entry-point group
``activations.backends``, whose objects are :class:`Entry` instances (or callables returning
one); entry points are read the first time an array type is not recognised.
"""

from __future__ import annotations

import importlib
import os
import threading
import warnings

from ._base import Backend
from ._entry import Entry, Library

__all__ = [
    "BUILTIN",
    "ENTRY_POINT_GROUP",
    "Backend",
    "BackendUnavailable",
    "Entry",
    "Library",
    "entries",
    "failures",
    "get",
    "libraries",
    "library",
    "register_backend",
]

BUILTIN = ("numpy", "torch", "tensorflow", "jax", "pytensor", "keras", "array_api", "dask")
"""The built-in backends, each a subpackage of this one, in the order tables list them."""

ENTRY_POINT_GROUP = "activations.backends"
"""The entry-point group third-party packages declare their :class:`Entry` objects in."""


_lock = threading.RLock()  # re-entrant: loading one backend may load another (an import hook)


def _new_lock() -> None:  # in a forked child: the lock may have been held by a parent's thread
    global _lock
    _lock = threading.RLock()
    _loading.clear()


if hasattr(os, "register_at_fork"):  # POSIX
    os.register_at_fork(after_in_child=_new_lock)
_entries: list[Entry] = []
_loaded: dict[str, Backend] = {}
_loading: set[str] = set()  # backends whose load() is running (it imports their framework)
_failed: dict[str, str] = {}  # backend -> why its load failed (for `info`)


class BackendUnavailable(ImportError):
    """A backend's module (or its framework) failed to load; other backends keep working."""


def failures() -> dict[str, str]:
    """The backends whose load failed in this process, with the error."""
    return dict(_failed)


_entry_points_read = False


def register_backend(entry: Entry, *, first: bool = True) -> None:
    """Add a backend. ``first=True`` (the default) lets it claim types before the built-ins.

    Examples
    --------
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
    """The registered backends, in the order an array's type is matched against them
    (fallback entries last)."""
    return tuple(sorted(_entries, key=lambda e: e.fallback))


def libraries() -> tuple[Library, ...]:
    """The array libraries of the registered backends (installed plugins' too), built-in ones
    in :data:`BUILTIN`'s order: the names every command, the testing kit and the checks take."""
    read_entry_points()
    builtin_first = sorted(_entries, key=lambda e: e.name not in BUILTIN)
    return tuple(lib for e in builtin_first for lib in e.libraries)


def library(name: str) -> Library:
    """The array library called ``name``; ValueError naming the known ones otherwise."""
    for lib in libraries():
        if lib.name == name:
            return lib
    known = ", ".join(lib.name for lib in libraries())
    raise ValueError(f"unknown backend {name!r}; known: {known}")


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
                    _loading.add(name)
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
                    finally:
                        _loading.discard(name)
                    _loaded[name] = backend
                    _failed.pop(name, None)
            return backend
    known = ", ".join(e.name for e in _entries)
    raise ValueError(f"unknown backend {name!r}; registered backends: {known}")


def preload(name: str) -> None:
    """Load backend ``name`` now, unless it is loaded or loading already (a framework's import
    hook runs while the backend's own load imports that framework)."""
    if name in _loaded or name in _loading:
        return
    # another thread holding the lock may be importing this very framework: let it load the
    # backend rather than wait for it here (that thread waits for this import to finish)
    if not _lock.acquire(blocking=False):
        return
    try:
        get(name)
    finally:
        _lock.release()


def read_entry_points() -> bool:
    """Register the backends that installed packages advertise; True if any was new.

    Another thread asking meanwhile waits until every plugin is registered (the lock is
    re-entrant: register_backend takes it too).
    """
    global _entry_points_read
    with _lock:
        if _entry_points_read:
            return False
        from importlib.metadata import entry_points

        added = False
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            try:
                obj = ep.load()
                entry = obj if isinstance(obj, Entry) else obj()
                register_backend(entry, first=False)
            except Exception as exc:  # a broken plugin must not break the built-in backends
                why = f"its entry point {ep.value!r} failed: {type(exc).__name__}: {exc}"
                _failed[ep.name] = why
                warnings.warn(
                    f"activations: backend {ep.name!r} not registered ({why})", stacklevel=2
                )
                continue
            added = True
        _entry_points_read = True
    return added


_entries.extend(importlib.import_module(f"{__name__}.{name}").ENTRY for name in BUILTIN)
