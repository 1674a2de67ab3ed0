"""Drawing and display of :class:`~sysdyn.Results` (matplotlib is imported only when drawing).

Examples
--------
>>> import numpy as np
>>> from sysdyn.results import Results, VariableInfo
>>> res = Results(time=np.arange(3.0), data={"k": np.array([1.0, 2.0, 3.0])},
...               variables={"k": VariableInfo("K", "stock")}, n_runs=None)
>>> len(plot_results(res, ["K"]).get_lines())
1
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import SysdynError

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from .results import Results

__all__ = ["plot_results", "results_html"]

BAND_ABOVE = 50  # ensembles with more runs are drawn as bands by default


def _run_choice(res: Results, runs: str | int | Iterable[int] | None) -> str | list[int]:
    if not res.is_ensemble:
        if runs is None or runs in ("all", "band"):
            return "single"
        raise SysdynError("`runs` picks runs of an ensemble; these are the results of a single run")
    if runs is None:
        return "band" if res.n_runs > BAND_ABOVE else "all"
    if isinstance(runs, str):
        if runs not in ("all", "band"):
            raise ValueError(f"`runs` must be 'all', 'band' or a list of run numbers, not {runs!r}")
        return runs
    chosen = [runs] if isinstance(runs, int | np.integer) else list(runs)
    for r in chosen:
        if isinstance(r, bool) or not isinstance(r, int | np.integer) or not -res.n_runs <= r < res.n_runs:
            raise IndexError(
                f"run {r!r} is out of range: these results have {res.n_runs} runs (0 to {res.n_runs - 1})"
            )
    return [int(r) % res.n_runs for r in chosen]


def _draw(
    ax: Axes, t: np.ndarray, values: np.ndarray, label: str, mode: str | list[int], kwargs: dict[str, Any]
) -> None:
    if mode == "single":
        ax.plot(t, values, label=label, **kwargs)
    elif mode == "band":
        q05, q25, q50, q75, q95 = np.quantile(values, [0.05, 0.25, 0.5, 0.75, 0.95], axis=0)
        (line,) = ax.plot(t, q50, label=label, **kwargs)
        ax.fill_between(t, q05, q95, color=line.get_color(), alpha=0.15, linewidth=0)
        ax.fill_between(t, q25, q75, color=line.get_color(), alpha=0.3, linewidth=0)
    elif mode == "all":
        style = {"linewidth": 0.8, "alpha": min(0.6, max(0.1, 5 / len(values)))} | kwargs
        (first,) = ax.plot(t, values[0], label=label, **style)
        style.setdefault("color", first.get_color())
        if len(values) > 1:
            ax.plot(t, values[1:].T, label="_nolegend_", **style)
    else:
        for r in mode:
            ax.plot(t, values[r], label=f"{label}, run {r}" if len(mode) > 1 else label, **kwargs)


def plot_results(
    res: Results,
    names: Sequence[str],
    *,
    ax: Axes | None = None,
    runs: str | int | Iterable[int] | None = None,
    line_kwargs: dict[str, Any] | None = None,
) -> Axes:
    """Draw variables of ``res`` over time; see :meth:`sysdyn.Results.plot`.

    Examples
    --------
    >>> import numpy as np
    >>> from sysdyn.results import Results, VariableInfo
    >>> ens = Results(time=np.arange(3.0), data={"k": np.ones((60, 3))},
    ...               variables={"k": VariableInfo("K", "stock")}, n_runs=60)
    >>> ax = plot_results(ens, ["K"])   # 60 runs: median and two bands
    >>> len(ax.get_lines()), len(ax.collections)
    (1, 2)
    """
    import matplotlib.pyplot as plt

    mode = _run_choice(res, runs)
    if not names:
        stocks = [n for n in res.names if res.info_for(n).kind == "stock"]
        names = stocks or list(res.names)
    if ax is None:
        _, ax = plt.subplots()
    picked = [res._resolve(name) for name in names]
    infos = [res._info[key] for key, _ in picked]
    heading = ""
    for key, index in picked:
        labels, block = res._block(key, index)
        heading = res._info[key].name if index is None else labels[0]
        for j, label in enumerate(labels):
            _draw(ax, res.time, block[..., j], label, mode, dict(line_kwargs or {}))
    ax.set_xlabel(f"Time ({res.time_units})" if res.time_units else "Time")
    if len(picked) == 1:
        units = infos[0].units
        ax.set_ylabel(f"{heading} ({units})" if units else heading)
        ax.set_title(heading)
    else:
        units = {info.units for info in infos}
        ax.set_ylabel(units.pop() if len(units) == 1 else "")
        ax.set_title(res.model_name)
    if len(ax.get_legend_handles_labels()[0]) > 1:
        ax.legend()
    return ax


def _cell(value: np.ndarray) -> str:
    if value.size == 1:
        return f"{float(value.reshape(())):.6g}"
    return f"array {value.shape}"


def results_html(res: Results, max_rows: int = 20) -> str:
    """A small HTML table for Jupyter: each variable's kind, units, first and last value.

    For an ensemble the values are means over the runs.

    Examples
    --------
    >>> import numpy as np
    >>> from sysdyn.results import Results, VariableInfo
    >>> res = Results(time=np.arange(3.0), data={"k": np.array([1.0, 2.0, 3.0])},
    ...               variables={"k": VariableInfo("K", "stock")}, n_runs=None)
    >>> "<td>3</td>" in results_html(res)
    True
    """
    ens = res.is_ensemble
    rows = []
    for name in res.names[:max_rows]:
        arr, info = res[name], res.info_for(name)
        first, last = (arr[:, 0].mean(axis=0), arr[:, -1].mean(axis=0)) if ens else (arr[0], arr[-1])
        cells = [name, info.kind, info.units, _cell(np.asarray(first)), _cell(np.asarray(last))]
        rows.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
    if len(res) > max_rows:
        rows.append(f"<tr><td colspan='5'>... {len(res) - max_rows} more</td></tr>")
    t0, t1 = f"{res.time[0]:g}", f"{res.time[-1]:g}"
    mean = " (mean)" if ens else ""
    head = "".join(f"<th>{h}</th>" for h in ("variable", "kind", "units", f"t={t0}{mean}", f"t={t1}{mean}"))
    return (
        f"<div><p>{html.escape(res._heading())}</p>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )
