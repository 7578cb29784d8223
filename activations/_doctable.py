"""The tables of docs/conventions.md, generated from the catalog so that they cannot drift.

``python -m activations._doctable --write`` rewrites the generated part of the file; a test
fails when the file differs from what this module generates.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ._catalog import CATALOG
from ._conformance import BOUNDS, DERIVATIVE_FLOOR, DIVISION_BOUNDS, VALUE_FLOOR
from ._spec import REQUIRED

START = "<!-- generated from the catalog: python -m activations._doctable --write -->"
END = "<!-- end of generated part -->"


def _fmt(v: object) -> str:
    if v is REQUIRED:
        return "required"
    if isinstance(v, float):
        return f"{v:.6g}"
    return repr(v)


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
        try:
            found = spec.kinks(spec.bind((), {}))
            kinks = ", ".join(f"f'({_fmt(k)}) = {_fmt(d)}" for k, d in found)
            kinks = kinks or ("none" if spec.exact else "smooth")
        except TypeError:  # a required parameter: name the kinks symbolically
            if spec.name == "prelu":
                kinks = "f'(0) = weight, df/dweight(0) = 0"
            else:
                kinks = ", ".join(f"f'({p.name}) = 0" for p in spec.params[:1])
        if spec.integer_ok is None:
            ints = "TypeError"
        elif spec.name in ("relu6", "squared_relu"):
            ints = "kept"
        else:
            ints = "kept when the parameters are integers"
        cls = "exact" if spec.exact else "smooth"
        if spec.name in DIVISION_BOUNDS:
            v, d = DIVISION_BOUNDS[spec.name]
            cls = f"exact across backends, {v}/{d} ULP"
        definition = spec.definition.replace("|", "\\|")
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


def splice(text: str) -> str:
    """``text`` with its generated part replaced by the current one."""
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    return head + generated() + tail


def main(argv: list[str]) -> int:
    path = Path(__file__).resolve().parent.parent / "docs" / "conventions.md"
    text = path.read_text()
    new = splice(text)
    if "--write" in argv:
        path.write_text(new)
        return 0
    sys.stdout.write(generated() + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
