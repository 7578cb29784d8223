"""The PyTorch backend: type, device and dtype kept, autograd, torch.compile, torch.func."""

import numpy as np
import pytest
from _required import require

torch = require("torch")

import activations as A  # noqa: E402
from activations._catalog import CATALOG  # noqa: E402
from activations._conformance import param_sets  # noqa: E402

CASES = [(n, kw) for n, s in CATALOG.items() for kw in param_sets(s)]
SMOOTH = [(n, kw) for n, kw in CASES if not CATALOG[n].piecewise]
DTYPES = [torch.float16, torch.bfloat16, torch.float32, torch.float64]


def edge(dtype: object = torch.float32) -> "torch.Tensor":
    v = [-np.inf, -5.0, -3.0, -1.0, -0.0, 0.0, 0.5, 1.0, 3.0, 6.0, 7.0, np.inf, np.nan]
    return torch.tensor(v, dtype=torch.float64).to(dtype)


@pytest.mark.parametrize(("name", "kw"), CASES)
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_type_dtype_and_device_are_kept(name: str, kw: dict, dtype: object) -> None:
    x = edge(dtype)
    y = A.get(name)(x, **kw)
    assert type(y) is torch.Tensor and y.dtype == dtype and y.device == x.device
    assert y.shape == x.shape


@pytest.mark.parametrize(("name", "kw"), CASES)
def test_no_host_copies(name: str, kw: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing goes through NumPy or the host: .numpy(), .cpu(), .tolist() are not called."""
    x = edge().requires_grad_(True)

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("host copy")

    for attr in ("numpy", "cpu", "tolist", "item"):
        monkeypatch.setattr(torch.Tensor, attr, refuse)
    y = A.get(name)(x, **kw)
    y.backward(torch.ones_like(y))
    A.get(name).derivative(x.detach(), **kw)


@pytest.mark.parametrize(("name", "kw"), CASES)
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_autograd_equals_the_derivative(name: str, kw: dict, dtype: object) -> None:
    f = A.get(name)
    x = edge(dtype).requires_grad_(True)
    y = f(x, **kw)
    (g,) = torch.autograd.grad(y, x, torch.ones_like(y))
    d = f.derivative(x.detach(), **kw)
    assert g.dtype == dtype
    torch.testing.assert_close(g, d, rtol=0, atol=0, equal_nan=True)


@pytest.mark.parametrize(("name", "kw"), CASES)
def test_matches_numpy(name: str, kw: dict) -> None:
    f = A.get(name)
    x = torch.linspace(-8, 8, 1001, dtype=torch.float64)
    pairs = [
        (f(x, **kw).numpy(), f(x.numpy(), **kw), 2.0**-10),
        (f.derivative(x, **kw).numpy(), f.derivative(x.numpy(), **kw), 2.0**-3),
    ]
    for got, want, floor in pairs:
        if CATALOG[name].piecewise:  # bitwise
            np.testing.assert_array_equal(got, want)
        else:  # both within 16/32 ULP of the reference, with its floors (conformance tests)
            ulps = 64 * 2.0**-52
            np.testing.assert_allclose(got, want, rtol=ulps, atol=ulps * floor)


def test_inference_path_builds_no_graph() -> None:
    x = torch.randn(100, requires_grad=True)
    with torch.no_grad():
        y = A.gelu(x)
    assert y.grad_fn is None and not y.requires_grad
    assert A.relu(torch.randn(10)).grad_fn is None
    assert A.relu(x).grad_fn is not None


@pytest.mark.parametrize(("name", "kw"), SMOOTH)
def test_double_backward_matches_finite_differences(name: str, kw: dict) -> None:
    f = A.get(name)
    x = torch.linspace(-6.1, 6.1, 245, dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(f(x, **kw).sum(), x, create_graph=True)
    (h,) = torch.autograd.grad(g.sum(), x)
    xd = x.detach()
    eps = 1e-6
    fd = (f.derivative(xd + eps, **kw) - f.derivative(xd - eps, **kw)) / (2 * eps)
    keep = xd.abs() > 1e-3  # elu/selu/celu have a kink in f' at 0
    torch.testing.assert_close(h[keep], fd[keep], rtol=1e-5, atol=1e-7)


def test_prelu_weight_gets_its_gradient() -> None:
    x = torch.tensor([[-1.0, 2.0], [-3.0, 0.0]], dtype=torch.float64)
    w = torch.tensor([0.1, 0.2], dtype=torch.float64, requires_grad=True)
    xg = x.clone().requires_grad_(True)
    A.prelu(xg, w).sum().backward()
    torch.testing.assert_close(w.grad, torch.tensor([-4.0, 0.0], dtype=torch.float64))
    torch.testing.assert_close(xg.grad, torch.tensor([[0.1, 1.0], [0.1, 0.2]], dtype=torch.float64))
    away = torch.tensor([[-1.0, 2.0], [-3.0, 0.7]], dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a, b: A.prelu(a, b), (away, w))  # away from kinks


def test_parameters_and_modules_work() -> None:
    p = torch.nn.Parameter(torch.tensor([-1.0, 1.0]))
    y = A.silu(p)
    y.sum().backward()
    assert p.grad is not None and type(y) is torch.Tensor


def test_integer_tensors() -> None:
    x = torch.arange(-3, 9, dtype=torch.int32)
    y = A.relu6(x)
    assert y.dtype == torch.int32
    assert y.tolist() == [0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 6, 6]
    with pytest.raises(TypeError, match="int32"):
        A.gelu(x)


def test_mixing_numpy_and_torch_is_refused() -> None:
    with pytest.raises(TypeError, match="two frameworks"):
        A.prelu(torch.ones(2), np.ones(2))


def test_torch_func_grad_and_vmap() -> None:
    from torch import func

    x = torch.linspace(-3, 3, 7, dtype=torch.float64)
    g = func.vmap(func.grad(lambda t: A.gelu(t)))(x)
    torch.testing.assert_close(g, A.gelu.derivative(x), rtol=0, atol=0)
    h = func.vmap(func.grad(func.grad(lambda t: A.silu(t))))(x)
    assert torch.isfinite(h).all()
    xs = torch.tensor([-1.0, -0.0, 0.0, 2.0, float("nan"), 5e-324], dtype=torch.float64)
    r = func.vmap(func.grad(lambda t: A.relu(t)))(xs)  # relu's own Function under torch.func
    torch.testing.assert_close(r, A.relu.derivative(xs), rtol=0, atol=0, equal_nan=True)
    p = func.vmap(func.grad(lambda t, w: A.prelu(t, w)), in_dims=(0, None))(xs, torch.tensor(0.25))
    torch.testing.assert_close(p, A.prelu.derivative(xs, 0.25), rtol=0, atol=0, equal_nan=True)


def test_classic_function_form_outside_torch_func() -> None:
    # outside torch.func the classic autograd.Function form runs (no per-call signature
    # binding); both forms give the same gradients, double backward included
    x = torch.tensor([-1.0, -0.0, 0.0, 2.0, float("nan"), 5e-324], dtype=torch.float64)
    for f in (A.relu, A.gelu, A.leaky_relu):
        t = x.clone().requires_grad_()
        y = f(t)
        assert "Classic" in type(y.grad_fn).__name__
        (g,) = torch.autograd.grad(y.sum(), t, create_graph=True)
        torch.testing.assert_close(g, f.derivative(x), rtol=0, atol=0, equal_nan=True)
        assert g.requires_grad  # differentiable again


def test_torch_compile_fullgraph() -> None:
    def model(x: "torch.Tensor") -> "torch.Tensor":
        return A.relu(x) + A.gelu(x, approximate="tanh") + A.leaky_relu(x, 0.2)

    compiled = torch.compile(model, fullgraph=True, backend="eager")
    x = torch.linspace(-3, 3, 11, requires_grad=True)
    y = compiled(x)
    y.sum().backward()
    torch.testing.assert_close(y, model(x.detach()))
    ref = x.detach().clone().requires_grad_(True)
    model(ref).sum().backward()
    torch.testing.assert_close(x.grad, ref.grad)


# --- the seams: layouts and dtypes the contract does not cover, meta and fake tensors ------


@pytest.mark.parametrize(
    ("make", "pattern"),
    [
        (lambda x: x.to_sparse(), r"relu\(\) does not accept tensors of layout torch.sparse_coo"),
        (lambda x: torch.nested.nested_tensor([x, x[:2]]), r"relu\(\) does not accept nested"),
        (lambda x: x.to(torch.float8_e4m3fn), r"relu\(\) got unsupported input .*float8_e4m3fn"),
        (lambda x: torch.arange(4, dtype=torch.int32).to(torch.uint16),
         r"relu\(\) does not accept uint16 input on the torch backend"),
    ],
    ids=["sparse", "nested", "float8", "uint16"],
)  # fmt: skip
def test_unsupported_tensors_are_refused_clearly(make: object, pattern: str) -> None:
    x = make(edge()[:4].nan_to_num())  # type: ignore[operator]
    for call in (A.relu, A.relu.derivative, lambda t: A.relu.vjp(t, t), A.gelu):
        with pytest.raises(
            TypeError, match=pattern.replace("relu", "(relu|gelu)(.derivative|.vjp)?")
        ):
            call(x)


def test_meta_tensors_give_shapes_and_no_probe() -> None:
    from activations.backends.torch import ops as backend

    checked = dict(backend._threshold_checked)
    backend._threshold_checked.clear()
    try:
        x = torch.empty(3, 5, device="meta", requires_grad=True)
        for f in (A.relu, A.gelu, A.leaky_relu):
            y = f(x)
            assert y.device.type == "meta" and y.shape == x.shape
            (g,) = torch.autograd.grad(y.sum(), x)
            assert g.device.type == "meta"
        assert A.relu.vjp(x, x).device.type == "meta"
        assert not backend._threshold_checked
    finally:
        backend._threshold_checked.update(checked)


def test_fake_tensors_fill_no_probe() -> None:
    from torch._subclasses.fake_tensor import FakeTensorMode

    from activations.backends.torch import ops as backend

    checked = dict(backend._threshold_checked)
    backend._threshold_checked.clear()
    try:
        with FakeTensorMode() as mode:
            x = mode.from_tensor(edge(torch.float64))
            assert A.relu(x).shape == x.shape
        assert not backend._threshold_checked
        assert A.relu(edge(torch.float64)).dtype == torch.float64  # eager: probed now
        assert backend._threshold_checked.get(torch.float64) is True
    finally:
        backend._threshold_checked.clear()
        backend._threshold_checked.update(checked)
