"""The compiled model: generated evaluation functions plus everything a solver needs."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..equations.nodes import Call, names_in, walk
from ..errors import NonFiniteValueError
from ..ir import ModelDefinition
from ..names import python_identifier
from . import runtime as _rt
from .arrays import labels_of
from .codegen import ExpressionPrinter
from .lowering import INTERNAL, CVar, Lowered
from .network_ops import network_runtime
from .ordering import Plan

__all__ = ["CompiledModel", "Program"]

_BOOLEAN_OPS = {"=", "<>", "<", "<=", ">", ">=", "and", "or", "not"}


@dataclass(frozen=True)
class Program:
    """Generated functions for one mode (``single`` or ``ensemble``).

    Examples
    --------
    >>> import sysdyn as sd
    >>> from sysdyn.solvers.setup import prepare
    >>> m = sd.Model("m", stop=1); m.stock("S", 1, inflows=["f"]); m.flow("f", "S / 2")
    >>> cm = m.compile()
    >>> program = cm.program("single")
    >>> program.mode, program.source.splitlines()[0]
    ('single', 'def _init(t, tk, po, c):')
    >>> ctx = prepare(cm, method="euler").ctx
    >>> program.derivs(0.0, 0.0, [4.0], [], ctx)
    [2.0]
    """

    mode: str
    init: Any
    derivs: Any
    evaluate: Any
    source: str
    euler_loop: Any = None  # the whole Euler loop fused into one function
    commit: Any = None  # records fixed-delay inputs at an accepted time; None without DELAY


def _is_boolean(node) -> bool:
    return getattr(node, "op", None) in _BOOLEAN_OPS


class CompiledModel:
    """An immutable compiled model.  Made by :func:`sysdyn.compiler.compile_model`.

    Attributes
    ----------
    definition : ModelDefinition
        What was compiled.
    stock_keys, value_keys : tuple of str
        Canonical keys of the state vector's stocks, and of every variable
        whose values a run reports (model order).

    Examples
    --------
    >>> import sysdyn as sd
    >>> m = sd.Model("m", stop=1); m.stock("S", 1, inflows=["f"]); m.flow("f", "S")
    >>> cm = m.compile()
    >>> cm.stock_keys
    ('s',)
    """

    def __init__(self, definition: ModelDefinition, lowered: Lowered, plan: Plan):
        cvars = lowered.cvars
        self.definition = definition
        self.random_sites = tuple(lowered.random_sites)
        self._delay_inputs = list(lowered.delay_inputs)
        self.n_delays = len(self._delay_inputs)
        self._cvars = {v.key: v for v in cvars}
        self._plan = plan
        self.stock_keys = tuple(plan.stocks)
        self.static_keys = tuple(plan.statics)
        self.value_keys = tuple(v.key for v in cvars if v.public)
        self.variables = {v.key: v for v in cvars if v.public}
        self._tables: list[_rt.Lookup] = []
        self._table_index: dict[str, int] = {}
        for t in definition.lookups:
            self._table_index[t.key] = len(self._tables)
            self._tables.append(_rt.Lookup(t))
        for v in cvars:
            if v.lookup is not None:
                self._table_index[v.key] = len(self._tables)
                self._tables.append(_rt.Lookup(v.lookup))
        self._idents = {v.key: python_identifier(i, v.name) for i, v in enumerate(cvars)}
        self._programs: dict[tuple[str, frozenset], Program] = {}
        # switches (STEP, PULSE, draws held per DT, delay lines) make adaptive solvers work on the DT grid
        self.uses_switches = self.n_delays > 0 or any(
            isinstance(n, Call) and n.func in ("STEP", "PULSE", f"{INTERNAL}DRAW")
            for v in cvars
            for tree in (v.equation, v.rate)
            if tree is not None
            for n in walk(tree)
        )
        self._info: dict | None = None
        self.dimensions = dict(lowered.dimensions)
        #: run-time operators of the network dimensions, `_nw` in generated code (see network_ops)
        self._networks = network_runtime(self.dimensions)
        #: times at which a network dimension's graph changes: adaptive solvers integrate up to each
        self.change_times = tuple(sorted({t for net in self._networks for t in net.change_times}))
        #: with arrayed stocks or variables the state is one flat vector (a numpy array) in every mode
        self.flat = any(v.dims for v in cvars)
        self.offsets: dict[str, tuple[int, int]] = {}
        size = 0
        for k in plan.stocks:
            n = math.prod(self._cvars[k].shape)
            self.offsets[k] = (size, n)
            size += n
        self.state_size = size

    def shape_of(self, key: str) -> tuple[int, ...]:
        """Element counts of a variable's dimensions (``()`` for a scalar).

        Examples
        --------
        >>> import sysdyn as sd
        >>> m = sd.Model("m", stop=1); m.dimension("team", ["Ann", "Bo"]); m.constant("k[team]", 1)
        >>> m.compile().shape_of("k")
        (2,)
        """
        return self._cvars[key].shape

    def element_label(self, key: str, index: tuple[int, ...]) -> str:
        """Display name of one element of a variable: ``Knowledge[Ann]``.

        Examples
        --------
        >>> import sysdyn as sd
        >>> m = sd.Model("m", stop=1); m.dimension("team", ["Ann", "Bo"]); m.constant("k[team]", 1)
        >>> m.compile().element_label("k", (1,))
        'k[Bo]'
        """
        v = self._cvars[key]
        if not v.dims:
            return v.name
        names = [self.dimensions[d].elements[i] for d, i in zip(v.dims, index, strict=True)]
        return f"{v.name}[{', '.join(names)}]"

    def variable_info(self, factory) -> dict:
        """Reported variables' metadata, made once by ``factory(name, kind, units, dims, elements, doc=)``.

        Examples
        --------
        >>> import sysdyn as sd
        >>> from sysdyn.results import VariableInfo
        >>> m = sd.Model("m", stop=1); m.stock("S", 1, inflows=["f"]); m.flow("f", "S")
        >>> m.compile().variable_info(VariableInfo)["f"]
        VariableInfo(name='f', kind='flow', units='', dimensions=(), elements=(), doc='')
        """
        if self._info is None:
            self._info = {
                k: factory(
                    v.name,
                    v.kind,
                    v.units,
                    tuple(self.dimensions[d].name for d in v.dims),
                    tuple(self.dimensions[d].elements for d in v.dims),
                    doc=v.doc,
                )
                for k, v in self.variables.items()
            }
        return self._info

    # ------------------------------------------------------------ generation
    def program(self, mode: str, overrides: frozenset = frozenset()) -> Program:
        """Return (and cache) the generated functions for ``mode`` and a set of overridden keys.

        Examples
        --------
        >>> import sysdyn as sd
        >>> m = sd.Model("m", stop=1); m.stock("S", 1, inflows=["f"]); m.flow("f", "S")
        >>> cm = m.compile()
        >>> cm.program("ensemble").mode
        'ensemble'
        >>> cm.program("single") is cm.program("single")
        True
        """
        key = (mode, overrides)
        if key not in self._programs:
            self._programs[key] = self._generate(mode, overrides)
        return self._programs[key]

    def _value_code(self, printer: ExpressionPrinter, v: CVar) -> str:
        code = printer.expr(v.equation, v.dims)
        if _is_boolean(v.equation):
            code = f"(1.0 * {code})"
        if v.lookup is not None:
            index = self._table_index[v.key]
            scalar = printer.mode == "single" and not v.dims
            code = f"_lk[{index}]({code})" if scalar else f"_lk[{index}].vec({code})"
        if v.dims and set(labels_of(v.equation)) != set(v.dims):  # constant along some axis: full shape
            helper = "broadcast_single" if printer.mode == "single" else "broadcast_ensemble"
            code = f"_rt.{helper}({code}, {v.shape})"
        return code

    def _generate(self, mode: str, overrides: frozenset) -> Program:
        printer = ExpressionPrinter(mode, self._idents, self._table_index)
        ids = self._idents
        plan = self._plan
        header = ["    _dt = c.dt; _start = c.start; _stop = c.stop; _eps = _dt * 1e-9"]
        over_index = {k: i for i, k in enumerate(sorted(overrides))}
        # initial values, in init order
        lines = ["def _init(t, tk, po, c):", *header]
        for key in plan.init:
            v = self._cvars[key]
            if key in over_index:
                lines.append(f"    {ids[key]} = po[{over_index[key]}]")
            else:
                lines.append(f"    {ids[key]} = {self._value_code(printer, v)}")
        lines.append(
            f"    return [{', '.join(ids[k] for k in plan.stocks)}], "
            f"[{', '.join(ids[k] for k in plan.statics)}]"
        )
        init_src = "\n".join(lines)

        def body(needed: set[str] | None) -> list[str]:
            out = [*header, *self._loads(needed, mode), *self._assignments(printer, needed, "    ")]
            rates = [printer.expr(self._cvars[k].rate, self._cvars[k].dims) for k in plan.stocks]
            if mode == "single" and not self.flat:
                out.append(f"    dy = [{', '.join(rates)}]")
                return out
            runs = "" if mode == "single" else ", c.n_runs"
            out.append(f"    dy = _np.empty(({self.state_size}{runs}))")
            for k, rate in zip(plan.stocks, rates, strict=True):
                out.append(f"    {self._slot(k, mode)} = {rate}")
            return out

        derivs_src = "\n".join(
            ["def _derivs(t, tk, y, p, c):", *body(self._needed(self._rate_roots())), "    return dy"]
        )
        values = ", ".join(ids[k] for k in self.value_keys)
        eval_src = "\n".join(["def _evaluate(t, tk, y, p, c):", *body(None), f"    return dy, ({values},)"])
        parts = [init_src, derivs_src, eval_src]
        pushes = [
            f"c.delays[{i}].push(t, {printer.expr(node, dims)})"
            for i, (node, _host, dims) in enumerate(self._delay_inputs)
        ]
        if pushes:
            needed = self._needed(
                {k for node, _host, _dims in self._delay_inputs for k in names_in(node) & self._cvars.keys()}
            )
            parts.append(
                "\n".join(
                    [
                        "def _commit(t, tk, y, p, c):",
                        *header,
                        *self._loads(needed, mode),
                        *self._assignments(printer, needed, "    "),
                        *("    " + push for push in pushes),
                    ]
                )
            )
        parts.append(self._euler_loop_source(printer, header, values, pushes))
        source = "\n\n".join(parts) + "\n"
        namespace: dict[str, Any] = {"_m": math, "_np": np, "_rt": _rt, "_lk": self._tables}
        namespace["_nw"] = self._networks  # network operators (sysdyn.network.operators)
        # The source is printed from our own validated expression tree (generated identifiers,
        # repr(float) numbers, a fixed table of function names); no model text reaches compile().
        code = compile(source, f"<sysdyn model {self.definition.name!r} ({mode})>", "exec")
        exec(code, namespace)
        return Program(
            mode,
            namespace["_init"],
            namespace["_derivs"],
            namespace["_evaluate"],
            source,
            namespace.get("_euler_loop"),
            namespace.get("_commit"),
        )

    def _euler_loop_source(
        self, printer: ExpressionPrinter, header: list[str], values: str, pushes: list[str]
    ) -> str:
        """The single-run Euler loop with every equation inlined (no call per step)."""
        ids, plan = self._idents, self._plan
        lines = ["def _euler_loop(t0, h, n, every, y, p, c):", *header, *self._loads(None, printer.mode)]
        # single runs of scalar models save one flat list of floats (cheap to turn into an array)
        flat_rows = printer.mode == "single" and not self.flat
        lines += [
            "    rows = []",
            f"    append = rows.{'extend' if flat_rows else 'append'}",
            "    for k in range(n + 1):",
            "        t = t0 + k * h",
            "        tk = t",
        ]
        lines += self._assignments(printer, None, "        ")
        lines += ["        " + push for push in pushes]
        lines += [
            "        if k % every == 0:",
            f"            append(({values},))",
            "        if k == n:",
            "            break",
        ]
        for i, k in enumerate(plan.stocks):
            lines.append(f"        _d{i} = {printer.expr(self._cvars[k].rate, self._cvars[k].dims)}")
        for i, k in enumerate(plan.stocks):
            lines.append(f"        {ids[k]} = {ids[k]} + h * _d{i}")
        lines.append("    return rows")
        return "\n".join(lines)

    def _slot(self, key: str, mode: str) -> str:
        """Where a stock lives in the flat state vector (an expression that can be read or assigned)."""
        offset, n = self.offsets[key]
        shape = self._cvars[key].shape
        if not shape:
            return f"dy[{offset}]"
        view = f"dy[{offset}:{offset + n}]"
        if len(shape) == 1:
            return view
        full = shape if mode == "single" else (*shape, -1)
        return f"{view}.reshape({full})[...]"

    def _load(self, key: str, mode: str) -> str:
        offset, n = self.offsets[key]
        shape = self._cvars[key].shape
        if not shape:
            return f"y[{offset}]"
        if len(shape) == 1:
            return f"y[{offset}:{offset + n}]"
        full = shape if mode == "single" else (*shape, -1)
        return f"y[{offset}:{offset + n}].reshape({full})"

    def _loads(self, needed: set[str] | None, mode: str) -> list[str]:
        """Lines reading the stocks from ``y`` and the (needed) static values from ``p``."""
        ids, plan = self._idents, self._plan
        if self.flat:
            lines = [f"    {ids[k]} = {self._load(k, mode)}" for k in plan.stocks]
        else:
            lines = [f"    {ids[k]} = y[{i}]" for i, k in enumerate(plan.stocks)]
        lines += [
            f"    {ids[k]} = p[{i}]" for i, k in enumerate(plan.statics) if needed is None or k in needed
        ]
        return lines

    def _assignments(self, printer: ExpressionPrinter, needed: set[str] | None, indent: str) -> list[str]:
        """Lines computing the (needed) time-dependent variables, in evaluation order."""
        return [
            f"{indent}{self._idents[k]} = {self._value_code(printer, self._cvars[k])}"
            for k in self._plan.runtime
            if needed is None or k in needed
        ]

    def _rate_roots(self) -> set[str]:
        return {k for s in self._plan.stocks for k in names_in(self._cvars[s].rate) & self._cvars.keys()}

    def _needed(self, roots: set[str]) -> set[str]:
        """``roots`` and every variable they depend on."""
        needed: set[str] = set()
        stack = list(roots)
        while stack:
            k = stack.pop()
            if k in needed:
                continue
            needed.add(k)
            stack.extend(self._cvars[k].deps)
        return needed

    # ------------------------------------------------------------ diagnosis
    def diagnose(self, t: float, y, p, ctx, layout: str = "run") -> NonFiniteValueError | None:
        """Find the first variable (in evaluation order) that is not finite at ``(t, y)``.

        ``y`` and ``p`` are in the run's own layout, or already in the
        ensemble layout with ``layout="ensemble"``.

        Examples
        --------
        >>> import sysdyn as sd
        >>> from sysdyn.solvers.setup import prepare
        >>> m = sd.Model("m", stop=2); m.stock("S", 1, inflows=["f"]); m.flow("f", "1 / (S - 3)")
        >>> cm = m.compile()
        >>> s = prepare(cm, method="euler")
        >>> cm.diagnose(0.0, [1.0], s.p, s.ctx) is None
        True
        >>> print(cm.diagnose(0.0, [3.0], s.p, s.ctx))
        in `f` (equation: '1 / (S - 3)'): the value of `f` is not finite (NaN or infinite) at time 0; ...
        """
        program = self.program("ensemble")
        ens_y = np.asarray(y, dtype=float)
        if ctx.n_runs is None and layout == "run":  # a single run: lay it out as an ensemble of one
            ens_y = ens_y[:, None]
            p = [
                np.asarray(v, dtype=float)[..., None] if np.ndim(v) else np.asarray(v, dtype=float) for v in p
            ]
        runs = ens_y.shape[1]
        ctx1 = _rt.RunContext(ctx.start, ctx.stop, ctx.dt, runs, ctx.delays, ctx.randoms)
        with np.errstate(all="ignore"):
            dy, values = program.evaluate(t, t, ens_y, p, ctx1)
        order = [*self._plan.stocks, *self._plan.statics, *self._plan.runtime]
        by_key = dict(zip(self.value_keys, values, strict=True))
        for k in order:
            if k in by_key:
                found = self._first_bad(k, by_key[k], runs)
                if found is not None:
                    return self._nonfinite(k, t, *found, single=ctx.n_runs is None)
        for i, k in enumerate(self._plan.stocks):
            if self.flat:
                offset, n = self.offsets[k]
                rate = (
                    dy[offset]
                    if not self._cvars[k].shape
                    else dy[offset : offset + n].reshape((*self._cvars[k].shape, -1))
                )
            else:
                rate = dy[i]
            found = self._first_bad(k, rate, runs)
            if found is not None:
                return self._nonfinite(k, t, *found, single=ctx.n_runs is None, rate=True)
        return None

    def _first_bad(self, key: str, value, runs: int) -> tuple[int, tuple[int, ...]] | None:
        """(run, element position) of the first non-finite entry of an ensemble value, or None."""
        shape = self._cvars[key].shape
        bad = np.broadcast_to(~np.isfinite(np.asarray(value, dtype=float)), (*shape, runs))
        if not bad.any():
            return None
        per_run = bad.reshape(-1, runs).any(axis=0)
        run = int(np.argmax(per_run))
        flat_index = int(np.argmax(bad[..., run].reshape(-1)))
        return run, tuple(int(i) for i in np.unravel_index(flat_index, shape)) if shape else ()

    def _nonfinite(
        self, key: str, t: float, run: int, index: tuple[int, ...], *, single: bool, rate: bool = False
    ) -> NonFiniteValueError:
        v = self._cvars[key]
        label = self.element_label(key, index) if index else v.name
        where = f" in run {run}" if not single else ""
        what = "the net flow of" if rate else "the value of"
        return NonFiniteValueError(
            f"{what} `{label}` is not finite (NaN or infinite) at time {t:g}{where}; "
            "look for a division by zero, a logarithm of a non-positive number or a value that overflows",
            variable=label,
            time=t,
            run=None if single else run,
            element=v.name,
            equation=v.text or None,
        )

    # ----------------------------------------------------------------- run
    def run(self, method: str | None = None, **options: Any):
        """Simulate; see :func:`sysdyn.solvers.simulate` for the options.

        Examples
        --------
        >>> import sysdyn as sd
        >>> m = sd.Model("m", stop=2, dt=1); m.stock("S", 1, inflows=["f"]); m.flow("f", "S")
        >>> m.compile().run(method="euler")["S"]
        array([1., 2., 4.])
        """
        from ..solvers import simulate

        return simulate(self, method=method, **options)

    def __repr__(self) -> str:
        name = self.definition.name
        return f"<CompiledModel {name!r}: {len(self.stock_keys)} stocks, {len(self.value_keys)} variables>"
