"""The optional C extension: relu's NumPy ufuncs (activations/backends/numpy/_ufuncs.c).

Everything else is in pyproject.toml. Where the extension cannot be compiled (no compiler, no
Python headers), the build says so and goes on without it: the package then runs its
pure-NumPy kernels, which give the same bits.
"""

from __future__ import annotations

import os
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.errors import CCompilerError, CompileError, ExecError, PlatformError

# no compiler, a compiler that fails, no Python headers, no NumPy to build against
_FAILURES = (
    CCompilerError,
    CompileError,
    ExecError,
    PlatformError,
    OSError,
    ValueError,
    ImportError,
)
_WARNING = (
    "WARNING: the C extension activations.backends.numpy._ufuncs was not built ({}); "
    "activations uses its pure-NumPy kernels instead (same results, slower relu)."
)


class optional_build_ext(build_ext):
    """build_ext that leaves the extension out, with a warning, when it cannot be compiled.

    A failed extension is also dropped from ``self.extensions``, so that the build's list of
    outputs (which editable installs and wheels copy) does not name it, and a file left by an
    earlier build in the same checkout is removed. The extension is always compiled (not
    skipped as up to date): an install without a compiler must not ship an earlier build.
    """

    def finalize_options(self) -> None:
        super().finalize_options()
        self.force = True

    def run(self) -> None:
        try:
            super().run()
        except _FAILURES as exc:
            print(_WARNING.format(exc), file=sys.stderr)
            self.extensions = []

    def build_extensions(self) -> None:
        self.check_extensions_list(self.extensions)
        for ext in list(self.extensions):
            try:
                self.build_extension(ext)
            except _FAILURES as exc:
                print(_WARNING.format(exc), file=sys.stderr)
                self.extensions.remove(ext)
                stale = self.get_ext_fullpath(ext.name)
                if os.path.exists(stale):
                    os.remove(stale)

    def build_extension(self, ext: Extension) -> None:
        import numpy

        ext.include_dirs.append(numpy.get_include())
        if self.compiler.compiler_type == "unix":
            ext.extra_compile_args += ["-O3"]
        super().build_extension(ext)


setup(
    ext_modules=[
        Extension(
            "activations.backends.numpy._ufuncs",
            sources=["activations/backends/numpy/_ufuncs.c"],
            define_macros=[("NPY_TARGET_VERSION", "NPY_1_22_API_VERSION")],
        )
    ],
    cmdclass={"build_ext": optional_build_ext},
)
