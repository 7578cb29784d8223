"""The PyTorch backend: CPU and CUDA tensors, with autograd.

Loaded only once a torch tensor arrives (torch is then already imported). Results stay on the
input's device with its dtype. Smooth activations compute in float64 (on every device that
has it; MPS has not, and computes in float32) and round once.

Gradients: a call that needs autograd goes through one ``torch.autograd.Function`` whose
backward is ``dout * f'(x)`` built from differentiable torch ops, so that double backward,
``torch.func`` (through ``generate_vmap_rule``) and ``torch.compile`` work. Outside torch.func
and torch.compile the same Function in its classic form runs (``forward(ctx, ...)``), which
saves ~17 us a call (``Function.apply`` inspects a setup_context form's signature each time).
A call that needs no gradient (inference, ``torch.no_grad()``, integer tensors) runs the formula
directly; for relu at default parameters that is ``torch.threshold(x, 0, 0)`` (which is
``x <= 0 ? 0 : x``, the catalog's formula, in one native kernel; ``torch.relu`` gives -0.0 for
-0.0), used for a (device type, dtype) only after a probe there has matched the formula.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
import torch.nn.functional as F

from .._catalog import CATALOG
from .._spec import Spec
from ._base import Backend

__all__ = ["TorchBackend", "TorchOps", "is_torch_array"]

_PRECISION = {torch.float64: 53, torch.float32: 24, torch.float16: 11, torch.bfloat16: 8}
_DTYPES = {
    "float16": torch.float16,
    "bfloat16": torch.bfloat16,
    "float32": torch.float32,
    "float64": torch.float64,
    "int8": torch.int8,
    "int16": torch.int16,
    "int32": torch.int32,
    "int64": torch.int64,
    "uint8": torch.uint8,
}


def is_torch_array(x: Any) -> bool:
    return isinstance(x, torch.Tensor)


def _like(v: Any, x: torch.Tensor) -> Any:
    return v if isinstance(v, torch.Tensor) else torch.full_like(x, v)


class TorchOps:
    @staticmethod
    def where(cond: Any, a: Any, b: Any) -> Any:
        return torch.where(cond, a, b)

    full_like = staticmethod(torch.full_like)
    isnan = staticmethod(torch.isnan)
    isinf = staticmethod(torch.isinf)
    abs = staticmethod(torch.abs)
    exp = staticmethod(torch.exp)
    expm1 = staticmethod(torch.expm1)
    log1p = staticmethod(torch.log1p)
    tanh = staticmethod(torch.tanh)
    erfc = staticmethod(torch.special.erfc)

    @staticmethod
    def hypot(x: torch.Tensor, c: float) -> torch.Tensor:
        return torch.hypot(x, x.new_tensor(c))

    @staticmethod
    def precision(x: torch.Tensor) -> int:
        return _PRECISION[x.dtype]


class TorchBackend(Backend):
    name = "torch"
    precise = "float64"
    ops = TorchOps

    def dtype_name(self, x: Any) -> str:
        return str(x.dtype).removeprefix("torch.")

    def astype(self, x: Any, dtype: str) -> Any:
        return x.to(_DTYPES[dtype])

    def asarray(self, obj: Any, like: Any) -> Any:
        dtype = like.dtype if like.dtype.is_floating_point else None
        return torch.as_tensor(obj, dtype=dtype, device=like.device)

    def sum_axes(self, a: Any, axes: tuple[int, ...], shape: tuple[int, ...]) -> Any:
        return a.sum(dim=axes).reshape(shape)

    def plan(self, spec: Spec, x: Any, params: Mapping[str, Any]) -> Any:
        if x.device.type == "mps":  # no float64 there
            return _MPS.plan(spec, x, params)
        return super().plan(spec, x, params)

    # --- the native relu kernel -------------------------------------------------------------

    def fast(self, spec: Spec, kind: str, params: Mapping[str, Any]) -> Any:
        """The public call's fast path for relu at default parameters (inference only)."""
        if spec.name != "relu" or kind != "value":
            return None
        generic = self.value

        def value(x: Any, out: Any = None) -> Any:
            # the common case (a CPU tensor of a dtype probed already) in two attribute reads;
            # a dtype not probed yet (None) takes the generic path, which probes it
            if (
                out is None
                and (_threshold_checked.get(x.dtype) if x.is_cpu else _threshold_ok(x))
                and not _is_compiling()
            ):
                if not (x.requires_grad and torch.is_grad_enabled()):
                    return _threshold(x, 0, 0)
                return _form(_Relu).apply(x)
            return generic(spec, x, params, out)

        return value

    # --- autograd -------------------------------------------------------------------------

    def value(self, spec: Spec, x: Any, params: Mapping[str, Any], out: Any = None) -> Any:
        if out is not None:
            raise TypeError(f"{spec.name}(): out= is supported for NumPy arrays only")
        weight = self._weight(spec, x, params)
        if torch.is_grad_enabled() and (
            x.requires_grad or (weight is not None and weight.requires_grad)
        ):
            if (
                spec.name == "relu"
                and spec.at_defaults(params)
                and _threshold_ok(x)
                and not _is_compiling()
            ):
                return _form(_Relu).apply(x)
            return _form(_Function).apply(x, weight, spec, params)
        if spec.name == "relu" and spec.at_defaults(params) and _threshold_ok(x):
            return _threshold(x, 0, 0)
        return super().value(spec, x, params)

    def _weight(self, spec: Spec, x: Any, params: Mapping[str, Any]) -> Any:
        if not spec.array_params:
            return None
        w = params["weight"]
        return w if isinstance(w, torch.Tensor) else self.asarray(w, x)


class _MPSBackend(TorchBackend):
    precise = "float32"


_MPS = _MPSBackend()


class _Function(torch.autograd.Function):
    """y = f(x) (or f(x, weight)); backward: dout * f'(x) in differentiable torch ops."""

    generate_vmap_rule = True

    @staticmethod
    def forward(x: Any, weight: Any, spec: Spec, params: Mapping[str, Any]) -> Any:
        p = dict(params) if weight is None else {**params, "weight": weight}
        return Backend.value(BACKEND, spec, x, p)

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple[Any, ...], output: Any) -> None:
        x, weight, spec, params = inputs
        ctx.save_for_backward(x, weight)
        ctx.spec = spec
        ctx.params = params

    @staticmethod
    def backward(ctx: Any, dout: Any) -> tuple[Any, ...]:  # pyright: ignore[reportIncompatibleMethodOverride]
        x, weight = ctx.saved_tensors
        spec, params = ctx.spec, ctx.params
        if weight is None:
            return BACKEND.vjp(spec, x, dout, params), None, None, None
        dx, dw = BACKEND.vjp(spec, x, dout, {**params, "weight": weight})
        return dx, dw, None, None


class _Relu(torch.autograd.Function):
    """relu at default parameters: y = threshold(x, 0, 0); backward dout * ceil(min(y, 1)).

    ceil(min(y, 1)) is relu'(x) exactly: 1 for x > 0 (subnormals too), +0 for x <= 0 (y is +0
    there), NaN for NaN (torch.sign and torch.heaviside would give 0); three native kernels
    instead of the formula's six. ceil has a zero gradient, so double backward gives
    relu'' = 0 like the generic path.
    """

    generate_vmap_rule = True

    @staticmethod
    def forward(x: Any) -> Any:
        return _threshold(x, 0, 0)

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple[Any, ...], output: Any) -> None:
        ctx.save_for_backward(output)

    @staticmethod
    def backward(ctx: Any, dout: Any) -> Any:  # pyright: ignore[reportIncompatibleMethodOverride]
        (y,) = ctx.saved_tensors
        mask = torch.clamp(y, max=1.0)
        if torch.is_grad_enabled():  # create_graph: out-of-place, differentiable again
            return dout * torch.ceil(mask)
        return mask.ceil_().mul_(dout)  # one buffer for the three kernels


class _FunctionClassic(torch.autograd.Function):
    """_Function in the classic form (forward takes ctx), for calls outside torch.func.

    ``Function.apply`` binds a setup_context-form forward's arguments with
    ``inspect.signature`` on every call (~17 us, half of a small tensor's forward and
    backward); the classic form skips that, but torch.func transforms refuse it.
    """

    @staticmethod
    def forward(ctx: Any, x: Any, weight: Any, spec: Spec, params: Mapping[str, Any]) -> Any:  # pyright: ignore[reportIncompatibleMethodOverride]
        y = _Function.forward(x, weight, spec, params)
        _Function.setup_context(ctx, (x, weight, spec, params), y)
        return y

    @staticmethod
    def backward(ctx: Any, dout: Any) -> tuple[Any, ...]:  # pyright: ignore[reportIncompatibleMethodOverride]
        return _Function.backward(ctx, dout)


class _ReluClassic(torch.autograd.Function):
    """_Relu in the classic form (see _FunctionClassic)."""

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:  # pyright: ignore[reportIncompatibleMethodOverride]
        y = _threshold(x, 0, 0)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx: Any, dout: Any) -> Any:  # pyright: ignore[reportIncompatibleMethodOverride]
        return _Relu.backward(ctx, dout)


BACKEND = TorchBackend()

# whether torch.threshold is the catalog's relu: by dtype on CPU, by (device type, dtype) elsewhere
_threshold_checked: dict[Any, bool] = {}
_is_compiling = torch.compiler.is_compiling
# whether a torch.func transform (vmap, grad, ...) is running: those need the setup_context form
_functorch_active = getattr(torch._C, "_are_functorch_transforms_active", lambda: True)
_CLASSIC: dict[type, type] = {_Function: _FunctionClassic, _Relu: _ReluClassic}


def _form(fn: type) -> Any:
    """The Function to apply: ``fn`` (setup_context form) under torch.func or torch.compile,
    else its classic twin, which skips ``Function.apply``'s per-call signature binding."""
    return fn if _functorch_active() or _is_compiling() else _CLASSIC[fn]


# F.threshold's kernel without its Python wrapper: torch.threshold is bound in C (the wrapper
# costs ~4 us of an 8 us call on 16 elements)
_threshold = getattr(torch, "threshold", F.threshold)


def _threshold_ok(x: torch.Tensor) -> bool:
    """Whether torch.threshold(x, 0, 0) is the catalog's relu on x's device type and dtype."""
    key = x.dtype if x.is_cpu else (x.device.type, x.dtype)  # x.device costs ~1 us
    ok = _threshold_checked.get(key)
    if ok is None:
        ok = _threshold_checked[key] = _probe_threshold(x)
    return ok


def _probe_threshold(x: torch.Tensor) -> bool:
    if not x.dtype.is_floating_point or x.is_sparse:
        return False
    finfo = torch.finfo(x.dtype)
    special = [-0.0, 0.0, float("nan"), -float("nan"), float("inf"), -float("inf"), -1.0, 1.0,
               finfo.tiny, -finfo.tiny, finfo.max, -finfo.max, 0.5, -2.5]  # fmt: skip
    spec = CATALOG["relu"]
    defaults = spec.defaults
    assert defaults is not None
    for n in (1, 7, 33, 100, 1000):
        for k in range(0, 16, 3):
            t = torch.tensor(special, dtype=x.dtype, device=x.device).repeat(n // 14 + 1)[:n]
            t = t.roll(k)
            got = _threshold(t, 0, 0)
            want = Backend.value(BACKEND, spec, t, defaults)
            same_nan = torch.equal(torch.isnan(got), torch.isnan(want))
            keep = ~torch.isnan(want)
            if not (
                same_nan
                and torch.equal(got[keep], want[keep])
                and torch.equal(torch.signbit(got[keep]), torch.signbit(want[keep]))
            ):
                return False
    return True
