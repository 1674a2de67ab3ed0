"""The results of stochastic diffusion runs: counts per state per run, and per-node times.

A :class:`DiffusionResults` holds, for ``runs`` independent runs on one network,
how many nodes are in each state at each report time (``counts``, shaped
``(runs, times, states)``), when each node first adopted (``adoption_times``,
``(runs, nodes)``, ``inf`` for never) and each node's state at the end.  It
summarises runs as means and quantiles, goes to pandas, and draws the median
with 50 % and 90 % bands beside a mean-field curve.

Examples
--------
>>> import numpy as np
>>> res = DiffusionResults(
...     model="SI", method="manual", states=("S", "I"), times=np.array([0.0, 1.0]),
...     counts=np.array([[[2, 1], [0, 3]], [[2, 1], [1, 2]]]),
...     adoption_times=np.array([[0.0, 0.5, 0.7], [0.0, 0.9, np.inf]]),
...     final_states=np.array([[1, 1, 1], [1, 1, 0]]), labels=("a", "b", "c"))
>>> res["I"]
array([[1, 3],
       [1, 2]])
>>> res.mean()
state    S    I
time
0.0    2.0  1.0
1.0    0.5  2.5
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import SysdynError

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

__all__ = ["DiffusionResults", "counts_on_grid", "UnknownStateError"]

BANDS = (0.05, 0.25, 0.5, 0.75, 0.95)


class UnknownStateError(SysdynError, KeyError):
    """A state name that the diffusion model does not have."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def counts_on_grid(event_times: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """How many events of each run happened at or before each grid time.

    Parameters
    ----------
    event_times : numpy.ndarray
        ``(runs, k)`` times (``inf`` for events that never happen).
    grid : numpy.ndarray
        ``(T,)`` increasing report times.

    Returns
    -------
    numpy.ndarray
        ``(runs, T)`` int64 counts of ``event_times <= grid[t]``.

    Examples
    --------
    >>> counts_on_grid(np.array([[0.0, 1.5, np.inf]]), np.array([0.0, 1.0, 2.0]))
    array([[1, 1, 2]])
    """
    runs, _ = event_times.shape
    T = len(grid)
    slot = np.searchsorted(grid, event_times, side="left")  # first grid time >= the event
    flat = (np.arange(runs)[:, None] * (T + 1) + slot).ravel()
    hist = np.bincount(flat, minlength=runs * (T + 1)).reshape(runs, T + 1)
    return np.cumsum(hist[:, :T], axis=1)


def _state_index(states: Sequence[str], state: str) -> int:
    lowered = [s.lower() for s in states]
    if isinstance(state, str) and state.lower() in lowered:
        return lowered.index(state.lower())
    raise UnknownStateError(f"{state!r} is not a state of this model; its states are {', '.join(states)}")


@dataclass(frozen=True, eq=False)
class DiffusionResults:
    """Counts per state per run and per-node adoption times of stochastic diffusion runs.

    Parameters
    ----------
    model : str
        ``"SI"``, ``"SIS"``, ``"SIR"``, ``"independent_cascade"`` or ``"threshold"``.
    method : str
        The simulation method that made them.
    states : tuple of str
        The state names, e.g. ``("S", "I", "R")``; ``counts[..., k]`` is ``states[k]``.
    times : numpy.ndarray
        ``(T,)`` report times (generations for cascades and threshold models).
    counts : numpy.ndarray
        ``(runs, T, len(states))`` number of nodes in each state.
    adoption_times : numpy.ndarray
        ``(runs, nodes)`` time each node first left the initial state (infected,
        activated), ``0`` for seeds, ``inf`` if never (within ``tmax``).
    final_states : numpy.ndarray
        ``(runs, nodes)`` index into ``states`` of each node's state at the last report time.
    labels : tuple
        Node labels, in the column order of the per-node arrays.
    recovery_times : numpy.ndarray, optional
        ``(runs, nodes)`` recovery times (SIR with an exact method).
    parameters : mapping, optional
        The rates and options of the runs, for the record.

    Examples
    --------
    >>> import networkx as nx, sysdyn as sd
    >>> res = sd.diffusion.simulate(nx.path_graph(5), "SI", rate=1.0, seeds=[0], runs=100, rng=1, tmax=4)
    >>> res.counts.shape, res.n_runs, res.n_nodes
    ((100, 101, 2), 100, 5)
    >>> bool((res.final_size() <= 5).all())
    True
    """

    model: str
    method: str
    states: tuple[str, ...]
    times: np.ndarray
    counts: np.ndarray
    adoption_times: np.ndarray
    final_states: np.ndarray
    labels: tuple
    recovery_times: np.ndarray | None = None
    parameters: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("times", "counts", "adoption_times", "final_states", "recovery_times"):
            arr = getattr(self, name)
            if arr is not None:
                arr = np.asarray(arr)
                arr.flags.writeable = False
                object.__setattr__(self, name, arr)

    # -- access ----------------------------------------------------------------------------------
    @property
    def n_runs(self) -> int:
        """The number of runs."""
        return self.counts.shape[0]

    @property
    def n_nodes(self) -> int:
        """The number of nodes of the network."""
        return self.adoption_times.shape[1]

    def __getitem__(self, state: str) -> np.ndarray:
        """The ``(runs, times)`` counts of one state (any capitalisation)."""
        return self.counts[:, :, _state_index(self.states, state)]

    def final_size(self) -> np.ndarray:
        """The number of nodes that adopted (were ever infected or activated) in each run.

        Examples
        --------
        >>> import networkx as nx, sysdyn as sd
        >>> sd.diffusion.simulate(nx.path_graph(4), "SI", rate=1.0, seeds=[0], runs=3, rng=0).final_size()
        array([4, 4, 4])
        """
        horizon = self.times[-1]
        return np.count_nonzero(self.adoption_times <= horizon, axis=1)

    # -- summaries -------------------------------------------------------------------------------
    def mean(self, fraction: bool = False) -> pd.DataFrame:
        """The mean count of each state over runs, at each report time.

        Parameters
        ----------
        fraction : bool, default False
            Divide by the number of nodes.

        Returns
        -------
        pandas.DataFrame
            Indexed by ``time``, one column per state.

        Examples
        --------
        >>> import networkx as nx, sysdyn as sd
        >>> res = sd.diffusion.simulate(nx.path_graph(3), "SI", rate=1.0, seeds=[1], runs=10, rng=0, tmax=1)
        >>> res.mean().loc[0.0].tolist()
        [2.0, 1.0]
        """
        import pandas as pd

        values = self.counts.mean(axis=0) / (self.n_nodes if fraction else 1)
        return pd.DataFrame(values, index=pd.Index(self.times, name="time"), columns=self._columns())

    def std_error(self, fraction: bool = False) -> pd.DataFrame:
        """The standard error of :meth:`mean` (sample standard deviation over ``sqrt(runs)``).

        Examples
        --------
        >>> import networkx as nx, sysdyn as sd
        >>> res = sd.diffusion.simulate(nx.path_graph(3), "SI", rate=1.0, seeds=[1], runs=10, rng=0, tmax=1)
        >>> res.std_error().loc[0.0].tolist()
        [0.0, 0.0]
        """
        import pandas as pd

        ddof = 1 if self.n_runs > 1 else 0
        values = self.counts.std(axis=0, ddof=ddof) / np.sqrt(self.n_runs)
        values = values / (self.n_nodes if fraction else 1)
        return pd.DataFrame(values, index=pd.Index(self.times, name="time"), columns=self._columns())

    def quantiles(self, q: Sequence[float] = BANDS, fraction: bool = False) -> pd.DataFrame:
        """Quantiles over runs of each state's count, at each report time.

        Parameters
        ----------
        q : sequence of float, default (0.05, 0.25, 0.5, 0.75, 0.95)
            The quantiles, in [0, 1].
        fraction : bool, default False
            Divide by the number of nodes.

        Returns
        -------
        pandas.DataFrame
            Indexed by ``time``; columns are a (state, quantile) MultiIndex.

        Examples
        --------
        >>> import networkx as nx, sysdyn as sd
        >>> res = sd.diffusion.simulate(nx.path_graph(3), "SI", rate=1.0, seeds=[1], runs=10, rng=0, tmax=1)
        >>> float(res.quantiles([0.5])[("I", 0.5)].iloc[0])
        1.0
        """
        import pandas as pd

        qs = np.asarray(q, dtype=float)
        if qs.ndim != 1 or np.any((qs < 0) | (qs > 1)):
            raise ValueError(f"`q` must be a sequence of quantiles in [0, 1], not {q!r}")
        values = np.quantile(self.counts, qs, axis=0) / (self.n_nodes if fraction else 1)  # (q, T, S)
        data = values.transpose(1, 2, 0).reshape(len(self.times), -1)
        columns = pd.MultiIndex.from_product([list(self.states), qs.tolist()], names=["state", "quantile"])
        return pd.DataFrame(data, index=pd.Index(self.times, name="time"), columns=columns)

    def to_pandas(self) -> pd.DataFrame:
        """Every run's counts as one long data frame.

        Returns
        -------
        pandas.DataFrame
            Indexed by (``run``, ``time``), one column per state.

        Examples
        --------
        >>> import networkx as nx, sysdyn as sd
        >>> res = sd.diffusion.simulate(nx.path_graph(3), "SIR", rate=1.0, recovery=1.0, seeds=[0],
        ...                             runs=2, rng=0, tmax=2, dt=1)
        >>> res.to_pandas().shape
        (6, 3)
        """
        import pandas as pd

        runs, T, S = self.counts.shape
        index = pd.MultiIndex.from_product([range(runs), self.times], names=["run", "time"])
        return pd.DataFrame(self.counts.reshape(runs * T, S), index=index, columns=self._columns())

    def adoption_frame(self) -> pd.DataFrame:
        """Per-node adoption times as a data frame: one row per run, one column per node.

        Examples
        --------
        >>> import networkx as nx, sysdyn as sd
        >>> res = sd.diffusion.simulate(nx.path_graph(["a", "b"]), "SI", rate=1.0, seeds=["a"], runs=2, rng=0)
        >>> res.adoption_frame().columns.tolist()
        ['a', 'b']
        """
        import pandas as pd

        return pd.DataFrame(
            self.adoption_times,
            index=pd.RangeIndex(self.n_runs, name="run"),
            columns=pd.Index(list(self.labels), name="node"),
        )

    def _columns(self) -> Any:
        import pandas as pd

        return pd.Index(list(self.states), name="state")

    # -- pictures --------------------------------------------------------------------------------
    def plot(
        self,
        states: Sequence[str] | None = None,
        *,
        bands: bool = True,
        fraction: bool = False,
        mean_field: Any = None,
        ax: Axes | None = None,
    ) -> Axes:
        """Draw each state's median over runs with 50 % and 90 % bands, or its mean.

        Parameters
        ----------
        states : sequence of str, optional
            The states to draw (default: all).
        bands : bool, default True
            Median with the 25–75 % and 5–95 % bands; ``False`` draws the mean.
        fraction : bool, default False
            Plot fractions of the nodes instead of counts.
        mean_field : MeanFieldResults, optional
            A :func:`~sysdyn.network.diffusion.mean_field` solution drawn as dashed
            lines in the same colours.
        ax : matplotlib.axes.Axes, optional

        Returns
        -------
        matplotlib.axes.Axes

        Examples
        --------
        >>> import networkx as nx, sysdyn as sd
        >>> res = sd.diffusion.simulate(nx.path_graph(5), "SI", rate=1.0, seeds=[0], runs=20, rng=0, tmax=5)
        >>> len(res.plot().get_lines())
        2
        """
        import matplotlib.pyplot as plt

        ax = ax if ax is not None else plt.figure().add_subplot()
        chosen = list(self.states) if states is None else list(states)
        scale = self.n_nodes if fraction else 1
        colours = {}
        for state in chosen:
            values = self[state] / scale
            if bands:
                q05, q25, q50, q75, q95 = np.quantile(values, BANDS, axis=0)
                (line,) = ax.plot(self.times, q50, label=f"{state} (median)", drawstyle="steps-post")
                colour = line.get_color()
                ax.fill_between(
                    self.times,
                    q05,
                    q95,
                    color=colour,
                    alpha=0.15,
                    linewidth=0,
                    step="post",
                    label=f"{state} (90% of runs)",
                )
                ax.fill_between(
                    self.times,
                    q25,
                    q75,
                    color=colour,
                    alpha=0.3,
                    linewidth=0,
                    step="post",
                    label=f"{state} (50% of runs)",
                )
            else:
                (line,) = ax.plot(self.times, values.mean(axis=0), label=f"{state} (mean)")
            colours[state] = line.get_color()
        if mean_field is not None:
            for state in chosen:
                if state.lower() in [s.lower() for s in mean_field.states]:
                    ax.plot(
                        mean_field.times,
                        mean_field[state] / scale,
                        linestyle="--",
                        color=colours[state],
                        label=f"{state} ({mean_field.kind} mean field)",
                    )
        unit = "generation" if self.model in ("independent_cascade", "threshold") else "time"
        ax.set_xlabel(unit)
        ax.set_ylabel("fraction of nodes" if fraction else "nodes")
        title = f"{self.model}, {self.n_runs} runs ({self.method})"
        if bands:
            title += ": median, 50 % and 90 % bands"
        ax.set_title(title)
        ax.legend(fontsize="small")
        return ax
