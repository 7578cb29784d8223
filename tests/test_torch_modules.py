"""activations.torch: nn.Modules generated from the catalog, PReLU state compatible."""

import numpy as np
import pytest
from _required import require

torch = require("torch")

import activations as A  # noqa: E402
import activations.torch as AT  # noqa: E402
from activations._catalog import CATALOG  # noqa: E402
from activations._conformance import param_sets  # noqa: E402

CASES = [(n, kw) for n, s in CATALOG.items() for kw in param_sets(s) if n != "prelu"]


def test_one_module_per_activation_with_torch_names() -> None:
    assert set(AT.MODULES) == {*CATALOG, "softmax", "log_softmax"}
    for name in ("ReLU", "LeakyReLU", "GELU", "SiLU", "Hardswish", "ELU", "Softplus", "PReLU"):
        assert issubclass(getattr(AT, name), torch.nn.Module)
    assert isinstance(AT.module("swish"), AT.SiLU)
    with pytest.raises(AttributeError, match="modules: "):
        _ = AT.Swishy


@pytest.mark.parametrize(("name", "kw"), CASES)
def test_module_equals_the_function_values_and_gradients(name: str, kw: dict) -> None:
    m = AT.MODULES[name](**kw)
    x = torch.linspace(-8, 8, 161, dtype=torch.float64, requires_grad=True)
    y = m(x)
    y.sum().backward()
    f = A.get(name)
    assert torch.equal(y, f(x.detach(), **kw))
    assert torch.equal(x.grad, f.derivative(x.detach(), **kw))


def test_parameters_are_checked_when_the_module_is_built() -> None:
    with pytest.raises(TypeError, match=r"leaky_relu\(\): negative_slope must be a real number"):
        AT.LeakyReLU("a")
    with pytest.raises(TypeError, match=r"threshold\(\) missing required argument"):
        AT.Threshold()
    with pytest.raises(ValueError, match="num_parameters must be a positive int"):
        AT.PReLU(0)
    assert repr(AT.ReLU(max_value=6.0)) == "ReLU(max_value=6.0)"
    assert repr(AT.ReLU(inplace=True)) == "ReLU()"


def test_prelu_state_dict_goes_both_ways_with_torch() -> None:
    ours, theirs = AT.PReLU(3, init=0.1), torch.nn.PReLU(3, init=0.3)
    assert set(ours.state_dict()) == set(theirs.state_dict()) == {"weight"}
    ours.load_state_dict(theirs.state_dict())
    assert torch.equal(ours.weight, theirs.weight)
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor([0.5, -0.2, 0.05]))
    ours.load_state_dict(theirs.state_dict())
    x = torch.randn(4, 3, 5, dtype=torch.float32)
    assert torch.allclose(ours(x), theirs(x), rtol=0, atol=0)
    back = torch.nn.PReLU(3)
    back.load_state_dict(ours.state_dict())
    assert torch.equal(back.weight, ours.weight)
    one = AT.PReLU()
    one.load_state_dict(torch.nn.PReLU().state_dict())
    assert torch.equal(one(x), torch.nn.PReLU()(x))
    with pytest.raises(ValueError, match="needs 3 channels at axis 1"):
        ours(torch.ones(2, 4))


def test_prelu_trains_like_torch() -> None:
    torch.manual_seed(0)
    x, target = (
        torch.randn(16, 3, 4, dtype=torch.float64),
        torch.randn(16, 3, 4, dtype=torch.float64),
    )
    ours = AT.PReLU(3, dtype=torch.float64)
    theirs = torch.nn.PReLU(3, dtype=torch.float64)
    for m in (ours, theirs):
        opt = torch.optim.SGD(m.parameters(), lr=0.1)
        for _ in range(5):
            opt.zero_grad()
            ((m(x) - target) ** 2).mean().backward()
            opt.step()
    np.testing.assert_allclose(ours.weight.detach(), theirs.weight.detach(), rtol=1e-12)


def test_compile_and_export_give_the_eager_results() -> None:
    model = torch.nn.Sequential(
        torch.nn.Linear(4, 8), AT.GELU(), torch.nn.Linear(8, 3), AT.PReLU(3), AT.ReLU(max_value=6.0)
    )
    x = torch.randn(5, 4)
    eager = model(x)
    assert torch.equal(torch.compile(model, fullgraph=True)(x), eager)
    assert torch.equal(torch.export.export(model, (x,)).module()(x), eager)


def test_device_and_dtype() -> None:
    m = AT.PReLU(2, device="cpu", dtype=torch.float16)
    assert m.weight.dtype == torch.float16
    assert m(torch.ones(1, 2, dtype=torch.float16)).dtype == torch.float16
