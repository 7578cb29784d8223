"""The Dask backend: lazy in, lazy out, the same chunks, NumPy's numbers, errors at the call."""

import numpy as np
import pytest
from _required import require

dask = require("dask")
import dask.array as da  # noqa: E402

import activations as A  # noqa: E402
from activations._catalog import CATALOG  # noqa: E402
from activations._conformance import param_sets  # noqa: E402
from activations.backends.numpy import threads as _threads  # noqa: E402

CASES = [(n, kw) for n, s in CATALOG.items() for kw in param_sets(s)]
XN = np.concatenate([[-np.inf, -0.0, 0.0, np.nan, np.inf, 6.0], np.linspace(-8, 8, 203)])


@pytest.fixture
def no_compute():
    """Fails the test if anything is computed while it is active."""
    with dask.config.set(scheduler=_refuse):
        yield


def _weight(name: str, x):
    return {"weight": np.float64(0.25)} if name == "prelu" else {}


@pytest.mark.parametrize(("name", "kw"), CASES)
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_lazy_same_chunks_same_bits_as_numpy(name: str, kw: dict, dtype: str) -> None:
    f = A.get(name)
    xn = XN.astype(dtype)
    gn = np.linspace(-2, 2, xn.size).astype(dtype)
    x = da.from_array(xn, chunks=50)
    g = da.from_array(gn, chunks=70)  # other chunks: the results keep x's
    with dask.config.set(scheduler=_refuse):
        y, d, v = f(x, **kw), f.derivative(x, **kw), f.vjp(x, g, **kw)
    v = v[0] if name == "prelu" else v
    for got in (y, d, v):
        assert isinstance(got, da.Array) and got.chunks == x.chunks and got.dtype == x.dtype
    want = [f(xn, **kw), f.derivative(xn, **kw), f.vjp(xn, gn, **kw)]
    want[2] = want[2][0] if name == "prelu" else want[2]
    for got, w in zip(dask.compute(y, d, v, scheduler="threads"), want, strict=True):
        assert got.tobytes() == np.asarray(w).tobytes()


def _refuse(*args, **kwargs):
    raise AssertionError("a Dask graph was computed")


def test_one_graph_layer_per_call_and_nothing_computed(no_compute) -> None:
    x = da.ones((100, 100), chunks=(25, 50))
    y = A.gelu(A.relu(x))
    assert len(y.dask.layers) == len(x.dask.layers) + 2
    assert A.relu.vjp(x, 1.0).chunks == x.chunks  # a scalar cotangent


def test_prelu_numpy_or_dask_weight_and_its_gradient() -> None:
    rng = np.random.default_rng(0)
    xn, gn = rng.normal(size=(6, 4, 5)), rng.normal(size=(6, 4, 5))
    wn = np.array([0.1, 0.2, 0.3, 0.4]).reshape(4, 1)
    x, g = da.from_array(xn, chunks=(2, 3, 5)), da.from_array(gn, chunks=(3, 2, 5))
    want_y = A.prelu(xn, wn)
    want_dx, want_dw = A.prelu.vjp(xn, gn, wn)
    for w in (wn, da.from_array(wn, chunks=(2, 1)), wn.tolist()):
        np.testing.assert_array_equal(A.prelu(x, w).compute(), want_y)
        dx, dw = A.prelu.vjp(x, g, w)
        assert isinstance(dw, da.Array) and dw.shape == wn.shape
        np.testing.assert_array_equal(dx.compute(), want_dx)
        np.testing.assert_allclose(dw.compute(), want_dw, rtol=1e-13)  # another summation order


def test_integers_and_numpy_cotangent() -> None:
    x = da.from_array(np.arange(-5, 5, dtype=np.int16), chunks=3)
    y = A.relu(x)
    assert y.dtype == np.int16 and y.compute().tolist() == [0] * 6 + [1, 2, 3, 4]
    xf = da.from_array(np.linspace(-1, 1, 9), chunks=4)
    np.testing.assert_array_equal(
        A.relu.vjp(xf, np.arange(9.0)).compute(), A.relu.vjp(xf.compute(), np.arange(9.0))
    )


def test_errors_are_raised_at_the_call(no_compute) -> None:
    x = da.ones(10, chunks=4)
    with pytest.raises(TypeError, match=r"gelu\(\) does not accept integer input"):
        A.gelu(da.ones(10, chunks=4, dtype=np.int32))
    with pytest.raises(TypeError, match="complex input"):
        A.relu(da.ones(10, chunks=4, dtype=np.complex128))
    with pytest.raises(ValueError, match=r"relu.vjp\(\): dout has shape \(3,\)"):
        A.relu.vjp(x, da.ones(3))
    with pytest.raises(ValueError, match=r"prelu\(\): weight of shape \(3,\) does not broadcast"):
        A.prelu(x, np.ones(3))
    with pytest.raises(ValueError, match="negative_slope must be finite"):
        A.leaky_relu(x, float("nan"))
    with pytest.raises(TypeError, match="out= is supported for NumPy arrays only"):
        A.relu(x, out=x)


def test_blocks_run_without_the_numpy_thread_pool(monkeypatch) -> None:
    """Dask spreads blocks over the cores; the NumPy kernels do not add threads inside."""

    def no_pool(n):
        raise AssertionError("the thread pool was used inside a Dask block")

    monkeypatch.setattr(_threads, "_executor", no_pool)
    x = da.from_array(np.linspace(-3, 3, 2 * _threads.PARALLEL_MIN), chunks=_threads.PARALLEL_MIN)
    y = A.gelu(x).compute(scheduler="threads")
    np.testing.assert_array_equal(y[:5], A.gelu(np.linspace(-3, 3, 2 * _threads.PARALLEL_MIN)[:5]))


def test_distributed_client_in_process() -> None:
    distributed = require("distributed", "dask")  # in dask's extra
    with distributed.Client(
        processes=False, n_workers=1, threads_per_worker=2, dashboard_address=None
    ) as client:
        x = da.from_array(np.linspace(-5, 5, 1000), chunks=100)
        y = client.compute(A.silu.vjp(x, A.gelu(x))).result()
    xn = np.linspace(-5, 5, 1000)
    np.testing.assert_array_equal(y, A.silu.vjp(xn, A.gelu(xn)))


def test_numpy_beside_dask_gives_dask() -> None:
    """As with NumPy ufuncs, a NumPy array beside a Dask array gives a lazy Dask result."""
    xn = np.linspace(-2, 2, 9)
    w = da.from_array(np.array(0.3))
    y = A.prelu(xn, w)
    assert isinstance(y, da.Array)
    np.testing.assert_array_equal(y.compute(), A.prelu(xn, 0.3))
    v = A.relu.vjp(xn, da.from_array(np.arange(9.0), chunks=4))
    assert isinstance(v, da.Array)
    np.testing.assert_array_equal(v.compute(), A.relu.vjp(xn, np.arange(9.0)))


def test_unknown_chunk_sizes() -> None:
    x = da.from_array(np.linspace(-1, 1, 10), chunks=5)
    y = x[x > 0]  # chunk sizes unknown (NaN) until computed
    dout = (x * 2)[x > 0]
    yc, dc = y.compute(), dout.compute()
    with dask.config.set(scheduler=_refuse):  # the calls compute nothing
        got = A.gelu.vjp(y, dout)  # the same unknown chunks: accepted, lazily
        dw = A.prelu.vjp(y, dout, 0.25)[1]
        with pytest.raises(ValueError, match=r"relu.vjp\(\): x has chunks .* unknown"):
            A.relu.vjp(y, np.ones(5))
    np.testing.assert_array_equal(got.compute(), A.gelu.vjp(yc, dc))
    np.testing.assert_array_equal(dw.compute(), A.prelu.vjp(yc, dc, 0.25)[1])
