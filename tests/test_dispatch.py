"""type(x) -> backend: neutral Python objects, subclasses, errors, third-party backends."""

import sys
import types

import numpy as np
import pytest

import activations as A
from activations import _dispatch, backends
from activations.backends.numpy.ops import NumpyBackend


def test_python_scalars_and_lists_go_to_numpy() -> None:
    assert A.relu(-2.0) == 0.0 and isinstance(A.relu(-2.0), np.float64)
    assert isinstance(A.relu(3), np.int64)
    np.testing.assert_array_equal(A.relu([1.0, -1.0]), np.array([1.0, 0.0]))
    np.testing.assert_array_equal(A.relu((1.0, -1.0)), np.array([1.0, 0.0]))


def test_numpy_scalars_and_zero_d_arrays_give_scalars_like_ufuncs() -> None:
    y = A.gelu(np.float32(1.0))
    assert isinstance(y, np.float32)
    assert isinstance(A.relu(np.array(-1.0, dtype=np.float32)), np.float32)


def test_subclasses_dispatch_to_the_parent_backend() -> None:
    class Sub(np.ndarray):
        pass

    x = np.array([-1.0, 2.0]).view(Sub)
    np.testing.assert_array_equal(A.relu(x), [0.0, 2.0])
    m = np.ma.masked_array([-1.0, 2.0])
    assert _dispatch.backend_of(m).name == "numpy"


def test_unknown_type_names_the_type_and_the_supported_ones() -> None:
    class Thing:
        pass

    with pytest.raises(TypeError, match=r"Thing.*supported: .*numpy"):
        A.relu(Thing())
    with pytest.raises(TypeError, match="NoneType"):
        A.relu(None)
    with pytest.raises(TypeError, match="str"):
        A.relu("1.0")


def test_two_frameworks_in_one_call_raise() -> None:
    class Foreign:
        shape = (2,)

    entry = backends.Entry("foreign", owns=lambda cls: cls is Foreign, load=NumpyBackend)
    backends.register_backend(entry)
    try:
        with pytest.raises(TypeError, match="two frameworks"):
            A.prelu(np.ones(2), Foreign())
        with pytest.raises(TypeError, match="two frameworks"):
            A.relu.vjp(np.ones(2), Foreign())
    finally:
        _unregister("foreign")


def test_python_scalars_mix_with_any_array() -> None:
    x = np.array([-2.0, 2.0], dtype=np.float32)
    dx, _ = A.prelu.vjp(x, 1.0, 0.5)
    assert dx.dtype == np.float32
    np.testing.assert_array_equal(dx, [0.5, 1.0])


def _unregister(name: str) -> None:
    backends._entries[:] = [e for e in backends._entries if e.name != name]
    backends._loaded.pop(name, None)
    _dispatch.clear_cache()


def test_register_backend_claims_a_new_type() -> None:
    calls = []

    class Box:
        def __init__(self, a: np.ndarray) -> None:
            self.a = a

    class BoxBackend(NumpyBackend):
        name = "box"

        def value(self, spec, x, params, out=None):  # type: ignore[no-untyped-def]
            calls.append(spec.name)
            return Box(super().value(spec, x.a, params, out))

    A.register_backend(A.BackendEntry("box", owns=lambda cls: cls is Box, load=BoxBackend))
    try:
        y = A.relu(Box(np.array([-1.0, 1.0])))
        assert isinstance(y, Box) and calls == ["relu"]
        np.testing.assert_array_equal(y.a, [0.0, 1.0])
        assert backends.get("box").name == "box"
    finally:
        _unregister("box")
    with pytest.raises(TypeError):
        A.relu(Box(np.array([1.0])))


def test_register_backend_rejects_non_entries() -> None:
    with pytest.raises(TypeError, match="Entry"):
        A.register_backend("numpy")  # type: ignore[arg-type]


def test_entry_points_are_read_on_a_miss(monkeypatch: pytest.MonkeyPatch) -> None:
    class Plugged:
        pass

    module = types.ModuleType("fake_plugin")
    module.ENTRY = backends.Entry("plugged", owns=lambda cls: cls is Plugged, load=NumpyBackend)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "fake_plugin", module)

    class EP:
        name = "plugged"

        def load(self) -> object:
            return module.ENTRY  # type: ignore[attr-defined]

    import importlib.metadata as md

    monkeypatch.setattr(md, "entry_points", lambda group=None: [EP()] if group else [])
    monkeypatch.setattr(backends, "_entry_points_read", False)
    try:
        assert _dispatch.backend_of(Plugged()).name == "numpy"  # loaded through the plugin
        assert any(e.name == "plugged" for e in backends.entries())
    finally:
        _unregister("plugged")


def test_get_unknown_backend() -> None:
    with pytest.raises(ValueError, match="unknown backend 'nope'"):
        backends.get("nope")


def test_cache_is_keyed_by_type() -> None:
    A.relu(np.ones(1))
    assert _dispatch._cache[np.ndarray].name == "numpy"
