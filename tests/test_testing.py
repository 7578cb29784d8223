"""activations.testing: the kit users test their own code with, and its pytest plugin."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from _required import REQUIRED_ARRAYS, missing

import activations as A
from activations import testing as T
from activations.backends import library
from activations.backends._entry import dtype_scope


def block(x):
    return A.leaky_relu(A.gelu(x), 0.1) + A.relu(x, max_value=6.0) - A.silu(x) * 0.5


X = np.array([-np.inf, -7.0, -1.0, -0.0, 0.0, 0.5, 6.0, 7.5, np.inf, np.nan])


def test_required_backends_are_installed() -> None:
    assert REQUIRED_ARRAYS - {"numpy"} <= set(T.installed_backends())


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_a_composite_function_agrees_on_every_installed_backend(dtype: str) -> None:
    with np.errstate(invalid="ignore"):  # inf - inf in block() is NaN everywhere
        results = T.assert_same_across_backends(block, X.astype(dtype))
    assert set(results) >= REQUIRED_ARRAYS
    for name, r in results.items():
        assert r.dtype == dtype, name


def test_tuples_and_several_arrays() -> None:
    x, g = np.linspace(-3, 3, 13), np.linspace(1, 2, 13)
    results = T.assert_same_across_backends(lambda x, g: A.prelu.vjp(x, g, 0.25), x, g)
    for dx, dw in results.values():
        assert dx.shape == (13,) and dw.shape == ()


def test_a_disagreeing_backend_is_named() -> None:
    others = [b for b in T.installed_backends() if b != "numpy"]
    if not others:
        if REQUIRED_ARRAYS - {"numpy"}:
            pytest.fail(f"required backends {sorted(REQUIRED_ARRAYS)} are not installed")
        pytest.skip("only NumPy is installed: no second backend to disagree with it")
    other = others[0]

    def off_by_a_bit(x):
        y = A.relu(x)
        return y * (1 + 1e-9) if type(x).__module__.split(".")[0] != "numpy" else y

    with pytest.raises(AssertionError, match=rf"{other} differs from numpy at 1 of 3"):
        T.assert_same_across_backends(off_by_a_bit, np.array([-1.0, 0.0, 2.0]), backends=[other])

    def nan_on_others(x):
        return A.relu(x) if type(x).__module__.split(".")[0] == "numpy" else A.relu(x) * np.nan

    with pytest.raises(AssertionError, match="differs from numpy"):
        T.assert_same_across_backends(nan_on_others, np.array([1.0]), backends=[other])


def test_unknown_backend() -> None:
    with pytest.raises(ValueError, match="unknown backend 'mxnet'"):
        T.to_backend(np.ones(2), "mxnet")
    with pytest.raises(ValueError, match="unknown backend"):
        T.assert_same_across_backends(A.relu, np.ones(2), backends=["mxnet"])


@pytest.mark.parametrize("name", list(T.BACKENDS))
@pytest.mark.parametrize("dtype", ["float32", "float64", "int32"])
def test_round_trip_keeps_values_and_dtype(name: str, dtype: str) -> None:
    if name not in T.installed_backends():
        missing(name)
    a = np.arange(-3, 9).reshape(3, 4).astype(dtype)
    with dtype_scope(library(name), dtype):
        b = T.to_backend(a, name)
        back = T.to_numpy(b)
    assert back.dtype == a.dtype and back.tobytes() == a.tobytes()


PLUGIN_TEST = """
    import numpy as np
    import activations as A

    def test_relu(backend):
        y = backend.to_numpy(A.relu(backend.asarray(np.array([-1.0, 2.0]))))
        assert y.tolist() == [0.0, 2.0] and y.dtype == np.float64
"""


PLUGIN = ("-p", "activations.testing")  # the plugin is opt-in
OPT = ("--activations-backend",)


def _pytest(tmp_path, *args: str, env: dict | None = None, conftest: str = "", test=PLUGIN_TEST):
    (tmp_path / "test_user.py").write_text(textwrap.dedent(test))
    (tmp_path / "conftest.py").write_text(textwrap.dedent(conftest))
    environ = {k: v for k, v in os.environ.items() if k != "ACTIVATIONS_REQUIRE_BACKENDS"}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**environ, **(env or {}), "TF_CPP_MIN_LOG_LEVEL": "3"},
        timeout=600,
    )


def test_plugin_runs_a_test_once_per_backend(tmp_path) -> None:
    out = _pytest(tmp_path, "-rA", *PLUGIN)
    assert out.returncode == 0, out.stdout + out.stderr
    installed = T.installed_backends()
    assert f"{len(installed)} passed" in out.stdout, out.stdout
    for name in T.BACKENDS:  # each backend's run, by its id, or its skip with the reason
        want = (
            f"PASSED test_user.py::test_relu[{name}]"
            if name in installed
            else f"backend {name} is not installed"
        )
        assert want in out.stdout, (name, out.stdout)


def test_plugin_backend_option_and_skip_reason(tmp_path) -> None:
    conftest = """
        import numpy as np
        from activations.backends import Entry, Library, register_backend
        from activations.backends.numpy.ops import NumpyBackend

        lib = Library(name="nosuchlib", module="nosuchlib_module", distributions=(),
                      dtypes=("float64",), checks="", from_numpy=np.asarray)
        register_backend(Entry("nosuchlib", lambda cls: False, NumpyBackend, libraries=(lib,)))
    """
    out = _pytest(tmp_path, *PLUGIN, *OPT, "numpy", *OPT, "nosuchlib", conftest=conftest)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "1 passed, 1 skipped" in out.stdout
    assert "backend nosuchlib is not installed" in out.stdout
    required = _pytest(
        tmp_path,
        *PLUGIN,
        *OPT,
        "nosuchlib",
        conftest=conftest,
        env={"ACTIVATIONS_REQUIRE_BACKENDS": "nosuchlib"},
    )
    assert required.returncode == 1 and "1 error" in required.stdout  # the fixture fails
    assert "backend nosuchlib is required" in required.stdout


def test_plugin_leaves_a_test_that_parametrizes_backend_itself(tmp_path) -> None:
    test = """
        import pytest

        @pytest.mark.parametrize("backend", ["mine"])
        def test_own(backend):
            assert backend == "mine"

        @pytest.mark.parametrize("keras_backend", ["jax"])
        def test_other_name(backend, keras_backend):
            assert backend.name
    """
    out = _pytest(tmp_path, "-rA", *PLUGIN, test=test)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "PASSED test_user.py::test_own[mine]" in out.stdout
    for name in T.installed_backends():
        assert f"PASSED test_user.py::test_other_name[{name}-jax]" in out.stdout, out.stdout


def test_plugin_is_a_guest(tmp_path) -> None:
    """Off until a project turns it on; on, it does not collide with a project's own
    --backend option; turned on in conftest.py as well as with -p."""
    off = _pytest(tmp_path)
    assert off.returncode != 0 and "fixture 'backend' not found" in off.stdout, off.stdout
    own_option = """
        def pytest_addoption(parser):
            parser.addoption("--backend", default="mine")
    """
    out = _pytest(tmp_path, *PLUGIN, *OPT, "numpy", "--backend", "x", conftest=own_option)
    assert out.returncode == 0 and "1 passed" in out.stdout, out.stdout + out.stderr
    in_conftest = 'pytest_plugins = ["activations.testing"]\n'
    out = _pytest(tmp_path, *OPT, "numpy", conftest=in_conftest)
    assert out.returncode == 0 and "1 passed" in out.stdout, out.stdout + out.stderr


def test_plugin_leaves_a_project_s_own_backend_fixture(tmp_path) -> None:
    own_fixture = """
        import pytest

        pytest_plugins = ["activations.testing"]

        @pytest.fixture
        def backend():
            return "mine"
    """
    test = """
        def test_own(backend):
            assert backend == "mine"
    """
    out = _pytest(tmp_path, "-rA", conftest=own_fixture, test=test)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "1 passed" in out.stdout and "test_own[" not in out.stdout, out.stdout  # not per backend


def test_an_unknown_backend_option_is_a_usage_error(tmp_path) -> None:
    out = _pytest(tmp_path, *PLUGIN, *OPT, "mxnet")
    assert out.returncode == 4, out.stdout + out.stderr  # pytest's usage-error status
    assert "--activations-backend: unknown backend 'mxnet'" in out.stderr
    assert "Traceback" not in out.stdout + out.stderr


def test_the_fixture_s_object_is_a_backend_name() -> None:
    b = T.BackendUnderTest("numpy")
    np.testing.assert_array_equal(T.to_backend([1.0, -2.0], b), [1.0, -2.0])
    assert set(T.assert_same_across_backends(A.relu, np.ones(2), backends=[b])) == {"numpy"}
