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

import sys
from collections.abc import Mapping
from typing import Any, ClassVar

import torch
import torch.autograd.forward_ad as _forward_ad
import torch.nn.functional as F

from ..._catalog import CATALOG
from ..._portable_mode import portable_active
from ..._spec import Spec
from .._base import Backend
from .._portable import portable_ops

__all__ = ["TorchBackend", "TorchOps"]

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
    sqrt = staticmethod(torch.sqrt)
    floor = staticmethod(torch.floor)
    log = staticmethod(torch.log)

    @staticmethod
    def round_to(x: torch.Tensor, dtype: str) -> torch.Tensor:
        return x.to(_DTYPES[dtype]).to(x.dtype)

    @staticmethod
    def amax(x: torch.Tensor, axis: Any) -> torch.Tensor:
        return torch.amax(x, dim=axis, keepdim=True)

    @staticmethod
    def sum(x: torch.Tensor, axis: Any) -> torch.Tensor:
        return torch.sum(x, dim=axis, keepdim=True)

    @staticmethod
    def permute(x: torch.Tensor, axes: tuple[int, ...]) -> torch.Tensor:
        return x.permute(axes)

    @staticmethod
    def stop_gradient(x: torch.Tensor) -> torch.Tensor:
        return x.detach()

    @staticmethod
    def eye_like(x: torch.Tensor, axis: int) -> torch.Tensor:
        return torch.eye(x.shape[axis], dtype=x.dtype, device=x.device)

    @staticmethod
    def hypot(x: torch.Tensor, c: Any) -> torch.Tensor:
        return torch.hypot(x, c if isinstance(c, torch.Tensor) else x.new_tensor(c))

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

    def exported(self) -> Backend | None:
        return _PORTABLE if self is BACKEND and _exporting() else None

    def smooth_dtype(self, x: Any, dtype: str) -> str:
        if x.device.type == "mps":  # no float64 there
            return _MPS.compute_dtype(dtype, exact=False)
        return self.compute_dtype(dtype, exact=False)

    def plan(self, spec: Spec, x: Any, params: Mapping[str, Any], result: str | None = None) -> Any:
        if x.device.type == "mps":  # no float64 there
            return _MPS.plan(spec, x, params, result)
        return super().plan(spec, x, params, result)

    # --- the native relu kernel -------------------------------------------------------------

    def fast(
        self, spec: Spec, kind: str, params: Mapping[str, Any], cls: type | None = None
    ) -> Any:
        """The public call's fast path: a native kernel at default parameters (inference
        only)."""
        native = self.natives.get(spec.name)
        if native is None or kind != "value":
            return None
        generic = self.value
        kernel, form, ok, checked = native.kernel, native.form, native.ok, native.checked

        def value(x: Any, out: Any = None) -> Any:
            # the common case (a CPU tensor of a dtype probed already) in two attribute reads;
            # a dtype not probed yet (None) takes the generic path, which probes it
            if (
                out is None
                and (checked.get(x.dtype) if x.is_cpu else ok(x))
                and not _is_compiling()
                and _jit_tracing() is None
            ):
                try:
                    if (
                        not (x.requires_grad and torch.is_grad_enabled())
                        and _forward_ad._current_level < 0
                        and not _functorch_active()
                    ):
                        return kernel(x)
                    return form().apply(x)
                except NotImplementedError:  # a sparse or nested tensor: a clear error
                    pass
            return generic(spec, x, params, out)

        return value

    # --- autograd -------------------------------------------------------------------------

    def value(self, spec: Spec, x: Any, params: Mapping[str, Any], out: Any = None) -> Any:
        if out is not None:
            raise TypeError(f"{spec.name}(): out= is supported for NumPy arrays only")
        _check_layout(spec, x)
        tensors = {k: v for k, v in params.items() if isinstance(v, torch.Tensor)}
        twin = self.exported()
        if twin is not None and not _recorded_in_portable(x, tensors.values()):
            return twin.value(spec, x, params)
        for k, t in tensors.items():
            _check_layout(spec, t, "", k)
        native = None if tensors else self.native(spec, params)
        if _differentiated(x, tensors.values()):
            if native is not None and native.ok(x) and not _is_compiling():
                return native.form().apply(x)
            static = {k: v for k, v in params.items() if k not in tensors}
            return _function_form().apply(x, spec, static, tuple(tensors), *tensors.values())
        if native is not None and native.ok(x):
            return native.kernel(x)
        return super().value(spec, x, params)

    def derivative(self, spec: Spec, x: Any, params: Mapping[str, Any]) -> Any:
        _check_layout(spec, x, ".derivative")
        return super().derivative(spec, x, params)

    def vjp(
        self,
        spec: Spec,
        x: Any,
        dout: Any,
        params: Mapping[str, Any],
        wrt: tuple[str, ...] = (),
    ) -> Any:
        _check_layout(spec, x, ".vjp")
        if isinstance(dout, torch.Tensor):
            _check_layout(spec, dout, ".vjp", "dout")
        return super().vjp(spec, x, dout, params, wrt)


def _differentiated(x: Any, tensors: Any) -> bool:
    """Whether autograd (reverse or forward mode) or a torch.func transform sees this call:
    then it goes through an autograd Function, whose backward and jvp are the catalog's."""
    if torch.is_grad_enabled() and (x.requires_grad or any(t.requires_grad for t in tensors)):
        return True
    return _forward_ad_level() >= 0 or _functorch_active()


def _check_layout(spec: Spec, x: Any, where: str = "", arg: str = "x") -> None:
    """Sparse and nested tensors are refused (``where``: ".derivative", ".vjp" for the
    message). Here, not in plan(): plan also runs inside the autograd Functions, where
    torch.compile refuses to read a tensor's layout."""
    if x.layout != torch.strided or x.is_nested:
        kind = "nested tensors" if x.is_nested else f"tensors of layout {x.layout}"
        fix = f"{arg}.to_padded_tensor(0.0)" if x.is_nested else f"{arg}.to_dense()"
        raise TypeError(
            f"{spec.name}{where}() does not accept {kind} ({arg}); convert with {fix} first"
        )


class _MPSBackend(TorchBackend):
    precise = "float32"


_MPS = _MPSBackend()


class _PortableBackend(TorchBackend):
    """The graphs of an ONNX export: the formulas in plain torch ops that every exporter
    converts, float32 and narrower computed in float32 with expm1, log1p, tanh, erfc and
    hypot from elementary ops (backends/_portable.py), no native kernels (the legacy exporter
    writes torch.threshold as ONNX Relu, which gives -0.0 for -0.0)."""

    precise = "float32"
    ops: Any = portable_ops(TorchOps, where_drops_negative_zero=True)
    natives: ClassVar[Mapping[str, Any]] = {}
    value = Backend.value
    derivative = Backend.derivative
    vjp = Backend.vjp


_PORTABLE = _PortableBackend()


def _recorded_in_portable(x: Any, tensors: Any) -> bool:
    """Whether autograd records a call inside ``activations.portable()`` (outside an ONNX
    export): it then takes the usual path, whose gradients are the catalog's (autograd through
    the portable formulas would differentiate their selections and limits)."""
    return not _in_onnx_exporter() and portable_active() and _differentiated(x, tensors)


def _in_onnx_exporter() -> bool:
    """Whether one of torch's ONNX exporters traces this call (the legacy one traces with
    torch.jit, the default one with torch.export: neither is on in a plain eager call)."""
    if not _is_compiling() and _jit_tracing() is None:
        return False
    onnx = sys.modules.get("torch.onnx")
    return onnx is not None and bool(onnx.is_in_onnx_export())


def _exporting() -> bool:
    """Whether this call computes for an exported graph: an ONNX exporter traces it, or an
    ``activations.portable()`` block is open (not read while Dynamo traces, which cannot
    trace a ContextVar: torch.compile's graphs run in torch itself)."""
    if _dynamo_tracing():
        return _in_onnx_exporter()
    return portable_active() or _in_onnx_exporter()


class _Function(torch.autograd.Function):
    """y = f(x, parameters); its backward and jvp are the catalog's, in differentiable ops.

    ``apply(x, spec, static, names, *tensors)``: ``tensors`` are the parameters given as
    tensors (``names`` their names), ``static`` the other parameters. Backward gives
    ``dout * f'(x)`` and, for each tensor parameter, ``dout * df/dparam`` summed to its shape;
    jvp gives ``f'(x) tx + sum of df/dparam t``.
    """

    generate_vmap_rule = True

    @staticmethod
    def forward(x: Any, spec: Spec, static: Mapping[str, Any], names: Any, *tensors: Any) -> Any:
        return Backend.value(BACKEND, spec, x, {**static, **dict(zip(names, tensors, strict=True))})

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple[Any, ...], output: Any) -> None:
        x, spec, static, names, *tensors = inputs
        ctx.save_for_backward(x, *tensors)
        ctx.save_for_forward(x, *tensors)
        ctx.spec, ctx.static, ctx.names = spec, static, names
        # a parameter without a tangent must stay None, not a zero (0 * inf is NaN at x = inf)
        ctx.set_materialize_grads(False)

    @staticmethod
    def backward(ctx: Any, dout: Any) -> tuple[Any, ...]:  # pyright: ignore[reportIncompatibleMethodOverride]
        x, *tensors = ctx.saved_tensors
        need = ctx.needs_input_grad[4:]
        if dout is None:  # the output was not used (grads are not materialized)
            return (None, None, None, None, *(None for _ in need))
        p = {**ctx.static, **dict(zip(ctx.names, tensors, strict=True))}
        wanted = tuple(n for n, k in zip(ctx.names, need, strict=True) if k)
        grads = Backend.vjp(BACKEND, ctx.spec, x, dout, p, wanted)
        dx, rest = (grads[0], iter(grads[1:])) if wanted else (grads, iter(()))
        return (dx, None, None, None, *(next(rest) if k else None for k in need))

    @staticmethod
    def jvp(ctx: Any, tx: Any, *tangents: Any) -> Any:  # pyright: ignore[reportIncompatibleMethodOverride]
        x, *tensors = ctx.saved_tensors
        p = {**ctx.static, **dict(zip(ctx.names, tensors, strict=True))}
        given = {n: t for n, t in zip(ctx.names, tangents[3:], strict=True) if t is not None}
        return Backend.jvp(BACKEND, ctx.spec, x, tx, p, given)


class _Relu(torch.autograd.Function):
    """relu at default parameters: y = threshold(x, 0, 0); backward dout * ceil(min(y, 1)).

    ceil(min(y, 1)) is relu'(x) exactly: 1 for x > 0 (subnormals too), +0 for x <= 0 (y is +0
    there), NaN for NaN (torch.sign and torch.heaviside would give 0); three native kernels
    instead of the formula's six. ceil has a zero gradient, so double backward gives
    relu'' = 0 like the generic path. jvp: tx * the same mask.
    """

    generate_vmap_rule = True

    @staticmethod
    def forward(x: Any) -> Any:
        return _threshold(x, 0, 0)

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple[Any, ...], output: Any) -> None:
        ctx.save_for_backward(output)
        ctx.save_for_forward(output)

    @staticmethod
    def backward(ctx: Any, dout: Any) -> Any:  # pyright: ignore[reportIncompatibleMethodOverride]
        (y,) = ctx.saved_tensors
        mask = torch.clamp(y, max=1.0)
        if torch.is_grad_enabled():  # create_graph: out-of-place, differentiable again
            return dout * torch.ceil(mask)
        mask.ceil_()
        try:
            return mask.mul_(dout)  # one buffer for the three kernels
        except RuntimeError:  # dout batched (is_grads_batched, vmap): not into mask
            return dout * mask

    @staticmethod
    def jvp(ctx: Any, tx: Any) -> Any:  # pyright: ignore[reportIncompatibleMethodOverride]
        (y,) = ctx.saved_tensors
        return tx * torch.ceil(torch.clamp(y, max=1.0))


class _FunctionTraced(_Function):
    """_Function without its jvp, for torch.compile (Dynamo refuses a custom jvp; compiled
    graphs differentiate in reverse mode)."""

    jvp = torch.autograd.Function.jvp  # type: ignore[assignment]


class _ReluTraced(_Relu):
    """_Relu without its jvp, for torch.compile (see _FunctionTraced)."""

    jvp = torch.autograd.Function.jvp  # type: ignore[assignment]


class _FunctionClassic(torch.autograd.Function):
    """_Function in the classic form (forward takes ctx), for calls outside torch.func.

    ``Function.apply`` binds a setup_context-form forward's arguments with
    ``inspect.signature`` on every call (~17 us, half of a small tensor's forward and
    backward); the classic form skips that, but torch.func transforms refuse it.
    """

    @staticmethod
    def forward(ctx: Any, x: Any, spec: Spec, static: Any, names: Any, *tensors: Any) -> Any:  # pyright: ignore[reportIncompatibleMethodOverride]
        y = _Function.forward(x, spec, static, names, *tensors)
        _Function.setup_context(ctx, (x, spec, static, names, *tensors), y)
        return y

    @staticmethod
    def backward(ctx: Any, dout: Any) -> tuple[Any, ...]:  # pyright: ignore[reportIncompatibleMethodOverride]
        return _Function.backward(ctx, dout)

    @staticmethod
    def jvp(ctx: Any, tx: Any, *tangents: Any) -> Any:  # pyright: ignore[reportIncompatibleMethodOverride]
        return _Function.jvp(ctx, tx, *tangents)


class _ReluClassic(torch.autograd.Function):
    """_Relu in the classic form (see _FunctionClassic)."""

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:  # pyright: ignore[reportIncompatibleMethodOverride]
        y = _threshold(x, 0, 0)
        ctx.save_for_backward(y)
        ctx.save_for_forward(y)
        return y

    @staticmethod
    def backward(ctx: Any, dout: Any) -> Any:  # pyright: ignore[reportIncompatibleMethodOverride]
        return _Relu.backward(ctx, dout)

    @staticmethod
    def jvp(ctx: Any, tx: Any) -> Any:  # pyright: ignore[reportIncompatibleMethodOverride]
        return _Relu.jvp(ctx, tx)


BACKEND = TorchBackend()

# whether torch.threshold is the catalog's relu: by dtype on CPU, by (device type, dtype) elsewhere
_threshold_checked: dict[Any, bool] = {}
_is_compiling = torch.compiler.is_compiling
_dynamo_tracing = getattr(torch.compiler, "is_dynamo_compiling", _is_compiling)
# the legacy ONNX exporter traces with torch.jit: then the generic path, which checks for it
_jit_tracing = torch._C._get_tracing_state
# whether a torch.func transform (vmap, grad, ...) is running: those need the setup_context form
_functorch_active = getattr(torch._C, "_are_functorch_transforms_active", lambda: True)


def _forward_ad_level() -> int:
    """The innermost forward-mode AD level (-1: none), a module global torch keeps."""
    return int(getattr(_forward_ad, "_current_level", -1))


# Which form of a Function to apply: under torch.compile the twin without jvp, under torch.func
# the setup_context form itself, else the classic twin, which skips Function.apply's per-call
# signature binding. Written out per Function: torch.compile traces neither a dict keyed by
# class nor an attribute of a Function class.


def _function_form() -> Any:
    if _is_compiling():
        return _FunctionTraced
    return _Function if _functorch_active() else _FunctionClassic


def _relu_form() -> Any:
    if _is_compiling():
        return _ReluTraced
    return _Relu if _functorch_active() else _ReluClassic


# F.threshold's kernel without its Python wrapper: torch.threshold is bound in C (the wrapper
# costs ~4 us of an 8 us call on 16 elements)
_threshold = getattr(torch, "threshold", F.threshold)


def _threshold_ok(x: torch.Tensor) -> bool:
    """Whether torch.threshold(x, 0, 0) is the catalog's relu on x's device type and dtype.

    Unknown until a probe has run on real data of that device type and dtype; while that
    cannot happen (see _may_probe) the answer is no, and the formula runs: it gives the same
    numbers (the probe compares with it), and the probe runs on a later eager call.
    """
    key = x.dtype if x.is_cpu else (x.device.type, x.dtype)  # x.device costs ~1 us
    ok = _threshold_checked.get(key)
    if ok is None:
        if not _may_probe(x):
            return False
        ok = _threshold_checked[key] = _probe_threshold(x)
    return ok


_len_dispatch_modes = getattr(torch._C, "_len_torch_dispatch_stack", lambda: 1)
_function_mode_on = getattr(torch._C, "_is_torch_function_mode_enabled", lambda: True)


def _may_probe(x: torch.Tensor) -> bool:
    """Whether a probe can run now: eagerly, on real data, with nothing recording it.

    Not while torch.compile/export trace (fake tensors: a probe's data-dependent checks
    raise), under a dispatch or function mode (make_fx, FakeTensorMode, a device context)
    or a torch.func transform, nor for meta tensors, tensor subclasses, sparse layouts or the
    dtypes the contract does not cover.
    """
    return (
        not _is_compiling()  # first: under torch.compile the rest is never traced
        and type(x) in (torch.Tensor, torch.nn.Parameter)
        and x.dtype in _PRECISION
        and x.layout == torch.strided
        and x.device.type != "meta"
        and not _functorch_active()
        and _len_dispatch_modes() == 0
        and not _function_mode_on()
    )


def _threshold_relu(x: torch.Tensor) -> torch.Tensor:
    return _threshold(x, 0, 0)


class _NativeRelu:
    """relu's native kernels: ``torch.threshold(x, 0, 0)`` forward (where a probe has proven
    it the catalog's relu on the tensor's device type and dtype), and an autograd Function
    with the catalog's backward and jvp."""

    kernel = staticmethod(_threshold_relu)
    form = staticmethod(_relu_form)
    ok = staticmethod(_threshold_ok)
    checked = _threshold_checked  # ok(x)'s answers on CPU, by dtype (None: not probed yet)


TorchBackend.natives = {"relu": _NativeRelu}


def _probe_threshold(x: torch.Tensor) -> bool:
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
