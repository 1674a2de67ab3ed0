"""Calibration to data: fit parameters with :mod:`scipy.optimize`, report estimates and standard errors.

The residuals are the model's values at the data's times (interpolated
linearly between saved times) minus the data, for each observed variable,
scaled by the chosen error measure.  ``method="least_squares"`` uses
:func:`scipy.optimize.least_squares` within the bounds;
``method="differential_evolution"`` searches the whole box globally,
evaluating each generation as one vectorised ensemble.  Standard errors
come from the Jacobian at the optimum, ``cov = s² (JᵀJ)⁻¹`` with
``s² = SSE / (n - p)`` (Gauss-Newton approximation).

With arrayed variables, a data column names one element,
``"Knowledge[alice]"``, or an aggregate over the elements at each time,
``"sum(Knowledge)"`` (also ``mean``, ``min``, ``max``, ``median``).

References
----------
Bates, D. M. and Watts, D. G. (1988). *Nonlinear Regression Analysis and Its Applications*, ch. 2.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from sysdyn.showcase import team_knowledge
>>> m = team_knowledge()
>>> truth = m.run(method="euler", params={"learning rate": 0.8})
>>> data = pd.DataFrame({"Knowledge": truth["Knowledge"][::20]}, index=truth.time[::20])
>>> fit = calibrate(m, data, {"learning rate": (0.1, 2)}, method="least_squares", run_method="euler")
>>> round(fit.params["learning rate"], 6)
0.8
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..errors import ParameterError
from .progress import progress_bar
from .statistics import series

__all__ = ["calibrate", "Calibration", "ERRORS"]

ERRORS = ("absolute", "relative", "normalized")


class Calibration:
    """The result of :func:`calibrate`.

    Attributes
    ----------
    params, stderr : dict of str to float
        Estimates and their standard errors.
    covariance : numpy.ndarray
    cost : float
        Sum of squared (scaled) residuals at the optimum.
    residuals : pandas.DataFrame
        Model minus data at the data's times, per variable (unscaled).
    results : sysdyn.Results
        The run with the fitted parameters.
    success : bool
    message : str

    Examples
    --------
    >>> import numpy as np, pandas as pd, sysdyn as sd
    >>> m = sd.Model("decay", stop=4, dt=0.25); m.stock("S", 10, outflows=["loss"])
    >>> m.flow("loss", "k * S"); m.constant("k", 0.1)
    >>> truth = m.run(method="euler", params={"k": 0.5})
    >>> noise = np.random.default_rng(0).normal(0, 0.1, 5)
    >>> data = pd.DataFrame({"S": truth["S"][::4] + noise}, index=truth.time[::4])
    >>> fit = calibrate(m, data, {"k": (0.01, 2)}, run_method="euler", progress=False)
    >>> fit
    <Calibration: k=0.4989 ± 0.0031; cost 0.007201>
    >>> fit.success, fit.residuals.shape
    (True, (5, 1))
    """

    def __init__(
        self, *, params, stderr, covariance, cost, residuals, results, data, success, message, n_obs
    ):
        self.params, self.stderr, self.covariance = params, stderr, covariance
        self.cost, self.residuals, self.results, self.data = cost, residuals, results, data
        self.success, self.message, self.n_obs = success, message, n_obs

    def report(self):
        """A DataFrame: estimate, standard error and approximate 95% interval of each parameter.

        Examples
        --------
        >>> import numpy as np, pandas as pd, sysdyn as sd
        >>> m = sd.Model("decay", stop=4, dt=0.25); m.stock("S", 10, outflows=["loss"])
        >>> m.flow("loss", "k * S"); m.constant("k", 0.1)
        >>> truth = m.run(method="euler", params={"k": 0.5})
        >>> noise = np.random.default_rng(0).normal(0, 0.1, 5)
        >>> data = pd.DataFrame({"S": truth["S"][::4] + noise}, index=truth.time[::4])
        >>> calibrate(m, data, {"k": (0.01, 2)}, run_method="euler", progress=False).report().round(3)
                   estimate  stderr  lower 95%  upper 95%
        parameter
        k             0.499   0.003      0.493      0.505
        """
        import pandas as pd

        rows = {
            k: {
                "estimate": v,
                "stderr": self.stderr[k],
                "lower 95%": v - 1.96 * self.stderr[k],
                "upper 95%": v + 1.96 * self.stderr[k],
            }
            for k, v in self.params.items()
        }
        df = pd.DataFrame.from_dict(rows, orient="index")
        df.index.name = "parameter"
        df.attrs = {"cost": self.cost, "n_obs": self.n_obs, "success": self.success}
        return df

    def plot(self):
        """Data and fitted run (top) and residuals (bottom) for each observed variable; returns the Figure.

        Examples
        --------
        >>> import matplotlib.pyplot as plt, pandas as pd, sysdyn as sd
        >>> m = sd.Model("decay", stop=4, dt=0.25); m.stock("S", 10, outflows=["loss"])
        >>> m.flow("loss", "k * S"); m.constant("k", 0.1)
        >>> truth = m.run(method="euler", params={"k": 0.5})
        >>> data = pd.DataFrame({"S": truth["S"][::4]}, index=truth.time[::4])
        >>> fig = calibrate(m, data, {"k": (0.01, 2)}, run_method="euler", progress=False).plot()
        >>> [ax.get_title() for ax in fig.axes], fig.axes[1].get_ylabel()
        (['S', ''], 'model − data')
        >>> plt.close(fig)
        """
        import matplotlib.pyplot as plt

        cols = list(self.data.columns)
        fig, axes = plt.subplots(2, len(cols), figsize=(5 * len(cols), 6), squeeze=False, sharex="col")
        for j, name in enumerate(cols):
            top, bottom = axes[0, j], axes[1, j]
            top.plot(self.results.time, series(self.results, name), label="fitted")
            top.plot(self.data.index, self.data[name], "o", ms=3, label="data")
            top.set_title(name)
            top.legend()
            bottom.axhline(0, color="grey", lw=0.8)
            bottom.plot(self.residuals.index, self.residuals[name], "o", ms=3)
            bottom.set_ylabel("model − data")
            bottom.set_xlabel("Time")
        fig.tight_layout()
        return fig

    def __repr__(self) -> str:
        parts = ", ".join(f"{k}={v:.4g} ± {self.stderr[k]:.2g}" for k, v in self.params.items())
        return f"<Calibration: {parts}; cost {self.cost:.4g}>"


def _frame(data: Any):
    import pandas as pd

    if isinstance(data, pd.Series):
        data = data.to_frame()
    if not isinstance(data, pd.DataFrame) or data.empty:
        raise ParameterError(
            "`data` must be a pandas DataFrame indexed by time, one column per observed variable"
        )
    return data.sort_index()


def calibrate(
    model: Any,
    data: Any,
    params: Mapping[str, tuple[float, float]],
    *,
    method: str = "least_squares",
    error: str = "absolute",
    x0: Mapping[str, float] | None = None,
    run_method: str | None = None,
    rng: Any = None,
    progress: bool | dict | None = None,
    **run_options: Any,
) -> Calibration:
    """Fit parameters of ``model`` to observed ``data``.

    Parameters
    ----------
    model : Model
    data : pandas.DataFrame
        Indexed by time, one column per observed variable (NaN = not observed):
        a scalar variable, one element of an arrayed one (``"K[alice]"``) or
        an aggregate over its elements (``"sum(K)"``).
    params : dict of str to (low, high)
        Parameters to fit and their bounds.
    method : {"least_squares", "differential_evolution"}
    error : {"absolute", "relative", "normalized"}
        Residuals as they are, divided by ``|data|``, or divided by each
        column's standard deviation (to weigh variables of different size alike).
    x0 : dict, optional
        Start of the local search (default: the middle of the bounds).
    run_method : str, optional
        Solver for the runs (default: the model's).
    rng : int, optional
        Seed of differential evolution.
    progress : bool or dict, optional
        A progress bar counting the model runs and showing the best cost so
        far; on by default in a terminal or notebook, ``False`` switches it off
        (a dict passes options to tqdm).
    **run_options
        Passed to :meth:`sysdyn.Model.run`.

    Returns
    -------
    Calibration

    Examples
    --------
    Recover the memory time of the README's model from its own noisy output:

    >>> import numpy as np, pandas as pd, sysdyn as sd
    >>> from sysdyn.showcase import team_knowledge
    >>> m = team_knowledge()
    >>> truth = m.run(method="euler", params={"memory time": 9.0})
    >>> noise = np.random.default_rng(0).normal(0, 0.1, len(truth.time))
    >>> data = pd.DataFrame({"Knowledge": truth["Knowledge"] + noise}, index=truth.time)
    >>> fit = calibrate(m, data, {"memory time": (2, 30)}, run_method="euler", progress=False)
    >>> abs(fit.params["memory time"] - 9.0) < 3 * fit.stderr["memory time"]
    True
    """
    from scipy import optimize

    if method not in ("least_squares", "differential_evolution"):
        raise ParameterError(f"`method` must be 'least_squares' or 'differential_evolution' (got {method!r})")
    if error not in ERRORS:
        raise ParameterError(f"`error` must be one of {ERRORS} (got {error!r})")
    df = _frame(data)
    probe = model.run(method=run_method, **run_options)
    for col in df.columns:  # every column names one series: fail now, with a message, not in the optimiser
        series(probe, str(col))
    names = list(params)
    lo = np.array([float(params[k][0]) for k in names])
    hi = np.array([float(params[k][1]) for k in names])
    if not (lo < hi).all():
        raise ParameterError("each parameter's bounds must be (low, high) with low < high")
    t_obs = df.index.to_numpy(dtype=float)
    obs = df.to_numpy(dtype=float)
    mask = np.isfinite(obs)
    scale = np.ones_like(obs)
    if error == "relative":
        scale = np.where(np.abs(obs) > 0, np.abs(obs), 1.0)
    elif error == "normalized":
        scale = np.broadcast_to(np.nanstd(obs, axis=0, ddof=1), obs.shape).copy()
        scale[~np.isfinite(scale) | (scale == 0)] = 1.0

    bar = progress_bar(None, "calibration", progress, unit="runs")
    best = [np.inf]

    def simulate(theta: np.ndarray):
        """``theta`` shaped (p, R): R runs as one ensemble; returns model values (R, n_t, n_vars)."""
        bar.update(theta.shape[1])
        res = model.run(method=run_method, params={k: theta[i] for i, k in enumerate(names)}, **run_options)
        out = np.empty((theta.shape[1], len(t_obs), len(df.columns)))
        for j, col in enumerate(df.columns):
            values = series(res, str(col))
            for r in range(theta.shape[1]):
                out[r, :, j] = np.interp(t_obs, res.time, values[r])
        return out

    def residuals(theta: np.ndarray) -> np.ndarray:
        """Scaled residuals of each run: (R, n_obs)."""
        r = ((simulate(theta) - obs) / scale)[:, mask]
        cost = float(np.nanmin((r**2).sum(axis=1))) if len(r) else np.inf
        if cost < best[0]:
            best[0] = cost
            bar.set_postfix_str(f"best cost {cost:.4g}")
        return r

    def fun(x):
        return residuals(np.asarray(x, dtype=float)[:, None])[0]

    def jac(x):
        # central differences, all 2p runs as one ensemble
        x = np.asarray(x, dtype=float)
        h = 1e-6 * np.maximum(np.abs(x), 1e-3)
        theta = np.repeat(x[:, None], 2 * len(x), axis=1)
        for i in range(len(x)):
            theta[i, 2 * i] += h[i]
            theta[i, 2 * i + 1] -= h[i]
        r = residuals(theta)
        return np.stack([(r[2 * i] - r[2 * i + 1]) / (2 * h[i]) for i in range(len(x))], axis=1)

    try:
        if method == "least_squares":
            start = np.array([(x0 or {}).get(k, (a + b) / 2) for k, a, b in zip(names, lo, hi, strict=True)])
            sol = optimize.least_squares(fun, start, jac=jac, bounds=(lo, hi), x_scale="jac")
            x, success, message = sol.x, bool(sol.success), str(sol.message)
        else:

            def cost(theta):
                # vectorized=True: theta is (p, S), the whole population; one ensemble per generation
                theta = np.asarray(theta, dtype=float)
                r = residuals(theta if theta.ndim == 2 else theta[:, None])
                return (r**2).sum(axis=1)

            sol = optimize.differential_evolution(
                cost,
                list(zip(lo, hi, strict=True)),
                vectorized=True,
                updating="deferred",
                rng=rng,
                polish=False,
                tol=1e-8,
            )
            polished = optimize.least_squares(fun, sol.x, jac=jac, bounds=(lo, hi), x_scale="jac")
            x, success, message = polished.x, bool(sol.success and polished.success), str(sol.message)
    finally:
        bar.close()
    r = fun(x)
    J = jac(x)
    n, p = len(r), len(x)
    sse = float(r @ r)
    s2 = sse / max(n - p, 1)
    try:
        cov = s2 * np.linalg.inv(J.T @ J)
    except np.linalg.LinAlgError:
        cov = np.full((p, p), np.inf)
    stderr = np.sqrt(np.abs(np.diag(cov)))
    import pandas as pd

    fitted = model.run(
        method=run_method, params={k: float(v) for k, v in zip(names, x, strict=True)}, **run_options
    )
    sim = simulate(x[:, None])[0]
    resid = pd.DataFrame(np.where(mask, sim - obs, np.nan), index=df.index, columns=df.columns)
    return Calibration(
        params={k: float(v) for k, v in zip(names, x, strict=True)},
        stderr={k: float(v) for k, v in zip(names, stderr, strict=True)},
        covariance=cov,
        cost=sse,
        residuals=resid,
        results=fitted,
        data=df,
        success=success,
        message=message,
        n_obs=n,
    )
