"""The hot paths' error-state guard behaves like np.errstate(all="ignore")."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from activations.backends.numpy import errstate as E

INF = np.array([np.inf, 1.0])


def test_the_shortcut_is_used_on_numpy_2() -> None:
    if int(np.__version__.split(".")[0]) < 2:
        pytest.skip("NumPy 1.x has no error-state context variable: np.errstate is used")
    assert E.ignore is not E._enter  # a silent fall-back would cost ~1 us a call


@pytest.mark.parametrize("guard", ["quiet", "tokens"])
def test_errors_ignored_inside_and_the_callers_state_restored(guard: str) -> None:
    with np.errstate(invalid="raise", over="warn"):
        before = np.geterr()
        if guard == "quiet":
            with E.quiet():
                assert set(np.geterr().values()) == {"ignore"}
                assert np.isnan((INF * 0)[0])
        else:
            token = E.ignore()
            try:
                assert np.isnan((INF * 0)[0])
            finally:
                E.restore(token)
        assert np.geterr() == before
        with pytest.raises(FloatingPointError):
            INF * 0


def test_restored_after_an_exception_and_when_nested() -> None:
    with np.errstate(invalid="raise"):
        before = np.geterr()
        with pytest.raises(KeyError), E.quiet():
            with E.quiet():
                pass
            assert np.geterr()["invalid"] == "ignore"
            raise KeyError
        assert np.geterr() == before


def test_other_threads_keep_their_state() -> None:
    seen: list[str] = []
    inside, done = threading.Event(), threading.Event()

    def other() -> None:
        inside.wait(5)
        seen.append(np.geterr()["invalid"])
        done.set()

    t = threading.Thread(target=other)
    t.start()
    with E.quiet():
        inside.set()
        done.wait(5)
    t.join()
    assert seen == [np.geterr()["invalid"]] and seen != ["ignore"]
