"""type(x) -> backend.

The hot path is one dict lookup keyed by ``type(x)``. On a miss the registered backends are
asked, in order, whether they own the type; they look only at ``sys.modules``, so resolution
never imports a framework. Python scalars, lists and tuples are neutral: alone they go to NumPy,
next to another framework's array they are converted by that framework's backend.
"""

from __future__ import annotations

from typing import Any

from . import backends as _backends
from .backends._base import Backend

__all__ = [
    "NEUTRAL_TYPES",
    "UnsupportedArrayType",
    "backend_for",
    "backend_of",
    "backend_of_type",
    "clear_cache",
    "fast_cache",
]

NEUTRAL_TYPES: tuple[type, ...] = (int, float, bool, list, tuple)

_cache: dict[type, Backend] = {}


class UnsupportedArrayType(TypeError):
    """No backend handles this type (a TypeError; ``cls`` is the type)."""

    def __init__(self, message: str, cls: type) -> None:
        super().__init__(message)
        self.cls = cls


_fast_caches: list[dict[type, Any]] = []  # the activations' fast-path caches, keyed by type


def clear_cache() -> None:
    """Forget every type's backend (after a backend is registered)."""
    _cache.clear()
    for cache in _fast_caches:
        cache.clear()


def fast_cache() -> dict[type, Any]:
    """A new type-keyed cache that :func:`clear_cache` clears too."""
    cache: dict[type, Any] = {}
    _fast_caches.append(cache)
    return cache


def _supported() -> str:
    return ", ".join(e.name for e in _backends.entries())


def _owner(cls: type) -> Backend | None:
    for entry in _backends.entries():
        if entry.owns(cls):
            return _backends.get(entry.name)
    if issubclass(cls, NEUTRAL_TYPES):
        return _backends.get("numpy")
    return None


def _is_keras2_symbolic(cls: type) -> bool:
    return cls.__name__ == "KerasTensor" and cls.__module__.startswith(
        ("tf_keras.", "keras.src.engine.", "keras.engine.")
    )


def _resolve(cls: type) -> Backend:
    # No lock: resolution is idempotent (racing threads store the same backend), loading a
    # backend is locked in backends.get, and torch.compile can trace this function.
    backend = _owner(cls)
    if backend is None and _backends.read_entry_points():
        backend = _owner(cls)
    if backend is None and _is_keras2_symbolic(cls):
        raise UnsupportedArrayType(
            "Keras 2 symbolic tensors (the functional API of tf-keras / Keras 2) are not "
            "supported; the library supports Keras 3's. With Keras 2, give the activation to a "
            "layer (keras.layers.Dense(8, activation=activations.gelu)) or wrap the call in "
            "keras.layers.Lambda, where it receives TensorFlow tensors",
            cls,
        )
    if backend is None:
        raise UnsupportedArrayType(
            f"no backend handles arrays of type {cls.__module__}.{cls.__qualname__}; "
            f"supported: {_supported()} arrays, Python scalars and lists "
            f"(or register one with activations.register_backend)",
            cls,
        )
    _cache[cls] = backend
    return backend


def backend_of(x: Any) -> Backend:
    """The backend for one array (the fast path)."""
    try:
        return _cache[type(x)]
    except KeyError:
        return _resolve(type(x))


def backend_of_type(cls: type) -> Backend:
    """The backend for arrays of type ``cls``."""
    try:
        return _cache[cls]
    except KeyError:
        return _resolve(cls)


def backend_for(*arrays: Any) -> Backend:
    """The one backend for several arrays; neutral Python objects mix with any backend."""
    chosen: Backend | None = None
    first: Any = None
    for a in arrays:
        if isinstance(a, NEUTRAL_TYPES):
            continue
        b = backend_of(a)
        if chosen is None:
            chosen, first = b, a
        elif b is not chosen:
            if b.name in chosen.absorbs:  # e.g. a NumPy weight beside a Dask x
                continue
            if chosen.name in b.absorbs:
                chosen, first = b, a
                continue
            raise TypeError(
                f"arrays of two frameworks in one call: {type(first).__name__} ({chosen.name}) "
                f"and {type(a).__name__} ({b.name}); convert one of them first"
            )
    return chosen if chosen is not None else backend_of(arrays[0])
