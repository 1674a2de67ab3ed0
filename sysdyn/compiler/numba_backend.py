"""A numba back end: a compiled model's fixed-step loops as machine code.

From the same lowered expression tree the pure-Python code generator reads,
this module prints the source of a whole fixed-step run (Euler or RK4, with
XMILE's update order) on plain floats and compiles it with
:func:`numba.njit`.  As in :mod:`sysdyn.compiler.codegen`, the source is
printed from our own validated tree only: identifiers are generated here
(``v0``, ``v1``...), numbers are formatted with ``repr(float)`` and function
names come from a fixed table.  No text from a user or a model file reaches
``compile``.

Every operation is the one the pure-Python single-run path performs, in the
same order and on the same IEEE doubles, so a run gives the same numbers as
``method="euler"`` or ``method="rk4"``.  An ensemble is stepped in blocks
of :data:`BLOCK` runs, the runs of a block side by side in the inner loop
(where the CPU's vector instructions do several runs at once), by a compiled
function that releases the GIL, so that blocks run in parallel threads.

One difference remains: where :mod:`math` raises on plain floats
(``LN(0)``, ``SQRT(-1)``, ``EXP(1000)``), compiled code gives -inf, NaN or
inf, as numpy does.  When such a value reaches a saved variable the solvers
rerun the model in pure Python, which reports it; when it does not (say
``MIN(LN(0), 1)``), the compiled run finishes where the pure-Python one stops.

What it compiles: models without arrays, with the math builtins, ``IF THEN
ELSE``, ``MIN``/``MAX``, ``SAFEDIV``, ``STEP``/``PULSE``/``RAMP``, graphical
functions (continuous, extrapolate, discrete) and every function lowering
turns into stocks (``SMTH1``, ``SMTH3``, ``SMTHN``, ``DELAY1``, ``DELAY3``,
``DELAYN``, ``TREND``, ``INIT``).  Arrays, random functions and the fixed
``DELAY`` pipeline raise :class:`~sysdyn.SolverError`, which suggests the
pure-Python solver.

numba is an optional dependency (``pip install "sysdyn-sim[jit]"``); it is
imported on first use, never by ``import sysdyn``.

Examples
--------
>>> import sysdyn as sd
>>> m = sd.Model("m", stop=1, dt=0.5); m.stock("S", 1, inflows=["f"]); m.flow("f", "S")
>>> print(kernel_source(m.compile(), "euler").splitlines()[0])
def _run(t0, h, n, every, _start, _stop, y0, p, out):
"""

from __future__ import annotations

import importlib.util
import math
import time
import weakref
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..equations.nodes import BinaryOp, Call, IfThenElse, Name, Node, Number, UnaryOp, names_in
from ..errors import SolverError
from ..names import canonical
from . import runtime as _rt
from .codegen import COMPARE as _COMPARE
from .codegen import SCALAR_FUNCS
from .functions import ALIASES
from .lowering import INTERNAL, CVar, lower
from .ordering import analyse

__all__ = ["numba_available", "kernel_source", "JitKernel", "jit_kernel", "METHODS", "BLOCK"]

#: The fixed-step methods the back end compiles.
METHODS = ("euler", "rk4")

#: The scalar math of the NumPy back end, with the runtime helpers swapped for their jitted twins.
_MATH = {**SCALAR_FUNCS, "ROUND": "_round", "SIGN": "_sign", "LOG": "_log_base"}
_KIND_CODES = {"continuous": 0, "extrapolate": 1, "discrete": 2}
_INTERNAL_NAMES = {
    "DRAW": "random functions (RANDOM, NORMAL, LOGNORMAL, EXPRND, POISSON, TRIANGULAR)",
    "POISSON": "random functions (POISSON)",
    "DELAYLINE": "the fixed DELAY (pipeline delay)",
}


def numba_available() -> bool:
    """True when numba can be found (it is imported only when a model is compiled).

    Examples
    --------
    >>> isinstance(numba_available(), bool)
    True
    """
    return importlib.util.find_spec("numba") is not None


class _Unsupported(Exception):
    """A construct the back end does not compile (turned into a SolverError naming the element)."""


# ----------------------------------------------------------------------------- run-time helpers
# Plain Python with the arithmetic of sysdyn.compiler.runtime's scalar forms, written so that
# numba compiles them; jitted once per process by _helpers().


def _pulse(t, dt, volume, first, interval):  # runtime.pulse
    eps = abs(dt) * 1e-9
    if t < first - eps:
        return 0.0
    if interval > 0:
        start = first + np.floor((t - first + eps) / interval) * interval
    else:
        start = first
    return volume / dt if start - eps <= t < start + dt - eps else 0.0


def _ramp(t, slope, start, end):  # runtime.ramp
    if t <= start:
        return 0.0
    return slope * (min(t, end) - start)


def _safediv(a, b, otherwise):  # runtime.safediv
    return a / b if b != 0 else otherwise


def _round(x):  # runtime.round_half_away
    return np.copysign(np.floor(abs(x) + 0.5), x)


def _sign(x):  # runtime.sign
    return float((x > 0) - (x < 0))


def _log_base(x, base):  # runtime.log_base
    return math.log(x) / math.log(base)


def _lookup(xs, ys, slopes, kind, value):  # runtime.Lookup.__call__
    if value != value:
        return value
    n = xs.shape[0]
    if n == 1:
        return ys[0]
    if value <= xs[0]:
        return ys[0] + (value - xs[0]) * slopes[0] if kind == 1 else ys[0]
    if value >= xs[n - 1]:
        return ys[n - 1] + (value - xs[n - 1]) * slopes[n - 2] if kind == 1 else ys[n - 1]
    lo, hi = 0, n  # bisect_right(xs, value) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if value < xs[mid]:
            hi = mid
        else:
            lo = mid + 1
    i = lo - 1
    if kind == 2:
        return ys[i]
    return ys[i] + (value - xs[i]) * slopes[i]


_HELPERS = {f.__name__: f for f in (_pulse, _ramp, _safediv, _round, _sign, _log_base, _lookup)}
_JITTED_HELPERS: dict[str, Any] = {}


def _numba():
    try:
        import numba
    except ImportError as err:  # pragma: no cover - registration checks find_spec first
        raise SolverError(
            f"the numba back end needs numba ({err}); install it with pip install 'sysdyn-sim[jit]', "
            'or use method="euler"'
        ) from err
    return numba


def _helpers() -> dict[str, Any]:
    """The helpers, jitted (once per process; each compiles for float arguments on first use).

    numpy's error model: their only unguarded division, ``LOG(x, 1)``, gives
    inf (a non-finite value, which the single run then reports) instead of
    raising.
    """
    if not _JITTED_HELPERS:
        numba = _numba()
        for name, func in _HELPERS.items():
            _JITTED_HELPERS[name] = numba.njit(error_model="numpy")(func)
    return _JITTED_HELPERS


# ----------------------------------------------------------------------------- expressions
class _Printer:
    """Print a lowered scalar expression tree as numba-compatible Python on floats.

    Every value is a float64: a comparison or a logical operator gives 1.0 or
    0.0 (the pure-Python path computes with True and False, the same numbers)
    and a condition holds where its value is not 0.0 (Python's truth of a
    float, NaN included), so numba sees one type per variable.
    """

    def __init__(self, idents: dict[str, str], tables: dict[str, int]):
        self.idents = idents
        self.tables = tables

    def expr(self, node: Node) -> str:
        method = getattr(self, "_" + type(node).__name__, None)
        if method is None:
            raise _Unsupported("arrays (subscripts, dimensions and array reductions)")
        return method(node)

    def _Number(self, node: Number) -> str:
        value = float(node.value)
        return repr(value) if math.isfinite(value) else f"_m.{'inf' if value > 0 else 'nan'}"

    def _Name(self, node: Name) -> str:
        if node.name in self.idents:
            return self.idents[node.name]
        constants = {
            "time": "t",
            "dt": "_dt",
            "starttime": "_start",
            "stoptime": "_stop",
            "pi": repr(math.pi),
        }
        if node.name not in constants:
            raise _Unsupported("dimension names used as values (arrays)")
        return constants[node.name]

    def _UnaryOp(self, node: UnaryOp) -> str:
        inner = self.expr(node.operand)
        if node.op == "not":
            return f"(0.0 if {inner} != 0.0 else 1.0)"
        return f"({node.op}{inner})"

    def _BinaryOp(self, node: BinaryOp) -> str:
        a, b = self.expr(node.left), self.expr(node.right)
        op = node.op
        if op in ("+", "-", "*", "/"):
            return f"({a} {op} {b})"
        if op == "^":
            return f"_m.pow({a}, {b})"
        if op == "mod":
            return f"({a} % {b})"
        if op in _COMPARE:
            return f"(1.0 if {a} {_COMPARE[op]} {b} else 0.0)"
        if op in ("and", "or"):
            return f"(1.0 if ({a} != 0.0) {op} ({b} != 0.0) else 0.0)"
        raise _Unsupported(f"the operator `{op}`")  # pragma: no cover - the parser knows no other

    def _IfThenElse(self, node: IfThenElse) -> str:
        c, a, b = self.expr(node.condition), self.expr(node.then), self.expr(node.otherwise)
        return f"({a} if {c} != 0.0 else {b})"

    def _Call(self, node: Call) -> str:
        if node.func.startswith(INTERNAL):
            what = node.func[len(INTERNAL) :]
            raise _Unsupported(_INTERNAL_NAMES.get(what, what))
        func = ALIASES.get(node.func, node.func)
        key = canonical(node.func)
        if key in self.tables and func != "LOOKUP":
            return self.lookup(self.tables[key], self.expr(node.args[0]))
        if func == "LOOKUP":
            return self.lookup(self.tables[node.args[0].name], self.expr(node.args[1]))  # type: ignore[attr-defined]
        if func == "IF THEN ELSE":
            return self._IfThenElse(IfThenElse(*node.args))
        if func == "MODULO":  # Vensim's truncated remainder, as in sysdyn.compiler.codegen
            return f"_np.fmod({self.expr(node.args[0])}, {self.expr(node.args[1])})"
        args = [self.expr(a) for a in node.args]
        if func == "LOG":
            return f"_log_base({args[0]}, {args[1] if len(args) > 1 else '10.0'})"
        if func in _MATH:
            return f"{_MATH[func]}({', '.join(args)})"
        if func == "INT":
            return f"_np.floor({args[0]})"
        if func == "INTEGER":
            return f"_np.trunc({args[0]})"
        if func in ("MIN", "MAX"):
            return args[0] if len(args) == 1 else f"{func.lower()}({', '.join(args)})"
        if func == "SAFEDIV":
            return f"_safediv({args[0]}, {args[1]}, {args[2] if len(args) > 2 else '0.0'})"
        if func == "STEP":
            return f"({args[0]} if tk >= {args[1]} - _eps else 0.0)"
        if func == "PULSE":
            first = args[1] if len(args) > 1 else "_start"
            interval = args[2] if len(args) > 2 else "0.0"
            return f"_pulse(tk, _dt, {args[0]}, {first}, {interval})"
        if func == "RAMP":
            start = args[1] if len(args) > 1 else "_start"
            end = args[2] if len(args) > 2 else "_m.inf"
            return f"_ramp(t, {args[0]}, {start}, {end})"
        if func in ("SUM", "MEAN", "STDDEV", "PROD", "SIZE"):
            raise _Unsupported(f"array reductions ({func})")
        raise _Unsupported(f"the function {func}")

    @staticmethod
    def lookup(index: int, x: str) -> str:
        return f"_lookup(_lkx{index}, _lky{index}, _lks{index}, _lkk{index}, {x})"


# ----------------------------------------------------------------------------- model source
@dataclass
class _ModelCode:
    """What the kernels are printed from: code lines per variable, and the tables."""

    stocks: list[str]  # identifiers of the stocks, in state order
    statics: list[str]  # identifiers of the static variables, in parameter order
    runtime: list[tuple[str, str, str]]  # (key, identifier, code) in evaluation order
    rates: list[str]  # code of each stock's net flow
    rate_needs: set[str]  # runtime keys the rates need
    values: list[str]  # identifiers of the reported variables, in compiled.value_keys order
    dynamic: list[str]  # the non-static ones among them (what an ensemble member writes)
    tables: dict[str, Any] = field(default_factory=dict)  # global name -> constant


def _model_code(compiled) -> _ModelCode:
    """Lower the compiled model's definition again and print every equation for numba."""
    lowered = lower(compiled.definition)
    plan = analyse(lowered.cvars)
    cvars: dict[str, CVar] = {v.key: v for v in lowered.cvars}
    if set(plan.stocks) != set(compiled.stock_keys) or set(plan.statics) != set(compiled.static_keys):
        raise SolverError(  # pragma: no cover - lowering is deterministic
            'the numba back end lowered the model differently from its compiled form; use method="euler"'
        )
    idents = {v.key: f"v{i}" for i, v in enumerate(lowered.cvars)}
    tables: dict[str, Any] = {}
    table_index: dict[str, int] = {}
    sources = [*compiled.definition.lookups, *(v.lookup for v in lowered.cvars if v.lookup is not None)]
    owners = [*(t.key for t in compiled.definition.lookups), *(v.key for v in lowered.cvars if v.lookup)]
    for i, (owner, table) in enumerate(zip(owners, sources, strict=True)):
        lk = _rt.Lookup(table)  # the same points and slopes the pure-Python path uses
        table_index[owner] = i
        tables[f"_lkx{i}"] = np.array(lk.x, dtype=float)
        tables[f"_lky{i}"] = np.array(lk.y, dtype=float)
        tables[f"_lks{i}"] = np.array(lk.slopes, dtype=float)
        tables[f"_lkk{i}"] = _KIND_CODES[lk.kind]
    printer = _Printer(idents, table_index)

    def value_code(v: CVar) -> str:
        try:
            code = printer.expr(v.equation)
            if v.lookup is not None:
                code = printer.lookup(table_index[v.key], code)
        except _Unsupported as err:
            raise _unsupported(str(err), v) from None
        return code

    for v in lowered.cvars:
        if v.dims:
            raise _unsupported("arrays (arrayed stocks, flows and auxiliaries)", v)
    runtime = [(k, idents[k], value_code(cvars[k])) for k in plan.runtime]
    rates = []
    for k in compiled.stock_keys:  # the state and the statics in the order of the solvers' y0 and p
        try:
            rates.append(printer.expr(cvars[k].rate))
        except _Unsupported as err:
            raise _unsupported(str(err), cvars[k]) from None
    for k in compiled.static_keys:  # computed by the pure-Python initialisation; check them too
        value_code(cvars[k])
    needs: set[str] = set()
    stack = [n for k in compiled.stock_keys for n in names_in(cvars[k].rate) if n in cvars]
    while stack:
        k = stack.pop()
        if k not in needs:
            needs.add(k)
            stack.extend(cvars[k].deps)
    static = set(plan.statics)
    return _ModelCode(
        stocks=[idents[k] for k in compiled.stock_keys],
        statics=[idents[k] for k in compiled.static_keys],
        runtime=runtime,
        rates=rates,
        rate_needs=needs,
        values=[idents[k] for k in compiled.value_keys],
        dynamic=[idents[k] for k in compiled.value_keys if k not in static],
        tables=tables,
    )


def _unsupported(construct: str, v: CVar) -> SolverError:
    host = v.name if v.public else v.name.split(" in ", 1)[-1]
    return SolverError(
        f"the numba back end does not compile {construct}; "
        'use the pure-Python solvers (method="euler" or method="rk4") for this model',
        element=host,
        equation=v.text or None,
    )


#: Runs per block of an ensemble: a block's runs are stepped together, side by side in the inner
#: loop, so that the same operation on neighbouring runs can use SIMD instructions.
BLOCK = 128


def _values(code: _ModelCode, pad: str) -> list[str]:
    """Every time-dependent variable of one run at ``t``, from the state ``_y0, _y1...``."""
    return [
        *(f"{pad}{ident} = _y{i}" for i, ident in enumerate(code.stocks)),
        *(f"{pad}{ident} = {value}" for _key, ident, value in code.runtime),
    ]


def _advance(code: _ModelCode, method: str, pad: str) -> list[str]:
    """Move the state ``_y0, _y1...`` of one run from ``_t`` to ``_t + h`` (the values at ``_t`` known).

    The arithmetic of the pure-Python solvers, operation by operation: the
    fused Euler loop's ``y + h * dy`` and :func:`~sysdyn.solvers.rk4.rk4_advance`
    on lists.
    """
    lines = [f"{pad}_k1_{i} = {rate}" for i, rate in enumerate(code.rates)]
    if method == "euler":
        return lines + [f"{pad}_y{i} = _y{i} + h * _k1_{i}" for i in range(len(code.stocks))]
    needed = [(ident, value) for key, ident, value in code.runtime if key in code.rate_needs]
    stages = (
        ("_k2_", "_t + h / 2", "h / 2 * _k1_"),
        ("_k3_", None, "h / 2 * _k2_"),
        ("_k4_", "_t + h", "h * _k3_"),
    )
    for prefix, when, step in stages:
        if when is not None:
            lines += [f"{pad}t = {when}", f"{pad}tk = t"]
        lines += [f"{pad}{ident} = _y{i} + {step}{i}" for i, ident in enumerate(code.stocks)]
        lines += [f"{pad}{ident} = {value}" for ident, value in needed]
        lines += [f"{pad}{prefix}{i} = {rate}" for i, rate in enumerate(code.rates)]
    return lines + [
        f"{pad}_y{i} = _y{i} + h / 6 * (_k1_{i} + 2 * _k2_{i} + 2 * _k3_{i} + _k4_{i})"
        for i in range(len(code.stocks))
    ]


def _check(written: list[str], target: str) -> list[str]:
    """Add 0.0 for each finite saved value to ``target`` (NaN for an infinite or NaN one)."""
    return [f"{target} = {target} + {' + '.join(f'{ident} * 0.0' for ident in written)}"] if written else []


def _single_lines(code: _ModelCode, method: str) -> list[str]:
    """One run: ``out[j, i]`` is the ``j``-th reported variable at the ``i``-th saved time."""
    pad = " " * 8
    return [
        "def _run(t0, h, n, every, _start, _stop, y0, p, out):",
        "    _dt = h",
        "    _eps = _dt * 1e-9",
        *(f"    {ident} = p[{i}]" for i, ident in enumerate(code.statics)),
        *(f"    _y{i} = y0[{i}]" for i in range(len(code.stocks))),
        "    _acc = 0.0",
        "    for k in range(n + 1):",
        f"{pad}_t = t0 + k * h",
        f"{pad}t = _t",
        f"{pad}tk = _t",
        *_values(code, pad),
        f"{pad}if k % every == 0:",
        f"{pad}    _j = k // every",
        *(f"{pad}    out[{j}, _j] = {ident}" for j, ident in enumerate(code.values)),
        *(f"{pad}    {line}" for line in _check(code.values, "_acc")),
        f"{pad}if k == n:",
        f"{pad}    break",
        *_advance(code, method, pad),
        "    return _acc",
    ]


def _ensemble_lines(code: _ModelCode, method: str) -> list[str]:
    """Blocks ``b0..b1`` of runs: ``out[j, i, r]`` is changing variable ``j`` of run ``r`` at time ``i``."""
    pad = " " * 16
    block = "r0:r0 + m"
    per_run = [
        f"{pad}t = _t",
        f"{pad}tk = _t",
        *(f"{pad}{ident} = _p{i}[r]" for i, ident in enumerate(code.statics)),
        *(f"{pad}_y{i} = _Y{i}[r]" for i in range(len(code.stocks))),
        *_values(code, pad),
    ]
    store = [f"{pad}_Y{i}[r] = _y{i}" for i in range(len(code.stocks))]
    advance = _advance(code, method, pad)
    return [
        "def _ensemble(b0, b1, t0, h, n, every, _start, _stop, y0, p, out):",
        "    _dt = h",
        "    _eps = _dt * 1e-9",
        "    runs = y0.shape[1]",
        "    acc = 0.0",
        "    for c in range(b0, b1):",
        f"        r0 = c * {BLOCK}",
        f"        m = min(r0 + {BLOCK}, runs) - r0",
        *(f"        _Y{i} = y0[{i}, {block}].copy()" for i in range(len(code.stocks))),
        *(f"        _p{i} = p[{i}, {block}].copy()" for i in range(len(code.statics))),
        "        _chk = _np.zeros(m)",
        "        for k in range(n + 1):",
        "            _t = t0 + k * h",
        "            _save = k % every == 0",
        "            _j = k // every",
        *(f"            _o{j} = out[{j}, _j, {block}]" for j in range(len(code.dynamic))),
        "            for r in range(m):",
        *per_run,
        f"{pad}if _save:",
        *(f"{pad}    _o{j}[r] = {ident}" for j, ident in enumerate(code.dynamic)),
        *(f"{pad}    {line}" for line in _check(code.dynamic, "_chk[r]") or ["pass"]),
        f"{pad}if k < n:",
        *("    " + line for line in [*advance, *store] or [f"{pad}pass"]),
        "        acc = acc + _chk.sum()",
        "    return acc",
    ]


def _source(code: _ModelCode, method: str) -> str:
    return "\n".join(_single_lines(code, method)) + "\n\n\n" + "\n".join(_ensemble_lines(code, method)) + "\n"


def kernel_source(compiled, method: str = "euler") -> str:
    """The Python source the numba back end compiles for ``compiled`` and ``method``.

    It holds ``_run`` (one run, every reported variable) and ``_ensemble``
    (a range of blocks of :data:`BLOCK` runs of an ensemble, the runs of a
    block side by side in the inner loop, writing the variables that change
    in time).  Printed from the lowered expression tree; no numba is needed
    to print it.

    Parameters
    ----------
    compiled : CompiledModel
    method : {"euler", "rk4"}

    Returns
    -------
    str

    Raises
    ------
    SolverError
        If the model uses a construct the back end does not compile (arrays,
        random functions, the fixed ``DELAY``); the message names the element.

    Examples
    --------
    >>> import sysdyn as sd
    >>> m = sd.Model("m", stop=1, dt=0.5); m.stock("S", 1, outflows=["f"]); m.flow("f", "S / 2")
    >>> print(kernel_source(m.compile(), "euler").split("\\n\\n\\n")[0])  # doctest: +NORMALIZE_WHITESPACE
    def _run(t0, h, n, every, _start, _stop, y0, p, out):
        _dt = h
        _eps = _dt * 1e-9
        _y0 = y0[0]
        _acc = 0.0
        for k in range(n + 1):
            _t = t0 + k * h
            t = _t
            tk = _t
            v0 = _y0
            v1 = (v0 / 2.0)
            if k % every == 0:
                _j = k // every
                out[0, _j] = v0
                out[1, _j] = v1
                _acc = _acc + v0 * 0.0 + v1 * 0.0
            if k == n:
                break
            _k1_0 = (0.0 - v1)
            _y0 = _y0 + h * _k1_0
        return _acc
    """
    if method not in METHODS:
        raise SolverError(f"the numba back end has no method `{method}`; choose one of {', '.join(METHODS)}")
    return _source(_model_code(compiled), method)


# ----------------------------------------------------------------------------- compiled kernels
@dataclass
class JitKernel:
    """A compiled kernel: ``run([b0, b1,] t0, h, n, every, start, stop, y0, p, out)``.

    Attributes
    ----------
    method : str
        ``"euler"`` or ``"rk4"``.
    ensemble : bool
        True for the kernel over all runs of an ensemble.
    run : callable
        The compiled function.  A single run takes ``y0`` and ``p`` of
        shapes ``(stocks,)`` and ``(statics,)`` and fills ``out`` of shape
        ``(variables, saved times)``.  An ensemble kernel runs the blocks
        ``b0`` to ``b1`` (of :data:`BLOCK` runs) and takes ``(stocks,
        runs)``, ``(statics, runs)`` and ``(variables that change, saved
        times, runs)``; it releases the GIL, so threads can run other blocks
        of the same arrays at the same time.  Both return 0.0, or NaN if a
        saved value is not finite.
    written : tuple of str
        Canonical keys of the variables written to ``out``, in order.
    compile_seconds : float
        Time numba took to compile it (and to import numba, the first time).
    source : str
        The source it was compiled from.

    Examples
    --------
    >>> import numpy as np
    >>> import sysdyn as sd
    >>> m = sd.Model("m", stop=1, dt=0.5); m.stock("S", 1, inflows=["f"]); m.flow("f", "S")
    >>> if numba_available():  # Euler steps of dS/dt = S: 1, 1.5, 2.25
    ...     kernel = jit_kernel(m.compile(), "euler")
    ...     out = np.empty((len(kernel.written), 3))
    ...     _ = kernel.run(0.0, 0.5, 2, 1, 0.0, 1.0, np.array([1.0]), np.empty(0), out)
    ...     saved = out[0].tolist()
    ... else:
    ...     saved = [1.0, 1.5, 2.25]
    >>> saved
    [1.0, 1.5, 2.25]
    """

    method: str
    ensemble: bool
    run: Any
    written: tuple[str, ...]
    compile_seconds: float
    source: str


_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def jit_kernel(compiled, method: str = "euler", *, ensemble: bool = False) -> JitKernel:
    """Compile (once per compiled model, method and kind) and return a numba kernel.

    Parameters
    ----------
    compiled : CompiledModel
    method : {"euler", "rk4"}
    ensemble : bool
        The kernel over blocks of runs of an ensemble instead of one run.

    Returns
    -------
    JitKernel
        Cached on ``compiled``: later calls return the same kernel at no cost.

    Raises
    ------
    SolverError
        If numba is missing, or the model uses a construct the back end does
        not compile.

    Examples
    --------
    >>> import sysdyn as sd
    >>> m = sd.Model("m", stop=1, dt=0.5); m.stock("S", 1, inflows=["f"]); m.flow("f", "S")
    >>> kernel = jit_kernel(m.compile(), "euler") if numba_available() else None
    >>> kernel is None or (kernel.written == ("s", "f") and kernel.compile_seconds > 0)
    True
    """
    per_model = _CACHE.setdefault(compiled, {})
    key = (method, ensemble)
    if key not in per_model:
        per_model[key] = _build(compiled, method, ensemble, per_model)
    return per_model[key]


def _build(compiled, method: str, ensemble: bool, per_model: dict) -> JitKernel:
    if "code" not in per_model:
        per_model["code"] = _model_code(compiled)
    code: _ModelCode = per_model["code"]
    if method not in METHODS:
        raise SolverError(f"the numba back end has no method `{method}`; choose one of {', '.join(METHODS)}")
    source = _source(code, method)
    began = time.perf_counter()
    numba = _numba()
    from numba import types as nt

    f8, i8 = nt.float64, nt.int64
    namespace: dict[str, Any] = {"_m": math, "_np": np, **_helpers(), **code.tables}
    # Printed from our own validated tree (generated identifiers, repr(float) numbers, a fixed
    # table of function names); no model text reaches compile().
    exec(compile(source, f"<sysdyn numba {compiled.definition.name!r} ({method})>", "exec"), namespace)
    static = set(compiled.static_keys)
    try:
        if ensemble:  # numpy's error model, as the pure-Python ensembles: x / 0 is inf or NaN
            run = numba.njit(nogil=True, error_model="numpy")(namespace["_ensemble"])
            run.compile((i8, i8, f8, f8, i8, i8, f8, f8, f8[:, ::1], f8[:, ::1], f8[:, :, ::1]))
            written = tuple(k for k in compiled.value_keys if k not in static)
        else:  # Python's error model: a division by zero raises, and the pure-Python solver reruns it
            run = numba.njit(error_model="python")(namespace["_run"])
            run.compile((f8, f8, i8, i8, f8, f8, f8[::1], f8[::1], f8[:, ::1]))
            written = tuple(compiled.value_keys)
    except numba.core.errors.NumbaError as err:  # pragma: no cover - a gap in the printer
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise SolverError(
            f"numba could not compile the model ({first}); please report it, and use "
            f'method="{method}" meanwhile'
        ) from err
    seconds = time.perf_counter() - began
    return JitKernel(method, ensemble, run, written, seconds, source)
