"""Solvers behind one front door.

:func:`simulate` is the single entry point; solvers live in a registry keyed
by name, so a new method is a new module that calls :func:`register`, not a
new branch here.  Built in: ``euler``, ``rk2`` (Heun) and ``rk4`` (fixed step,
XMILE update order) and every :func:`scipy.integrate.solve_ivp` method (``RK45``,
``RK23``, ``DOP853``, ``Radau``, ``BDF``, ``LSODA``).  With numba installed
(the ``jit`` extra), ``euler-numba`` and ``rk4-numba`` run the same fixed-step
methods compiled to machine code (:mod:`sysdyn.solvers.numba_solvers`).

Examples
--------
>>> tuple(name for name in available() if not name.endswith("-numba"))
('BDF', 'DOP853', 'LSODA', 'RK23', 'RK45', 'Radau', 'euler', 'rk2', 'rk4')
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import SolverError
from ..names import closest
from .setup import RunSetup, prepare

__all__ = ["simulate", "register", "available", "get", "RunSetup"]

_REGISTRY: dict[str, Callable[..., Any]] = {}
#: Solvers that exist only when numba is installed (the ``jit`` extra).
_NEEDS_NUMBA = ("euler-numba", "rk4-numba")


def register(name: str, solver: Callable[..., Any]) -> None:
    """Register ``solver(setup, **options) -> (time, values)`` under ``name`` (case-insensitive).

    A solver may also return a finished :class:`~sysdyn.Results` (the numba back end does).

    Examples
    --------
    >>> from sysdyn.solvers.euler import solve_euler
    >>> register("my-euler", solve_euler); "my-euler" in available()
    True
    >>> _ = _REGISTRY.pop("my-euler")
    """
    _REGISTRY[name] = solver


def available() -> tuple[str, ...]:
    """Names of the registered solvers, sorted.

    Examples
    --------
    >>> "euler" in available()
    True
    """
    return tuple(sorted(_REGISTRY))


def get(name: str) -> Callable[..., Any]:
    """Return the solver registered as ``name`` (case-insensitive).

    Examples
    --------
    >>> get("rk45").__name__
    'solve'
    """
    lowered = {k.lower(): v for k, v in _REGISTRY.items()}
    if not isinstance(name, str) or name.lower() not in lowered:
        if isinstance(name, str) and name.lower() in _NEEDS_NUMBA:
            raise SolverError(
                f"solver `{name}` needs numba, which is not installed: "
                'pip install "sysdyn-sim[jit]" (or use the same method without numba: '
                f"`{name.lower().removesuffix('-numba')}`)"
            )
        hint = closest(str(name), list(_REGISTRY))
        raise SolverError(
            f"unknown solver `{name}`; available: {', '.join(available())}"
            + (f" (did you mean `{hint}`?)" if hint else "")
        )
    return lowered[name.lower()]


def simulate(compiled, method: str | None = None, **options: Any):
    """Run a compiled model.

    Parameters
    ----------
    compiled : CompiledModel
    method : str, optional
        Solver name; defaults to the model's ``sim_specs.method``.
    params : dict, optional
        Overrides of constants (or of stocks' initial values), by name.
        A scalar gives a single run; a 1-D array of length R for any
        parameter gives an ensemble of R runs computed as one array.
    start, stop, dt, saveper : float, optional
        Override the model's simulation specs for this run.
    rtol, atol, max_step : float, optional
        Passed to SciPy's adaptive solvers.

    Returns
    -------
    Results

    Examples
    --------
    >>> import sysdyn as sd
    >>> m = sd.Model("m", stop=1, dt=0.5); m.stock("S", 1, inflows=["f"]); m.flow("f", "S")
    >>> simulate(m.compile(), "euler")["S"]
    array([1.  , 1.5 , 2.25])
    """
    name = method or compiled.definition.sim_specs.method
    solver = get(name)
    solver_options = {
        k: options.pop(k) for k in list(options) if k in ("rtol", "atol", "max_step", "first_step")
    }
    setup = prepare(compiled, method=name, **options)
    if solver_options and getattr(solver, "fixed_step", False):
        raise SolverError(f"{', '.join(solver_options)} only apply to adaptive solvers, not `{name}`")
    out = solver(setup, **solver_options)
    if not isinstance(out, tuple):  # a solver may build the Results itself (the numba back end does)
        return out
    return setup.results(*out)


def _register_builtins() -> None:
    from . import euler, numba_solvers, rk2, rk4, scipy_ivp

    register("euler", euler.solve_euler)
    register("rk2", rk2.solve_rk2)
    register("rk4", rk4.solve_rk4)
    for scipy_name in scipy_ivp.METHODS:
        register(scipy_name, scipy_ivp.make_solver(scipy_name))
    numba_solvers.register_numba_solvers(register)  # euler-numba, rk4-numba: only with numba installed


_register_builtins()
