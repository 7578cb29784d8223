"""The callable activation objects and name lookup."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar, overload

from ._catalog import ALIASES, CATALOG
from ._dispatch import (
    UnsupportedArrayType,
    backend_for,
    backend_of,
    backend_of_type,
    fast_cache,
)
from ._spec import REQUIRED, Spec, is_array

__all__ = ["Activation", "get", "names"]

T = TypeVar("T")


if TYPE_CHECKING:
    import inspect

    import numpy as np
    import numpy.typing as npt

    # Python lists and tuples go to NumPy and come back as NumPy arrays
    Seq = list[Any] | tuple[Any, ...]


def _signature(spec: Spec, lead: tuple[str, ...], out: bool) -> inspect.Signature:
    import inspect  # here, not at import time: inspect costs ~10 ms to import

    P = inspect.Parameter
    params = [P(n, P.POSITIONAL_OR_KEYWORD) for n in lead]
    for p in spec.params:
        default = P.empty if p.default is REQUIRED else p.default
        params.append(P(p.name, P.POSITIONAL_OR_KEYWORD, default=default))
    if out:
        params.append(P("out", P.KEYWORD_ONLY, default=None))
    return inspect.Signature(params)


def example_args(spec: Spec) -> str:
    """The parameters of an activation's example call, as source (", weight=0.25")."""
    return "".join(f", {k}={v!r}" for k, v in spec.doc_example.items())


def _docstring(spec: Spec) -> str:
    lines = [spec.summary, "", f"Definition: {spec.definition}"]
    if spec.params:
        lines += ["", "Parameters", "----------", "x : array"]
        for p in spec.params:
            default = "required" if p.default is REQUIRED else f"default {p.default!r}"
            lines.append(f"{p.name} : {default}")
            if p.doc:
                lines.append(f"    {p.doc}")
    if spec.aliases:
        lines += ["", f"Aliases: {', '.join(spec.aliases)}."]
    lines += [
        "",
        "The result has x's type, device and dtype. ``.derivative(x, ...)`` gives df/dx and",
        "``.vjp(x, dout, ...)`` gives dout * df/dx, for code without autograd.",
        "",
        "Examples",
        "--------",
        ">>> import numpy as np, activations",
        f">>> activations.{spec.name}(np.array([-1.0, 0.0, 2.0]){example_args(spec)})",
    ]
    return "\n".join(lines)


class Activation:
    """One activation from the catalog: call it, or ask for its derivative or vjp.

    Instances are module-level singletons: ``activations.get("relu") is activations.relu``,
    and they pickle by name.
    """

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.__name__ = spec.name
        self.__qualname__ = spec.name
        self.__doc__ = _docstring(spec)
        self._defaults = spec.defaults
        # type(x) -> the backend's fast callable for a call without parameters (or None);
        # cleared with the dispatch cache
        self._fast_value: dict[type, Any] = fast_cache()
        self._fast_derivative: dict[type, Any] = fast_cache()
        self._fast_vjp: dict[type, Any] = fast_cache()
        # the same for calls with parameters: (x, args, kwargs[, out] / dout) -> the result,
        # or NotImplemented where the generic path must serve the call
        self._fast_params_value: dict[type, Any] = fast_cache()
        self._fast_params_derivative: dict[type, Any] = fast_cache()
        self._fast_params_vjp: dict[type, Any] = fast_cache()

    @property
    def __signature__(self) -> inspect.Signature:  # for help() and inspect.signature()
        return _signature(self.spec, ("x",), out=True)

    def _fast(self, kind: str, cls: type, params: bool = False) -> Any:
        """The backend's fast callable for ``kind`` on ``cls`` (calls without parameters, or
        with them: ``params``), cached by type; None where the backend has none."""
        cache = getattr(self, f"_fast_params_{kind}" if params else f"_fast_{kind}")
        try:
            backend = backend_of_type(cls)
        except TypeError:
            return None  # the generic path raises the error
        if params:
            fast = getattr(backend, "fast_params", None)
            fn = fast(self.spec, kind, cls) if fast is not None else None
        else:
            fast = getattr(backend, "fast", None)
            fn = (
                fast(self.spec, kind, self._defaults, cls=cls)
                if fast is not None and self._defaults is not None
                else None
            )
        cache[cls] = fn
        return fn

    def _bind(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        if not args and not kwargs and self._defaults is not None:
            return self._defaults
        return self.spec.bind(args, kwargs)

    def _backend(self, x: Any, params: dict[str, Any], *more: Any) -> Any:
        # parameters given as arrays (and prelu's weight, whatever it is) are dispatched with
        # x: they must be of its framework
        arrays = {k: v for k, v in params.items() if k in self.spec.array_params or is_array(v)}
        try:
            if arrays or more:
                return backend_for(x, *more, *arrays.values())
            return backend_of(x)
        except UnsupportedArrayType as exc:
            named = [("x", x), *(("dout", m) for m in more), *arrays.items()]
            arg, value = next(((n, v) for n, v in named if type(v) is exc.cls), ("x", x))
            shown = repr(value)
            shown = shown if len(shown) <= 40 else shown[:37] + "..."
            where = f"{self.spec.name}.vjp()" if more else f"{self.spec.name}()"
            raise UnsupportedArrayType(
                f"{where}: {arg} must be an array or a real number, got "
                f"{type(value).__name__} {shown}. {str(exc)[:1].upper()}{str(exc)[1:]}",
                exc.cls,
            ) from None

    @overload
    def __call__(self, x: Seq, *args: Any, **kwargs: Any) -> npt.NDArray[np.floating[Any]]: ...
    @overload
    def __call__(self, x: T, *args: Any, **kwargs: Any) -> T: ...

    def __call__(self, x: Any, *args: Any, **kwargs: Any) -> Any:
        # ``out`` travels in kwargs: a keyword-only parameter would cost every call ~100 ns
        out = kwargs.pop("out", None) if kwargs else None
        if not args and not kwargs:
            try:
                fn = self._fast_value[type(x)]
            except KeyError:
                fn = self._fast("value", type(x))
            if fn is not None:
                return fn(x) if out is None else fn(x, out)
        else:
            try:
                fn = self._fast_params_value[type(x)]
            except KeyError:
                fn = self._fast("value", type(x), params=True)
            if fn is not None:
                y = fn(x, args, kwargs, out)
                if y is not NotImplemented:
                    return y
        params = self._bind(args, kwargs)
        return self._backend(x, params).value(self.spec, x, params, out)

    @overload
    def derivative(self, x: Seq, *args: Any, **kwargs: Any) -> npt.NDArray[np.floating[Any]]: ...
    @overload
    def derivative(self, x: T, *args: Any, **kwargs: Any) -> T: ...

    def derivative(self, x: Any, *args: Any, **kwargs: Any) -> Any:
        """df/dx elementwise, with x's type, shape and dtype."""
        if not args and not kwargs:
            try:
                fn = self._fast_derivative[type(x)]
            except KeyError:
                fn = self._fast("derivative", type(x))
            if fn is not None:
                return fn(x)
        else:
            try:
                fn = self._fast_params_derivative[type(x)]
            except KeyError:
                fn = self._fast("derivative", type(x), params=True)
            if fn is not None:
                d = fn(x, args, kwargs)
                if d is not NotImplemented:
                    return d
        params = self._bind(args, kwargs)
        return self._backend(x, params).derivative(self.spec, x, params)

    @overload
    def vjp(
        self, x: Seq, dout: Any, *args: Any, **kwargs: Any
    ) -> npt.NDArray[np.floating[Any]]: ...
    @overload
    def vjp(self, x: T, dout: Any, *args: Any, **kwargs: Any) -> T: ...

    def vjp(self, x: Any, dout: Any, *args: Any, **kwargs: Any) -> Any:
        """dout * df/dx: the backward pass.

        ``wrt="alpha"`` (or a tuple of parameter names) also returns the gradients of those
        parameters, each summed to the parameter's shape: ``dx, dalpha = elu.vjp(x, dout,
        alpha, wrt="alpha")``. prelu always returns ``(dx, dweight)``.
        """
        wrt = kwargs.pop("wrt", None) if kwargs else None
        if not args and not kwargs and wrt is None:
            try:
                fn = self._fast_vjp[type(x)]
            except KeyError:
                fn = self._fast("vjp", type(x))
            if fn is not None and (
                type(dout) is type(x)
                or (isinstance(dout, (int, float)) and not isinstance(dout, bool))
            ):
                return fn(x, dout)
        elif wrt is None:
            try:
                fn = self._fast_params_vjp[type(x)]
            except KeyError:
                fn = self._fast("vjp", type(x), params=True)
            if fn is not None and type(dout) is type(x):
                dx = fn(x, dout, args, kwargs)
                if dx is not NotImplemented:
                    return dx
        if isinstance(dout, bool):  # a Python number by type, but never a cotangent
            raise TypeError(
                f"{self.spec.name}.vjp(): dout must be an array or a real number, got bool {dout}"
            )
        params = self._bind(args, kwargs)
        names = self._wrt(wrt, params)
        return self._backend(x, params, dout).vjp(self.spec, x, dout, params, names)

    def _wrt(self, wrt: Any, params: dict[str, Any]) -> tuple[str, ...]:
        """The parameters whose gradients ``vjp`` returns (prelu's weight always, first)."""
        spec = self.spec
        names = (wrt,) if isinstance(wrt, str) else tuple(wrt or ())
        names = (*spec.array_params, *(n for n in names if n not in spec.array_params))
        for n in names:
            if not isinstance(n, str) or n not in spec.param_names:
                raise TypeError(
                    f"{spec.name}.vjp(): wrt names parameters ({', '.join(spec.param_names)}"
                    f"), got {n!r}"
                    if spec.param_names
                    else f"{spec.name}.vjp(): {spec.name} has no parameters, got wrt={wrt!r}"
                )
            if n not in spec.partials:
                raise TypeError(
                    f"{spec.name}.vjp(): {n} is a structural choice, not a number: it has no "
                    "gradient"
                )
            if params[n] is None:
                raise ValueError(f"{spec.name}.vjp(): {n} is None here: it has no gradient")
        return names

    def __repr__(self) -> str:
        return f"<activation {self.spec.name}>"

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return (get, (self.spec.name,))

    # Keras serialization (models saved with activation=activations.gelu load back to it).
    def get_config(self) -> dict[str, str]:
        return {"name": self.spec.name}

    @classmethod
    def from_config(cls, config: dict[str, str]) -> Activation:
        return get(config["name"])


class WeightedActivation(Activation):
    """An activation with a weight (prelu): ``vjp`` returns ``(dx, dweight)``."""

    @overload  # type: ignore[override]
    def vjp(
        self, x: Seq, dout: Any, *args: Any, **kwargs: Any
    ) -> tuple[npt.NDArray[np.floating[Any]], Any]: ...
    @overload
    def vjp(self, x: T, dout: Any, *args: Any, **kwargs: Any) -> tuple[T, Any]: ...

    def vjp(self, x: Any, dout: Any, *args: Any, **kwargs: Any) -> Any:
        """(dout * df/dx, the gradient of the weight, summed to the weight's shape)."""
        return Activation.vjp(self, x, dout, *args, **kwargs)


# TensorFlow's AutoGraph rewrites the Python functions that a tf.function calls. The activations
# have no Python control flow on tensors, so rewriting them (and everything they call) would
# only cost tracing time and print "AutoGraph could not transform" warnings; AutoGraph calls
# whatever carries this attribute as it is.
for _marked in (Activation, Activation.__call__, Activation.derivative, Activation.vjp):
    setattr(_marked, "autograph_info__", {})  # noqa: B010
setattr(WeightedActivation.vjp, "autograph_info__", {})  # noqa: B010
del _marked


def _make(spec: Spec) -> Activation:
    return WeightedActivation(spec) if spec.array_params else Activation(spec)


_OBJECTS: dict[str, Activation] = {name: _make(spec) for name, spec in CATALOG.items()}
_CLASS = {"softmax": "Softmax", "log_softmax": "LogSoftmax"}
_COMPAT: dict[str, Activation] = {}  # "theano.relu" -> the object of activations.compat.theano


def register_compat(spec: Spec) -> Activation:
    """The object for a compatibility spec named "<module>.<name>" (see activations.compat)."""
    if spec.name not in _COMPAT:
        _COMPAT[spec.name] = _make(spec)
    return _COMPAT[spec.name]


def names(*, aliases: bool = True) -> list[str]:
    """The activation names (with their aliases unless ``aliases=False``), sorted."""
    return sorted([*_OBJECTS, *ALIASES] if aliases else _OBJECTS)


def get(name: str) -> Activation:
    """The activation called ``name`` (or one of its aliases).

    Examples
    --------
    >>> import activations
    >>> activations.get("swish") is activations.silu
    True
    """
    if isinstance(name, Activation):
        return name
    if not isinstance(name, str):
        raise TypeError(f"get() takes an activation name, got {type(name).__name__}")
    key = name.strip().lower().replace("-", "_")
    key = ALIASES.get(key, key)
    if "." in key:  # a compatibility name, e.g. "theano.relu"
        import importlib

        module = key.split(".")[0]
        if module in ("theano", "lasagne", "keras2"):
            importlib.import_module(f"activations.compat.{module}")
        if key in _COMPAT:
            return _COMPAT[key]
    try:
        return _OBJECTS[key]
    except KeyError:
        if key in ("softmax", "log_softmax"):
            raise ValueError(
                f"{key} normalises along an axis, it is not an elementwise activation: call "
                f"activations.{key}(x, axis=-1), or use activations.torch.{_CLASS[key]} / "
                f"activations.keras.{_CLASS[key]}"
            ) from None
        import difflib

        close = difflib.get_close_matches(key, names(), n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
        raise ValueError(f"unknown activation {name!r}{hint} (see activations.names())") from None
