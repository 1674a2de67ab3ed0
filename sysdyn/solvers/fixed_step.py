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

from ..errors import ParameterError

__all__ = ["run_fixed_step"]


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
    n_steps = math.ceil((setup.stop - start) / dt - 1e-9)
    every = setup.saveper / dt
    if abs(every - round(every)) > 1e-9 * max(1.0, every):
        raise ParameterError(
            f"`saveper` ({setup.saveper:g}) must be a multiple of `dt` ({dt:g}) for the fixed-step solver "
            f"`{setup.method}`"
        )
    every = round(every)
    program, p, ctx = setup.program, setup.p, setup.ctx
    derivs, evaluate, commit = program.derivs, program.evaluate, program.commit
    y = setup.y0
    rows: list = []
    times: list[float] = []
    single = setup.single
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
            finite = math.isfinite(sum(y_next)) if single else bool(np.isfinite(y_next).all())
            if not finite:
                raise setup.failure(t, y) from None
            y = y_next
    return np.asarray(times), rows
