"""The registry is the one list of backends: every backend lives in its own folder, declares
what the rest of the package needs, and runs the conformance matrix."""

import importlib
import importlib.util
import os
import sys
from pathlib import Path

import numpy as np
import pytest
from _required import missing, not_installed

import activations
from activations import _conformance as conf
from activations import backends
from activations.backends import Entry, Library, register_backend
from activations.testing import to_numpy

PACKAGE = Path(backends.__file__).parent


@pytest.mark.parametrize("name", backends.BUILTIN)
def test_a_backend_is_one_folder_with_its_declaration_ops_and_checks(name: str) -> None:
    folder = PACKAGE / name
    for part in ("__init__.py", "ops.py", "checks.py"):
        assert (folder / part).is_file(), f"{name}: no {part} in {folder}"
    declaration = importlib.import_module(f"activations.backends.{name}")
    entry = declaration.ENTRY
    assert isinstance(entry, Entry) and entry.name == name, f"{name}: __init__ declares no ENTRY"
    assert entry in backends.entries(), f"{name}: its ENTRY is not the registered one"
    assert entry.libraries, f"{name}: declares no Library, so nothing would check it"
    for lib in entry.libraries:
        assert lib.checks == f"activations.backends.{name}.checks", lib.name


def test_the_folders_are_the_built_in_backends() -> None:
    folders = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    assert folders == set(backends.BUILTIN), "a backend folder is missing from BUILTIN"


def test_every_registered_backend_runs_the_conformance_matrix() -> None:
    """Every library of every registered backend is a column of the matrix, and every
    installed one has a harness that checks a value and a derivative."""
    declared = [lib.name for e in backends.entries() for lib in e.libraries]
    assert sorted(conf.all_backends()) == sorted(declared)  # the matrix's columns
    installed = [n for n in declared if conf.installed(n)]
    harnesses = {h.name: h for h in conf.harnesses(installed)}
    assert sorted(harnesses) == sorted(installed)
    for name, h in harnesses.items():
        assert set(h.dtypes) <= set(backends.library(name).dtypes), name
        r = conf.check_one(h, activations.relu.spec, {}, h.dtypes[-1], n_random=5)
        assert r.ok and r.points > 0, (name, r.failures)


@pytest.mark.parametrize("name", [lib.name for lib in backends.libraries()])
def test_every_library_converts_both_ways_or_is_symbolic(name: str) -> None:
    lib = backends.library(name)
    if lib.from_numpy is None:
        assert lib.to_numpy is None and lib.variable is None, name
        return
    if importlib.util.find_spec(lib.module) is None:
        missing(name)
    a = np.array([-1.5, 0.0, 2.0], dtype=np.float32)
    y = lib.from_numpy(a)
    assert type(y).__module__.split(".")[0] in lib.array_modules, (name, type(y))
    back = to_numpy(y)
    np.testing.assert_array_equal(back, a)
    assert back.dtype == a.dtype


def test_everything_takes_its_list_from_the_registry() -> None:
    from activations import _bench, init, testing
    from activations.__main__ import _names

    libraries = [lib.name for lib in backends.libraries()]
    assert list(_names()) == libraries
    assert list(testing.BACKENDS) == [n for n in libraries if backends.library(n).from_numpy]
    assert set(_bench.BENCHED) <= set(libraries)
    with pytest.raises(ValueError, match="known: numpy, torch, tensorflow, jax, pytensor"):
        init.to_backend(np.zeros((2, 2)), "dask")


def test_a_third_party_backend_joins_every_list(monkeypatch: pytest.MonkeyPatch) -> None:
    from activations.backends.numpy.ops import NumpyBackend

    class Boxed(np.ndarray):
        pass

    lib = Library(
        name="boxed",
        module="numpy",
        distributions=(),
        dtypes=("float64",),
        checks="activations.backends.numpy.checks",
        from_numpy=lambda a: a.view(Boxed),
        to_numpy=np.asarray,
        array_modules=(__name__.split(".")[0],),
    )
    monkeypatch.setattr(backends, "_entries", list(backends._entries))
    register_backend(Entry("boxed", lambda cls: cls is Boxed, NumpyBackend, libraries=(lib,)))
    try:
        from activations import testing
        from activations.__main__ import _known

        assert "boxed" in conf.all_backends()
        assert backends.library("boxed") is lib
        assert "boxed" in testing.BACKENDS and _known(["boxed"]) == ["boxed"]
        assert type(testing.to_backend([1.0], "boxed")) is Boxed
        assert [e.name for e in backends.entries()][-1] == "array_api"  # the fallback stays last
    finally:
        activations._dispatch.clear_cache()


def test_reading_the_declarations_imports_no_framework() -> None:
    code = (
        "import sys, activations.backends as b\n"
        "[(lib.name, lib.module, lib.dtypes) for lib in b.libraries()]\n"
        "heavy = {'torch', 'tensorflow', 'jax', 'pytensor', 'keras', 'dask', 'array_api_strict'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    import subprocess

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_loading_a_backend_before_its_framework_is_imported_does_not_hang() -> None:
    """get() imports the framework, whose import hook asks for the same backend again."""
    import subprocess

    names = [e.name for e in backends.entries() if not not_installed(e)]
    code = f"import activations.backends as b\nfor n in {names!r}: b.get(n)\nprint('ok')"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False
    )
    assert out.stdout.strip().endswith("ok"), out.stderr[-2000:]


def test_a_backend_installed_but_unusable_here_is_named_not_fatal() -> None:
    """Keras on its numpy backend (no autograd; without JAX not even importable): check runs the
    others and says why."""
    if importlib.util.find_spec("keras") is None:
        missing("keras")
    import subprocess

    code = (
        "from activations import _conformance as c\n"
        "print([h.name for h in c.harnesses(['numpy', 'keras'])], sorted(c.unavailable))"
    )
    env = {**os.environ, "KERAS_BACKEND": "numpy"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, env=env
    )
    assert out.stdout.strip() == "['numpy'] ['keras']", out.stdout + out.stderr[-2000:]


def test_a_backend_whose_import_fails_is_named_not_fatal(tmp_path: Path) -> None:
    """A framework that is found but fails to import (a missing dependency of its own)."""
    import subprocess

    (tmp_path / "keras").mkdir()
    (tmp_path / "keras" / "__init__.py").write_text("import no_such_dependency_here\n")
    code = (
        "from activations import _conformance as c\n"
        "print([h.name for h in c.harnesses(['numpy', 'keras'])])\n"
        "print(c.unavailable['keras'])"
    )
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, env=env
    )
    assert out.stdout.splitlines() == [
        "['numpy']",
        "importing it failed: No module named 'no_such_dependency_here'",
    ], out.stdout + out.stderr[-2000:]


_PLUGIN = """\
import numpy as np
from activations.backends import Entry, Library
from activations.backends.numpy.ops import NumpyBackend

class Boxed(np.ndarray):
    pass

LIBRARY = Library(name="boxed", module="numpy", distributions=(), dtypes=("float64",),
                  checks="boxed_plugin", from_numpy=lambda a: a.view(Boxed),
                  to_numpy=np.asarray, array_modules=("boxed_plugin",))
ENTRY = Entry("boxed", lambda cls: cls is Boxed, NumpyBackend, libraries=(LIBRARY,))

def _is_boxed(y):
    assert type(y) is Boxed, type(y)

def harness():
    from activations._conformance import eager_harness
    return eager_harness(LIBRARY, "1.0", _is_boxed)
"""


def _install_plugin(site: Path, value: str) -> dict[str, str]:
    """A distribution advertising a backend through the entry point, on PYTHONPATH."""
    (site / "boxed_plugin.py").write_text(_PLUGIN)
    info = site / "boxed_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: boxed-plugin\nVersion: 1.0\n")
    group = backends.ENTRY_POINT_GROUP
    (info / "entry_points.txt").write_text(f"[{group}]\nboxed = {value}\n")
    return {**os.environ, "PYTHONPATH": str(site)}


def test_the_command_line_knows_an_installed_plugin(tmp_path: Path) -> None:
    import subprocess

    env = _install_plugin(tmp_path, "boxed_plugin:ENTRY")
    run = [sys.executable, "-m", "activations"]
    info = subprocess.run([*run, "info", "--no-import"], capture_output=True, text=True, env=env)
    assert info.returncode == 0 and "boxed" in info.stdout.split(), info.stdout + info.stderr
    check = subprocess.run(
        [*run, "check", "--backend", "boxed", "--activation", "relu"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert check.returncode == 0, check.stdout + check.stderr[-2000:]
    assert "boxed 1.0" in check.stdout.splitlines() and "3 passed, 0 failed" in check.stdout


def test_a_broken_plugin_is_named_and_the_rest_works(tmp_path: Path) -> None:
    import subprocess

    env = _install_plugin(tmp_path, "boxed_plugin:NO_SUCH_NAME")
    code = "import activations as A, numpy as np; print(A.relu(np.array([-1.0, 2.0])))"
    out = subprocess.run(
        [sys.executable, "-c", "from activations import testing; print(list(testing.BACKENDS))"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert out.returncode == 0 and "numpy" in out.stdout, out.stderr[-2000:]
    assert "backend 'boxed' not registered" in out.stderr and "NO_SUCH_NAME" in out.stderr
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.stdout.strip() == "[0. 2.]", out.stderr[-2000:]


def test_a_thread_asking_while_plugins_load_waits_for_them(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.metadata
    import threading
    import time

    from activations.backends.numpy.ops import NumpyBackend

    lib = Library(
        name="slowplugin",
        module="numpy",
        distributions=(),
        dtypes=("float64",),
        checks="",
        from_numpy=np.asarray,
    )

    class SlowEntryPoint:
        name, value = "slowplugin", "slowplugin:ENTRY"

        def load(self) -> Entry:
            time.sleep(0.5)
            return Entry("slowplugin", lambda cls: False, NumpyBackend, libraries=(lib,))

    monkeypatch.setattr(importlib.metadata, "entry_points", lambda group: [SlowEntryPoint()])
    monkeypatch.setattr(backends, "_entries", list(backends._entries))
    monkeypatch.setattr(backends, "_entry_points_read", False)
    seen: list[bool] = []

    def ask() -> None:
        seen.append("slowplugin" in [x.name for x in backends.libraries()])

    threads = [threading.Thread(target=ask) for _ in range(2)]
    threads[0].start()
    time.sleep(0.1)  # the second asks while the first is loading the plugin
    threads[1].start()
    for t in threads:
        t.join()
    activations._dispatch.clear_cache()
    assert seen == [True, True]
