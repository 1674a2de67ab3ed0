"""The results of a sweep or a Monte Carlo experiment: labelled arrays, quantiles over time, bands.

An :class:`EnsembleResults` holds the saved variables of every run (in
memory, or read on demand from the store the runs streamed to) and the
design that produced them.  It hands out labelled arrays (xarray when
installed, pandas otherwise), quantiles over time and band plots, and a
:class:`sysdyn.Results` for everything else that results can do.

Arrayed variables (over a dimension, or over the nodes of a network) are
kept whole, shaped ``(runs, times, *dims)``:

* ``ens["Knowledge"]`` is that array; ``ens["Knowledge[alice]"]`` one element, ``(runs, times)``;
* ``summary("Knowledge[alice]")`` (or ``summary("Knowledge", element="alice")``) gives the
  quantiles of one element, ``summary("Knowledge", aggregate="sum")`` (or
  ``summary("sum(Knowledge)")``) those of the total over the elements at each time
  (``"mean"``, ``"min"``, ``"max"``, ``"median"`` or a function too), and
  ``summary("Knowledge")`` those of every element, indexed by ``(element, time)``;
* ``plot_bands`` takes the same ``element=`` and ``aggregate=`` (it draws one series);
* ``to_xarray()`` gives each dimension of a variable its own axis, with the element names
  (node labels, as strings) as coordinates; ``to_pandas()`` gives one column per element,
  named ``"Knowledge[alice]"`` as :meth:`sysdyn.Results.to_pandas` names them;
* :meth:`~EnsembleResults.statistics` takes statistics with ``element=`` or ``aggregate=``
  (:mod:`sysdyn.scenarios.statistics`).

Examples
--------
>>> import numpy as np, sysdyn as sd
>>> from sysdyn.showcase import team_knowledge
>>> sw = sd.sweep(team_knowledge(), {"Staff": [2, 4], "memory time": [6, 12, 24]}, method="euler",
...               outputs=["Knowledge"])
>>> sw.n_runs, sw.design.columns.tolist()
(6, ['Staff', 'memory time'])
>>> sw.to_xarray()["Knowledge"].dims
('Staff', 'memory time', 'time')
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import DimensionError, SysdynError
from ..names import canonical, closest
from .statistics import Aggregate, _select, as_statistics, split_aggregate

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

    from ..results import Results, VariableInfo

__all__ = ["EnsembleResults"]

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
_SUBSCRIPT = re.compile(r"^\s*(?P<name>[^\[\]]+?)\s*\[(?P<elems>[^\[\]]*)\]\s*$")


class EnsembleResults:
    """Saved variables of the runs of an experiment, with their design.

    Made by :func:`~sysdyn.sweep`, :func:`~sysdyn.monte_carlo` and
    :func:`~sysdyn.scenarios.run_ensemble`; not built by hand.

    Attributes
    ----------
    time : numpy.ndarray
        Save grid.
    n_runs : int
    kind : str
        ``"sweep"``, ``"monte_carlo"`` or ``"ensemble"``.
    info : dict
        ``computed``/``reused`` (chunk indices run by this call / found done
        in the store), ``n_chunks``, ``chunk_size``, ``store``, ``writer``.

    Examples
    --------
    >>> import sysdyn as sd
    >>> from sysdyn.showcase import team_knowledge
    >>> sw = sd.sweep(team_knowledge(), {"Staff": [2, 4, 8]}, method="euler", outputs="Knowledge")
    >>> sw
    <EnsembleResults (sweep) of 'Team knowledge': 3 runs over Staff; 1 saved variable>
    >>> sw["Knowledge"].shape, sw.info["computed"]  # (runs, times); one chunk run by this call
    ((3, 201), [0])
    """

    def __init__(
        self,
        *,
        time: np.ndarray,
        variables: Mapping[str, VariableInfo],
        design: Mapping[str, np.ndarray],
        fixed: Mapping[str, float],
        source: Any,
        kind: str,
        axes: Mapping[str, np.ndarray] | None,
        model_name: str,
        time_units: str,
        method: str,
        info: Mapping[str, Any],
    ):
        self.time = np.asarray(time, dtype=float)
        self._variables = dict(variables)
        self._design = {k: np.asarray(v, dtype=float) for k, v in design.items()}
        self.fixed = dict(fixed)
        self._source = source
        self.kind = kind
        self.axes = None if axes is None else {k: np.asarray(v, dtype=float) for k, v in axes.items()}
        self.model_name, self.time_units, self.method = model_name, time_units, method
        self.info = dict(info)
        self.n_runs = len(next(iter(self._design.values())))
        self._cache: dict[str, np.ndarray] = {}
        self._results: Results | None = None

    # -- access ---------------------------------------------------------------------------------
    @property
    def names(self) -> tuple[str, ...]:
        """Display names of the saved variables."""
        return tuple(v.name for v in self._variables.values())

    @property
    def store(self) -> Any:
        """The store the runs streamed to, or ``None``."""
        return None if isinstance(self._source, dict) else self._source

    @property
    def design(self) -> pd.DataFrame:
        """One row per run, one column per varied parameter (index ``run``)."""
        import pandas as pd

        return pd.DataFrame(self._design, index=pd.RangeIndex(self.n_runs, name="run"))

    def _key(self, name: str) -> str:
        key = canonical(name) if isinstance(name, str) else None
        if key not in self._variables:
            hint = closest(str(name), self.names)
            raise SysdynError(
                f"`{name}` was not saved in this experiment (saved: {', '.join(self.names)})"
                + (f"; did you mean `{hint}`?" if hint else "")
            )
        return key

    def _resolve(self, name: str) -> tuple[str, tuple[str, ...] | None]:
        """A variable's key, and the elements named in ``"Name[e1, e2]"`` (``None``: the whole variable)."""
        key = canonical(name) if isinstance(name, str) else None
        if key in self._variables:
            return key, None
        match = _SUBSCRIPT.match(name) if isinstance(name, str) else None
        if match is None:
            return self._key(name), None
        return self._key(match["name"]), tuple(e.strip() for e in match["elems"].split(","))

    def _array(self, key: str) -> np.ndarray:
        if key not in self._cache:
            arr = self._source[key] if isinstance(self._source, dict) else self._source.read(key)
            arr = np.asarray(arr, dtype=float)
            arr.flags.writeable = False
            self._cache[key] = arr
        return self._cache[key]

    def _selected(
        self, name: str, element: Any, aggregate: Aggregate | None, keep: bool = False
    ) -> tuple[np.ndarray, str, tuple[str, ...], tuple[tuple[str, ...], ...], VariableInfo]:
        if isinstance(name, str) and canonical(name) not in self._variables:
            name, aggregate = split_aggregate(name, aggregate)
        key, named = self._resolve(name)
        if named is not None and element is not None:
            raise DimensionError(f"`{name}` names its element already; do not give `element=` too")
        info = self._variables[key]
        values, label, dims, elements = _select(
            self._array(key), info, 2, named if named is not None else element, aggregate, info.name, keep
        )
        return values, label, dims, elements, info

    def __getitem__(self, name: str) -> np.ndarray:
        """Values of a saved variable (read-only): ``(runs, times)``, or ``(runs, times, *dims)`` if arrayed.

        ``ens["Name[element]"]`` gives one element of an arrayed variable, ``(runs, times)``.

        Examples
        --------
        >>> import sysdyn as sd
        >>> m = sd.Model("m", stop=2, dt=1); m.dimension("team", ["ann", "bo"])
        >>> m.stock("K[team]", [1, 2], inflows=["g[team]"]); m.flow("g[team]", "r * K")
        >>> m.constant("r", 0.1)
        >>> sw = sd.sweep(m, {"r": [0.1, 0.2]}, method="euler", progress=False)
        >>> sw["K"].shape, sw["K[bo]"][:, -1].round(2).tolist()
        ((2, 3, 2), [2.42, 2.88])
        """
        key, named = self._resolve(name)
        if named is None:
            return self._array(key)
        values = self._selected(name, None, None)[0]
        values.flags.writeable = False
        return values

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        try:
            self._selected(name, None, None, keep=True)
        except SysdynError:
            return False
        return True

    @property
    def results(self) -> Results:
        """Everything as a :class:`sysdyn.Results` ensemble (loads every saved variable)."""
        if self._results is None:
            from ..results import Results

            self._results = Results(
                time=self.time,
                data={k: self._array(k) for k in self._variables},
                variables=self._variables,
                n_runs=self.n_runs,
                model_name=self.model_name,
                time_units=self.time_units,
                method=self.method,
                params={
                    (canonical(k) if canonical(k) in self._variables else k): v
                    for k, v in self._design.items()
                },
            )
        return self._results

    def run(self, i: int) -> Results:
        """Run ``i`` as single-run results.

        Examples
        --------
        >>> import sysdyn as sd
        >>> from sysdyn.showcase import team_knowledge
        >>> sw = sd.sweep(team_knowledge(), {"Staff": [2, 4]}, method="euler")
        >>> sw.run(1).params["Staff"]
        4.0
        """
        return self.results.run(i)

    # -- summaries ------------------------------------------------------------------------------
    def summary(
        self,
        name: str,
        quantiles: Iterable[float] = QUANTILES,
        *,
        element: Any = None,
        aggregate: Aggregate | None = None,
    ) -> pd.DataFrame:
        """Quantiles (and the mean) over the runs at every saved time: a DataFrame indexed by time.

        Parameters
        ----------
        name : str
            A saved variable, or one element of an arrayed one (``"Knowledge[alice]"``).
        quantiles : iterable of float
            Each becomes a column; a last column is ``"mean"``.
        element : str, tuple or dict, optional
            One element of an arrayed variable (its name; one name per
            dimension; or ``{dimension: element}`` for some dimensions).
        aggregate : {"sum", "mean", "min", "max", "median"} or callable, optional
            Summarise the aggregate over the elements (at each time, in each
            run) instead of the elements themselves.

        Returns
        -------
        pandas.DataFrame
            Indexed by ``time`` for a scalar variable, one element or an
            aggregate; for an arrayed variable given whole, indexed by
            ``(*dimensions, time)``: ``summary("K").loc["alice"]`` equals
            ``summary("K[alice]")``.

        Examples
        --------
        >>> import sysdyn as sd
        >>> from sysdyn.showcase import team_knowledge
        >>> sw = sd.sweep(team_knowledge(), {"Staff": [2, 4, 6]}, method="euler", outputs="Knowledge")
        >>> sw.summary("Knowledge", quantiles=[0.5]).iloc[-1].round(2).tolist()
        [19.3, 18.81]

        An arrayed variable: one element, the total, or every element.

        >>> m = sd.Model("m", stop=2, dt=1); m.dimension("team", ["ann", "bo"])
        >>> m.stock("K[team]", [1, 2], inflows=["g[team]"]); m.flow("g[team]", "r * K")
        >>> m.constant("r", 0.1)
        >>> sw = sd.sweep(m, {"r": [0.1, 0.2, 0.3]}, method="euler", progress=False)
        >>> sw.summary("K[bo]", quantiles=[0.5])[0.5].round(2).tolist()
        [2.0, 2.4, 2.88]
        >>> sw.summary("K", quantiles=[0.5], aggregate="sum")[0.5].round(2).tolist()
        [3.0, 3.6, 4.32]
        >>> sw.summary("K", quantiles=[0.5]).index.names
        FrozenList(['team', 'time'])
        """
        import pandas as pd

        values, label, dims, elements, info = self._selected(name, element, aggregate, keep=True)
        qs = [float(q) for q in quantiles]
        attrs = {"model": self.model_name, "variable": label, "units": info.units}
        if not dims:
            df = pd.DataFrame(
                np.quantile(values, qs, axis=0).T, index=pd.Index(self.time, name="time"), columns=qs
            )
            df["mean"] = values.mean(axis=0)
        else:  # every element: rows (*elements, time)
            q = np.quantile(values, qs, axis=0)  # (q, times, *dims)
            q = np.moveaxis(q, 1, -1).reshape(len(qs), -1).T  # (elements * times, q)
            mean = np.moveaxis(values.mean(axis=0), 0, -1).reshape(-1)
            index = pd.MultiIndex.from_product([*elements, self.time], names=[*dims, "time"])
            df = pd.DataFrame(q, index=index, columns=qs)
            df["mean"] = mean
        df.attrs = attrs
        return df

    def statistics(self, outputs: Any) -> pd.DataFrame:
        """Per-run statistics (final value, peak, time to a threshold...) beside the design.

        Examples
        --------
        >>> import sysdyn as sd
        >>> from sysdyn.showcase import team_knowledge
        >>> sw = sd.sweep(team_knowledge(), {"Staff": [2, 4]}, method="euler")
        >>> sw.statistics(["Knowledge", sd.scenarios.peak("Learning")]).round(2)
             Staff  final Knowledge  peak Learning
        run
        0      2.0            10.71            0.9
        1      4.0            19.30            1.8
        """
        df = self.design
        for label, stat in as_statistics(outputs).items():
            df[label] = np.asarray(stat(self.results), dtype=float)
        return df

    def plot_bands(
        self,
        name: str,
        *,
        quantiles: tuple[float, float, float, float, float] = QUANTILES,
        ax: Axes | None = None,
        element: Any = None,
        aggregate: Aggregate | None = None,
    ) -> Axes:
        """The median over time with two shaded bands (default 25–75% and 5–95%).

        An arrayed variable needs one element (``"K[alice]"`` or ``element=``)
        or an ``aggregate`` over its elements (``"sum"``, ``"mean"``...).

        Examples
        --------
        >>> import sysdyn as sd
        >>> from sysdyn.showcase import team_knowledge
        >>> mc = sd.monte_carlo(team_knowledge(), {"Staff": sd.dist.uniform(2, 8)}, runs=50, rng=1,
        ...                     method="euler")
        >>> ax = mc.plot_bands("Knowledge")
        >>> len(ax.collections), ax.get_title()
        (2, 'Knowledge: median and 5–95%, 25–75% bands over 50 runs')
        """
        import matplotlib.pyplot as plt

        lo_out, lo_in, mid, hi_in, hi_out = (float(q) for q in quantiles)
        values, label, _, _, info = self._selected(name, element, aggregate)
        qs = np.quantile(values, [lo_out, lo_in, mid, hi_in, hi_out], axis=0)
        if ax is None:
            _, ax = plt.subplots()
        (line,) = ax.plot(self.time, qs[2], label=f"median ({mid:.0%})" if mid != 0.5 else "median")
        color = line.get_color()
        ax.fill_between(
            self.time, qs[0], qs[4], color=color, alpha=0.15, lw=0, label=f"{lo_out:.0%}–{hi_out:.0%}"
        )
        ax.fill_between(
            self.time, qs[1], qs[3], color=color, alpha=0.35, lw=0, label=f"{lo_in:.0%}–{hi_in:.0%}"
        )
        ax.set_xlabel(f"Time ({self.time_units})" if self.time_units else "Time")
        ax.set_ylabel(f"{label} ({info.units})" if info.units else label)
        ax.set_title(
            f"{label}: median and {lo_out * 100:g}–{hi_out:.0%}, {lo_in * 100:g}–{hi_in:.0%} bands "
            f"over {self.n_runs:,} runs"
        )
        ax.legend()
        return ax

    def plot(self, *names: str, **kwargs: Any) -> Axes:
        """Plot as :meth:`sysdyn.Results.plot` does (every run, chosen runs, or bands).

        Examples
        --------
        >>> import matplotlib.pyplot as plt, sysdyn as sd
        >>> from sysdyn.showcase import team_knowledge
        >>> sw = sd.sweep(team_knowledge(), {"Staff": [2, 4, 8]}, method="euler", outputs="Knowledge")
        >>> ax = sw.plot("Knowledge")
        >>> len(ax.get_lines()), ax.get_ylabel()  # one line per run
        (3, 'Knowledge (ideas)')
        >>> plt.close(ax.figure)
        """
        return self.results.plot(*names, **kwargs)

    # -- export ---------------------------------------------------------------------------------
    def to_pandas(self, names: str | Iterable[str] | None = None) -> pd.DataFrame:
        """A long DataFrame indexed by ``(run, time)``: the design columns, then the variables.

        An arrayed variable gives one column per element, ``"Knowledge[alice]"``
        (``names`` may name single elements too).

        Examples
        --------
        >>> import sysdyn as sd
        >>> from sysdyn.showcase import team_knowledge
        >>> sw = sd.sweep(team_knowledge(), {"Staff": [2, 4]}, method="euler", outputs="Knowledge")
        >>> sw.to_pandas().columns.tolist(), len(sw.to_pandas())
        (['Staff', 'Knowledge'], 402)
        """
        import pandas as pd

        chosen = self.names if names is None else ([names] if isinstance(names, str) else list(names))
        index = pd.MultiIndex.from_product([np.arange(self.n_runs), self.time], names=["run", "time"])
        cols = {k: np.repeat(v, len(self.time)) for k, v in self._design.items()}
        for name in chosen:
            values, label, dims, elements, _ = self._selected(name, None, None, keep=True)
            if canonical(label) in {canonical(c) for c in cols}:  # a varied constant: the design has it
                continue
            if not dims:
                cols[label] = values.reshape(-1)
                continue
            block = values.reshape(self.n_runs * len(self.time), -1)
            for j, combo in enumerate(itertools.product(*elements)):
                cols[f"{label}[{', '.join(combo)}]"] = block[:, j]
        return pd.DataFrame(cols, index=index)

    def to_xarray(self) -> Any:
        """An :class:`xarray.Dataset`: swept parameters are dimensions, drawn ones run coordinates.

        An arrayed variable has its own dimensions after ``time``, with the
        element names (network node labels, as strings) as coordinates.

        Examples
        --------
        >>> import sysdyn as sd
        >>> from sysdyn.showcase import team_knowledge
        >>> sw = sd.sweep(team_knowledge(), {"Staff": [2, 4, 8]}, method="euler", outputs="Knowledge")
        >>> float(sw.to_xarray()["Knowledge"].sel(Staff=8).isel(time=-1).round(2))
        32.39
        """
        try:
            import xarray as xr
        except ImportError as err:
            raise ImportError("to_xarray needs xarray: pip install 'sysdyn-sim[xarray]'") from err
        coords: dict[str, Any] = {"time": ("time", self.time, {"units": self.time_units})}
        factorial = (
            self.axes is not None and int(np.prod([len(v) for v in self.axes.values()])) == self.n_runs
        )
        if factorial:
            dims = (*self.axes, "time")
            shape = (*(len(v) for v in self.axes.values()), len(self.time))
            coords.update({k: v for k, v in self.axes.items()})
        else:
            dims = ("run", "time")
            shape = (self.n_runs, len(self.time))
            coords["run"] = np.arange(self.n_runs)
            coords.update({k: ("run", v) for k, v in self._design.items()})
        data = {}
        axis_keys = {canonical(a) for a in (self.axes or {})} if factorial else set()
        for key, info in self._variables.items():
            if key in axis_keys:  # a swept constant is a dimension, not a variable
                continue
            for dim, elements in zip(info.dimensions, info.elements, strict=True):
                if dim in dims or coords.setdefault(dim, list(elements)) != list(elements):
                    raise DimensionError(
                        f"dimension `{dim}` of `{info.name}` clashes with another dimension of that name",
                        element=info.name,
                    )
            attrs = {"units": info.units, "kind": info.kind, "long_name": info.name}
            values = self._array(key).reshape(*shape, *info.shape)
            data[info.name] = ((*dims, *info.dimensions), values, attrs)
        attrs = {"model": self.model_name, "method": self.method, "kind": self.kind}
        return xr.Dataset(data, coords=coords, attrs=attrs)

    def labelled(self) -> Any:
        """The labelled array: :meth:`to_xarray` when xarray is installed, else :meth:`to_pandas`.

        Examples
        --------
        >>> import sysdyn as sd
        >>> from sysdyn.showcase import team_knowledge
        >>> type(sd.sweep(team_knowledge(), {"Staff": [2, 4]}, method="euler").labelled()).__name__
        'Dataset'
        """
        try:
            import xarray  # noqa: F401
        except ImportError:
            return self.to_pandas()
        return self.to_xarray()

    def __repr__(self) -> str:
        params = ", ".join(self._design)
        where = f", store {self.info['store']!r}" if self.info.get("store") else ""
        return (
            f"<EnsembleResults ({self.kind}) of {self.model_name!r}: {self.n_runs:,} runs over {params}; "
            f"{len(self._variables)} saved variable{'s' if len(self._variables) != 1 else ''}{where}>"
        )
