"""Fixed-step Euler, XMILE's default method."""

from __future__ import annotations

import numpy as np

from ..compiler.runtime import DelayLine, all_finite, time_eps
from .fixed_step import run_fixed_step, step_grid

__all__ = ["solve_euler", "euler_advance"]


def euler_advance(t, y, dy, h, derivs, p, ctx):
    """One Euler step: ``y + h * dy`` (lists for single runs, arrays for ensembles).

    Examples
    --------
    >>> euler_advance(0.0, [1.0, 2.0], [0.5, -1.0], 0.1, None, None, None)
    [1.05, 1.9]
    """
    if isinstance(y, list):
        return [a + h * b for a, b in zip(y, dy, strict=True)]
    return y + h * dy


def _fused(setup):
    """The fast path: one generated loop; None if it cannot be used or the run failed.

    After a failure the generic loop runs again from the start (with fresh delay lines) and reports
    the variable, time and run that went wrong.
    """
    loop = setup.program.euler_loop
    if loop is None:
        return None
    n_steps, every = step_grid(setup)
    try:
        with np.errstate(all="ignore"):
            rows = loop(setup.start, setup.dt, n_steps, every, setup.y0, setup.p, setup.ctx)
        # scalar single runs save one flat list of floats; other runs one tuple per saved time
        last = rows[-len(setup.compiled.value_keys) :] if setup.list_state else rows[-1]
        failed = not all_finite(last, setup.list_state)
    except (ArithmeticError, ValueError):
        failed = True
    if failed:
        ctx = setup.ctx
        ctx.delays = [DelayLine(ctx.start, time_eps(ctx.dt)) for _ in ctx.delays]
        return None
    times = setup.start + setup.dt * np.arange(0, n_steps + 1, every)
    return times, rows


def solve_euler(setup):
    """Solve with Euler at ``setup.dt``; returns saved times and rows.

    Examples
    --------
    >>> import sysdyn as sd
    >>> m = sd.Model("m", stop=1, dt=0.5); m.stock("S", 1, outflows=["f"]); m.flow("f", "S")
    >>> m.run(method="euler")["S"]
    array([1.  , 0.5 , 0.25])
    """
    fused = _fused(setup)
    if fused is not None:
        return fused
    return run_fixed_step(setup, euler_advance)


solve_euler.fixed_step = True  # type: ignore[attr-defined]
