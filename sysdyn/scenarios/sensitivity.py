"""Global sensitivity analysis: Sobol indices (Saltelli sampling) and Morris screening, through SALib.

:func:`sensitivity` samples the uncertain constants with SALib, runs every
sample as one vectorised ensemble (:func:`~sysdyn.scenarios.run_ensemble`,
in chunks only when the runs would not fit the memory budget), reduces each
run to the output statistics the user names (final value, peak, time to a
threshold... see :mod:`sysdyn.scenarios.statistics`) and hands the numbers
back to SALib's estimators.  The indices come back as pandas DataFrames with
their bootstrap confidence intervals.

Parameters are sampled in the unit hypercube and mapped to their ranges:
a ``(low, high)`` pair is uniform on it, a distribution (``sd.dist`` or a
frozen :mod:`scipy.stats` one) is reached through its inverse CDF, so the
indices are those of the parameters under that distribution.

SALib is an optional dependency: ``pip install 'sysdyn-sim[sensitivity]'``.

References
----------
Saltelli, A. (2002). Making best use of model evaluations to compute sensitivity indices.
*Computer Physics Communications* 145, 280–297.

Saltelli, A., Annoni, P., Azzini, I., Campolongo, F., Ratto, M. and Tarantola, S. (2010).
Variance based sensitivity analysis of model output. Design and estimator for the total
sensitivity index. *Computer Physics Communications* 181, 259–270.

Morris, M. D. (1991). Factorial sampling plans for preliminary computational experiments.
*Technometrics* 33, 161–174.

Campolongo, F., Cariboni, J. and Saltelli, A. (2007). An effective screening design for
sensitivity analysis of large models. *Environmental Modelling & Software* 22, 1509–1518.

Herman, J. and Usher, W. (2017). SALib: An open-source Python library for sensitivity
analysis. *Journal of Open Source Software* 2(9), 97.

Examples
--------
Which assumption of the README's team model matters most for the knowledge
it ends with, when the memory time is only known to lie between 6 and 24
months, while the learning rate and the capacity are known to within ±20%
and ±10%?

>>> from sysdyn.showcase import team_knowledge
>>> sens = sensitivity(team_knowledge(), {"learning rate": (0.4, 0.6), "memory time": (6, 24),
...                                       "Capacity": (90, 110)},
...                    method="morris", n=20, outputs="Knowledge", rng=1, run_method="euler",
...                    progress=False)
>>> sens.ranking().tolist()
['memory time', 'learning rate', 'Capacity']

Over the whole 4-level grid, the mean absolute elementary effects are 20.5,
6.6 and 1.0 ideas per range; 20 trajectories (80 runs) estimate them within
their 95% intervals of about ±1.5, ±0.8 and ±0.3.  (The learning rate and
the memory time enter the equilibrium only as their product, so with equally
wide *relative* ranges they are about equally important and 20 trajectories
could not rank them.)
"""

from __future__ import annotations

import importlib
import inspect
import math
import re
import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ParameterError
from .distributions import as_distribution
from .statistics import Statistic, as_statistics

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

__all__ = ["sensitivity", "SensitivityResults", "METHODS"]

METHODS = ("sobol", "morris")
_COLUMNS = {
    "sobol": ("S1", "S1_conf", "ST", "ST_conf"),
    "morris": ("mu", "mu_star", "sigma", "mu_star_conf"),
}
_ELEMENT = re.compile(r"^\s*([^\[\]]+?)\s*\[[^\[\]]*\]\s*$")


def _salib(what: str) -> Any:
    """Import a SALib module, or say how to install it."""
    try:
        return importlib.import_module(f"SALib.{what}")
    except ImportError as err:
        raise ImportError("sensitivity analysis needs SALib: pip install 'sysdyn-sim[sensitivity]'") from err


class _Range:
    """A parameter's map from the unit interval: uniform on ``(low, high)`` or a distribution's ppf."""

    def __init__(self, name: str, spec: Any):
        self.name = name
        self.dist = None
        if isinstance(spec, (tuple, list)) and len(spec) == 2 and not hasattr(spec, "ppf"):
            try:
                low, high = float(spec[0]), float(spec[1])
            except (TypeError, ValueError):
                low = high = math.nan
            if not (math.isfinite(low) and math.isfinite(high) and low < high):
                raise ParameterError(_bad_bounds(name, spec))
            self.low, self.high = low, high
            self.label = f"uniform({low:g}, {high:g})"
        elif isinstance(spec, (tuple, list, np.ndarray)) and not hasattr(spec, "ppf"):
            raise ParameterError(_bad_bounds(name, spec))
        else:
            self.dist = as_distribution(spec, name)
            self.label = self.dist.label if hasattr(self.dist, "label") else repr(spec)

    def __call__(self, u: np.ndarray) -> np.ndarray:
        if self.dist is None:
            return self.low + u * (self.high - self.low)
        values = np.asarray(self.dist.ppf(u), dtype=float)
        if not np.isfinite(values).all():
            raise ParameterError(
                f"the distribution of `{self.name}` ({self.label}) gives infinite values at the design's "
                "extreme points (Morris uses probabilities 0 and 1): give bounds (low, high) or a "
                "distribution with finite support, e.g. sd.dist.truncnormal(mean, sd, low, high)"
            )
        return values


def _bad_bounds(name: str, spec: Any) -> str:
    return (
        f"the bounds of `{name}` must be two finite numbers (low, high) with low < high, or a "
        f"distribution such as sd.dist.uniform(low, high) (got {spec!r})"
    )


def _check_parameters(compiled: Any, names: Sequence[str]) -> None:
    """Every name in ``bounds`` is a scalar variable of the model or one element of an arrayed one, once."""
    from ..names import canonical, closest
    from .ensemble import element_parameters

    elements = element_parameters(compiled, names)
    seen: dict[str, str] = {}
    for name in names:
        key = canonical(name)
        if name in elements:
            base, index = elements[name]
            key = f"{base}{list(index)}"
        elif key not in compiled.variables:
            hint = closest(name, [v.name for v in compiled.variables.values()])
            raise ParameterError(
                f"`bounds` names `{name}`, which is not a variable of the model {compiled.definition.name!r}"
                + (f"; did you mean `{hint}`?" if hint else "")
            )
        if key in seen:
            raise ParameterError(
                f"`bounds` gives `{seen[key]}` and `{name}`, which are the same variable "
                "(names ignore case, spaces and underscores): give it once"
            )
        seen[key] = name
        if name not in elements and compiled.shape_of(key):
            raise ParameterError(
                f"`{compiled.variables[key].name}` is arrayed: sensitivity analysis varies scalar "
                "constants (or scalar stocks' initial values), or one element of an arrayed one, "
                f"e.g. `{compiled.element_label(key, (0,) * len(compiled.shape_of(key)))}`"
            )


def _kept_variables(stats: Mapping[str, Any]) -> list[str] | None:
    """The variables the statistics read (``None``: a plain callable may read any)."""
    keep: list[str] = []
    for stat in stats.values():
        if not isinstance(stat, Statistic):
            return None
        match = _ELEMENT.match(stat.variable)
        base = match.group(1) if match else stat.variable
        if base not in keep:
            keep.append(base)
    return keep


def sensitivity(
    model: Any,
    bounds: Mapping[str, Any],
    *,
    method: str = "sobol",
    n: int = 1024,
    outputs: Any = None,
    rng: Any = None,
    second_order: bool = False,
    levels: int = 4,
    resamples: int = 1000,
    conf_level: float = 0.95,
    run_method: str | None = None,
    chunk_size: int | None = None,
    seed: int | None = None,
    client: Any = None,
    progress: bool | dict | None = None,
    **run_options: Any,
) -> SensitivityResults:
    """Sobol indices or Morris elementary effects of a model's constants.

    Parameters
    ----------
    model : Model
        The base model (never changed).
    bounds : dict of str to (low, high) or distribution
        The uncertain constants (or stocks' initial values): a uniform range,
        or an ``sd.dist`` / frozen :mod:`scipy.stats` distribution.  One
        element of an arrayed constant is named ``"memory[Ann]"`` (the other
        elements keep their values).
    method : {"sobol", "morris"}
        Variance-based first-order and total indices from Saltelli sampling
        (``n * (D + 2)`` runs for ``D`` parameters, ``n * (2D + 2)`` with
        ``second_order``), or Morris screening (``n`` trajectories,
        ``n * (D + 1)`` runs).
    n : int
        Sobol: base sample size (a power of 2 keeps the Sobol sequence
        balanced).  Morris: number of trajectories.
    outputs : str, Statistic, callable, or a list or dict of these, optional
        What each run is reduced to: a variable name (its final value),
        ``sd.scenarios.peak("X")``, ``time_to("X", 50)``... or any callable of
        the :class:`~sysdyn.Results` returning one number per run.  For an
        arrayed variable name one element (``"X[alice]"``) or aggregate
        (``"sum(X)"``, ``peak("X", aggregate="mean")``).  Default: the final
        value of every stock (of an arrayed stock, its total over the elements).
    rng : int or numpy.random.Generator, optional
        Seeds the design (scrambled Sobol sequence, Morris trajectories) and
        the bootstrap of the confidence intervals: the same ``rng`` gives the
        same indices.
    second_order : bool
        Sobol only: also estimate the pairwise indices ``S2``.
    levels : int
        Morris only: number of grid levels of each parameter (even: an odd
        number biases the design).  An elementary effect is the change of
        the output when a parameter moves by ``levels / (2 (levels - 1))``
        of its range, divided by that fraction, so ``mu_star`` is in output
        units per whole range of the parameter.
    resamples : int
        Bootstrap resamples for the confidence intervals.
    conf_level : float
        Confidence level of the intervals: ``S1 ± S1_conf`` covers it.
    run_method : str, optional
        Solver (default: the model's).
    chunk_size : int, optional
        Runs per vectorised call; by default as many as
        :func:`~sysdyn.scenarios.run_ensemble` fits in its memory budget.
    seed : int, optional
        Seed of the model's own random functions.
    client : optional
        Run chunks on Dask (see :func:`~sysdyn.sweep`).
    progress : bool or dict, optional
        Progress bar (default: on in a terminal or notebook); ``False`` turns it off.
    **run_options
        ``start``, ``stop``, ``dt``, ``saveper``, ``rtol``... for :meth:`sysdyn.Model.run`.

    Returns
    -------
    SensitivityResults
        ``indices`` (a DataFrame per output and parameter), ``sens[output]``,
        ``ranking()``, ``plot()``.

    Raises
    ------
    ParameterError
        If a name in ``bounds`` is not a constant or stock of the model, a
        range is not ``low < high``, or ``method``, ``n``, ``levels``... are
        not valid.
    ImportError
        If SALib is not installed.

    See Also
    --------
    sysdyn.monte_carlo : uncertainty of the outputs rather than its sources.

    Examples
    --------
    >>> import sysdyn as sd
    >>> m = sd.Model("Linear", stop=1, dt=1, method="euler")
    >>> m.constant("a", 0); m.constant("b", 0); m.aux("y", "4 * a + b")
    >>> sens = sensitivity(m, {"a": (0, 1), "b": (0, 1)}, n=512, outputs="y", rng=0, progress=False)
    >>> sens["y"]["S1"].round(1).tolist()   # variance shares 16/17 and 1/17
    [0.9, 0.1]
    """
    method = str(method).lower()
    if method not in METHODS:
        raise ParameterError(f"`method` must be one of {METHODS} (got {method!r})")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise ParameterError(f"`n` must be a whole number of at least 2 (got {n!r})")
    if not isinstance(bounds, Mapping) or not bounds:
        raise ParameterError("`bounds` must be a dict of parameter name -> (low, high) or a distribution")
    if not 0 < conf_level < 1:
        raise ParameterError(f"`conf_level` must be between 0 and 1 (got {conf_level!r})")
    if isinstance(resamples, bool) or not isinstance(resamples, (int, np.integer)) or resamples < 1:
        raise ParameterError(f"`resamples` must be a positive whole number (got {resamples!r})")
    if method == "morris" and (
        isinstance(levels, bool) or not isinstance(levels, (int, np.integer)) or levels < 2 or levels % 2
    ):
        raise ParameterError(f"`levels` must be an even whole number of at least 2 (got {levels!r})")
    ranges = [_Range(str(name), spec) for name, spec in bounds.items()]
    names = [r.name for r in ranges]
    compiled = model.compile()
    _check_parameters(compiled, names)
    if outputs is None:
        outputs = [
            f"sum({compiled.variables[k].name})" if compiled.shape_of(k) else compiled.variables[k].name
            for k in compiled.stock_keys
        ]
        if not outputs:
            raise ParameterError("the model has no stock: name the `outputs` to analyse")
    stats = as_statistics(outputs)
    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    gen = np.random.default_rng(rng)
    sample_seed, boot_seed = (int(s) for s in gen.integers(2**31 - 1, size=2))
    if method == "sobol":
        unit = _sobol_sample(problem, int(n), second_order, sample_seed)
    else:
        sampler = _salib("sample.morris")
        unit = sampler.sample(problem, int(n), num_levels=int(levels), seed=sample_seed)
    design = {r.name: r(unit[:, j]) for j, r in enumerate(ranges)}
    n_runs = len(unit)
    from .ensemble import run_ensemble

    ens = run_ensemble(
        model,
        design,
        method=run_method,
        chunk_size=chunk_size,
        outputs=_kept_variables(stats),
        seed=seed,
        client=client,
        progress=progress,
        kind="sensitivity",
        desc="Sobol" if method == "sobol" else "Morris",
        **run_options,
    )
    results = ens.results
    values: dict[str, np.ndarray] = {}
    for label, stat in stats.items():
        y = np.asarray(stat(results), dtype=float).reshape(-1)
        if y.shape != (n_runs,):
            raise ParameterError(
                f"the output {label!r} must give one number per run ({n_runs}), not {y.shape}"
            )
        bad = int((~np.isfinite(y)).sum())
        if bad:
            raise ParameterError(
                f"the output {label!r} is not a finite number in {bad} of {n_runs} runs (e.g. a threshold "
                "some runs never reach); sensitivity analysis needs a number from every run"
            )
        values[label] = y
    raw = {}
    for label, y in values.items():
        if method == "sobol":
            raw[label] = _sobol_analyze(problem, y, second_order, resamples, conf_level, boot_seed, label)
        else:
            analyzer = _salib("analyze.morris")
            raw[label] = analyzer.analyze(
                problem,
                unit,
                y,
                num_resamples=int(resamples),
                conf_level=float(conf_level),
                num_levels=int(levels),
                seed=boot_seed,
            )
    return SensitivityResults(
        method=method,
        parameters=names,
        raw=raw,
        design=design,
        values=values,
        distributions={r.name: r.label for r in ranges},
        n=int(n),
        conf_level=float(conf_level),
        second_order=bool(second_order and method == "sobol"),
        model_name=compiled.definition.name,
        info=dict(ens.info),
    )


def _sobol_sample(problem: dict, n: int, second_order: bool, seed: int) -> np.ndarray:
    """Saltelli's design: ``n * (D + 2)`` rows, ``n * (2D + 2)`` with second-order indices."""
    try:
        sampler = importlib.import_module("SALib.sample.sobol")  # SALib >= 1.4.6
    except ImportError:
        sampler = _salib("sample.saltelli")  # older SALib (or none: then say how to install it)
    options: dict[str, Any] = {"calc_second_order": second_order}
    if "seed" in inspect.signature(sampler.sample).parameters:  # the first Saltelli samplers are not random
        options["seed"] = seed
    with warnings.catch_warnings():
        # SALib warns when n is not a power of 2; the balance of the sequence is then slightly off,
        # which is the user's choice to make.
        warnings.filterwarnings("ignore", message=".*power of 2.*")
        warnings.filterwarnings("ignore", message=".*balance properties.*")
        return sampler.sample(problem, n, **options)


def _sobol_analyze(problem, y, second_order, resamples, conf_level, seed, label):
    """SALib's Sobol estimators, or NaN indices (and a warning) for an output that never varies."""
    analyzer = _salib("analyze.sobol")
    if np.ptp(y) == 0:
        warnings.warn(
            f"the output {label!r} is the same in every run: its Sobol indices are undefined (NaN)",
            RuntimeWarning,
            stacklevel=3,
        )
        d = problem["num_vars"]
        nan = np.full(d, np.nan)
        out = {"S1": nan, "S1_conf": nan, "ST": nan, "ST_conf": nan}
        if second_order:
            out.update({"S2": np.full((d, d), np.nan), "S2_conf": np.full((d, d), np.nan)})
        return out
    return analyzer.analyze(
        problem,
        y,
        calc_second_order=second_order,
        num_resamples=int(resamples),
        conf_level=float(conf_level),
        seed=seed,
    )


class SensitivityResults:
    """Indices of a :func:`sensitivity` analysis, per output and parameter.

    Attributes
    ----------
    method : str
        ``"sobol"`` or ``"morris"``.
    parameters : list of str
    outputs : list of str
        Labels of the analysed output statistics.
    n_runs : int
    conf_level : float
    raw : dict
        SALib's own result of each output.
    info : dict
        How the ensemble ran (chunks...).

    Examples
    --------
    >>> import sysdyn as sd
    >>> m = sd.Model("m", stop=1, dt=1, method="euler")
    >>> m.constant("a", 0); m.constant("b", 0); m.aux("y", "a + 3 * b")
    >>> sensitivity(m, {"a": (0, 1), "b": (0, 1)}, n=16, outputs="y", rng=0, progress=False)
    <SensitivityResults (sobol) of 'm': 2 parameters (a, b), 1 output, 64 runs>
    """

    def __init__(
        self,
        *,
        method: str,
        parameters: Sequence[str],
        raw: Mapping[str, Any],
        design: Mapping[str, np.ndarray],
        values: Mapping[str, np.ndarray],
        distributions: Mapping[str, str],
        n: int,
        conf_level: float,
        second_order: bool,
        model_name: str,
        info: Mapping[str, Any],
    ):
        self.method = method
        self.parameters = list(parameters)
        self.outputs = list(values)
        self.raw = dict(raw)
        self._design = {k: np.asarray(v, dtype=float) for k, v in design.items()}
        self._values = {k: np.asarray(v, dtype=float) for k, v in values.items()}
        self.distributions = dict(distributions)
        self.n = n
        self.n_runs = len(next(iter(self._values.values())))
        self.conf_level = conf_level
        self.has_second_order = second_order
        self.model_name = model_name
        self.info = dict(info)

    def _label(self, output: str | None) -> str:
        if output is None:
            return self.outputs[0]
        if output in self.raw:
            return output
        from ..names import canonical, closest

        for label in self.outputs:  # a variable name means its final value
            if canonical(label) in (canonical(str(output)), canonical(f"final {output}")):
                return label
        hint = closest(str(output), self.outputs) or closest(f"final {output}", self.outputs)
        raise ParameterError(
            f"`{output}` is not an analysed output (outputs: {', '.join(self.outputs)})"
            + (f"; did you mean `{hint}`?" if hint else "")
        )

    def __getitem__(self, output: str) -> pd.DataFrame:
        """The indices of one output: one row per parameter.

        Sobol: ``S1``, ``S1_conf``, ``ST``, ``ST_conf``; Morris: ``mu``,
        ``mu_star``, ``sigma``, ``mu_star_conf``.  ``*_conf`` is the half-width
        of the bootstrap interval at :attr:`conf_level`.

        Examples
        --------
        >>> import sysdyn as sd
        >>> m = sd.Model("m", stop=1, dt=1, method="euler")
        >>> m.constant("a", 0); m.constant("b", 0); m.aux("y", "a + 3 * b")
        >>> sens = sensitivity(m, {"a": (0, 1), "b": (0, 2)}, method="morris", n=8, outputs="y",
        ...                    rng=0, progress=False)
        >>> sens["y"]["mu_star"].round(6).tolist()   # y changes by 1 and 6 over the ranges
        [1.0, 6.0]
        """
        import pandas as pd

        label = self._label(output)
        res = self.raw[label]
        cols = _COLUMNS[self.method]
        df = pd.DataFrame(
            {c: np.asarray(res[c], dtype=float) for c in cols},
            index=pd.Index(self.parameters, name="parameter"),
        )
        df.attrs = {"output": label, "method": self.method, "conf_level": self.conf_level}
        return df

    @property
    def indices(self) -> pd.DataFrame:
        """Every output's indices in one DataFrame indexed by ``(output, parameter)``.

        Examples
        --------
        >>> import sysdyn as sd
        >>> m = sd.Model("m", stop=1, dt=1, method="euler")
        >>> m.constant("a", 0); m.aux("y", "2 * a"); m.aux("z", "-a")
        >>> sens = sensitivity(m, {"a": (0, 1)}, method="morris", n=4, outputs=["y", "z"],
        ...                    rng=0, progress=False)
        >>> sens.indices["mu"].round(6).to_dict()
        {('final y', 'a'): 2.0, ('final z', 'a'): -1.0}
        """
        import pandas as pd

        return pd.concat({label: self[label] for label in self.outputs}, names=["output", "parameter"])

    def second_order(self, output: str | None = None) -> pd.DataFrame:
        """Pairwise Sobol indices ``S2`` (upper triangle) and their ``S2_conf``, long format.

        Needs ``sensitivity(..., method="sobol", second_order=True)``.

        Examples
        --------
        >>> import sysdyn as sd
        >>> m = sd.Model("m", stop=1, dt=1, method="euler")
        >>> m.constant("a", 0); m.constant("b", 0); m.aux("y", "a + b")
        >>> sens = sensitivity(m, {"a": (0, 1), "b": (0, 1)}, n=256, outputs="y", rng=0,
        ...                    second_order=True, progress=False)
        >>> sens.n_runs, abs(float(sens.second_order()["S2"].iloc[0])) < 0.05   # 256 * (2*2 + 2); additive
        (1536, True)
        """
        import pandas as pd

        if not self.has_second_order:
            raise ParameterError(
                "second-order indices need sensitivity(..., method='sobol', second_order=True)"
            )
        res = self.raw[self._label(output)]
        rows = []
        for i, a in enumerate(self.parameters):
            for j in range(i + 1, len(self.parameters)):
                rows.append((a, self.parameters[j], float(res["S2"][i, j]), float(res["S2_conf"][i, j])))
        df = pd.DataFrame(rows, columns=["parameter", "with", "S2", "S2_conf"])
        return df.set_index(["parameter", "with"])

    def ranking(self, output: str | None = None) -> pd.Index:
        """Parameters from most to least influential: by ``ST`` (Sobol) or ``mu_star`` (Morris).

        Examples
        --------
        >>> import sysdyn as sd
        >>> m = sd.Model("m", stop=1, dt=1, method="euler")
        >>> m.constant("a", 0); m.constant("b", 0); m.aux("y", "a + 3 * b")
        >>> sensitivity(m, {"a": (0, 1), "b": (0, 1)}, method="morris", n=8, outputs="y",
        ...             rng=2, progress=False).ranking("y").tolist()
        ['b', 'a']
        """
        key = "ST" if self.method == "sobol" else "mu_star"
        return self[self._label(output)].sort_values(key, ascending=False, kind="stable").index

    @property
    def design(self) -> pd.DataFrame:
        """The parameter values of every run (index ``run``).

        Examples
        --------
        >>> import sysdyn as sd
        >>> m = sd.Model("m", stop=1, dt=1, method="euler")
        >>> m.constant("a", 0); m.aux("y", "2 * a")
        >>> sens = sensitivity(m, {"a": (10, 20)}, n=8, outputs="y", rng=0, progress=False)
        >>> d = sens.design
        >>> d.shape, bool(d["a"].between(10, 20).all())   # 8 * (1 + 2) runs
        ((24, 1), True)
        """
        import pandas as pd

        return pd.DataFrame(self._design, index=pd.RangeIndex(self.n_runs, name="run"))

    @property
    def values(self) -> pd.DataFrame:
        """The output statistics of every run (index ``run``, one column per output).

        Examples
        --------
        >>> import sysdyn as sd
        >>> m = sd.Model("m", stop=1, dt=1, method="euler")
        >>> m.constant("a", 0); m.aux("y", "2 * a")
        >>> sens = sensitivity(m, {"a": (10, 20)}, n=8, outputs="y", rng=0, progress=False)
        >>> bool((sens.values["final y"] == 2 * sens.design["a"]).all())
        True
        """
        import pandas as pd

        return pd.DataFrame(self._values, index=pd.RangeIndex(self.n_runs, name="run"))

    def plot(self, output: str | None = None, *, ax: Axes | None = None) -> Axes:
        """Bars of ``S1`` and ``ST`` with their intervals (Sobol), or ``sigma`` against ``mu_star`` (Morris).

        Parameters
        ----------
        output : str, optional
            Which output (default: the first).
        ax : matplotlib.axes.Axes, optional

        Examples
        --------
        >>> import sysdyn as sd
        >>> m = sd.Model("m", stop=1, dt=1, method="euler")
        >>> m.constant("a", 0); m.constant("b", 0); m.aux("y", "a + 3 * b")
        >>> sens = sensitivity(m, {"a": (0, 1), "b": (0, 1)}, n=64, outputs="y", rng=0, progress=False)
        >>> ax = sens.plot()   # 64 * (2 + 2) runs: first-order and total indices only
        >>> [t.get_text() for t in ax.get_xticklabels()], ax.get_title()
        (['a', 'b'], 'Sobol indices of final y (m, 256 runs)')
        """
        import matplotlib.pyplot as plt

        label = self._label(output)
        df = self[label]
        if ax is None:
            _, ax = plt.subplots()
        level = f"{self.conf_level:.0%}"
        if self.method == "sobol":
            x = np.arange(len(df))
            width = 0.38
            ax.bar(x - width / 2, df["S1"], width, yerr=df["S1_conf"], capsize=3, label="first order S1")
            ax.bar(x + width / 2, df["ST"], width, yerr=df["ST_conf"], capsize=3, label="total ST")
            ax.set_xticks(x, list(df.index))
            ax.axhline(0, color="grey", lw=0.8)
            ax.set_ylabel(f"index (bars: {level} bootstrap intervals)")
            ax.set_title(f"Sobol indices of {label} ({self.model_name}, {self.n_runs:,} runs)")
        else:
            ax.errorbar(df["mu_star"], df["sigma"], xerr=df["mu_star_conf"], fmt="o", capsize=3)
            for name, row in df.iterrows():
                ax.annotate(
                    str(name), (row["mu_star"], row["sigma"]), textcoords="offset points", xytext=(4, 4)
                )
            ax.set_xlabel(f"μ* (mean |elementary effect|, {level} interval)")
            ax.set_ylabel("σ (spread of the effects: non-linearity, interactions)")
            ax.set_title(f"Morris screening of {label} ({self.model_name}, {self.n_runs:,} runs)")
        if self.method == "sobol":
            ax.legend()
        return ax

    def __repr__(self) -> str:
        return (
            f"<SensitivityResults ({self.method}) of {self.model_name!r}: {len(self.parameters)} parameters "
            f"({', '.join(self.parameters)}), {len(self.outputs)} output"
            f"{'s' if len(self.outputs) != 1 else ''}, {self.n_runs:,} runs>"
        )
