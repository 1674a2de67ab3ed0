"""Fixed-step Euler, XMILE's default method."""

from __future__ import annotations

from .fixed_step import run_fixed_step

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


def solve_euler(setup):
    """Solve with Euler at ``setup.dt``; returns saved times and rows.

    Examples
    --------
    >>> import sysdyn as sd
    >>> m = sd.Model("m", stop=1, dt=0.5); m.stock("S", 1, outflows=["f"]); m.flow("f", "S")
    >>> m.run(method="euler")["S"]
    array([1.  , 0.5 , 0.25])
    """
    return run_fixed_step(setup, euler_advance)


solve_euler.fixed_step = True  # type: ignore[attr-defined]
