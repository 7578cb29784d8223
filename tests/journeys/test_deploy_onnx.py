"""ONNX: a model of the library's torch modules and functions, exported by torch's default
(dynamo) and legacy (TorchScript) exporters as the first call of a fresh process, runs in
onnxruntime with float32 ops only and gives the eager results: the piecewise-linear
activations bit for bit, the smooth ones within the contract's float32 bound of the exact
value, NaN, +-inf and the sign of zero kept."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from _deploy import ulps
from _journey import Journey, run
from _required import require

from activations._catalog import CATALOG
from activations._conformance import BOUNDS

# every activation at its defaults, a few at other parameters, the axis activations
CASES: dict[str, tuple[str, dict[str, object]]] = {
    **{n: (n, {}) for n, s in CATALOG.items() if s.defaults is not None},
    "prelu": ("prelu", {"weight": 0.25}),
    "threshold": ("threshold", {"threshold": 0.5, "value": -2.0}),
    "leaky_relu_0.2": ("leaky_relu", {"negative_slope": 0.2}),
    "relu_capped": ("relu", {"max_value": 6.0, "negative_slope": 0.1, "threshold": 0.5}),
    "elu_0.5": ("elu", {"alpha": 0.5}),
    "celu_2": ("celu", {"alpha": 2.0}),
    "gelu_tanh": ("gelu", {"approximate": "tanh"}),
    "softplus_beta": ("softplus", {"beta": 2.0, "threshold": 20.0}),
    "softmax": ("softmax", {"axis": -1}),
    "log_softmax": ("log_softmax", {"axis": -1}),
}

EXPORT = """
import sys, json
import numpy as np, torch
import activations, activations.torch as AT

exporter, folder = sys.argv[1], sys.argv[2]
cases = json.loads(sys.argv[3])
f32 = np.float32
special = [-0.0, 0.0, np.nan, np.inf, -np.inf, 3.4e38, -3.4e38, 1.2e-38, -1.2e-38, 1e-45, -1e-45]
grid = np.concatenate([
    np.array(special, f32),
    np.linspace(-12, 12, 24001, dtype=f32),
    np.geomspace(1e-8, 1e6, 1500, dtype=f32),
    -np.geomspace(1e-8, 1e6, 1500, dtype=f32),
])
grid = np.concatenate([grid, np.zeros((-len(grid)) % 8, f32)]).reshape(-1, 8)


class Model(torch.nn.Module):
    # the functions, and the modules where a case has one (at their defaults)
    def __init__(self):
        super().__init__()
        mods = {k: AT.MODULES[n]() for k, (n, p) in cases.items() if not p and n in AT.MODULES}
        mods["prelu"] = AT.PReLU()  # its weight a parameter that requires grad
        self.mods = torch.nn.ModuleDict(mods)

    def forward(self, x):
        out = [getattr(activations, n)(x, **p) for n, p in cases.values()]
        return tuple(out) + tuple(m(x) for m in self.mods.values())


model = Model().eval()
x = torch.from_numpy(grid)
path = f"{folder}/model.onnx"
if exporter == "dynamo":  # the process's first call of the library is the export
    torch.onnx.export(model, (x,), path, dynamo=True, opset_version=18)
else:
    torch.onnx.export(model, (x,), path, dynamo=False, opset_version=17)
with torch.no_grad():
    eager = [t.numpy() for t in model(x)]
    exact = [t.numpy() for t in model(x.double())]
names = list(cases) + [f"module {k}" for k in model.mods]
np.savez(f"{folder}/eager.npz", x=grid, **{f"eager {n}": e for n, e in zip(names, eager)},
         **{f"exact {n}": e for n, e in zip(names, exact)})
print(json.dumps(names))
"""


def _doubles(model: object) -> list[str]:
    """Where an ONNX graph holds float64: casts, constants, initializers, typed values."""
    import onnx

    double = onnx.TensorProto.DOUBLE
    found = []
    graph = model.graph  # type: ignore[attr-defined]
    for node in graph.node:
        for a in node.attribute:
            if a.name == "to" and a.i == double:
                found.append(f"{node.op_type} {node.name} to float64")
            if a.type == onnx.AttributeProto.TENSOR and a.t.data_type == double:
                found.append(f"{node.op_type} {node.name} float64 constant")
    found += [f"initializer {t.name}" for t in graph.initializer if t.data_type == double]
    for v in [*graph.value_info, *graph.input, *graph.output]:
        if v.type.tensor_type.elem_type == double:
            found.append(f"value {v.name}")
    return found


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, list[str]]]:
    require("torch")
    require("onnxruntime", "torch")
    require("onnxscript", "torch")
    import json

    folders = {e: tmp_path_factory.mktemp(f"onnx_{e}") for e in ("dynamo", "legacy")}
    cases = json.dumps({k: [n, p] for k, (n, p) in CASES.items()})
    journeys = [
        Journey(f"onnx_{e}", EXPORT, argv=(e, str(f), cases), timeout=600)
        for e, f in folders.items()
    ]
    result = {}
    for outcome in run(journeys):
        out = outcome.check()
        exporter = outcome.journey.argv[0]
        result[exporter] = (folders[exporter], json.loads(out.strip().splitlines()[-1]))
    return result


@pytest.mark.parametrize("exporter", ["dynamo", "legacy"])
def test_onnx_export_runs_in_onnxruntime_with_the_contracts_numbers(
    exported: dict[str, tuple[Path, list[str]]], exporter: str
) -> None:
    import onnx
    import onnxruntime as ort

    folder, names = exported[exporter]
    model = onnx.load(folder / "model.onnx")
    assert not _doubles(model), f"float64 in the {exporter} graph: {_doubles(model)[:5]}"
    data = np.load(folder / "eager.npz")
    x = data["x"]
    session = ort.InferenceSession(str(folder / "model.onnx"), providers=["CPUExecutionProvider"])
    outputs = session.run(None, {session.get_inputs()[0].name: x})
    assert len(outputs) == len(names)
    special = np.zeros(x.shape, bool)
    special.flat[:5] = True  # -0, 0, NaN, +-inf (the grid's first values)
    failures = []
    for name, got in zip(names, outputs, strict=True):
        eager, exact = data[f"eager {name}"], data[f"exact {name}"]
        activation = CASES[name.removeprefix("module ")][0]
        assert got.dtype == np.float32 and got.shape == eager.shape, name
        same_nan = np.array_equal(np.isnan(got), np.isnan(eager))
        if activation in CATALOG and CATALOG[activation].piecewise:
            bits = np.array_equal(
                got.view(np.uint32)[~np.isnan(got)], eager.view(np.uint32)[~np.isnan(eager)]
            )
            if not (same_nan and bits):
                failures.append(f"{name}: not bitwise the eager result")
            continue
        rows = np.ones(x.shape, bool)
        if activation in ("softmax", "log_softmax"):  # rows with NaN or inf: NaN as eager
            rows = np.broadcast_to(np.isfinite(x).all(axis=1, keepdims=True), x.shape)
        err = float(np.nanmax(ulps(got[rows], exact[rows], 2.0**-10)))  # NaN: same_nan
        # the sign of zero wherever the exact value is a zero (not a tiny value rounded to 0)
        zeros = (got == 0) & (exact == 0)
        signs = np.array_equal(np.signbit(got[zeros]), np.signbit(exact[zeros]))
        kept = np.array_equal(got[special & ~np.isnan(got)], eager[special & ~np.isnan(got)])
        if err > BOUNDS["float32"][0]:
            failures.append(f"{name}: {err:.2f} ULP from the exact value")
        if not (same_nan and signs and kept):
            failures.append(f"{name}: NaN, inf or the sign of zero not kept")
    assert not failures, f"{exporter} exporter:\n" + "\n".join(failures)


ROWS = """
import sys
import numpy as np, torch
import activations

folder = sys.argv[1]
rng = np.random.default_rng(0)


class Rows(torch.nn.Module):
    def forward(self, x):
        return activations.softmax(x), activations.log_softmax(x)


for n, rows in ((8, 5000), (1000, 100)):  # rows of normal logits, spread as a model's are
    x = (rng.standard_normal((rows, n)) * 3).astype(np.float32)
    torch.onnx.export(Rows(), (torch.from_numpy(x),), f"{folder}/rows{n}.onnx", dynamo=True)
    exact = [t.numpy() for t in Rows()(torch.from_numpy(x).double())]
    np.savez(f"{folder}/rows{n}.npz", x, *exact)
print("exported")
"""


def test_onnx_softmax_rows_within_the_bound(tmp_path: Path) -> None:
    """softmax and log_softmax along rows of random logits (8 and 1000 wide): the float32
    graph's sum along the axis keeps the contract's bound whatever order onnxruntime adds in."""
    require("torch")
    require("onnxruntime", "torch")
    require("onnxscript", "torch")
    import onnxruntime as ort

    run([Journey("onnx_rows", ROWS, argv=(str(tmp_path),), timeout=600)])[0].check()
    for n in (8, 1000):
        data = np.load(tmp_path / f"rows{n}.npz")
        path = str(tmp_path / f"rows{n}.onnx")
        session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        outputs = session.run(None, {session.get_inputs()[0].name: data["arr_0"]})
        for name, got, exact in zip(
            ("softmax", "log_softmax"), outputs, (data["arr_1"], data["arr_2"]), strict=True
        ):
            err = float(ulps(got, exact).max())
            assert err <= BOUNDS["float32"][0], f"{name} along rows of {n}: {err:.2f} ULP"


FLOAT64 = """
import sys, json
import numpy as np, torch
import activations

exporter, folder, names = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
special = [-0.0, 0.0, np.nan, np.inf, -np.inf, 1e308, -1e308, 5e-324, -5e-324]
x = np.concatenate([np.array(special), np.linspace(-30, 30, 6001), np.geomspace(1e-12, 1e12, 500)])


class Model(torch.nn.Module):
    def forward(self, t):
        return tuple(getattr(activations, n)(t) for n in names)


t = torch.from_numpy(np.concatenate([x, -x[len(special):]]))
torch.onnx.export(Model(), (t,), f"{folder}/model.onnx", dynamo=exporter == "dynamo")
with torch.no_grad():
    np.savez(f"{folder}/eager.npz", t.numpy(), *[y.numpy() for y in Model()(t)])
print("exported")
"""

# gelu on float64 cannot run in onnxruntime (no float64 Erf): docs/deploying.md
FLOAT64_NAMES = [n for n, s in CATALOG.items() if s.defaults is not None and n != "gelu"]


@pytest.mark.parametrize("exporter", ["dynamo", "legacy"])
def test_onnx_float64_keeps_float64_and_the_special_values(tmp_path: Path, exporter: str) -> None:
    """float64 graphs: NaN, +-inf and the sign of zero as eager; values within the float64
    bound (the default exporter writes Python constants as float32: 2e-7 relative there)."""
    require("torch")
    require("onnxruntime", "torch")
    require("onnxscript", "torch")
    import json

    import onnxruntime as ort

    argv = (exporter, str(tmp_path), json.dumps(FLOAT64_NAMES))
    run([Journey("onnx_float64", FLOAT64, argv=argv, timeout=600)])[0].check()
    data = np.load(tmp_path / "eager.npz")
    x = data["arr_0"]
    session = ort.InferenceSession(str(tmp_path / "model.onnx"), providers=["CPUExecutionProvider"])
    outputs = session.run(None, {session.get_inputs()[0].name: x})
    failures = []
    for i, (name, got) in enumerate(zip(FLOAT64_NAMES, outputs, strict=True)):
        eager = data[f"arr_{i + 1}"]
        assert got.dtype == np.float64, name
        nan = np.isnan(eager)
        # infinities, and the zeros at special inputs (a tiny result may round either way)
        limits = ~nan & (np.isinf(eager) | ((eager == 0) & ((x == 0) | np.isinf(x))))
        wrong = (np.isnan(got) != nan) | (limits & (got != eager))
        if wrong.any():
            failures.append(f"{name}: NaN or a limit not kept at x = {x[wrong][:3]}")
        elif not np.array_equal(np.signbit(got[limits]), np.signbit(eager[limits])):
            failures.append(f"{name}: the sign of zero not kept")
        fine = ~nan & ~limits
        scale = np.spacing(np.maximum(np.abs(eager[fine]), 2.0**-10))
        err = np.abs(got[fine] - eager[fine]) / scale
        bound = BOUNDS["float64"][0] if exporter == "legacy" else 2e-7 / 2.0**-52
        if err.max() > bound:
            failures.append(f"{name}: {err.max():.1f} float64 ULP")
    assert not failures, "\n".join(failures)
