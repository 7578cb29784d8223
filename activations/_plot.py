"""``python -m activations plot``: an activation and its derivative from every backend.

Each installed backend evaluates the activation and its gradient (through its own autograd
where it has one) in float64 on the same points; the curves are drawn on top of each other,
so they coincide where the backends agree, and the largest difference between backends is
printed in the title. Kinks are marked: a dotted vertical line, and on the derivative panel a
dot at the contract's value of f' at the kink. ``gallery`` draws every activation into a
folder and writes a Markdown page that shows them with their definitions.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ._activation import get
from ._catalog import CATALOG
from ._conformance import harnesses, label, param_sets

__all__ = ["evaluate", "gallery", "plot"]

_STYLES = ["-", "--", "-.", ":", (0, (3, 1, 1, 1)), (0, (5, 2)), (0, (1, 1))]


def evaluate(
    name: str,
    kwargs: Mapping[str, Any],
    x: np.ndarray,
    backends: list[str] | None = None,
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """backend -> (f(x), f'(x)) in float64, from every installed backend (or ``backends``)."""
    f = get(name)
    out = {}
    for h in harnesses(backends):
        if "float64" not in h.dtypes:
            continue
        xb = h.make(x, "float64")
        out[h.name] = (h.to_numpy(h.value(f, xb, kwargs)), h.to_numpy(h.grad(f, xb, kwargs)))
    return out


def _points(kinks: list[float], lo: float, hi: float, n: int) -> np.ndarray:
    x = np.linspace(lo, hi, n)
    return np.unique(np.concatenate([x, [k for k in kinks if lo <= k <= hi]]))


def plot(
    name: str,
    out: str | Path | None = None,
    kwargs: Mapping[str, Any] | None = None,
    backends: list[str] | None = None,
    span: tuple[float, float] = (-6.0, 6.0),
    n: int = 801,
) -> tuple[Path, float]:
    """Draw ``name`` (with ``kwargs``) from every backend into a PNG; returns (path, max diff)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    f = get(name)
    spec = f.spec
    shown = dict(kwargs or {})  # the title shows what the caller passed
    kw = {"weight": 0.25, **shown} if spec.array_params else shown
    params = spec.bind((), kw)
    kinks = [float(k) for k, _ in spec.kinks(params) if isinstance(k, (int, float))]
    x = _points(kinks, *span, n)
    curves = evaluate(spec.name, kw, x, backends)
    if not curves:
        raise RuntimeError("no installed backend evaluates float64")
    ref_y, ref_d = next(iter(curves.values()))
    worst = 0.0
    for y, d in curves.values():
        for a, b in ((y, ref_y), (d, ref_d)):
            both = np.isfinite(a) & np.isfinite(b)
            if both.any():
                worst = max(worst, float(np.max(np.abs(a[both] - b[both]))))
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(6.4, 6.0), sharex=True)
    for i, (backend, (y, d)) in enumerate(curves.items()):
        style = _STYLES[i % len(_STYLES)]
        width = 3.2 - 2.4 * i / max(1, len(curves) - 1)
        top.plot(x, y, linestyle=style, linewidth=width, label=backend)
        bottom.plot(x, d, linestyle=style, linewidth=width, label=backend)
    derivative = get(spec.name).derivative
    for k in kinks:
        if span[0] <= k <= span[1]:
            for ax in (top, bottom):
                ax.axvline(k, color="grey", linestyle=":", linewidth=0.8)
            dk = float(np.asarray(derivative(np.array([k]), **kw))[0])
            bottom.plot([k], [dk], "o", color="black", markersize=5, zorder=5)
            bottom.annotate(f"f'({k:g}) = {dk:g}", (k, dk), textcoords="offset points",
                            xytext=(6, 6), fontsize=8)  # fmt: skip
    title = label(spec, shown)
    top.set_title(f"{title}: {len(curves)} backends, largest difference {worst:.3g}", fontsize=10)
    top.set_ylabel("f(x)")
    bottom.set_ylabel("f'(x)")
    bottom.set_xlabel("x")
    for ax in (top, bottom):
        ax.grid(True, alpha=0.3)
    top.legend(fontsize=8, loc="best")
    fig.tight_layout()
    path = Path(out if out is not None else f"{spec.name}.png")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path, worst


def gallery(
    folder: str | Path,
    page: str | Path | None = None,
    backends: list[str] | None = None,
    step: Callable[[str], None] | None = None,
) -> Path:
    """Every activation (defaults, or its first example) as PNGs in ``folder``, and a page."""
    folder = Path(folder)
    page = Path(page) if page is not None else folder.parent / "gallery.md"
    lines = [
        "# Gallery",
        "",
        "Every activation and its derivative, drawn from every backend on top of each other",
        "(`python -m activations plot --gallery docs/gallery`). The curves coincide: the title",
        "gives the largest difference between backends. Dotted lines mark the kinks; the dot on",
        "the derivative panel is the contract's value of f' at the kink",
        "([conventions](conventions.md)).",
        "",
    ]
    for name, spec in CATALOG.items():
        kw = param_sets(spec)[0] if param_sets(spec) else {}
        if step:
            step(name)
        path, worst = plot(name, folder / f"{name}.png", kw or None, backends)
        rel = path.relative_to(page.parent) if path.is_relative_to(page.parent) else path
        lines += [
            f"## {name}",
            "",
            f"{spec.summary} Definition: `{spec.definition}`."
            + (f" Aliases: {', '.join(spec.aliases)}." if spec.aliases else ""),
            "",
            f"![{name}]({rel.as_posix()})",
            "",
            f"Largest difference between backends (float64): {worst:.3g}.",
            "",
        ]
    page.write_text("\n".join(lines).rstrip() + "\n")
    return page


def parse_params(items: list[str]) -> dict[str, Any]:
    """``["negative_slope=0.2", "approximate=tanh"]`` -> keyword arguments."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep:
            raise ValueError(f"--param takes NAME=VALUE, got {item!r}")
        value: Any = raw
        if raw in ("None", "none") and key != "approximate":
            value = None
        elif raw in ("True", "False"):
            value = raw == "True"
        else:
            try:
                value = float(raw)
                if math.isfinite(value) and value.is_integer() and "." not in raw:
                    value = int(value)
            except ValueError:
                pass
        out[key] = value
    return out
