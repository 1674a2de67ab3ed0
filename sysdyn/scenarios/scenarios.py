"""Named scenarios: immutable sets of overrides of a base model, compared on one figure and one table.

A scenario overrides constants and stocks' initial values (by name, any
XMILE spelling) with numbers, and graphical functions with new ``(x, y)``
points or a :class:`~sysdyn.ir.GraphicalFunction`.  Number overrides are
passed per run; a lookup override runs a changed copy of the model's frozen
definition.  The base model is never changed.

Other kinds of override (network graphs, with the network support to
come) plug in through :func:`register_override`.

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
from dataclasses import replace
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ParameterError
from ..ir import GraphicalFunction, ModelDefinition
from ..names import canonical, closest

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

    from ..results import Results

__all__ = ["Scenarios", "ScenarioResults", "register_override", "STATS"]

#: Override handlers: ``handler(definition, name, value)`` returns a changed definition, or None if
#: the value is not of its kind.  Lookups are built in; graphs register here with the network support.
_HANDLERS: list[Callable[[ModelDefinition, str, Any], ModelDefinition | None]] = []

STATS = ("initial", "final", "min", "max", "mean")


def register_override(handler: Callable[[ModelDefinition, str, Any], ModelDefinition | None]) -> None:
    """Add a kind of scenario override that changes the model's definition.

    ``handler(definition, name, value)`` returns a new definition, or None
    to let the next handler try.  Handlers are tried before the built-in
    lookup override; numbers are always parameter overrides.

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


def _split(model: Any, scenario: str, overrides: Mapping[str, Any]) -> tuple[dict[str, float], list]:
    """Separate number overrides (run parameters) from definition changes."""
    definition = model.definition
    known = {v.key: v.name for v in definition.variables} | {t.key: t.name for t in definition.lookups}
    params: dict[str, float] = {}
    changes: list[tuple[str, Any]] = []
    for name, value in overrides.items():
        if canonical(str(name)) not in known:
            hint = closest(str(name), list(known.values()))
            raise ParameterError(
                f"scenario {scenario!r} overrides `{name}`, which is not in the model"
                + (f"; did you mean `{hint}`?" if hint else "")
            )
        if isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
            params[str(name)] = float(value)
        else:
            changes.append((str(name), value))
    return params, changes


def _apply(definition: ModelDefinition, scenario: str, changes: list[tuple[str, Any]]) -> ModelDefinition:
    for name, value in changes:
        for handler in (*_HANDLERS, _lookup_override):
            new = handler(definition, name, value)
            if new is not None:
                definition = new
                break
        else:
            raise ParameterError(
                f"scenario {scenario!r}: the override of `{name}` must be a number (a constant or an initial "
                f"value) or (x, y) points of a graphical function (got {value!r} that is a "
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
        Scenario name -> {parameter or lookup name -> value}.
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
        """A new :class:`Scenarios` with one more (or one replaced) scenario."""
        items = {k: dict(v) for k, v in self._items.items() if k != self._baseline}
        items[str(name)] = dict(overrides)
        return Scenarios(self._base, items, baseline=self._baseline)

    def model(self, name: str) -> Any:
        """The model of scenario ``name`` with its definition changes (parameters are passed per run)."""
        from ..model import Model

        _, changes = _split(self._base, name, self._items[name])
        if not changes:
            return self._base
        return Model.from_definition(_apply(self._base.definition, name, changes))

    def run(self, method: str | None = None, **run_options: Any) -> ScenarioResults:
        """Run every scenario once; ``run_options`` go to :meth:`sysdyn.Model.run`."""
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

    def plot(self, *names: str, ax: Axes | None = None, **line_kwargs: Any):
        """One figure: each variable in its own panel, side by side, every scenario a line in it.

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
            info = first.info_for(name)
            for scenario, res in self._results.items():
                panel.plot(res.time, res[name], label=scenario, **line_kwargs)
            panel.set_title(info.name)
            panel.set_xlabel(f"Time ({first.time_units})" if first.time_units else "Time")
            panel.set_ylabel(f"{info.name} ({info.units})" if info.units else info.name)
            panel.legend()
        axes[0].figure.tight_layout()
        return axes[0] if len(names) == 1 else axes

    def table(self, names: str | Iterable[str], stats: Iterable[str] = STATS) -> pd.DataFrame:
        """One row per scenario: statistics (``initial``, ``final``, ``min``, ``max``, ``mean``) of variables.

        With one variable the columns are the statistics; with several, ``(variable, statistic)``.
        ``mean`` is the time average.

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
        rows = {}
        for scenario, res in self._results.items():
            row = {}
            t = res.time
            for name in chosen:
                v = np.asarray(res[name], dtype=float)
                if v.ndim != 1:
                    raise ParameterError(f"`{name}` is arrayed; name one element, e.g. `{name}[element]`")
                span = t[-1] - t[0]
                mean = (0.5 * (v[1:] + v[:-1]) * np.diff(t)).sum() / span if len(t) > 1 else v[0]
                values = {"initial": v[0], "final": v[-1], "min": v.min(), "max": v.max(), "mean": mean}
                label = res.info_for(name).name
                for s in stats:
                    row[s if single else (label, s)] = float(values[s])
            rows[scenario] = row
        df = pd.DataFrame.from_dict(rows, orient="index")
        df.index.name = "scenario"
        if not single:
            df.columns = pd.MultiIndex.from_tuples(df.columns, names=["variable", "statistic"])
        return df

    def to_pandas(self, names: str | Iterable[str] | None = None) -> pd.DataFrame:
        """All scenarios in one DataFrame indexed by ``(scenario, time)``."""
        import pandas as pd

        frames = {name: res.to_pandas(names) for name, res in self._results.items()}
        return pd.concat(frames, names=["scenario"])
