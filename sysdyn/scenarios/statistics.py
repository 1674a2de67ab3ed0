"""Output statistics: one number per run, for sensitivity analysis, calibration and tables.

A statistic maps the results of an ensemble to one value per run: the final
value of a variable, its peak, the time it first crosses a threshold...
Sensitivity analysis and scenario tables accept these, a plain variable name
(meaning its final value), or any callable that takes :class:`~sysdyn.Results`
and returns one number per run.

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

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import ParameterError

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
]


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

    Examples
    --------
    >>> s = Statistic("range K", "K", lambda t, v: v.max(axis=1) - v.min(axis=1))
    >>> s.label
    'range K'
    """

    label: str
    variable: str
    reduce: Callable[[np.ndarray, np.ndarray], np.ndarray]

    def __call__(self, results: Any) -> np.ndarray:
        """Evaluate on :class:`~sysdyn.Results` (a single run gives an array of one value)."""
        values = np.asarray(results[self.variable], dtype=float)
        if values.ndim == 1:
            values = values[None, :]
        if values.ndim != 2:
            raise ParameterError(
                f"the statistic {self.label!r} needs a scalar variable; `{self.variable}` is arrayed: "
                "name one element, e.g. `Name[element]`"
            )
        return np.asarray(self.reduce(np.asarray(results.time, dtype=float), values), dtype=float)


def final(variable: str) -> Statistic:
    """The last saved value.

    Examples
    --------
    >>> final("Knowledge").label
    'final Knowledge'
    """
    return Statistic(f"final {variable}", variable, lambda t, v: v[:, -1])


def initial(variable: str) -> Statistic:
    """The first saved value.

    Examples
    --------
    >>> initial("Knowledge").label
    'initial Knowledge'
    """
    return Statistic(f"initial {variable}", variable, lambda t, v: v[:, 0])


def peak(variable: str) -> Statistic:
    """The largest saved value.

    Examples
    --------
    >>> peak("Knowledge").label
    'peak Knowledge'
    """
    return Statistic(f"peak {variable}", variable, lambda t, v: v.max(axis=1))


def trough(variable: str) -> Statistic:
    """The smallest saved value.

    Examples
    --------
    >>> trough("Knowledge").label
    'trough Knowledge'
    """
    return Statistic(f"trough {variable}", variable, lambda t, v: v.min(axis=1))


def mean(variable: str) -> Statistic:
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

    return Statistic(f"mean {variable}", variable, reduce)


def value_at(variable: str, time: float) -> Statistic:
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

    return Statistic(f"{variable} at {when:g}", variable, reduce)


def time_to(variable: str, threshold: float, direction: str = "either") -> Statistic:
    """The first time the variable reaches ``threshold`` (NaN in runs where it never does).

    The crossing time is interpolated linearly between saved times.

    Parameters
    ----------
    variable : str
    threshold : float
    direction : {"either", "up", "down"}
        Count only crossings upward, downward, or both.

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
    return Statistic(f"time to {variable} = {level:g}{suffix}", variable, reduce)


def as_statistics(outputs: Any) -> dict[str, Callable[[Any], np.ndarray]]:
    """Normalise what a user names as outputs into ``{label: callable(results) -> per-run values}``.

    Accepts a variable name (its final value), a :class:`Statistic`, a
    callable, or a list or dict of these (dict keys become the labels).

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
            item = final(item)
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
