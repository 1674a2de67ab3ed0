"""SciPy's adaptive and stiff solvers (:func:`scipy.integrate.solve_ivp`).

Functions that switch at a time (``STEP``, ``PULSE``) make the right-hand
side discontinuous; an adaptive solver could step over a one-DT pulse.  When
a model uses them, the run is integrated segment by segment on the DT grid
and the switches are evaluated at each segment's midpoint, so a pulse
delivers exactly its volume, as under Euler.  A network whose graph changes
at given times is integrated in one segment between each pair of changes.
Ensembles are solved as one system (the step size follows the most demanding run).
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np

from ..errors import SolverError

__all__ = ["METHODS", "make_solver"]

METHODS = ("RK45", "RK23", "DOP853", "Radau", "BDF", "LSODA")


class _NotFinite(ArithmeticError):
    """A right-hand side came out NaN or infinite (numpy does not raise; the solver would stall)."""

    def __init__(self, t: float, state):
        super().__init__(t)
        self.t, self.state = t, state


def _checked(dy, t, state):
    if not np.isfinite(dy).all():
        raise _NotFinite(t, state)
    return dy


def make_solver(method: str):
    """Return a solver function for the ``solve_ivp`` method ``method``.

    Examples
    --------
    >>> import sysdyn as sd
    >>> m = sd.Model("m", stop=1, dt=0.5); m.stock("S", 1, inflows=["f"]); m.flow("f", "S")
    >>> round(float(m.run(method="DOP853", rtol=1e-10, atol=1e-12)["S"][-1]), 8)
    2.71828183
    """

    def solve(setup, rtol: float = 1e-6, atol: float = 1e-9, max_step: float = np.inf, first_step=None):
        from scipy.integrate import solve_ivp

        program, p, ctx = setup.program, setup.p, setup.ctx
        derivs, evaluate = program.derivs, program.evaluate
        save = setup.save_times
        single = setup.list_state
        y = np.asarray(setup.y0, dtype=float)
        shape = y.shape
        if setup.needs_grid:
            n = int(np.ceil((setup.stop - setup.start) / setup.dt - 1e-9))
            edges = np.minimum(setup.start + setup.dt * np.arange(n + 1), setup.stop)
            edges = np.unique(np.append(edges, setup.stop))
        else:  # one segment, or one between each pair of times at which a network's graph changes
            edges = np.array([setup.start, *setup.breaks, setup.stop])
        # inside a segment between graph changes, the graph is the one in force at its midpoint
        midpoints = setup.needs_grid or bool(setup.breaks)
        states = np.empty((len(save), y.size))
        filled = 0
        options = {"rtol": rtol, "atol": atol, "max_step": max_step}
        if first_step is not None:
            options["first_step"] = first_step
        with np.errstate(all="ignore"):
            for a, b in pairwise(edges):
                tk = 0.5 * (a + b) if midpoints else None
                if program.commit is not None:  # record fixed-delay inputs at each DT boundary
                    program.commit(a, a, y.tolist() if single else y, p, ctx)
                if single:

                    def fun(t, yy, tk=tk):
                        return derivs(t, t if tk is None else tk, yy.tolist(), p, ctx)
                elif setup.single:  # a flat state vector (models with arrays)

                    def fun(t, yy, tk=tk):
                        return _checked(derivs(t, t if tk is None else tk, yy, p, ctx), t, yy)
                else:

                    def fun(t, yy, tk=tk):
                        state = yy.reshape(shape)
                        return _checked(
                            derivs(t, t if tk is None else tk, state, p, ctx).reshape(-1), t, state
                        )

                last = b >= setup.stop
                upper = save <= b + 1e-12 * max(1.0, abs(b)) if last else save < b - 1e-12 * max(1.0, abs(b))
                inside = np.nonzero((save >= a - 1e-12 * max(1.0, abs(a))) & upper)[0]
                inside = inside[inside >= filled]
                t_eval = np.clip(save[inside], a, b)
                ends_on_save = len(t_eval) > 0 and t_eval[-1] == b
                if not ends_on_save:  # also ask for the segment's end: the next segment starts there
                    t_eval = np.append(t_eval, b)
                try:
                    sol = solve_ivp(fun, (a, b), y.reshape(-1), method=method, t_eval=t_eval, **options)
                except _NotFinite as err:
                    raise setup.failure(err.t, err.state) from None
                except (ArithmeticError, ValueError) as err:
                    raise setup.failure(a, y.tolist() if single else y, err) from None
                if sol.status < 0:
                    bad = sol.y[:, -1] if sol.y.size else y.reshape(-1)
                    if not np.all(np.isfinite(bad)):
                        raise setup.failure(sol.t[-1] if sol.t.size else a, y.tolist() if single else y)
                    raise SolverError(f"{method} failed between t={a:g} and t={b:g}: {sol.message}")
                if len(inside):
                    states[inside] = sol.y[:, : len(inside)].T
                    filled = inside[-1] + 1
                y = sol.y[:, -1].reshape(shape)
                if not np.all(np.isfinite(y)):
                    raise setup.failure(b, y.tolist() if single else y)
        rows = []
        with np.errstate(all="ignore"):
            for i, t in enumerate(save):
                state = states[i].tolist() if single else states[i].reshape(shape)
                try:
                    rows.append(evaluate(t, t, state, p, ctx)[1])
                except (ArithmeticError, ValueError) as err:
                    raise setup.failure(t, state, err) from None
        return save, rows

    solve.__name__ = "solve"
    solve.__doc__ = f"Solve with scipy.integrate.solve_ivp(method={method!r})."
    return solve
