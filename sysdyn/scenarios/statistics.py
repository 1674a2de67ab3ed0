"""Output statistics: one number per run, for sensitivity analysis, calibration and tables.

A statistic maps the results of an ensemble to one value per run: the final
value of a variable, its peak, the time it first crosses a threshold...
Sensitivity analysis and scenario tables accept these, a plain variable name
(meaning its final value), or any callable that takes :class:`~sysdyn.Results`
and returns one number per run.

Arrayed variables (over a dimension or a network) are reduced to one series
per run first: name one element (``final("Knowledge[alice]")`` or
``final("Knowledge", element="alice")``), or aggregate over the elements
at every saved time (``peak("Knowledge", aggregate="sum")`` is the peak of
the team's total knowledge, labelled ``"peak sum(Knowledge)"``).  The same
``element=`` and ``aggregate=`` arguments work in
:meth:`~sysdyn.scenarios.EnsembleResults.summary`,
:meth:`~sysdyn.scenarios.EnsembleResults.plot_bands` and the scenario
comparisons; :func:`select_elements` does the work.

Examples
--------
>>> import numpy as np
>>> from sysdyn.results import Results, VariableInfo
>>> res = Results(time=np.arange(4.0), data={"k": np.array([[0.0, 2, 5, 3], [0.0, 1, 1, 4]])},
...               variables={"k": VariableInfo("K", "stock")}, n_runs=2)
>>> final("K")(res), peak("K")(res), time_to("K", 1.5)(res)
(array([3., 4.]), array([5., 4.]), array([0.75      , 2.16666667]))
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import DimensionError, ParameterError
from ..names import canonical, closest

__all__ = [
    "Statistic",
    "final",
    "initial",
    "peak",
    "trough",
    "mean",
    "value_at",
    "time_to",
    "as_statistics",
    "select_elements",
    "series",
    "AGGREGATES",
]

#: Aggregates over the elements of an arrayed variable, by name (``aggregate="sum"``...).
AGGREGATES: dict[str, Callable[..., np.ndarray]] = {
    "sum": np.sum,
    "mean": np.mean,
    "min": np.min,
    "max": np.max,
    "median": np.median,
}

Aggregate = str | Callable[..., np.ndarray]
_AGGREGATED = re.compile(r"^\s*(?P<agg>[A-Za-z]+)\s*\((?P<name>.+)\)\s*$")


def _element_position(info: Any, dim_index: int, element: Any) -> int:
    """Position of ``element`` (any spelling; a node label may be given as it is) along one dimension."""
    elements = info.elements[dim_index]
    keys = [canonical(e) for e in elements]
    wanted = canonical(str(element))
    if wanted not in keys:
        hint = closest(str(element), elements)
        shown = ", ".join(elements[:20]) + (", ..." if len(elements) > 20 else "")
        raise DimensionError(
            f"no element `{element}` in dimension `{info.dimensions[dim_index]}` of `{info.name}` "
            f"(elements: {shown})" + (f"; did you mean `{hint}`?" if hint else ""),
            element=info.name,
        )
    return keys.index(wanted)


def _indexer(info: Any, element: Any) -> tuple[tuple[Any, ...], list[str]]:
    """An index into the element axes and the chosen labels (``*`` for a dimension kept whole)."""
    dims = info.dimensions
    if isinstance(element, Mapping):
        by_dim = {canonical(d): i for i, d in enumerate(dims)}
        index: list[Any] = [slice(None)] * len(dims)
        labels = ["*"] * len(dims)
        for dim, elem in element.items():
            i = by_dim.get(canonical(str(dim)))
            if i is None:
                raise DimensionError(
                    f"`{info.name}` has no dimension `{dim}` (dimensions: {', '.join(dims)})",
                    element=info.name,
                )
            index[i] = _element_position(info, i, elem)
            labels[i] = info.elements[i][index[i]]
        return tuple(index), labels
    wanted = tuple(element) if isinstance(element, (tuple, list)) else (element,)
    if len(wanted) != len(dims):
        raise DimensionError(
            f"`{info.name}` has {len(dims)} dimension(s) {list(dims)}, but the element {element!r} gives "
            f"{len(wanted)}; give one element per dimension, or a dict {{dimension: element}}",
            element=info.name,
        )
    index = [_element_position(info, i, e) for i, e in enumerate(wanted)]
    return tuple(index), [info.elements[i][j] for i, j in enumerate(index)]


def _aggregate_function(aggregate: Aggregate) -> tuple[Callable[..., np.ndarray], str]:
    if callable(aggregate):
        return aggregate, getattr(aggregate, "__name__", "aggregate")
    fn = AGGREGATES.get(str(aggregate).lower()) if isinstance(aggregate, str) else None
    if fn is None:
        raise ParameterError(
            f"`aggregate` must be one of {', '.join(AGGREGATES)} or a function f(values, axis) "
            f"(got {aggregate!r})"
        )
    return fn, str(aggregate).lower()


def target_label(variable: str, element: Any = None, aggregate: Aggregate | None = None) -> str:
    """How a variable, one element of it or an aggregate over its elements is labelled.

    Examples
    --------
    >>> target_label("K", "ann"), target_label("K", aggregate="sum"), target_label("K", {"team": "ann"})
    ('K[ann]', 'sum(K)', 'K[team=ann]')
    """
    label = str(variable)
    if element is not None:
        if isinstance(element, Mapping):
            inner = ", ".join(f"{d}={e}" for d, e in element.items())
        else:
            inner = ", ".join(str(e) for e in (element if isinstance(element, (tuple, list)) else (element,)))
        label = f"{label}[{inner}]"
    if aggregate is not None:
        label = f"{_aggregate_function(aggregate)[1]}({label})"
    return label


def select_elements(
    values: np.ndarray,
    info: Any,
    *,
    lead: int = 2,
    element: Any = None,
    aggregate: Aggregate | None = None,
    name: str | None = None,
) -> tuple[np.ndarray, str]:
    """Reduce the values of an arrayed variable to one series: an element, or an aggregate over elements.

    Parameters
    ----------
    values : numpy.ndarray
        Shaped ``(*lead axes, *element axes)``, e.g. ``(runs, times, nodes)``.
    info : VariableInfo
        The variable's dimensions and element names.
    lead : int
        Number of leading axes to keep (2 for runs and times, 1 for a single run).
    element : str, tuple or dict, optional
        One element: its name (one dimension), one name per dimension, or
        ``{dimension: element}`` for some of the dimensions (the others are
        then aggregated).  Network nodes are named by their labels.
    aggregate : {"sum", "mean", "min", "max", "median"} or callable, optional
        Aggregate over the (remaining) elements at every saved time; a
        callable is called as ``f(values, axis=tuple_of_axes)``.  Ignored for
        a value that is already scalar.
    name : str, optional
        The name used in labels and messages (default: the variable's).

    Returns
    -------
    values : numpy.ndarray
        Shaped like the ``lead`` axes.
    label : str
        ``"K"``, ``"K[ann]"`` or ``"sum(K)"``.

    Raises
    ------
    DimensionError
        If the values are arrayed and neither ``element`` nor ``aggregate``
        reduces them, or an element is unknown.

    Examples
    --------
    >>> from sysdyn.results import VariableInfo
    >>> info = VariableInfo("K", "stock", "", ("team",), (("ann", "bo"),))
    >>> v = np.array([[[1.0, 2.0], [3.0, 5.0]]])            # 1 run, 2 times, 2 elements
    >>> select_elements(v, info, element="bo")
    (array([[2., 5.]]), 'K[bo]')
    >>> select_elements(v, info, aggregate="sum")
    (array([[3., 8.]]), 'sum(K)')
    """
    out, label, _, _ = _select(values, info, lead, element, aggregate, name, keep=False)
    return out, label


def _select(
    values: np.ndarray,
    info: Any,
    lead: int,
    element: Any,
    aggregate: Aggregate | None,
    name: str | None,
    keep: bool,
) -> tuple[np.ndarray, str, tuple[str, ...], tuple[tuple[str, ...], ...]]:
    """:func:`select_elements`; with ``keep`` the element axes not reduced stay (and are returned)."""
    values = np.asarray(values, dtype=float)
    label = str(name or info.name)
    extra = values.ndim - lead
    if extra <= 0:
        if element is not None:
            raise DimensionError(
                f"`{label}` is not arrayed: it has no element {element!r}", element=info.name
            )
        return values, label, (), ()
    if extra != len(info.dimensions):
        raise DimensionError(
            f"`{label}` has values of shape {values.shape}, which does not fit its dimensions "
            f"{list(info.dimensions)}",
            element=info.name,
        )
    dims, elements = tuple(info.dimensions), tuple(info.elements)
    if element is not None:
        index, chosen = _indexer(info, element)
        values = values[(slice(None),) * lead + index]
        label = f"{label}[{', '.join(chosen)}]"
        left = [i for i, ix in enumerate(index) if isinstance(ix, slice)]
        dims, elements = tuple(dims[i] for i in left), tuple(elements[i] for i in left)
    if values.ndim > lead:
        if aggregate is None:
            if keep:
                return values, label, dims, elements
            n = int(np.prod(values.shape[lead:]))
            first = ", ".join(els[0] for els in info.elements)
            raise DimensionError(
                f"`{label}` is arrayed over {', '.join(dims)} ({n} elements): pick one element, "
                f"e.g. `{info.name}[{first}]` or element={info.elements[0][0]!r}, or aggregate over them, "
                "e.g. aggregate='sum' (or 'mean', 'min', 'max', 'median')",
                element=info.name,
            )
        fn, agg = _aggregate_function(aggregate)
        values = np.asarray(fn(values, axis=tuple(range(lead, values.ndim))), dtype=float)
        label = f"{agg}({label})"
    return values, label, (), ()


def split_aggregate(name: str, aggregate: Aggregate | None = None) -> tuple[str, Aggregate | None]:
    """``"sum(K)"`` -> ``("K", "sum")``; other names come back as they are, with ``aggregate``.

    Examples
    --------
    >>> split_aggregate("mean(Knowledge[alice, *])"), split_aggregate("Knowledge")
    (('Knowledge[alice, *]', 'mean'), ('Knowledge', None))
    """
    match = _AGGREGATED.match(name) if isinstance(name, str) else None
    if match is None or match["agg"].lower() not in AGGREGATES:
        return name, aggregate
    if aggregate is not None:
        raise ParameterError(f"`{name}` names its aggregate already; do not give `aggregate=` too")
    return match["name"].strip(), match["agg"].lower()


def series(results: Any, name: str) -> np.ndarray:
    """The values of ``name`` in ``results``: a scalar variable, ``"K[alice]"`` or an aggregate ``"sum(K)"``.

    Shaped ``(times,)`` for a single run, ``(runs, times)`` for an ensemble.
    The aggregates are those of :data:`AGGREGATES`; labels made by the
    statistics (``"sum(K)"``) are understood.

    Examples
    --------
    >>> import sysdyn as sd
    >>> m = sd.Model("m", stop=1, dt=1); m.dimension("team", ["ann", "bo"])
    >>> m.constant("k[team]", [1, 2])
    >>> res = m.run(method="euler")
    >>> series(res, "sum(k)"), series(res, "k[bo]")
    (array([3., 3.]), array([2., 2.]))
    """
    if name not in results:
        name, aggregate = split_aggregate(name)
    else:
        aggregate = None
    values = np.asarray(results[name], dtype=float)
    lead = 1 if getattr(results, "n_runs", None) is None else 2
    return select_elements(values, results.info_for(name), lead=lead, aggregate=aggregate, name=name)[0]


@dataclass(frozen=True)
class Statistic:
    """A named way to reduce each run to one number.

    Parameters
    ----------
    label : str
        Column name in tables, e.g. ``"peak Knowledge"``.
    variable : str
        The variable it reads.
    reduce : callable
        ``reduce(time, values)`` with ``values`` shaped ``(runs, times)``
        returns one value per run.
    element : str, tuple or dict, optional
        For an arrayed variable: the element to read (see :func:`select_elements`).
    aggregate : str or callable, optional
        For an arrayed variable: how to combine its elements at every saved
        time before ``reduce`` (``"sum"``, ``"mean"``, ``"min"``, ``"max"``,
        ``"median"``).

    Examples
    --------
    >>> s = Statistic("range K", "K", lambda t, v: v.max(axis=1) - v.min(axis=1))
    >>> s.label
    'range K'
    """

    label: str
    variable: str
    reduce: Callable[[np.ndarray, np.ndarray], np.ndarray]
    element: Any = None
    aggregate: Aggregate | None = None

    def __call__(self, results: Any) -> np.ndarray:
        """Evaluate on :class:`~sysdyn.Results` (a single run gives an array of one value)."""
        values = np.asarray(results[self.variable], dtype=float)
        lead = 1 if getattr(results, "n_runs", None) is None else 2
        values, _ = select_elements(
            values,
            results.info_for(self.variable),
            lead=lead,
            element=self.element,
            aggregate=self.aggregate,
            name=self.variable,
        )
        if values.ndim == 1:
            values = values[None, :]
        return np.asarray(self.reduce(np.asarray(results.time, dtype=float), values), dtype=float)


def _make(
    prefix: str, variable: str, reduce: Callable, element: Any, aggregate: Aggregate | None, suffix: str = ""
) -> Statistic:
    target = target_label(variable, element, aggregate)
    label = f"{prefix} {target}{suffix}" if prefix else f"{target}{suffix}"
    return Statistic(label, variable, reduce, element, aggregate)


def final(variable: str, *, element: Any = None, aggregate: Aggregate | None = None) -> Statistic:
    """The last saved value.

    ``element`` picks one element of an arrayed variable and ``aggregate``
    combines its elements (see :func:`select_elements`); so do the other statistics.

    Examples
    --------
    >>> final("Knowledge").label, final("Knowledge", aggregate="sum").label
    ('final Knowledge', 'final sum(Knowledge)')
    """
    return _make("final", variable, lambda t, v: v[:, -1], element, aggregate)


def initial(variable: str, *, element: Any = None, aggregate: Aggregate | None = None) -> Statistic:
    """The first saved value.

    Examples
    --------
    >>> initial("Knowledge").label
    'initial Knowledge'
    """
    return _make("initial", variable, lambda t, v: v[:, 0], element, aggregate)


def peak(variable: str, *, element: Any = None, aggregate: Aggregate | None = None) -> Statistic:
    """The largest saved value (of the aggregate over elements, if ``aggregate`` is given).

    Examples
    --------
    >>> peak("Knowledge").label, peak("Knowledge", element="alice").label
    ('peak Knowledge', 'peak Knowledge[alice]')
    """
    return _make("peak", variable, lambda t, v: v.max(axis=1), element, aggregate)


def trough(variable: str, *, element: Any = None, aggregate: Aggregate | None = None) -> Statistic:
    """The smallest saved value.

    Examples
    --------
    >>> trough("Knowledge").label
    'trough Knowledge'
    """
    return _make("trough", variable, lambda t, v: v.min(axis=1), element, aggregate)


def mean(variable: str, *, element: Any = None, aggregate: Aggregate | None = None) -> Statistic:
    """The time average (trapezoidal rule over the saved times).

    Examples
    --------
    >>> mean("Knowledge").label
    'mean Knowledge'
    """

    def reduce(t: np.ndarray, v: np.ndarray) -> np.ndarray:
        if len(t) < 2:
            return v[:, 0]
        area = (0.5 * (v[:, 1:] + v[:, :-1]) * np.diff(t)).sum(axis=1)
        return area / (t[-1] - t[0])

    return _make("mean", variable, reduce, element, aggregate)


def value_at(
    variable: str, time: float, *, element: Any = None, aggregate: Aggregate | None = None
) -> Statistic:
    """The value at ``time`` (linear interpolation between saved times).

    Examples
    --------
    >>> value_at("Knowledge", 12).label
    'Knowledge at 12'
    """
    when = float(time)

    def reduce(t: np.ndarray, v: np.ndarray) -> np.ndarray:
        if not t[0] <= when <= t[-1]:
            raise ParameterError(f"time {when:g} is outside the run ({t[0]:g} to {t[-1]:g})")
        return np.array([np.interp(when, t, row) for row in v])

    return _make("", variable, reduce, element, aggregate, f" at {when:g}")


def time_to(
    variable: str,
    threshold: float,
    direction: str = "either",
    *,
    element: Any = None,
    aggregate: Aggregate | None = None,
) -> Statistic:
    """The first time the variable reaches ``threshold`` (NaN in runs where it never does).

    The crossing time is interpolated linearly between saved times.

    Parameters
    ----------
    variable : str
    threshold : float
    direction : {"either", "up", "down"}
        Count only crossings upward, downward, or both.
    element, aggregate : optional
        For an arrayed variable: one element, or an aggregate over the
        elements (``time_to("Knowledge", 50, aggregate="mean")`` is when the
        average member reaches 50).

    Examples
    --------
    >>> time_to("Knowledge", 50, "up").label
    'time to Knowledge = 50 (up)'
    """
    if direction not in ("either", "up", "down"):
        raise ParameterError(f"`direction` must be 'either', 'up' or 'down' (got {direction!r})")
    level = float(threshold)

    def reduce(t: np.ndarray, v: np.ndarray) -> np.ndarray:
        d = v - level
        at_start = d[:, 0] == 0
        lo, hi = d[:, :-1], d[:, 1:]
        up = (lo < 0) & (hi >= 0)
        down = (lo > 0) & (hi <= 0)
        hit = up if direction == "up" else down if direction == "down" else up | down
        first = np.argmax(hit, axis=1)
        found = hit[np.arange(len(v)), first]
        a, b = lo[np.arange(len(v)), first], hi[np.arange(len(v)), first]
        with np.errstate(divide="ignore", invalid="ignore"):
            frac = np.where(b != a, a / (a - b), 0.0)
        out = np.where(found, t[first] + frac * (t[first + 1] - t[first]), np.nan)
        return np.where(at_start, t[0], out)

    suffix = "" if direction == "either" else f" ({direction})"
    return _make("time to", variable, reduce, element, aggregate, f" = {level:g}{suffix}")


def as_statistics(outputs: Any) -> dict[str, Callable[[Any], np.ndarray]]:
    """Normalise what a user names as outputs into ``{label: callable(results) -> per-run values}``.

    Accepts a variable name (its final value; ``"K[alice]"`` for an element
    and ``"sum(K)"`` for an aggregate of an arrayed variable), a
    :class:`Statistic`, a callable, or a list or dict of these (dict keys
    become the labels).

    Examples
    --------
    >>> list(as_statistics(["Knowledge", peak("Knowledge")]))
    ['final Knowledge', 'peak Knowledge']
    """
    if isinstance(outputs, (str, Statistic)) or callable(outputs):
        outputs = [outputs]
    items = outputs.items() if isinstance(outputs, Mapping) else ((None, o) for o in outputs)
    out: dict[str, Callable[[Any], np.ndarray]] = {}
    for label, item in items:
        if isinstance(item, str):
            variable, aggregate = split_aggregate(item)
            item = final(variable, aggregate=aggregate)
        if isinstance(item, Statistic):
            name = label or item.label
        elif callable(item):
            name = label or getattr(item, "__name__", f"output {len(out)}")
        else:
            raise ParameterError(
                f"an output must be a variable name, a statistic (sd.scenarios.peak(...)) or a callable "
                f"of the results (got {item!r} that is a {type(item).__name__})"
            )
        out[str(name)] = item
    if not out:
        raise ParameterError("name at least one output to analyse")
    return out
