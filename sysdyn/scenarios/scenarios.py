"""Named scenarios: immutable sets of overrides of a base model, compared on one figure and one table.

A scenario overrides constants and stocks' initial values (by name, any
XMILE spelling) with numbers (an arrayed one with one number for every
element, or an array of its shape), and graphical functions with new
``(x, y)`` points or a :class:`~sysdyn.ir.GraphicalFunction`.  Number
overrides are passed per run; a lookup override runs a changed copy of the
model's frozen definition.  The base model is never changed.

A scenario changes a network (a dimension made by :meth:`sysdyn.Model.network`)
when it names the network:

* a graph (networkx, a sparse matrix, a :class:`~sysdyn.network.NetworkAdjacency`)
  replaces it (:func:`sysdyn.network.with_graph`: per-node values follow the node labels);
* a change made by :func:`network_change`, e.g.
  ``network_change(sd.network.remove_nodes, ["bo"])`` or
  ``network_change(sd.network.add_edges, [("ann", "cy")], at=10)``, is applied
  to the scenario's model;
* so is any function ``f(model, network_name)`` that returns a new model.

Scenarios whose networks have different nodes compare fine: results are
per scenario, :meth:`ScenarioResults.table` gives NaN for an element a
scenario lacks, :meth:`ScenarioResults.to_pandas` and
:meth:`ScenarioResults.to_xarray` align the elements by label (NaN where a
node is missing), and ``aggregate="sum"`` (or ``"mean"``...) compares totals.

Other kinds of override plug in through :func:`register_override`.

Examples
--------
>>> import sysdyn as sd
>>> from sysdyn.showcase import team_knowledge
>>> s = sd.Scenarios(team_knowledge(), {"work harder": {"Staff": 6}, "remember": {"memory time": 24}})
>>> s.names
('baseline', 'work harder', 'remember')
>>> s.run(method="euler").table("Knowledge")["final"].round(2).tolist()
[19.3, 26.42, 31.43]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import DimensionError, ParameterError, SysdynError
from ..ir import GraphicalFunction, ModelDefinition
from ..names import canonical, closest
from .statistics import Aggregate, select_elements, split_aggregate

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

    from ..results import Results

__all__ = ["Scenarios", "ScenarioResults", "register_override", "network_change", "NetworkChange", "STATS"]

#: Override handlers: ``handler(definition, name, value)`` returns a changed definition, or None if
#: the value is not of its kind.  Lookups and network changes are built in.
_HANDLERS: list[Callable[[ModelDefinition, str, Any], ModelDefinition | None]] = []

STATS = ("initial", "final", "min", "max", "mean")


def register_override(handler: Callable[[ModelDefinition, str, Any], ModelDefinition | None]) -> None:
    """Add a kind of scenario override that changes the model's definition.

    ``handler(definition, name, value)`` returns a new definition, or None
    to let the next handler try.  Handlers are tried before the built-in
    network and lookup overrides; numbers are always parameter overrides.

    Examples
    --------
    >>> def strings_are_notes(definition, name, value):
    ...     return None                       # handles nothing: every value falls through
    >>> register_override(strings_are_notes); _HANDLERS.remove(strings_are_notes)
    """
    _HANDLERS.insert(0, handler)


def _as_points(value: Any) -> tuple[tuple[float, ...], tuple[float, ...]] | None:
    if isinstance(value, GraphicalFunction):
        return value.x, value.y
    if isinstance(value, tuple) and len(value) == 2:
        try:
            x, y = (tuple(float(v) for v in part) for part in value)
        except (TypeError, ValueError):
            return None
        return x, y
    return None


def _lookup_override(definition: ModelDefinition, name: str, value: Any) -> ModelDefinition | None:
    points = _as_points(value)
    if points is None:
        return None
    key = canonical(name)
    for i, table in enumerate(definition.lookups):
        if table.key == key:
            new = replace(table, x=points[0], y=points[1])
            return replace(definition, lookups=(*definition.lookups[:i], new, *definition.lookups[i + 1 :]))
    for i, var in enumerate(definition.variables):
        if var.key == key:
            table = getattr(var, "lookup", None)
            if table is None:
                raise ParameterError(
                    f"a scenario gives `{var.name}` points (x, y), but it has no graphical function; "
                    "give a number to override a constant or an initial value",
                    element=var.name,
                )
            new_var = replace(var, lookup=replace(table, x=points[0], y=points[1]))
            variables = (*definition.variables[:i], new_var, *definition.variables[i + 1 :])
            return replace(definition, variables=variables)
    return None


@dataclass(frozen=True)
class NetworkChange:
    """A change of a network, to apply to a scenario's model: ``function(model, network, *args, **kwargs)``.

    Made by :func:`network_change`; ``function`` is one of the changes of
    :mod:`sysdyn.network.changes` (or any function of that form).

    Examples
    --------
    >>> import sysdyn as sd
    >>> network_change(sd.network.remove_nodes, ["bo"], at=5)
    NetworkChange(remove_nodes(['bo'], at=5))
    """

    function: Callable[..., Any]
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)

    def __call__(self, model: Any, network: str) -> Any:
        """The changed model (``model`` is left alone)."""
        return self.function(model, network, *self.args, **dict(self.kwargs))

    def __repr__(self) -> str:
        parts = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs.items()]
        return f"NetworkChange({getattr(self.function, '__name__', 'change')}({', '.join(parts)}))"


def network_change(function: Callable[..., Any], *args: Any, **kwargs: Any) -> NetworkChange:
    """A network change for a scenario: ``function`` applied with these arguments after the model and network.

    Parameters
    ----------
    function : callable
        :func:`sysdyn.network.remove_nodes`, :func:`~sysdyn.network.add_edges`,
        :func:`~sysdyn.network.remove_edges`, :func:`~sysdyn.network.rewire`,
        :func:`~sysdyn.network.with_graph`, or any ``f(model, network, ...)``
        returning a new model.
    *args, **kwargs
        Its arguments after the model and the network's name (``at=`` too).

    Returns
    -------
    NetworkChange

    Examples
    --------
    >>> import networkx as nx, sysdyn as sd
    >>> m = sd.Model("Team", stop=10, dt=0.5)
    >>> team = m.network("team", nx.path_graph(["ann", "bo", "cy"]))
    >>> m.stock("K[team]", initial={"ann": 9}, inflows=["Sharing[team]"])
    >>> m.flow("Sharing[team]", "0.5 * DIFFUSION(K)")
    >>> s = sd.Scenarios(m, {"bo leaves": {"team": network_change(sd.network.remove_nodes, ["bo"])},
    ...                      "ann meets cy": {"team": network_change(sd.network.add_edges, [("ann", "cy")])}})
    >>> r = s.run(method="euler")
    >>> r["bo leaves"]["K"].shape, round(float(r["ann meets cy"]["K[cy]"][-1]), 2)
    ((21, 2), 3.0)
    """
    if not callable(function):
        raise ParameterError(
            f"`function` must be a network change such as sd.network.remove_nodes (got {function!r})"
        )
    return NetworkChange(function, tuple(args), MappingProxyType(dict(kwargs)))


def _network_of(definition: ModelDefinition, name: str) -> Any:
    key = canonical(name)
    for dim in definition.dimensions:
        if dim.key == key:
            return dim
    return None


def _network_override(definition: ModelDefinition, name: str, value: Any) -> ModelDefinition | None:
    """A graph, a :class:`NetworkChange` or ``f(model, network)`` given for a network dimension."""
    dim = _network_of(definition, name)
    if dim is None or any(v.key == dim.key for v in definition.variables):
        return None
    from ..model import Model
    from ..network import with_graph
    from ..network.graphs import NetworkError

    if not getattr(dim, "is_network", False):
        raise ParameterError(
            f"`{dim.name}` is an ordinary dimension; a scenario can change only networks "
            "(dimensions made by Model.network)"
        )
    model = Model.from_definition(definition)
    try:
        if callable(value):
            changed = value(model, dim.name)
        else:
            changed = with_graph(model, dim.name, value)
    except NetworkError as err:
        raise ParameterError(f"the change of the network `{dim.name}` failed: {err}") from err
    new = getattr(changed, "definition", None)
    if not isinstance(new, ModelDefinition):
        raise ParameterError(
            f"the change of the network `{dim.name}` must return a model (got {type(changed).__name__}); "
            "use sd.scenarios.network_change(sd.network.remove_nodes, nodes) and the like"
        )
    return new


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.number)) and not isinstance(value, bool)


def _element_values(value: Any) -> np.ndarray | None:
    """An array of numbers (list or ndarray) for an arrayed variable, or None."""
    if not isinstance(value, (list, np.ndarray)):
        return None
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return None
    return arr if arr.ndim >= 1 else None


def _split(model: Any, scenario: str, overrides: Mapping[str, Any]) -> tuple[dict[str, Any], list]:
    """Separate number overrides (run parameters) from definition changes."""
    definition = model.definition
    known = {v.key: v.name for v in definition.variables} | {t.key: t.name for t in definition.lookups}
    dims = {d.key: d.name for d in definition.dimensions if d.key not in known}
    arrayed = {v.key for v in definition.variables if getattr(v, "dimensions", ())}
    params: dict[str, Any] = {}
    changes: list[tuple[str, Any]] = []
    for name, value in overrides.items():
        key = canonical(str(name))
        if key not in known and key not in dims:
            hint = closest(str(name), [*known.values(), *dims.values()])
            raise ParameterError(
                f"scenario {scenario!r} overrides `{name}`, which is not in the model"
                + (f"; did you mean `{hint}`?" if hint else "")
            )
        if key in dims and not getattr(_network_of(definition, str(name)), "is_network", False):
            raise ParameterError(
                f"scenario {scenario!r} overrides `{name}`, an ordinary dimension; a scenario can change "
                "only networks (dimensions made by Model.network)"
            )
        values = _element_values(value) if key in arrayed else None
        if _is_number(value):
            params[str(name)] = float(value)
        elif values is not None:
            params[str(name)] = values  # one value per element, checked against the shape at run time
        else:
            changes.append((str(name), value))
    return params, changes


def _apply(definition: ModelDefinition, scenario: str, changes: list[tuple[str, Any]]) -> ModelDefinition:
    for name, value in changes:
        for handler in (*_HANDLERS, _network_override, _lookup_override):
            new = handler(definition, name, value)
            if new is not None:
                definition = new
                break
        else:
            raise ParameterError(
                f"scenario {scenario!r}: the override of `{name}` must be a number (a constant or an initial "
                f"value), one number per element of an arrayed one, (x, y) points of a graphical function, "
                f"or a graph or network change for a network (got {value!r} that is a "
                f"{type(value).__name__})"
            )
    return definition


class Scenarios:
    """Named, immutable sets of overrides of a base model.

    Parameters
    ----------
    base : Model
        The base model (never changed).
    scenarios : dict of str to dict
        Scenario name -> {parameter, lookup or network name -> value}: a
        number, an array (one number per element of an arrayed constant),
        ``(x, y)`` points of a lookup, or for a network a graph or a
        :func:`network_change`.
    baseline : str or None
        Name of the unchanged base run, listed first; ``None`` leaves it out.

    Examples
    --------
    >>> import sysdyn as sd
    >>> from sysdyn.showcase import team_knowledge
    >>> s = sd.Scenarios(team_knowledge(), {"a": {"Staff": 2}}, baseline=None)
    >>> s2 = s.with_scenario("b", {"Staff": 3})
    >>> s.names, s2.names
    (('a',), ('a', 'b'))
    """

    def __init__(
        self, base: Any, scenarios: Mapping[str, Mapping[str, Any]], *, baseline: str | None = "baseline"
    ):
        if not isinstance(scenarios, Mapping):
            raise ParameterError("`scenarios` must be a dict of scenario name -> dict of overrides")
        items: dict[str, Mapping[str, Any]] = {}
        if baseline is not None:
            items[str(baseline)] = MappingProxyType({})
        for name, overrides in scenarios.items():
            if str(name) in items:
                raise ParameterError(
                    f"the scenario name {name!r} is used twice (or clashes with the baseline)"
                )
            if not isinstance(overrides, Mapping):
                raise ParameterError(f"scenario {name!r} must be a dict of overrides (got {overrides!r})")
            _split(base, str(name), overrides)  # check the names now, not at run time
            items[str(name)] = MappingProxyType(dict(overrides))
        if not items:
            raise ParameterError("give at least one scenario")
        self._base = base
        self._baseline = baseline
        self._items = MappingProxyType(items)

    @property
    def base(self) -> Any:
        """The base model."""
        return self._base

    @property
    def names(self) -> tuple[str, ...]:
        """Scenario names, in order (the baseline first)."""
        return tuple(self._items)

    def __getitem__(self, name: str) -> Mapping[str, Any]:
        return self._items[name]

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self):
        return iter(self._items)

    def with_scenario(self, name: str, overrides: Mapping[str, Any]) -> Scenarios:
        """A new :class:`Scenarios` with one more (or one replaced) scenario.

        Examples
        --------
        >>> import sysdyn as sd
        >>> from sysdyn.showcase import team_knowledge
        >>> s = sd.Scenarios(team_knowledge(), {"more": {"Staff": 8}})
        >>> s2 = s.with_scenario("more", {"Staff": 6})
        >>> s2.names, dict(s2["more"]), dict(s["more"])  # s itself is unchanged
        (('baseline', 'more'), {'Staff': 6}, {'Staff': 8})
        """
        items = {k: dict(v) for k, v in self._items.items() if k != self._baseline}
        items[str(name)] = dict(overrides)
        return Scenarios(self._base, items, baseline=self._baseline)

    def model(self, name: str) -> Any:
        """The model of scenario ``name`` with its definition changes (parameters are passed per run).

        Examples
        --------
        A scenario that only changes parameters runs the base model itself;
        one that changes a lookup's points gets a new model:

        >>> import sysdyn as sd
        >>> m = sd.Model("m", stop=2); m.lookup("effect", [0, 1], [0, 1]); m.aux("y", "effect(0.5)")
        >>> s = sd.Scenarios(m, {"steeper": {"effect": ([0, 1], [0, 4])}})
        >>> s.model("baseline") is m, s.model("steeper").definition.lookups[0].y
        (True, (0.0, 4.0))
        """
        from ..model import Model

        _, changes = _split(self._base, name, self._items[name])
        if not changes:
            return self._base
        return Model.from_definition(_apply(self._base.definition, name, changes))

    def run(self, method: str | None = None, **run_options: Any) -> ScenarioResults:
        """Run every scenario once; ``run_options`` go to :meth:`sysdyn.Model.run`.

        Examples
        --------
        >>> import sysdyn as sd
        >>> from sysdyn.showcase import team_knowledge
        >>> r = sd.Scenarios(team_knowledge(), {"more": {"Staff": 8}}).run(method="euler")
        >>> {name: round(float(res.final("Knowledge")), 2) for name, res in r.items()}
        {'baseline': 19.3, 'more': 32.39}
        """
        out = {}
        for name, overrides in self._items.items():
            params, _ = _split(self._base, name, overrides)
            out[name] = self.model(name).run(method=method, params=params or None, **run_options)
        return ScenarioResults(out)

    def __repr__(self) -> str:
        return f"<Scenarios of {self._base.name!r}: {', '.join(self.names)}>"


class ScenarioResults(Mapping):
    """One :class:`sysdyn.Results` per scenario (a read-only mapping), with comparisons.

    Examples
    --------
    >>> import sysdyn as sd
    >>> from sysdyn.showcase import team_knowledge
    >>> r = sd.Scenarios(team_knowledge(), {"more": {"Staff": 8}}).run(method="euler")
    >>> float(r["more"].final("Knowledge")).__round__(2)
    32.39
    """

    def __init__(self, results: Mapping[str, Results]):
        self._results = dict(results)

    def __getitem__(self, name: str) -> Results:
        return self._results[name]

    def __iter__(self):
        return iter(self._results)

    def __len__(self) -> int:
        return len(self._results)

    def _series(
        self, res: Results, name: str, element: Any, aggregate: Aggregate | None
    ) -> tuple[np.ndarray, str] | None:
        """One series of a scenario (``None`` if the scenario lacks that element, e.g. a removed node)."""
        if name not in res:
            name, aggregate = split_aggregate(name, aggregate)
        try:
            values = res[name]
        except KeyError:  # an element of another scenario's network
            if any(_has(other, name) for other in self._results.values()):
                return None
            raise
        info = res.info_for(name)
        if values.ndim > 1 and element is not None:
            try:
                return select_elements(values, info, lead=1, element=element, aggregate=aggregate, name=name)
            except DimensionError:
                if any(_has(other, name, element) for other in self._results.values() if other is not res):
                    return None
                raise
        label = info.name if values.ndim > 1 or canonical(name) == canonical(info.name) else str(name)
        return select_elements(values, info, lead=1, aggregate=aggregate, name=label)

    def plot(
        self,
        *names: str,
        ax: Axes | None = None,
        element: Any = None,
        aggregate: Aggregate | None = None,
        **line_kwargs: Any,
    ):
        """One figure: each variable in its own panel, side by side, every scenario a line in it.

        An arrayed variable needs one element (``"Knowledge[alice]"`` or
        ``element=``) or an aggregate over its elements (``aggregate="sum"``
        or ``"sum(Knowledge)"``; also ``"mean"``, ``"min"``, ``"max"``,
        ``"median"``), which works even when the scenarios' networks have
        different nodes.  ``element`` and ``aggregate`` leave scalar variables alone.  A scenario that lacks
        the element (a node it removed) draws no line.

        Returns the Axes (one name) or an array of Axes (several).

        Examples
        --------
        >>> import sysdyn as sd
        >>> from sysdyn.showcase import team_knowledge
        >>> r = sd.Scenarios(team_knowledge(), {"more": {"Staff": 8}}).run(method="euler")
        >>> [line.get_label() for line in r.plot("Knowledge").get_lines()]
        ['baseline', 'more']
        """
        import matplotlib.pyplot as plt

        first = next(iter(self._results.values()))
        if not names:
            names = tuple(n for n in first.names if first.info_for(n).kind == "stock")[:1]
        if ax is not None and len(names) > 1:
            raise ParameterError("`ax` takes one variable; several are drawn side by side in a new figure")
        if ax is None:
            _, axes = plt.subplots(1, len(names), figsize=(4.8 * len(names), 3.8), squeeze=False)
            axes = axes[0]
        else:
            axes = np.array([ax])
        for panel, name in zip(axes, names, strict=True):
            label, units = str(name), ""
            for scenario, res in self._results.items():
                series = self._series(res, name, element, aggregate)
                if series is None:
                    continue
                values, label = series
                units = res.info_for(name if name in res else split_aggregate(name)[0]).units
                panel.plot(res.time, values, label=scenario, **line_kwargs)
            panel.set_title(label)
            panel.set_xlabel(f"Time ({first.time_units})" if first.time_units else "Time")
            panel.set_ylabel(f"{label} ({units})" if units else label)
            panel.legend()
        axes[0].figure.tight_layout()
        return axes[0] if len(names) == 1 else axes

    def table(
        self,
        names: str | Iterable[str],
        stats: Iterable[str] = STATS,
        *,
        aggregate: Aggregate | None = None,
    ) -> pd.DataFrame:
        """One row per scenario: statistics (``initial``, ``final``, ``min``, ``max``, ``mean``) of variables.

        With one variable the columns are the statistics; with several, ``(variable, statistic)``.
        ``mean`` is the time average.  An arrayed variable stands for all its
        elements (columns ``"K[alice]"``, ...; NaN in a scenario that lacks an
        element, e.g. a node it removed), or with ``aggregate="sum"`` (or
        ``"mean"``, ...; or named ``"sum(K)"``) for the aggregate over its
        elements at each time.

        Examples
        --------
        >>> import sysdyn as sd
        >>> from sysdyn.showcase import team_knowledge
        >>> r = sd.Scenarios(team_knowledge(), {"more": {"Staff": 8}}).run(method="euler")
        >>> r.table("Knowledge", stats=["final", "max"]).round(2)
                  final    max
        scenario
        baseline  19.30  19.30
        more      32.39  32.39
        """
        import pandas as pd

        single = isinstance(names, str)
        chosen = [names] if single else list(names)
        stats = list(stats)
        unknown = [s for s in stats if s not in STATS]
        if unknown:
            raise ParameterError(f"unknown statistic {unknown[0]!r}; choose from {', '.join(STATS)}")
        series: dict[str, dict[str, np.ndarray]] = {scenario: {} for scenario in self._results}
        labels: list[str] = []
        for name in chosen:
            for scenario, res in self._results.items():
                for label, v in self._columns(res, name, aggregate):
                    series[scenario][label] = v
                    if label not in labels:
                        labels.append(label)
        if len(labels) > 1:
            single = False
        rows = {}
        for scenario, res in self._results.items():
            row = {}
            t = res.time
            for label in labels:
                v = series[scenario].get(label)
                if v is None:
                    values = dict.fromkeys(STATS, np.nan)
                else:
                    span = t[-1] - t[0]
                    mean = (0.5 * (v[1:] + v[:-1]) * np.diff(t)).sum() / span if len(t) > 1 else v[0]
                    values = {"initial": v[0], "final": v[-1], "min": v.min(), "max": v.max(), "mean": mean}
                for s in stats:
                    row[s if single else (label, s)] = float(values[s])
            rows[scenario] = row
        df = pd.DataFrame.from_dict(rows, orient="index")
        df.index.name = "scenario"
        if not single:
            df.columns = pd.MultiIndex.from_tuples(df.columns, names=["variable", "statistic"])
        return df

    def _columns(self, res: Results, name: str, aggregate: Aggregate | None) -> list[tuple[str, np.ndarray]]:
        """``(label, series over time)`` of a variable in one scenario: one per element if arrayed."""
        if name not in res:
            name, aggregate = split_aggregate(name, aggregate)
        if aggregate is not None or not _has(res, name):
            found = self._series(res, name, None, aggregate)
            return [] if found is None else [(found[1], found[0])]
        values = np.asarray(res[name], dtype=float)
        info = res.info_for(name)
        if values.ndim == 1:
            return [(info.name if canonical(name) == canonical(info.name) else str(name), values)]
        import itertools

        combos = itertools.product(*info.elements)
        block = values.reshape(len(res.time), -1)
        return [(f"{info.name}[{', '.join(c)}]", block[:, j]) for j, c in enumerate(combos)]

    def to_pandas(self, names: str | Iterable[str] | None = None) -> pd.DataFrame:
        """All scenarios in one DataFrame indexed by ``(scenario, time)``.

        Arrayed variables give one column per element; the columns of all
        scenarios are aligned by label, NaN where a scenario lacks an element.

        Examples
        --------
        >>> import sysdyn as sd
        >>> from sysdyn.showcase import team_knowledge
        >>> r = sd.Scenarios(team_knowledge(), {"more": {"Staff": 8}}).run(method="euler")
        >>> r.to_pandas("Knowledge").loc["more"].iloc[-1].round(2).tolist()
        [32.39]
        """
        import pandas as pd

        chosen = None if names is None else ([names] if isinstance(names, str) else list(names))
        frames = {}
        for name, res in self._results.items():
            mine = None if chosen is None else [n for n in chosen if _has(res, n)]
            if chosen is not None:
                missing = [n for n in chosen if n not in mine]
                for n in missing:
                    if not any(_has(other, n) for other in self._results.values()):
                        res[n]  # raises the error that names it
            frames[name] = res.to_pandas(mine)
        return pd.concat(frames, names=["scenario"])

    def to_xarray(self) -> Any:
        """All scenarios in one :class:`xarray.Dataset` with a ``scenario`` dimension.

        Elements (network nodes) are aligned by label: a node a scenario lacks is NaN in it.

        Examples
        --------
        >>> import sysdyn as sd
        >>> from sysdyn.showcase import team_knowledge
        >>> r = sd.Scenarios(team_knowledge(), {"more": {"Staff": 8}}).run(method="euler")
        >>> r.to_xarray()["Knowledge"].dims
        ('scenario', 'time')
        """
        import xarray as xr

        names = list(self._results)
        datasets = [res.to_xarray() for res in self._results.values()]
        out = xr.concat(datasets, dim="scenario", join="outer", combine_attrs="drop_conflicts")
        return out.assign_coords(scenario=names)


def _has(res: Results, name: str, element: Any = None) -> bool:
    """Whether ``res`` has ``name`` (and, if given, that element of it)."""
    if name not in res:
        return False
    if element is None:
        return True
    try:
        select_elements(res[name], res.info_for(name), lead=1, element=element, aggregate="sum")
    except SysdynError:
        return False
    return True
