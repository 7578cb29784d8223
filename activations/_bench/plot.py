"""The bench's figure: percent of copy bandwidth against size."""

from __future__ import annotations

from .model import Result

__all__ = ["plot"]


def plot(results: list[Result], path: str) -> str:
    """Percent of copy bandwidth against size, one panel per backend and dtype (a PNG)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError("the plot needs matplotlib: pip install matplotlib") from exc
    panels = sorted({(r.backend, r.dtype) for r in results})
    cols = 2
    rows = -(-len(panels) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(12, 3.6 * rows), squeeze=False)
    for ax, (backend, dtype) in zip(axes.flat, panels, strict=False):
        mine = [r for r in results if (r.backend, r.dtype) == (backend, dtype)]
        for label in dict.fromkeys(r.label for r in mine):
            pts = sorted((r.size, 100 / r.ratio) for r in mine if r.label == label)
            lib = any(r.library for r in mine if r.label == label)
            ax.plot(
                *zip(*pts, strict=True),
                marker="o" if lib else ".",
                linewidth=2.2 if lib else 1,
                linestyle="-" if lib else "--",
                label=label,
            )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(f"{backend} {dtype}")
        ax.set_xlabel("elements")
        ax.set_ylabel("% of copy bandwidth")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=6, ncol=2)
    for ax in list(axes.flat)[len(panels) :]:
        ax.set_visible(False)
    fig.suptitle("activations: speed relative to copying the array (higher is faster)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
