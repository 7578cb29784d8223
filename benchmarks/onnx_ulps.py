"""The ULP table of docs/deploying.md (ONNX): each smooth activation exported by
``torch.onnx.export`` (the default exporter), ours next to torch's own function exported the
same way, run by onnxruntime (CPU) and compared with the exact value (float64, errors in
float32 ULPs at max(|exact|, 2**-10)).

    python benchmarks/onnx_ulps.py
"""

from __future__ import annotations

import contextlib
import io
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from _ulps import ulps  # benchmarks/, the script's folder


def main() -> None:
    import onnxruntime as ort
    import torch
    import torch.nn.functional as F

    import activations

    tanh_gelu: dict[str, Any] = {"approximate": "tanh"}
    cases: list[tuple[str, Callable[..., Any], Callable[..., Any] | None]] = [
        ("elu", activations.elu, F.elu),
        ("selu", activations.selu, F.selu),
        ("celu", activations.celu, F.celu),
        ("gelu", activations.gelu, F.gelu),
        ('gelu(approximate="tanh")', lambda x: activations.gelu(x, **tanh_gelu),
         lambda x: F.gelu(x, **tanh_gelu)),
        ("silu", activations.silu, F.silu),
        ("mish", activations.mish, F.mish),
        ("softplus", activations.softplus, F.softplus),
        ("log_sigmoid", activations.log_sigmoid, F.logsigmoid),
        ("sigmoid", activations.sigmoid, torch.sigmoid),
        ("tanh", activations.tanh, torch.tanh),
        ("softsign", activations.softsign, F.softsign),
        ("tanhshrink", activations.tanhshrink, F.tanhshrink),
        ("squareplus", activations.squareplus, None),
    ]  # fmt: skip
    magnitudes = np.geomspace(1e-8, 1e4, 20_000, dtype=np.float32)
    x = np.concatenate([np.linspace(-12, 12, 400_001, dtype=np.float32), magnitudes, -magnitudes])

    class Model(torch.nn.Module):
        def __init__(self, fns: list[Callable[..., Any]]) -> None:
            super().__init__()
            self.fns = fns

        def forward(self, t: Any) -> Any:
            return tuple(f(t) for f in self.fns)

    def served(fns: list[Callable[..., Any]]) -> list[np.ndarray]:
        buffer = io.BytesIO()
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            torch.onnx.export(Model(fns), (torch.from_numpy(x),), buffer, dynamo=True)
        session = ort.InferenceSession(buffer.getvalue(), providers=["CPUExecutionProvider"])
        return list(session.run(None, {session.get_inputs()[0].name: x}))

    ours = served([f for _, f, _ in cases])
    print(f"{len(x):,} float32 inputs; worst ULP against the exact value")
    print("| activation | ours (ULP) | torch's own (ULP) |")
    print("| --- | --- | --- |")
    exact_x = torch.from_numpy(x.astype(np.float64))
    for (name, f, native), mine in zip(cases, ours, strict=True):
        exact = f(exact_x).numpy()
        theirs = "(no torch function)"
        if native is not None:
            theirs = f"{float(ulps(served([native])[0], exact).max()):,.1f}"
        print(f"| `{name}` | {float(ulps(mine, exact).max()):.2f} | {theirs} |")


if __name__ == "__main__":
    main()
