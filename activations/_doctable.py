"""Documentation generated from the catalog, so that it cannot drift: the tables of
docs/conventions.md and the page of every activation, docs/activations.md.

``python -m activations._doctable --write`` rewrites both; a test fails when a file differs
from what this module generates, and the page's examples run as doctests.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ._catalog import CATALOG
from ._conformance import BOUNDS, DERIVATIVE_FLOOR, VALUE_FLOOR
from ._spec import REQUIRED, Spec

START = "<!-- generated from the catalog: python -m activations._doctable --write -->"
END = "<!-- end of generated part -->"


ROOT = Path(__file__).resolve().parent.parent


def _fmt(v: object) -> str:
    if v is REQUIRED:
        return "required"
    if isinstance(v, float):
        return f"{v:.6g}"
    return repr(v)


def _kinks(spec: Spec) -> str:
    try:
        found = spec.kinks(spec.bind((), {}))
    except TypeError:  # a required parameter: name the kinks symbolically
        if spec.name == "prelu":
            return "f'(0) = weight, df/dweight(0) = 0"
        return ", ".join(f"f'({p.name}) = 0" for p in spec.params[:1])
    kinks = ", ".join(f"f'({_fmt(k)}) = {_fmt(d)}" for k, d in found)
    return kinks or ("none" if spec.piecewise else "smooth")


def _integers(spec: Spec) -> str:
    if spec.integer_ok is None:
        return "TypeError"
    if spec.name in ("relu6", "squared_relu"):
        return "kept"
    return "kept when the parameters are integers"


def _class(spec: Spec) -> str:
    if spec.division_ulps:
        v, d = spec.division_ulps
        return f"exact across backends, {v}/{d} ULP"
    return "exact" if spec.piecewise else "smooth"


def catalog_table() -> str:
    rows = [
        "| activation | definition | parameters (defaults) | derivative at the kinks | "
        "integer input | class |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for spec in CATALOG.values():
        name = f"`{spec.name}`" + (
            f" ({', '.join(f'`{a}`' for a in spec.aliases)})" if spec.aliases else ""
        )
        params = ", ".join(f"{p.name}={_fmt(p.default)}" for p in spec.params) or "none"
        definition = spec.definition.replace("|", "\\|")
        kinks, ints, cls = _kinks(spec), _integers(spec), _class(spec)
        rows.append(f"| {name} | `{definition}` | {params} | {kinks} | {ints} | {cls} |")
    return "\n".join(rows)


def bounds_table() -> str:
    rows = [
        "| dtype | value (ULP) | derivative (ULP) |",
        "| --- | --- | --- |",
    ]
    rows += [f"| {d} | {v} | {g} |" for d, (v, g) in BOUNDS.items()]
    rows.append("")
    rows.append(
        f"Floors: errors are measured in ULPs at max(|reference|, {VALUE_FLOOR}) for values "
        f"and max(|reference|, {DERIVATIVE_FLOOR}) for derivatives."
    )
    return "\n".join(rows)


def generated() -> str:
    return "\n\n".join(
        [
            START,
            "### The catalog",
            catalog_table(),
            "### Accuracy bounds (smooth activations)",
            bounds_table(),
            END,
        ]
    )


def _entry(spec: Spec) -> str:
    """One activation's section of docs/activations.md."""
    import numpy as np

    sig = ", ".join(
        ["x"]
        + [p.name if p.default is REQUIRED else f"{p.name}={p.default!r}" for p in spec.params]
    )
    names = ", ".join(f"`{a}`" for a in spec.aliases)
    rows = [
        ("definition", f"`{spec.definition.replace('|', chr(92) + '|')}`"),
        ("derivative at the kinks", _kinks(spec)),
        ("accuracy", _class(spec)),
        ("integer input", _integers(spec)),
    ]
    if names:
        rows.insert(1, ("aliases", names))
    for p in spec.params:
        grad = "gradient: the partial derivative" if p.name in spec.partials else "no gradient"
        if not p.numeric:
            grad = "a structural choice (no gradient)"
        default = "required" if p.default is REQUIRED else f"`{p.default!r}`"
        rows.append((f"`{p.name}`", f"{default}; {p.doc}; {grad}"))
    cls = spec.class_name
    rows.append(("module, layer", f"`activations.torch.{cls}`, `activations.keras.{cls}`"))
    from ._activation import example_args

    args = example_args(spec)
    call = f"activations.{spec.name}(np.array([-1.0, 0.0, 2.0]){args})"
    result = eval(call, {"activations": sys.modules["activations"], "np": np})
    return "\n".join(
        [
            f"## `{spec.name}`",
            "",
            spec.summary,
            "",
            "```python",
            f"activations.{spec.name}({sig}, *, out=None)",
            f"activations.{spec.name}.derivative({sig})",
            f"activations.{spec.name}.vjp(x, dout, {sig[3:]}{', ' if sig[3:] else ''}wrt=None)",
            "```",
            "",
            "| property | |",
            "| --- | --- |",
            *(f"| {k} | {v} |" for k, v in rows),
            "",
            "```python",
            ">>> import numpy as np, activations",
            f">>> {call}",
            repr(result),
            "",  # the end of the doctest's expected output
            "```",
        ]
    )


def reference_page() -> str:
    """docs/activations.md: every activation, from the catalog."""
    import activations  # noqa: F401  (the examples call it)

    head = [
        "# The activations",
        "",
        "<!-- generated from the catalog: python -m activations._doctable --write -->",
        "",
        "Every activation is an [`Activation`](api.md) object: call it, or use its "
        "`derivative` and `vjp`. Parameters may be numbers or arrays of x's framework "
        "([conventions](conventions.md#parameters-and-gradients)); `out=` is for NumPy arrays "
        "(`relu(x, out=x)` works in place). The results keep x's type, device and dtype.",
    ]
    return "\n\n".join(["\n".join(head), *(_entry(spec) for spec in CATALOG.values())]) + "\n"


def splice(text: str) -> str:
    """``text`` with its generated part replaced by the current one."""
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    return head + generated() + tail


def main(argv: list[str]) -> int:
    path = ROOT / "docs" / "conventions.md"
    if "--write" in argv:
        path.write_text(splice(path.read_text()))
        (ROOT / "docs" / "activations.md").write_text(reference_page())
        return 0
    sys.stdout.write(generated() + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
