"""Fixed-step classical Runge-Kutta of order 4 (XMILE's ``RK4``)."""

from __future__ import annotations

from .fixed_step import run_fixed_step

__all__ = ["solve_rk4", "rk4_advance"]


def rk4_advance(t, y, k1, h, derivs, p, ctx):
    """One RK4 step from ``(t, y)`` with first stage ``k1`` already computed.

    Examples
    --------
    >>> def f(t, tk, y, p, c):
    ...     return [y[0]]
    >>> round(rk4_advance(0.0, [1.0], [1.0], 1.0, f, None, None)[0], 6)
    2.708333
    """
    half = t + h / 2
    if isinstance(y, list):
        k2 = derivs(half, half, [a + h / 2 * b for a, b in zip(y, k1, strict=True)], p, ctx)
        k3 = derivs(half, half, [a + h / 2 * b for a, b in zip(y, k2, strict=True)], p, ctx)
        k4 = derivs(t + h, t + h, [a + h * b for a, b in zip(y, k3, strict=True)], p, ctx)
        return [
            a + h / 6 * (b1 + 2 * b2 + 2 * b3 + b4)
            for a, b1, b2, b3, b4 in zip(y, k1, k2, k3, k4, strict=True)
        ]
    k2 = derivs(half, half, y + h / 2 * k1, p, ctx)
    k3 = derivs(half, half, y + h / 2 * k2, p, ctx)
    k4 = derivs(t + h, t + h, y + h * k3, p, ctx)
    return y + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)


def solve_rk4(setup):
    """Solve with RK4 at ``setup.dt``.

    Examples
    --------
    >>> import sysdyn as sd
    >>> m = sd.Model("m", stop=1, dt=1); m.stock("S", 1, inflows=["f"]); m.flow("f", "S")
    >>> round(float(m.run(method="rk4")["S"][-1]), 6)
    2.708333
    """
    return run_fixed_step(setup, rk4_advance)


solve_rk4.fixed_step = True  # type: ignore[attr-defined]
