"""Fixed-step second-order Runge-Kutta, Heun's method (XMILE's and Stella's ``RK2``).

Each step averages the slope at the start of the step with the slope at
the end of a trial Euler step:

.. math:: y_{n+1} = y_n + \\tfrac{h}{2}\\,\\bigl(f(t_n, y_n) + f(t_n + h,\\, y_n + h f(t_n, y_n))\\bigr)

References
----------
.. [1] isee systems, *Stella Architect help: Runge-Kutta 2*, integration methods.
.. [2] Süli, E. & Mayers, D. (2003). *An Introduction to Numerical Analysis*,
   section 12.5 (Heun's method). Cambridge University Press.
"""

from __future__ import annotations

from .fixed_step import run_fixed_step

__all__ = ["solve_rk2", "rk2_advance"]


def rk2_advance(t, y, k1, h, derivs, p, ctx):
    """One Heun step from ``(t, y)`` with the first slope ``k1`` already computed.

    Examples
    --------
    >>> def f(t, tk, y, p, c):
    ...     return [y[0]]
    >>> rk2_advance(0.0, [1.0], [1.0], 1.0, f, None, None)
    [2.5]
    """
    if isinstance(y, list):
        k2 = derivs(t + h, t + h, [a + h * b for a, b in zip(y, k1, strict=True)], p, ctx)
        return [a + h / 2 * (b1 + b2) for a, b1, b2 in zip(y, k1, k2, strict=True)]
    k2 = derivs(t + h, t + h, y + h * k1, p, ctx)
    return y + h / 2 * (k1 + k2)


def solve_rk2(setup):
    """Solve with Heun's RK2 at ``setup.dt``.

    Examples
    --------
    >>> import sysdyn as sd
    >>> m = sd.Model("m", stop=1, dt=1); m.stock("S", 1, inflows=["f"]); m.flow("f", "S")
    >>> float(m.run(method="rk2")["S"][-1])
    2.5
    """
    return run_fixed_step(setup, rk2_advance)


solve_rk2.fixed_step = True  # type: ignore[attr-defined]
