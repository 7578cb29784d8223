"""What a backend declares: :class:`Entry` (how the dispatch finds and loads it) and
:class:`Library` (each array library it serves, as tests, checks and tools see it).

Both are plain data, read without importing any framework: everything that needs the
framework is a function that imports it when called, or a module path loaded on demand.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

    from ._base import Backend

__all__ = ["Entry", "Library", "dtype_scope", "loader", "subclass_of"]


@dataclass(frozen=True)
class Library:
    """An array library a backend serves: the name every command, the testing kit and the
    initialisers take, and what they need to make, read back and check its arrays.

    ``checks`` names a module with ``harness()`` (values and first derivatives, for the
    conformance matrix) and ``ad()`` (array parameters, parameter gradients, forward mode,
    second derivatives), imported only by the checks.
    """

    name: str
    module: str  # installed when this module can be found
    distributions: tuple[str, ...]  # reported by `python -m activations info`
    dtypes: tuple[str, ...]  # the float dtypes it has
    checks: str
    # a NumPy array as this library's array, and back (lazy and symbolic ones evaluated, on
    # the host); None where its arrays carry no data (Keras' symbolic tensors)
    from_numpy: Callable[[np.ndarray], Any] | None = None
    to_numpy: Callable[[Any], Any] | None = None
    array_modules: tuple[str, ...] = ()  # the top-level modules its arrays' types live in
    variable: Callable[[np.ndarray], Any] | None = None  # its trainable array; None: not offered
    # a context in which arrays of a dtype exist (JAX's float64 needs x64); None: always
    dtype_scope: Callable[[Any], AbstractContextManager[None]] | None = None
    flushes_subnormals: bool = False  # subnormal inputs read as zero (docs/conventions.md)


@dataclass(frozen=True)
class Entry:
    """A registered backend: how to recognise its arrays and how to load it.

    ``owns(type)`` looks only at modules already in ``sys.modules``, so that asking never
    imports a framework; ``load()`` imports the backend (and its framework) on first use. A
    ``fallback`` entry is asked only after every other one.
    """

    name: str
    owns: Callable[[type], bool]
    load: Callable[[], Backend]
    distribution: str | None = None  # the PyPI distribution, named when loading fails
    libraries: tuple[Library, ...] = field(default=())
    fallback: bool = False


def dtype_scope(library: Library, dtype: Any) -> AbstractContextManager[None]:
    """The context in which ``library``'s arrays of ``dtype`` exist (most often: none)."""
    return library.dtype_scope(dtype) if library.dtype_scope else nullcontext()


def loader(module: str) -> Callable[[], Backend]:
    """A ``load`` for an :class:`Entry`: imports ``module`` and returns its ``BACKEND``."""

    def load() -> Backend:
        backend: Backend = importlib.import_module(module).BACKEND
        return backend

    return load


def subclass_of(cls: type, module: str, *path: str) -> bool:
    """Whether ``cls`` subclasses ``module.path...``, looked up only if ``module`` is already
    imported (never imports)."""
    obj: Any = sys.modules.get(module)
    for attr in path:
        if obj is None:
            return False
        obj = getattr(obj, attr, None)
    return isinstance(obj, type) and issubclass(cls, obj)
