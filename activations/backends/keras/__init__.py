"""Keras 3 symbolic tensors: functional models built from the activations, run by whichever
Keras backend executes them (``ops``). Tested through models on the installed Keras backend."""

from __future__ import annotations

from .._entry import Entry, Library, loader, subclass_of


def owns(cls: type) -> bool:
    return subclass_of(cls, "keras", "KerasTensor")


LIBRARY = Library(
    name="keras",
    module="keras",
    distributions=("keras",),
    # the executing backend's own column checks its half-precision arithmetic; here the
    # model plumbing (the operation, its parameters, its gradient) is what is checked
    dtypes=("float32", "float64"),
    checks="activations.backends.keras.checks",
)
ENTRY = Entry("keras", owns, loader("activations.backends.keras.ops"), "keras", (LIBRARY,))
