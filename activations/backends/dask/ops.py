"""The Dask backend: lazy, chunked evaluation on one machine or a dask.distributed cluster.

A Dask array in gives a lazy Dask array out, with the same chunks: every call adds one
``map_blocks`` layer to the graph and computes nothing. Each block is handed, when the graph
runs, to the backend of the block's own type (NumPy for ordinary Dask arrays, the Array API
backend for CuPy blocks), so the numbers are those of that backend, bit for bit, and no block
leaves its worker or device. Inside a block the NumPy backend does not start threads of its
own: Dask's scheduler already spreads blocks over the cores.

Errors (bad dtype, parameters, shapes) are raised at the call, not when the graph runs: the
call is tried on the array's zero-size ``_meta`` block first. prelu's weight is broadcast to
the blocks; its gradient (a reduction) is a lazy sum over blocks.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

import dask.array as da

from ..._spec import Spec
from .._base import Backend, _is_number, is_param_array

__all__ = ["DaskBackend"]


def _axis_block(name: str, kind: str, axes: tuple[int, ...], x: Any, *more: Any) -> Any:
    from ..._axis import AXIS_ACTIVATIONS

    f = AXIS_ACTIVATIONS[name]
    if kind == "value":
        return f(x, axes)
    if kind == "vjp":
        return f.vjp(x, more[0], axes)
    return f.derivative(x, axes[0])


def _activation(name: str) -> Any:
    from ..._activation import get

    return get(name)


def _block(
    x: Any,
    *arrays: Any,
    kind: str,
    activation: str,
    params: Mapping[str, Any],
    names: tuple[str, ...],
    dout: float | None = None,
) -> Any:
    """One block's result (runs on a worker: everything it needs comes by name or value)."""
    from ..._dispatch import backend_of
    from ..numpy.errstate import quiet
    from ..numpy.threads import serial

    spec = _activation(activation).spec
    p = dict(params)
    extra = list(arrays)
    for n in names:  # array parameters come as blocks after the cotangent
        p[n] = extra.pop()
    if dout is not None:  # a scalar cotangent
        extra.insert(0, dout)
    with serial():
        backend = backend_of(x)
        if kind == "value":
            y = backend.value(spec, x, p)
        elif kind == "derivative":
            y = backend.derivative(spec, x, p)
        elif kind == "vjp":
            y = backend.vjp(spec, x, extra[0], p)
        else:  # "partial:<name>": the elementwise terms of a parameter's gradient
            with quiet():  # inf * 0 where a limit is taken, as in the backends' own vjp
                y = _partial_terms(backend, spec, x, extra[0], p, kind.split(":")[1])
    return _as_block(y)


def _partial_terms(
    backend: Backend, spec: Spec, x: Any, g: Any, p: Mapping[str, Any], name: str
) -> Any:
    """dout * df/dparam for one block, in the vjp's compute dtype (summed afterwards)."""
    dtype = backend.dtype_name(x)
    result = backend.result_dtype(dtype, g)
    _, compute, q = backend.plan(spec, x, p, result if result != dtype else None)
    return backend._to(g, compute) * spec.partials[name](backend.ops, backend._to(x, compute), q)


def _as_block(y: Any) -> Any:
    """NumPy gives 0-d results as scalars; a block must stay an array."""
    import numpy as np

    return np.asarray(y) if isinstance(y, np.generic) else y


def _aligned(w: Any, x: Any) -> Any:
    """w with x's chunks along the axes it shares with x (it broadcasts along the others)."""
    lead = x.ndim - w.ndim
    chunks = tuple(x.chunks[lead + i] if n != 1 else (1,) for i, n in enumerate(w.shape))
    return w if w.chunks == chunks else w.rechunk(chunks)


def _rechunked(spec: Spec, g: Any, x: Any) -> Any:
    """The cotangent g with x's chunks; where a chunk size is unknown (NaN, after boolean
    indexing) Dask can line the two up only once the sizes are computed."""
    if any(n != n for c in (*x.chunks, *g.chunks) for n in c):
        raise ValueError(
            f"{spec.name}.vjp(): x has chunks {x.chunks} and dout {g.chunks}; with unknown "
            "(NaN) chunk sizes they must be the same chunks (dout computed from x), or call "
            ".compute_chunk_sizes() on them first"
        )
    return g.rechunk(x.chunks)


class DaskBackend(Backend):
    name = "dask"
    absorbs = ("numpy",)  # NumPy arrays (weights, cotangents) become single-block Dask arrays

    def dtype_name(self, x: Any) -> str:
        return str(x.dtype.name)

    def astype(self, x: Any, dtype: str) -> Any:
        return x.astype(dtype)

    def asarray(self, obj: Any, like: Any) -> Any:
        from ..._dispatch import backend_of

        meta = like._meta
        return da.asarray(backend_of(meta).asarray(obj, meta))

    def _array(self, value: Any, like: Any) -> Any:
        if isinstance(value, da.Array):
            return value
        if isinstance(value, (list, tuple)) or not hasattr(value, "shape"):
            return self.asarray(value, like)
        return da.asarray(value)

    def _map(
        self,
        kind: str,
        spec: Spec,
        x: Any,
        params: Mapping[str, Any],
        *extra: Any,
        dout: float | None = None,
    ) -> Any:
        names = tuple(k for k, v in params.items() if is_param_array(v))
        x = x if isinstance(x, da.Array) else da.asarray(x)  # a NumPy x beside a Dask weight
        fixed = {k: v for k, v in params.items() if k not in names}
        weights = [
            _aligned(self._array(self._array_param(spec, n, params[n], x), x), x) for n in names
        ]
        # a cotangent takes x's chunks, so that the result keeps them
        extra = tuple(g if g.chunks == x.chunks else _rechunked(spec, g, x) for g in extra)
        arrays = [*extra, *reversed(weights)]
        kwargs: dict[str, Any] = {
            "kind": kind,
            "activation": spec.name,
            "params": fixed,
            "names": names,
            "dout": dout,
        }
        # the call on zero-size blocks raises any error now and gives the result's block type
        metas = [a._meta for a in arrays]
        meta = _block(x._meta, *metas, **kwargs)
        return da.map_blocks(
            _block, x, *arrays, **kwargs, meta=meta, dtype=meta.dtype, token=spec.name
        )

    def value(self, spec: Spec, x: Any, params: Mapping[str, Any], out: Any = None) -> Any:
        if out is not None:
            raise TypeError(f"{spec.name}(): out= is supported for NumPy arrays only")
        return self._map("value", spec, x, params)

    def derivative(self, spec: Spec, x: Any, params: Mapping[str, Any]) -> Any:
        return self._map("derivative", spec, x, params)

    def vjp(
        self,
        spec: Spec,
        x: Any,
        dout: Any,
        params: Mapping[str, Any],
        wrt: tuple[str, ...] = (),
    ) -> Any:
        x = x if isinstance(x, da.Array) else da.asarray(x)  # a NumPy x beside a Dask dout
        if _is_number(dout):
            g: tuple[Any, ...] = ()  # a scalar cotangent goes to the blocks as it is
            scalar: float | None = float(dout)
        else:
            g, scalar = (self._array(self._cotangent(spec.name, dout, x), x),), None
        dx = self._map("vjp", spec, x, params, *g, dout=scalar)
        if not wrt:
            return dx
        grads = []
        for name in wrt:  # lazy sums of the blocks' terms
            terms = self._map(f"partial:{name}", spec, x, params, *g, dout=scalar)
            if not is_param_array(params[name]):
                grads.append(terms.sum().astype(dx.dtype))
                continue
            value = self._array(params[name], x)
            own = value.dtype if value.dtype.kind == "f" else dx.dtype
            grads.append(self.sum_to_shape(terms, tuple(value.shape)).astype(own))
        return (dx, *grads)

    def sum_axes(self, a: Any, axes: tuple[int, ...], shape: tuple[int, ...]) -> Any:
        return da.sum(a, axis=axes).reshape(shape)

    # --- softmax and log_softmax: whole slices in each block ------------------------------

    along_axes = True  # the blocks' backend computes the axis ops

    def axis_call(self, formula: Any, key: tuple[Any, ...], *arrays: Any) -> Any:
        """The blocks' own backend on blocks rechunked to hold whole slices along the axes:
        its numbers bit for bit, and its error state (no warnings from -inf slices)."""
        name, kind, axes = key[:3]
        x = arrays[0] if isinstance(arrays[0], da.Array) else da.asarray(arrays[0])
        x = x.rechunk(cast(Any, {a: -1 for a in axes}))  # dask's hints say str
        more = [da.asarray(a).rechunk(x.chunks) for a in arrays[1:]]

        def block(xb: Any, *mb: Any) -> Any:
            return _axis_block(name, kind, axes, xb, *mb)

        meta = block(x._meta, *(m._meta for m in more))
        if kind != "derivative":
            return da.map_blocks(block, x, *more, meta=meta, dtype=meta.dtype, token=name)
        (axis,) = axes
        n = x.shape[axis]
        chunks = (*(c for i, c in enumerate(x.chunks) if i != axis), (n,), (n,))
        return da.map_blocks(
            block,
            x,
            drop_axis=axis,
            new_axis=[x.ndim - 1, x.ndim],
            chunks=chunks,
            meta=meta,
            dtype=meta.dtype,
            token=name,
        )


BACKEND = DaskBackend()
