"""Fixed-step Euler and RK4 compiled with numba: ``method="euler-numba"`` and ``"rk4-numba"``.

The same methods as ``"euler"`` and ``"rk4"`` (XMILE update order, the same
numbers), with the whole run compiled to machine code by
:mod:`sysdyn.compiler.numba_backend`.  The first run of a model compiles it
(a fraction of a second; the time is in ``results.info["compile_seconds"]``);
later runs of the same compiled model, with any parameters, reuse the machine
code.  An ensemble runs blocks of its members in parallel threads, one per
CPU.

The solvers are registered only when numba is installed
(``pip install "sysdyn-sim[jit]"``).  Models with arrays, random functions
or the fixed ``DELAY`` raise :class:`~sysdyn.SolverError`; run those with
``method="euler"`` or ``"rk4"``.  When a value stops being finite (or a
division by zero raises), the run is repeated by the pure-Python solver,
which reports the variable, time and run as usual.

Examples
--------
>>> import sysdyn as sd
>>> m = sd.Model("m", stop=1, dt=0.5); m.stock("S", 1, inflows=["f"]); m.flow("f", "S")
>>> from sysdyn.solvers import available
>>> method = "euler-numba" if "euler-numba" in available() else "euler"
>>> m.run(method=method)["S"]
array([1.  , 1.5 , 2.25])
"""

from __future__ import annotations

import itertools
import os
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from types import MappingProxyType

import numpy as np

from ..compiler.numba_backend import BLOCK, jit_kernel, numba_available
from ..results import Results, VariableInfo
from .euler import solve_euler
from .fixed_step import step_grid
from .rk4 import solve_rk4

__all__ = ["solve_euler_numba", "solve_rk4_numba", "register_numba_solvers", "SOLVERS"]


def _solve(setup, method: str, fallback: Callable):
    """Run ``setup`` with the compiled kernel of ``method``; a finished :class:`~sysdyn.Results`."""
    compiled = setup.compiled
    n_steps, every = step_grid(setup)
    kernel = jit_kernel(compiled, method, ensemble=setup.n_runs is not None)
    n_save = n_steps // every + 1
    start, dt = setup.start, setup.dt
    if setup.n_runs is None:
        out = np.empty((len(kernel.written), n_save))
        try:
            status = kernel.run(
                start, dt, n_steps, every, start, setup.stop, np.array(setup.y0), np.array(setup.p), out
            )
        except ArithmeticError:  # a division by zero: the pure-Python solver decides what it gives
            status = np.nan
        if status != 0.0:
            return setup.results(*fallback(setup))
        out.flags.writeable = False  # and so are its rows, the variables' arrays
        data = dict(zip(kernel.written, out, strict=True))
    else:
        data = _ensemble(setup, kernel, n_steps, every, n_save)
        if data is None:
            return setup.results(*fallback(setup))
    extras = {"backend": "numba", "compile_seconds": kernel.compile_seconds}
    template = _TEMPLATES.get(compiled)
    if template:
        return _copy_results(template, _time_grid(start, dt, n_steps, every), data, setup, extras)
    res = Results(
        time=_time_grid(start, dt, n_steps, every),
        data=data,
        variables=compiled.variable_info(VariableInfo),
        n_runs=setup.n_runs,
        model_name=compiled.definition.name,
        time_units=compiled.definition.sim_specs.time_units,
        method=setup.method,
        params=setup.params or None,
        extras=extras,
    )
    if template is None:
        _TEMPLATES[compiled] = res if set(vars(res)) == _RESULTS_FIELDS else False
    return res


def _ensemble(setup, kernel, n_steps: int, every: int, n_save: int) -> dict | None:
    """Run every member of an ensemble; the variables' arrays, or None if a value was not finite."""
    compiled, runs = setup.compiled, setup.n_runs
    y0 = np.ascontiguousarray(setup.y0, dtype=float)  # (stocks, runs)
    p = np.empty((len(setup.p), runs))
    for i, value in enumerate(setup.p):
        p[i] = value
    out = np.empty((len(kernel.written), n_save, runs))
    args = (setup.start, setup.dt, n_steps, every, setup.start, setup.stop, y0, p, out)
    blocks = -(-runs // BLOCK)
    shares = min(blocks, _cpus())
    bounds = [blocks * i // shares for i in range(shares + 1)]
    # the other threads' shares go to the pool, the first is run here; the kernel releases the GIL
    first, *others = itertools.pairwise(bounds)
    futures = [_pool().submit(kernel.run, a, b, *args) for a, b in others]
    status = kernel.run(*first, *args) + sum(f.result() for f in futures)
    if status != 0.0:
        return None
    out.flags.writeable = False
    data = {key: block.T for key, block in zip(kernel.written, out, strict=True)}  # (runs, times) views
    for i, key in enumerate(compiled.static_keys):  # constant in time: read-only views
        if key in compiled.variables:
            data[key] = np.broadcast_to(p[i, :, None], (runs, n_save))
    return {key: data[key] for key in compiled.value_keys}


def _cpus() -> int:
    """The CPUs this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


_POOLS: dict[int, ThreadPoolExecutor] = {}


def _pool() -> ThreadPoolExecutor:
    """Worker threads for ensembles, one pool per process (a forked child makes its own)."""
    pid = os.getpid()
    if pid not in _POOLS:
        _POOLS.clear()
        _POOLS[pid] = ThreadPoolExecutor(max_workers=max(1, _cpus() - 1), thread_name_prefix="sysdyn-numba")
    return _POOLS[pid]


_GRIDS: dict[tuple, np.ndarray] = {}


def _time_grid(start: float, dt: float, n_steps: int, every: int) -> np.ndarray:
    """The saved times, as the pure-Python Euler loop computes them (cached, read-only)."""
    key = (start, dt, n_steps, every)
    grid = _GRIDS.get(key)
    if grid is None:
        if len(_GRIDS) > 64:
            _GRIDS.clear()
        grid = _GRIDS[key] = start + dt * np.arange(0, n_steps + 1, every)
        grid.flags.writeable = False
    return grid


#: The attributes Results.__init__ sets; if it ever sets others, copies are not made (see below).
_RESULTS_FIELDS = frozenset(
    {
        "_time", "_n_runs", "_lead", "_info", "_data", "_lookup", "_params",
        "_model_name", "_time_units", "_method", "_extras",
    }
)  # fmt: skip
#: The first Results of each compiled model (False: copying is off for it).
_TEMPLATES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _read_only(arr: np.ndarray) -> np.ndarray:
    arr.flags.writeable = False
    return arr


def _copy_results(template: Results, time: np.ndarray, data: dict, setup, extras: dict) -> Results:
    """A Results like ``template`` (same model) with this run's arrays, without re-validating.

    The first run of a model builds its Results with the public constructor,
    which checks every shape and indexes every spelling of every name (about
    20 µs for ten variables).  Those indexes depend only on the model, so the
    later runs copy the first one and swap in what the constructor would have
    stored for them: their (read-only) arrays, time grid, run count,
    parameters, method and extras.
    """
    res = object.__new__(Results)
    vars(res).update(vars(template))
    res._time = time
    res._data = data
    res._n_runs = setup.n_runs
    res._lead = (slice(None),) * (1 if setup.n_runs is None else 2)
    res._params = {
        key: float(value) if np.ndim(value) == 0 else _read_only(np.array(value, dtype=float))
        for key, value in setup.params.items()
    }
    res._method = str(setup.method)
    res._extras = MappingProxyType(extras)
    return res


def solve_euler_numba(setup):
    """Euler at ``setup.dt``, compiled with numba; returns the :class:`~sysdyn.Results`.

    Examples
    --------
    >>> import sysdyn as sd
    >>> m = sd.Model("m", stop=1, dt=0.5); m.stock("S", 1, outflows=["f"]); m.flow("f", "S")
    >>> from sysdyn.solvers import available
    >>> method = "euler-numba" if "euler-numba" in available() else "euler"
    >>> m.run(method=method)["S"]
    array([1.  , 0.5 , 0.25])
    """
    return _solve(setup, "euler", solve_euler)


def solve_rk4_numba(setup):
    """RK4 at ``setup.dt``, compiled with numba; returns the :class:`~sysdyn.Results`.

    Examples
    --------
    >>> import sysdyn as sd
    >>> m = sd.Model("m", stop=1, dt=1); m.stock("S", 1, inflows=["f"]); m.flow("f", "S")
    >>> from sysdyn.solvers import available
    >>> method = "rk4-numba" if "rk4-numba" in available() else "rk4"
    >>> round(float(m.run(method=method)["S"][-1]), 6)
    2.708333
    """
    return _solve(setup, "rk4", solve_rk4)


solve_euler_numba.fixed_step = True  # type: ignore[attr-defined]
solve_rk4_numba.fixed_step = True  # type: ignore[attr-defined]

#: Registry name -> solver.
SOLVERS = {"euler-numba": solve_euler_numba, "rk4-numba": solve_rk4_numba}


def register_numba_solvers(register: Callable) -> bool:
    """Register :data:`SOLVERS` with ``register(name, solver)`` if numba is installed.

    numba itself is not imported here (that takes a while); the first run
    imports it.

    Returns
    -------
    bool
        True if the solvers were registered.

    Examples
    --------
    >>> found = {}
    >>> register_numba_solvers(found.__setitem__) == ("euler-numba" in found)
    True
    """
    if not numba_available():
        return False
    for name, solver in SOLVERS.items():
        register(name, solver)
    return True
