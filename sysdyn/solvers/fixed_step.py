"""The fixed-step loop shared by :mod:`euler` and :mod:`rk4` (XMILE update order).

At each step the variables are computed from the stocks at time ``t`` (and
saved, on the save grid); then the stocks move to ``t + DT``.  Results at a
saved time are therefore the stocks at that time and the flows and
auxiliaries computed from them, as in Stella and Vensim.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from ..compiler.runtime import all_finite
from ..errors import ParameterError

__all__ = ["run_fixed_step", "step_grid"]


def step_grid(setup) -> tuple[int, int]:
    """Number of DT steps, and how many steps lie between saved times.

    Examples
    --------
    >>> import sysdyn as sd
    >>> from sysdyn.solvers.setup import prepare
    >>> m = sd.Model("m", stop=2, dt=0.25, saveper=0.5); m.stock("S", 1, inflows=["f"]); m.flow("f", "1")
    >>> step_grid(prepare(m.compile(), method="euler"))
    (8, 2)
    """
    n_steps = math.ceil((setup.stop - setup.start) / setup.dt - 1e-9)
    every = setup.saveper / setup.dt
    if abs(every - round(every)) > 1e-9 * max(1.0, every):
        raise ParameterError(
            f"`saveper` ({setup.saveper:g}) must be a multiple of `dt` ({setup.dt:g}) for the fixed-step "
            f"solver `{setup.method}`"
        )
    return n_steps, round(every)


def run_fixed_step(setup, advance: Callable) -> tuple[np.ndarray, list]:
    """Integrate with ``advance(t, y, dy, h, derivs, p, ctx) -> y_next`` at step ``setup.dt``.

    Examples
    --------
    >>> import sysdyn as sd
    >>> from sysdyn.solvers.setup import prepare
    >>> from sysdyn.solvers.euler import euler_advance
    >>> m = sd.Model("m", stop=1, dt=0.5); m.stock("S", 1, inflows=["f"]); m.flow("f", "S")
    >>> time, rows = run_fixed_step(prepare(m.compile(), method="euler"), euler_advance)
    >>> time.tolist(), [r[0] for r in rows]
    ([0.0, 0.5, 1.0], [1.0, 1.5, 2.25])
    """
    start, dt = setup.start, setup.dt
    n_steps, every = step_grid(setup)
    program, p, ctx = setup.program, setup.p, setup.ctx
    derivs, evaluate, commit = program.derivs, program.evaluate, program.commit
    y = setup.y0
    rows: list = []
    times: list[float] = []
    single = setup.list_state
    with np.errstate(all="ignore"):
        for k in range(n_steps + 1):
            t = start + k * dt
            try:
                if commit is not None:
                    commit(t, t, y, p, ctx)
                if k % every == 0:
                    dy, values = evaluate(t, t, y, p, ctx)
                    rows.append(values)
                    times.append(t)
                else:
                    dy = derivs(t, t, y, p, ctx)
                if k == n_steps:
                    break
                y_next = advance(t, y, dy, dt, derivs, p, ctx)
            except (ArithmeticError, ValueError) as err:
                raise setup.failure(t, y, err) from None
            if not all_finite(y_next if single else (y_next,), single):
                raise setup.failure(t, y) from None
            y = y_next
    return np.asarray(times), rows
