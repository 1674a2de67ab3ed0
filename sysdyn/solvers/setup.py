"""Everything a solver needs for one run (or ensemble): time grid, initial state, parameters.

:func:`prepare` validates the run options and parameter overrides, runs the
generated initialisation, and returns a :class:`RunSetup`; solvers read it
and hand their saved rows back to :meth:`RunSetup.results`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..compiler import runtime as _rt
from ..compiler.network_ops import network_extras, runs_of_networks
from ..errors import NonFiniteValueError, ParameterError, SimulationError
from ..names import canonical, closest

__all__ = ["RunSetup", "prepare"]


@dataclass
class RunSetup:
    """One prepared run: read by solvers, never by users.

    Made by :func:`prepare`.

    Examples
    --------
    >>> import sysdyn as sd
    >>> m = sd.Model("m", stop=2); m.stock("S", 3, inflows=["f"]); m.flow("f", "-1")
    >>> s = prepare(m.compile(), method="euler")
    >>> s.single, s.n_runs, s.y0
    (True, None, [3.0])
    """

    compiled: Any
    method: str
    start: float
    stop: float
    dt: float
    saveper: float
    save_times: np.ndarray
    n_runs: int | None
    program: Any
    y0: Any
    p: list
    ctx: _rt.RunContext
    params: dict
    needs_grid: bool
    #: times inside the run at which the right-hand side changes (a network's graph): adaptive solvers
    #: stop and restart there
    breaks: tuple[float, ...] = ()

    @property
    def single(self) -> bool:
        """True for a single run (not an ensemble)."""
        return self.n_runs is None

    @property
    def list_state(self) -> bool:
        """True when the state is a list of floats (single runs of models without arrays)."""
        return self.n_runs is None and not self.compiled.flat

    def state(self, vector: np.ndarray):
        """The state in the form the generated functions take, from a flat vector (SciPy's ``y``).

        Examples
        --------
        >>> import numpy as np
        >>> import sysdyn as sd
        >>> m = sd.Model("m", stop=2); m.stock("S", 3, inflows=["f"]); m.flow("f", "-1")
        >>> prepare(m.compile(), method="euler").state(np.array([2.5]))
        [2.5]
        """
        if self.list_state:
            return vector.tolist()
        return vector if self.single else vector.reshape(self.compiled.state_size, -1)

    def failure(self, t: float, y, err: Exception | None = None) -> Exception:
        """Build the error for a run that produced a non-finite value (or raised) at ``(t, y)``.

        Examples
        --------
        >>> import numpy as np
        >>> import sysdyn as sd
        >>> m = sd.Model("m", stop=2); m.stock("S", 1, inflows=["f"]); m.flow("f", "1 / (S - 3)")
        >>> s = prepare(m.compile(), method="euler")
        >>> print(s.failure(1.0, np.array([3.0])))
        in `f` (equation: '1 / (S - 3)'): the value of `f` is not finite (NaN or infinite) at time 1; ...
        """
        found = self.compiled.diagnose(t, y, self.p, self.ctx)
        if found is not None:
            return found
        why = f": {err}" if err is not None else ""
        return SimulationError(f"the run of `{self.compiled.definition.name}` failed at time {t:g}{why}")

    def results(self, time: np.ndarray, rows: list):
        """Turn saved rows (one tuple of values per saved time) into :class:`~sysdyn.Results`.

        Examples
        --------
        >>> import numpy as np
        >>> import sysdyn as sd
        >>> m = sd.Model("m", stop=1); m.stock("S", 3, inflows=["f"]); m.flow("f", "-1")
        >>> s = prepare(m.compile(), method="euler")
        >>> r = s.results(np.array([0.0, 1.0]), [(3.0, -1.0), (2.0, -1.0)])
        >>> r["S"]
        array([3., 2.])
        """
        from ..results import Results, VariableInfo

        compiled = self.compiled
        keys = compiled.value_keys
        data: dict[str, np.ndarray] = {}
        all_finite = False
        if self.list_state:  # rows: tuples of floats, or one flat list of them (the fused Euler loop)
            table = np.array(rows, dtype=float).reshape(-1, len(keys))
            all_finite = bool(np.isfinite(table).all())
            columns = np.ascontiguousarray(table.T)  # one copy; each variable is a row of it
            for j, k in enumerate(keys):
                data[k] = columns[j]
        else:  # one preallocated block per variable; assignment broadcasts values that do not vary
            runs = () if self.single else (self.n_runs,)
            static = set(compiled.static_keys)
            n_times = len(rows)
            for j, k in enumerate(keys):
                shape = compiled.shape_of(k)
                if k in static and not self.single and n_times:  # constant in time: a read-only view
                    value = np.asarray(rows[0][j], dtype=float)
                    per_run = np.moveaxis(np.broadcast_to(value, (*shape, *runs)), -1, 0)[:, None]
                    data[k] = np.broadcast_to(per_run, (self.n_runs, n_times, *shape))
                    continue
                block = np.empty((n_times, *shape, *runs))
                for i, row in enumerate(rows):
                    block[i] = row[j]
                data[k] = block if self.single else np.moveaxis(block, -1, 0)  # (runs, times, *dims)
        if not all_finite:
            self._check_finite(time, data)
        variables = compiled.variable_info(VariableInfo)
        specs = compiled.definition.sim_specs
        return Results(
            time=np.asarray(time, dtype=float),
            data=data,
            variables=variables,
            n_runs=self.n_runs,
            model_name=compiled.definition.name,
            time_units=specs.time_units,
            method=self.method,
            params=self.params or None,
            extras=network_extras(compiled),
        )

    def _check_finite(self, time: np.ndarray, data: dict[str, np.ndarray]) -> None:
        for k, arr in data.items():
            bad = ~np.isfinite(arr)
            if bad.any():
                v = self.compiled.variables[k]
                idx = np.argwhere(bad)
                if self.single:
                    first = idx[np.argmin(idx[:, 0])]
                    run, t_index, element = None, int(first[0]), tuple(int(i) for i in first[1:])
                else:
                    first = idx[np.argmin(idx[:, 1])]
                    run, t_index, element = int(first[0]), int(first[1]), tuple(int(i) for i in first[2:])
                label = self.compiled.element_label(k, element) if element else v.name
                t = float(time[t_index])
                where = f" in run {run}" if run is not None else ""
                raise NonFiniteValueError(
                    f"`{label}` is not finite (NaN or infinite) at time {t:g}{where}; look for a division "
                    "by zero, a logarithm of a non-positive number or a value that overflows",
                    variable=label,
                    time=t,
                    run=run,
                    element=v.name,
                    equation=v.text or None,
                )


def _overrides(compiled, params: dict | None) -> tuple[dict[str, Any], int | None]:
    if not params:
        return {}, None
    if not isinstance(params, dict):
        raise ParameterError(f"`params` must be a dict of name -> value (got {type(params).__name__})")
    out: dict[str, Any] = {}
    runs: int | None = None
    runs_from = ""
    for name, value in params.items():
        key = canonical(str(name))
        if key not in compiled.variables:
            hint = closest(str(name), [v.name for v in compiled.variables.values()])
            raise ParameterError(
                f"`params` names `{name}`, which is not a variable of the model"
                + (f"; did you mean `{hint}`?" if hint else "")
            )
        v = compiled.variables[key]
        if v.kind != "stock" and key not in compiled.static_keys:
            raise ParameterError(
                f"`{v.name}` cannot be overridden: it changes during the run (it depends on time or on a "
                "stock). Override constants, or a stock's initial value",
                element=v.name,
            )
        try:
            arr = np.asarray(value, dtype=float) if not isinstance(value, str) else None
        except (TypeError, ValueError):
            arr = None
        shape = compiled.shape_of(key)
        if shape and arr is not None:
            if arr.ndim == len(shape):  # one value per element
                if arr.shape != shape:
                    raise ParameterError(
                        f"the values for `{v.name}` have shape {arr.shape}, but its dimensions give {shape}",
                        element=v.name,
                    )
                out[key] = arr
                continue
            if arr.ndim == len(shape) + 1:  # (runs, *dims): an ensemble
                if arr.shape[1:] != shape:
                    raise ParameterError(
                        f"the ensemble values for `{v.name}` have shape {arr.shape}; expected "
                        f"(runs, {', '.join(map(str, shape))})",
                        element=v.name,
                    )
                if runs is not None and arr.shape[0] != runs:
                    raise ParameterError(
                        "ensemble parameters must all have the same length: "
                        f"`{runs_from}` has {runs} values, `{v.name}` has {arr.shape[0]}",
                        element=v.name,
                    )
                runs, runs_from = arr.shape[0], v.name
                out[key] = arr
                continue
            if arr.ndim == 0:
                out[key] = float(arr)
                continue
        if arr is None or arr.ndim > 1:
            raise ParameterError(
                f"the value for `{v.name}` must be a number or a 1-D array of numbers (got {value!r})",
                element=v.name,
            )
        if arr.ndim == 1:
            if runs is not None and len(arr) != runs:
                raise ParameterError(
                    f"ensemble parameters must all have the same length: `{runs_from}` has {runs} values, "
                    f"`{v.name}` has {len(arr)}",
                    element=v.name,
                )
            if len(arr) == 0:
                raise ParameterError(f"the array of values for `{v.name}` is empty", element=v.name)
            runs, runs_from = len(arr), v.name
            out[key] = arr
        else:
            out[key] = float(arr)
    return out, runs


def _layout(compiled, overrides: dict[str, Any], n_runs: int | None) -> list:
    """Override values in the layout generated code uses (arrays: ``dims`` or ``dims + (runs,)``)."""
    po = []
    for key in sorted(overrides):
        value = overrides[key]
        shape = compiled.shape_of(key)
        if shape:
            arr = np.asarray(value, dtype=float)
            if n_runs is None:
                value = np.array(np.broadcast_to(arr, shape))
            elif arr.ndim == len(shape) + 1:
                value = np.ascontiguousarray(np.moveaxis(arr, 0, -1))
            else:
                value = np.array(np.broadcast_to(arr, shape)[..., None])
        po.append(value)
    return po


def _pack(compiled, stocks: list, statics: list, n_runs: int | None) -> tuple[Any, list]:
    """Initial state and static values in the layout the solvers and generated code use."""
    if n_runs is None and not compiled.flat:
        return [float(v) for v in stocks], [float(v) for v in statics]
    runs = () if n_runs is None else (n_runs,)
    y0 = np.empty((compiled.state_size, *runs))
    for k, value in zip(compiled.stock_keys, stocks, strict=True):
        offset, n = compiled.offsets[k]
        shape = compiled.shape_of(k)
        y0[offset : offset + n] = np.broadcast_to(value, (*shape, *runs)).reshape((n, *runs))
    if n_runs is None:
        p = [np.asarray(v, dtype=float) if np.ndim(v) else float(v) for v in statics]
    else:
        p = list(statics)
    return y0, p


def _initial_failure(compiled, overrides, po, ctx, start) -> Exception:
    """Locate the variable that is not finite at the start (numpy evaluation, errors become NaN)."""
    runs = ctx.n_runs or 1
    program = compiled.program("ensemble", frozenset(overrides))
    ctx1 = _rt.RunContext(ctx.start, ctx.stop, ctx.dt, runs)
    po1 = _layout(compiled, overrides, runs)
    with np.errstate(all="ignore"):
        stocks, statics = program.init(start, start, po1, ctx1)
        y, p = _pack(compiled, stocks, statics, runs)
    found = compiled.diagnose(start, y, p, ctx, layout="ensemble")
    return found or SimulationError(f"computing the initial values of `{compiled.definition.name}` failed")


def _attach_state(compiled, ctx: _rt.RunContext, seed: int | None) -> None:
    """Give a run its delay lines and random sources (fresh for every run)."""
    eps = _rt.time_eps(ctx.dt)
    ctx.delays = [_rt.DelayLine(ctx.start, eps) for _ in range(compiled.n_delays)]
    if compiled.random_sites:
        if seed is None:
            seed = int(np.random.SeedSequence().entropy % (2**63))
        elif isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise ParameterError(f"`seed` must be an integer (got {seed!r})")
        n_steps = math.ceil((ctx.stop - ctx.start) / ctx.dt - 1e-9)
        ctx.randoms = [
            _rt.RandomSource(
                kind,
                seed=seed if fixed is None else fixed,
                site=site,
                n_steps=n_steps,
                n_runs=ctx.n_runs,
                start=ctx.start,
                dt=ctx.dt,
                shape=shape,
            )
            for site, (kind, fixed, shape) in enumerate(compiled.random_sites)
        ]


def prepare(
    compiled,
    *,
    method: str,
    params: dict | None = None,
    start: float | None = None,
    stop: float | None = None,
    dt: float | None = None,
    saveper: float | None = None,
    seed: int | None = None,
) -> RunSetup:
    """Validate options and compute the initial state.

    Examples
    --------
    >>> import sysdyn as sd
    >>> m = sd.Model("m", stop=2, dt=0.5); m.stock("S", 3, inflows=["f"]); m.flow("f", "0")
    >>> s = prepare(m.compile(), method="euler")
    >>> s.y0, s.save_times.tolist()
    ([3.0], [0.0, 0.5, 1.0, 1.5, 2.0])
    """
    specs = compiled.definition.sim_specs
    start = specs.start if start is None else float(start)
    stop = specs.stop if stop is None else float(stop)
    dt = specs.dt if dt is None else float(dt)
    if saveper is None:
        saveper = dt if (specs.saveper == specs.dt or specs.saveper is None) else specs.saveper
    for label, value in (("start", start), ("stop", stop), ("dt", dt), ("saveper", saveper)):
        if not math.isfinite(value):
            raise ParameterError(f"`{label}` must be a finite number (got {value})")
    if stop <= start:
        raise ParameterError(f"`stop` ({stop:g}) must be after `start` ({start:g})")
    if dt <= 0 or saveper <= 0:
        raise ParameterError(f"`dt` and `saveper` must be positive (got dt={dt:g}, saveper={saveper:g})")
    n_save = math.floor((stop - start) / saveper + 1e-9)
    save_times = start + saveper * np.arange(n_save + 1)
    overrides, n_runs = _overrides(compiled, params)
    n_runs = runs_of_networks(compiled, n_runs)  # a network with one graph per run makes an ensemble
    mode = "single" if n_runs is None else "ensemble"
    program = compiled.program(mode, frozenset(overrides))
    ctx = _rt.RunContext(start, stop, dt, n_runs)
    _attach_state(compiled, ctx, seed)
    po = _layout(compiled, overrides, n_runs)
    try:
        with np.errstate(all="ignore"):
            stocks, statics = program.init(start, start, po, ctx)
        failed = not _rt.all_finite([*stocks, *statics], n_runs is None and not compiled.flat)
    except (ArithmeticError, ValueError):
        failed = True
    if failed:
        raise _initial_failure(compiled, overrides, po, ctx, start)
    y0, p = _pack(compiled, stocks, statics, n_runs)
    return RunSetup(
        compiled,
        method,
        start,
        stop,
        dt,
        saveper,
        save_times,
        n_runs,
        program,
        y0,
        p,
        ctx,
        overrides,
        compiled.uses_switches,
        tuple(t for t in compiled.change_times if start < t < stop),
    )
