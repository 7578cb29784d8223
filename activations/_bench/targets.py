"""The bench's targets: the library against the best idiom and the native call, met or
missed, and why a target can be missed (measured; docs/performance.md)."""

from __future__ import annotations

from .model import Result

__all__ = ["WHY", "fastest_references", "targets"]

# kinds of case whose groups' references all compute the same thing (the smooth ones mix
# activations)
_COMPARABLE = ("value", "inplace", "derivative", "vjp", "grad")


def fastest_references(results: list[Result]) -> dict[tuple[str, str, int, str], float]:
    """The fastest reference (not this library) by (backend, dtype, size, group), in seconds:
    a group holds the cases of one operation (relu's by kind; leaky_relu, relu6, ... by name)."""
    best: dict[tuple[str, str, int, str], float] = {}
    for r in results:
        if r.library or r.kind not in _COMPARABLE:
            continue
        key = (r.backend, r.dtype, r.size, r.group)
        best[key] = min(best.get(key, r.seconds), r.seconds)
    return best


def _get(results: list[Result], backend: str, dtype: str, size: int, label: str) -> Result | None:
    for r in results:
        if (r.backend, r.dtype, r.size, r.label) == (backend, dtype, size, label):
            return r
    return None


# Why a target can be missed, measured (docs/performance.md, "Where a target is missed"), by
# the kind of target; shown beside a missed target.
WHY = {
    "numpy small": "Python's own call cost: a call through an object's __call__ alone is "
    "1.2x a bare np.maximum call at 16 elements",
    "numpy large": "both run at memory speed at this size (see '% bw'): a few percent apart "
    "is the machine's noise; a longer --budget narrows it",
    "numpy nan": "with the compiled ufuncs both run in one pass (a few percent apart is the "
    "machine's noise); without the C extension the contract's NaN rule needs a second read of x "
    "that the idiom skips (it turns NaN into 0)",
    "torch relu": "no native torch kernel keeps relu(-0.0) = +0.0 but torch.threshold, "
    "itself 1.2-1.3x torch.relu",
    "torch backward": "relu'(NaN) = NaN and dout * 0 need three backward kernels where "
    "torch's own needs one",
    "tensorflow": "no single TensorFlow op keeps the contract (-0.0, NaN): two ops of "
    "TensorFlow's eager dispatch",
    "threads": "single calls of ~16 ms timed on a shared machine; timed in loops the "
    "speedup is 1.7x and more",
    "jax": "the compiled kernel's dispatch",
    "numpy copy": "at memory speed: the call reads x and writes its result, as the copy does; "
    "a miss of a few percent is the machine's noise",
    "numpy vjp copy": "the vjp reads two arrays (x and dout) and writes one: 1.5x the memory "
    "traffic of a copy",
    "numpy family": "with a compiled kernel both run at memory speed (see '% bw'): a few "
    "percent apart is the machine's noise, more when the other core is busy (rerun with a "
    "longer --budget); the generic formula (no C extension, ACTIVATIONS_NUMPY_KERNELS=0) is "
    "np.where passes, measured at 1e6 float32: 7x np.maximum(x, x * s) (two passes, the same "
    "bits only for 0 < s <= 1), 14-19x np.clip (one pass), 1.1x threshold's own np.where idiom",
    "numpy prelu": "with a compiled kernel at memory speed (see '% bw') a few percent apart is "
    "the machine's noise; the generic formula, given an array weight, evaluates both sides of "
    "its zero-weight rule (0, not 0 * -inf = NaN) and picks: 2.1x np.where(x > 0, x, x * w) and "
    "13x np.maximum(x, x * w) at 1e6 float32",
}

# the family's groups of values (cases.py), each with its "<= fastest idiom" target at 1e6
# float32: one size, as the family is timed at two (the other, 1e3, measures call cost)
_FAMILY = {
    "leaky_relu": "numpy family",
    "leaky_relu 0.2": "numpy family",
    "relu6": "numpy family",
    "hardtanh": "numpy family",
    "threshold": "numpy family",
    "prelu": "numpy prelu",
}


def targets(results: list[Result]) -> list[tuple[str, float, float, bool, str]]:
    """(target, measured, bound, met, why a miss happens) for every target these results can
    evaluate.

    Ratios: time of the library / time of the reference (below 1 is faster), except speedups
    (reference / library), marked by a bound above 1 with "speedup" in the name.
    """
    rows: list[tuple[str, float, float, bool, str]] = []
    keys = sorted({(r.backend, r.dtype, r.size) for r in results}, key=lambda k: (k[0], k[1], k[2]))

    def ratio(
        name: str, lib: Result | None, refs: list[Result | None], bound: float, why: str
    ) -> None:
        found = [r for r in refs if r is not None]
        if lib is None or not found:
            return
        best = min(found, key=lambda r: r.seconds)
        value = lib.seconds / best.seconds
        rows.append((f"{name} (vs {best.label})", value, bound, value <= bound, WHY[why]))

    for backend, dtype, size in keys:
        at = f"{backend} {dtype} n={size:,}"

        def g(label: str) -> Result | None:
            return _get(results, backend, dtype, size, label)  # noqa: B023

        if backend == "numpy":
            small = "numpy small" if size <= 10_000 else "numpy large"
            idioms = [
                "np.maximum(x, 0)",
                "np.clip(x, 0, inf)",
                "x * (x > 0)",
                "(abs(x) + x) / 2",
                "np.where(x > 0, x, 0)",
            ]
            ratio(
                f"{at}: relu <= fastest idiom",
                g("activations.relu(x)"),
                [g(i) for i in idioms],
                1.0,
                small,
            )
            ratio(
                f"{at}: relu(out=x) <= fastest in-place idiom",
                g("relu(x, out=x)"),
                [g("np.maximum(x, 0, out=x)"), g("np.clip(x, 0, inf, out=x)"), g("x[x < 0] = 0")],
                1.0,
                small,
            )
            ratio(
                f"{at}: relu.derivative <= (x>0).astype",
                g("relu.derivative(x)"),
                [g("(x > 0).astype(x.dtype)")],
                1.0,
                "numpy nan",
            )
            ratio(
                f"{at}: relu.vjp <= np.multiply(dout, x>0)",
                g("relu.vjp(x, dout)"),
                [g("np.multiply(dout, x > 0)")],
                1.0,
                "numpy nan",
            )
            if size >= 1_000_000:
                for label, why in (
                    ("activations.relu(x)", "numpy copy"),
                    ("relu(x, out=x)", "numpy copy"),
                    ("relu.derivative(x)", "numpy copy"),
                    ("relu.vjp(x, dout)", "numpy vjp copy"),
                ):
                    lib = g(label)
                    if lib is not None:
                        rows.append(
                            (
                                f"{at}: {label} <= 1.3x copy",
                                lib.ratio,
                                1.3,
                                lib.ratio <= 1.3,
                                WHY[why],
                            )
                        )
                for f in ("gelu", "silu"):
                    lib, one = g(f"activations.{f}(x)"), g(f"{f}, 1 thread")
                    if lib and one:
                        speed = one.seconds / lib.seconds
                        rows.append(
                            (
                                f"{at}: {f} speedup over 1 thread >= 1.6",
                                speed,
                                1.6,
                                speed >= 1.6,
                                WHY["threads"],
                            )
                        )
            if dtype == "float32" and size == 1_000_000:
                here = [
                    r for r in results if (r.backend, r.dtype, r.size) == (backend, dtype, size)
                ]
                for group, why in _FAMILY.items():
                    mine = [r for r in here if r.group == group]
                    ratio(
                        f"{at}: {group} <= fastest idiom",
                        next((r for r in mine if r.library), None),
                        [r for r in mine if not r.library],
                        1.0,
                        why,
                    )
            if size == 16:
                ratio(
                    f"{at}: dispatch <= 1.10x native",
                    g("activations.relu(x)"),
                    [g("np.maximum(x, 0)")],
                    1.10,
                    "numpy small",
                )
        if backend == "torch":
            if size in (16, 100_000):
                ratio(
                    f"{at}: relu <= {'1.10' if size == 16 else '1.05'}x torch.relu",
                    g("activations.relu(x)"),
                    [g("torch.relu(x)")],
                    1.10 if size == 16 else 1.05,
                    "torch relu",
                )
            if size >= 1_000_000:
                ratio(
                    f"{at}: fwd+bwd <= 1.2x native",
                    g("relu fwd+bwd"),
                    [g("torch.relu fwd+bwd")],
                    1.2,
                    "torch backward",
                )
            if size >= 25_000_000:
                ratio(
                    f"{at}: relu <= torch.relu",
                    g("activations.relu(x)"),
                    [g("torch.relu(x)")],
                    1.0,
                    "torch relu",
                )
        if backend == "tensorflow":
            ratio(
                f"{at}: eager relu <= 1.1x tf.nn.relu",
                g("activations.relu(x)"),
                [g("tf.nn.relu(x)")],
                1.1,
                "tensorflow",
            )
        if backend == "jax" and size <= 1_000:
            lib, ref = g("activations.relu(x)"), g("jax.nn.relu(x)")
            if lib and ref:
                speed = ref.seconds / lib.seconds
                rows.append(
                    (
                        f"{at}: eager speedup over jax.nn.relu >= 10",
                        speed,
                        10.0,
                        speed >= 10,
                        WHY["jax"],
                    )
                )
    return rows
