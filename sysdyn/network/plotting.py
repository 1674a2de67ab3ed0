"""Pictures of model results on a network: node colours on the graph's layout, animations, per-node lines.

These draw a variable over a network dimension (see :meth:`sysdyn.Model.network`)
from :class:`~sysdyn.Results`; the results know their networks, so only the
variable's name is needed.  They are also methods of the results:
:meth:`~sysdyn.Results.plot_network`, :meth:`~sysdyn.Results.animate_network`
and :meth:`~sysdyn.Results.plot_nodes`.

The layout is stable: node positions come from the ``pos`` node attribute of
the networkx graph the network was made from, or from a spring layout with a
fixed seed, computed once per network and shared by every picture of it.
matplotlib is imported only when drawing.

Examples
--------
>>> import networkx as nx, sysdyn as sd
>>> m = sd.Model("Sharing", stop=4, dt=0.5)
>>> team = m.network("team", nx.cycle_graph(6))
>>> m.stock("K[team]", initial={0: 6}, inflows=["Sharing[team]"])
>>> m.flow("Sharing[team]", "0.3 * DIFFUSION(K)")
>>> fig = plot_network(m.run(), "K", times=[0, 2, 4])
>>> [ax.get_title() for ax in fig.axes[:3]]
['t = 0', 't = 2', 't = 4']
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np
import scipy.sparse as sp

from ..errors import SysdynError
from .dimension import NetworkDimension
from .graphs import NetworkAdjacency, NetworkError

if TYPE_CHECKING:
    from matplotlib.animation import FuncAnimation
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ..results import Results

__all__ = ["plot_network", "animate_network", "plot_nodes", "network_layout"]

#: Above this many nodes a spring layout is too slow to compute on the fly; pass ``pos=``.
MAX_LAYOUT_NODES = 5000
#: At most this many nodes get their labels written beside them (``labels=None``).
MAX_LABELLED_NODES = 30


def network_layout(dimension: NetworkDimension, *, seed: int = 1) -> np.ndarray:
    """Positions ``(n, 2)`` of the nodes: the graph's ``pos`` attributes, or a seeded spring layout.

    The spring layout is computed once per network and seed (over every edge
    the network ever has) and reused, so every picture of a network has the
    same layout.

    Parameters
    ----------
    dimension : NetworkDimension
        The network, e.g. ``model.definition.dimension("team")``.
    seed : int
        Seed of the spring layout.

    Returns
    -------
    numpy.ndarray

    Raises
    ------
    NetworkError
        For more than :data:`MAX_LAYOUT_NODES` nodes without ``pos`` attributes.

    Examples
    --------
    >>> from sysdyn.network.dimension import network_dimension
    >>> team = network_dimension("team", nx.path_graph(4))
    >>> pos = network_layout(team)
    >>> pos.shape, bool((network_layout(team) == pos).all())
    ((4, 2), True)
    """
    if dimension.positions is not None:
        return dimension.positions.values
    cache_ = dimension.__dict__.get("_layout_cache")
    if cache_ is None:
        cache_ = {}
        object.__setattr__(dimension, "_layout_cache", cache_)
    if seed not in cache_:
        n = dimension.size
        if n > MAX_LAYOUT_NODES:
            raise NetworkError(
                f"the network `{dimension.name}` has {n} nodes, too many for a spring layout here; give the "
                "nodes a 'pos' attribute, or pass pos= (an (n, 2) array) to the drawing function"
            )
        graphs = [dimension.adjacency, *(g for _t, g in dimension.schedule), *dimension.ensemble]
        pattern = sum((abs(g.matrix) for g in graphs), sp.csr_matrix((n, n)))  # type: ignore[union-attr]
        G = nx.from_scipy_sparse_array(((pattern + pattern.T) > 0).astype(float))
        placed = nx.spring_layout(G, seed=seed)
        cache_[seed] = np.array([placed[i] for i in range(n)], dtype=float)
    return cache_[seed]


# -- what to draw ------------------------------------------------------------------------------------
def _network_variable(res: Results, name: str, run: int | str | None):
    """``(values (T, n), dimension, info, note, run)`` of a variable over a network dimension."""
    _key, index = res._resolve(name)
    info = res.info_for(name)
    if index is not None or len(info.dimensions) != 1:
        raise SysdynError(
            f"network pictures draw a variable over one network dimension; `{name}` "
            + ("is one element" if index is not None else f"has dimensions {list(info.dimensions)}")
        )
    networks = res.info.get("networks", {})
    dim = next((d for n, d in networks.items() if n == info.dimensions[0]), None)
    if dim is None:
        raise SysdynError(
            f"`{info.name}` is over `{info.dimensions[0]}`, which is not a network dimension "
            "(make one with Model.network)"
        )
    values = res[info.name]
    note = ""
    own_run = res.info.get("run")
    if res.is_ensemble:
        if run is None:
            if dim.ensemble:
                raise SysdynError(
                    f"every run has its own graph of `{dim.name}`; pick one with run=0..{res.n_runs - 1}"
                )
            values, note = values.mean(axis=0), f"mean of {res.n_runs} runs"
        else:
            if isinstance(run, str) or not -res.n_runs <= int(run) < res.n_runs:
                raise IndexError(f"run {run!r} is out of range: these results have {res.n_runs} runs")
            own_run = int(run) % res.n_runs
            values, note = values[own_run], f"run {own_run}"
    elif run is not None:
        raise SysdynError("`run` picks a run of an ensemble; these are the results of a single run")
    return values, dim, info, note, own_run


def _times(res: Results, times: Iterable[float] | None) -> list[int]:
    t = res.time
    if times is None:
        return sorted({0, len(t) // 2, len(t) - 1})
    return [int(np.argmin(np.abs(t - float(x)))) for x in times]


def _time_label(res: Results, t: float) -> str:
    return f"t = {t:g}" + (f" {res.time_units}" if res.time_units else "")


def _positions(dim: NetworkDimension, pos: Any, seed: int) -> np.ndarray:
    if pos is None:
        return network_layout(dim, seed=seed)
    if isinstance(pos, dict):
        missing = [node for node in dim.nodes if node not in pos]
        if missing:
            raise NetworkError(f"`pos` has no position for node {missing[0]!r}")
        return np.array([pos[node] for node in dim.nodes], dtype=float)
    arr = np.asarray(pos, dtype=float)
    if arr.shape != (dim.size, 2):
        raise NetworkError(
            f"`pos` must be a dict node -> (x, y) or an ({dim.size}, 2) array; got {arr.shape}"
        )
    return arr


def _segments(adj: NetworkAdjacency, pos: np.ndarray) -> np.ndarray:
    mat = adj.matrix if adj.directed else sp.triu(adj.matrix, k=1).tocsr()
    coo = mat.tocoo()
    keep = coo.row != coo.col
    return np.stack([pos[coo.row[keep]], pos[coo.col[keep]]], axis=1)


# -- drawing -----------------------------------------------------------------------------------------
class _Panel:
    """One drawing of the network: edges, coloured nodes and labels, updatable for animations."""

    def __init__(self, ax: Axes, pos: np.ndarray, labels: Sequence[str] | None, style: dict[str, Any]):
        from matplotlib.collections import LineCollection

        self.ax, self.pos, self.style = ax, pos, style
        self.edges = LineCollection([], colors="0.55", linewidths=style["edge_width"], zorder=1)
        ax.add_collection(self.edges)
        self.arrows: list = []
        self.nodes = ax.scatter(
            pos[:, 0],
            pos[:, 1],
            c=np.zeros(len(pos)),
            cmap=style["cmap"],
            norm=style["norm"],
            s=style["node_size"],
            edgecolors="0.25",
            linewidths=0.5,
            zorder=2,
        )
        if labels is not None:
            for (x, y), text in zip(pos, labels, strict=True):
                ax.annotate(
                    text,
                    (x, y),
                    xytext=(0, 0.9 * math.sqrt(style["node_size"]) / 2 + 2),
                    textcoords="offset points",
                    ha="center",
                    va="bottom",
                    fontsize=7,
                    color="0.15",
                    zorder=3,
                )
        pad = 0.08 * max(np.ptp(pos[:, 0]), np.ptp(pos[:, 1]), 1e-9)
        ax.set_xlim(pos[:, 0].min() - pad, pos[:, 0].max() + pad)
        ax.set_ylim(pos[:, 1].min() - pad, pos[:, 1].max() + 2 * pad)
        ax.set_aspect("equal")
        ax.set_axis_off()
        self._graph: NetworkAdjacency | None = None

    def show_graph(self, adj: NetworkAdjacency) -> None:
        if adj is self._graph:
            return
        self._graph = adj
        segments = _segments(adj, self.pos)
        alpha = min(0.7, max(0.08, 400 / max(1, len(segments))))
        self.edges.set_segments(segments)
        self.edges.set_alpha(alpha)
        for arrow in self.arrows:
            arrow.remove()
        self.arrows = []
        if adj.directed and len(segments) <= 400:  # arrow heads where they can still be seen
            from matplotlib.patches import FancyArrowPatch

            shrink = 0.5 * math.sqrt(self.style["node_size"]) + 1
            for (x0, y0), (x1, y1) in segments:
                arrow = FancyArrowPatch(
                    (x0, y0),
                    (x1, y1),
                    arrowstyle="-|>",
                    mutation_scale=7,
                    color="0.45",
                    alpha=alpha,
                    linewidth=0,
                    shrinkA=shrink,
                    shrinkB=shrink,
                    zorder=1.5,
                )
                self.ax.add_patch(arrow)
                self.arrows.append(arrow)

    def show_values(self, values: np.ndarray) -> None:
        self.nodes.set_array(np.asarray(values, dtype=float))


def _style(values: np.ndarray, n: int, cmap: Any, vmin, vmax, node_size) -> dict[str, Any]:
    from matplotlib.colors import Normalize

    finite = values[np.isfinite(values)]
    lo = float(finite.min()) if vmin is None and finite.size else (vmin if vmin is not None else 0.0)
    hi = float(finite.max()) if vmax is None and finite.size else (vmax if vmax is not None else 1.0)
    if hi <= lo:
        hi = lo + 1.0
    size = node_size if node_size is not None else float(np.clip(6000 / n, 8, 260))
    return {
        "cmap": cmap,
        "norm": Normalize(lo, hi),
        "node_size": size,
        "edge_width": 0.8 if n <= 200 else 0.4,
    }


def _labels(dim: NetworkDimension, labels: bool | None) -> list[str] | None:
    if labels is None:
        labels = dim.size <= MAX_LABELLED_NODES
    return list(dim.elements) if labels else None


def _colour_label(info) -> str:
    return info.name + (f" ({info.units})" if info.units else "")


def plot_network(
    res: Results,
    name: str,
    times: Iterable[float] | None = None,
    *,
    run: int | None = None,
    pos: Any = None,
    seed: int = 1,
    ncols: int | None = None,
    cmap: Any = "viridis",
    vmin: float | None = None,
    vmax: float | None = None,
    node_size: float | None = None,
    labels: bool | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Node colours on the network's layout at several times, as small multiples with one colour scale.

    Parameters
    ----------
    res : Results
        Results of a model with a network dimension.
    name : str
        A variable over the network (``"Knowledge"``).
    times : iterable of float, optional
        Times of the panels (each shows the nearest saved time); default: the
        start, the middle and the end.
    run : int, optional
        For an ensemble: the run to draw (default: the mean over the runs,
        which needs the same graph in every run).
    pos : dict or array, optional
        Node positions (node -> (x, y), or an ``(n, 2)`` array in node order);
        default :func:`network_layout`.
    seed : int
        Seed of the default spring layout.
    ncols : int, optional
        Panels per row (default: one row up to 5 panels, else rows of at most 4).
    cmap, vmin, vmax
        Colour map and its range (default: the range of the values drawn).
    node_size : float, optional
        Marker area in points²; default shrinks with the number of nodes.
    labels : bool, optional
        Write the node names (default: up to 30 nodes).
    figsize : (float, float), optional

    Returns
    -------
    matplotlib.figure.Figure
        Its first axes are the panels (titled with their times); the last is the colour bar.

    Examples
    --------
    >>> import sysdyn as sd
    >>> m = sd.Model("m", stop=2, dt=0.5); team = m.network("team", nx.star_graph(4))
    >>> m.stock("K[team]", initial={0: 5}, inflows=["s[team]"]); m.flow("s[team]", "DIFFUSION(K)")
    >>> fig = plot_network(m.run(), "K", times=[0, 2])
    >>> len(fig.axes)
    3
    """
    import matplotlib.pyplot as plt

    values, dim, info, note, own_run = _network_variable(res, name, run)
    picked = _times(res, times)
    xy = _positions(dim, pos, seed)
    style = _style(values[picked], dim.size, cmap, vmin, vmax, node_size)
    if ncols is None:
        rows = 1 if len(picked) <= 5 else math.ceil(len(picked) / 4)
        ncols = math.ceil(len(picked) / rows)
    ncols = max(1, min(ncols, len(picked)))
    nrows = math.ceil(len(picked) / ncols)
    if figsize is None:
        figsize = (3.3 * ncols + 1.2, 3.3 * nrows + 0.5)
    fig, axes = plt.subplots(nrows, ncols, figsize=figsize, squeeze=False, layout="constrained")
    names = _labels(dim, labels)
    used = []
    for ax, i in zip(axes.ravel(), picked, strict=False):
        panel = _Panel(ax, xy, names, style)
        panel.show_graph(dim.graph_at(float(res.time[i]), own_run))
        panel.show_values(values[i])
        ax.set_title(_time_label(res, float(res.time[i])), fontsize=10)
        used.append(ax)
    for ax in axes.ravel()[len(picked) :]:
        ax.remove()
    mappable = plt.cm.ScalarMappable(norm=style["norm"], cmap=style["cmap"])
    fig.colorbar(mappable, ax=used, shrink=0.85, label=_colour_label(info))
    fig.suptitle(f"{info.name} on {dim.name}" + (f" ({note})" if note else ""))
    return fig


@cache
def _animation_class():
    from matplotlib import rcParams
    from matplotlib.animation import FuncAnimation

    class NetworkAnimation(FuncAnimation):
        """A :class:`~matplotlib.animation.FuncAnimation` that shows itself in notebooks (as JavaScript)."""

        def _repr_html_(self) -> str:
            if rcParams["animation.html"] == "html5":
                return self.to_html5_video()
            return self.to_jshtml()

    return NetworkAnimation


def animate_network(
    res: Results,
    name: str,
    *,
    run: int | None = None,
    pos: Any = None,
    seed: int = 1,
    frames: int | Iterable[float] | None = None,
    interval: int = 120,
    cmap: Any = "viridis",
    vmin: float | None = None,
    vmax: float | None = None,
    node_size: float | None = None,
    labels: bool | None = None,
    figsize: tuple[float, float] = (6.0, 5.2),
) -> FuncAnimation:
    """An animation of node colours over time, on the network's layout.

    In a notebook the returned object shows itself as an interactive player
    (it has ``_repr_html_``); ``anim.save("knowledge.gif")`` writes a file.

    Parameters
    ----------
    res, name, run, pos, seed, cmap, vmin, vmax, node_size, labels
        As for :func:`plot_network` (the colour range covers the whole run).
    frames : int or iterable of float, optional
        The number of frames (evenly spaced saved times) or the times to show;
        default every saved time, at most 150.
    interval : int
        Milliseconds between frames.
    figsize : (float, float)

    Returns
    -------
    matplotlib.animation.FuncAnimation

    Examples
    --------
    >>> import sysdyn as sd
    >>> m = sd.Model("m", stop=2, dt=0.5); team = m.network("team", nx.star_graph(4))
    >>> m.stock("K[team]", initial={0: 5}, inflows=["s[team]"]); m.flow("s[team]", "DIFFUSION(K)")
    >>> anim = animate_network(m.run(), "K")
    >>> "<script" in anim.to_jshtml()
    True
    """
    import matplotlib.pyplot as plt

    values, dim, info, note, own_run = _network_variable(res, name, run)
    n_saved = len(res.time)
    if frames is None:
        frames = min(n_saved, 150)
    if isinstance(frames, int | np.integer):
        picked = np.unique(np.linspace(0, n_saved - 1, int(frames)).round().astype(int)).tolist()
    else:
        picked = _times(res, frames)
    xy = _positions(dim, pos, seed)
    style = _style(values, dim.size, cmap, vmin, vmax, node_size)
    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    panel = _Panel(ax, xy, _labels(dim, labels), style)
    mappable = plt.cm.ScalarMappable(norm=style["norm"], cmap=style["cmap"])
    fig.colorbar(mappable, ax=ax, shrink=0.85, label=_colour_label(info))
    heading = f"{info.name} on {dim.name}" + (f" ({note})" if note else "")

    def draw(i: int):
        t = float(res.time[i])
        panel.show_graph(dim.graph_at(t, own_run))
        panel.show_values(values[i])
        ax.set_title(f"{heading}, {_time_label(res, t)}")
        return (panel.nodes,)

    draw(picked[0])
    anim = _animation_class()(fig, draw, frames=picked, interval=interval, blit=False)
    plt.close(fig)  # the animation draws it; a still copy would show in notebooks otherwise
    return anim


def plot_nodes(
    res: Results,
    name: str,
    nodes: Iterable[Hashable] | None = None,
    *,
    run: int | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Per-node time series: a line per node, or for many nodes the spread over nodes.

    Up to 12 nodes (or the ``nodes`` given) are drawn as one line each.  For
    more nodes the median over the nodes is drawn with bands holding 50% and
    90% of them at each time, and the ``nodes`` given, if any, as lines on top.

    Parameters
    ----------
    res, name, run
        As for :func:`plot_network`.
    nodes : iterable, optional
        Node labels to draw as lines.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import sysdyn as sd
    >>> m = sd.Model("m", stop=2, dt=0.5); team = m.network("team", nx.star_graph(20))
    >>> m.stock("K[team]", initial={0: 5}, inflows=["s[team]"]); m.flow("s[team]", "DIFFUSION(K)")
    >>> ax = plot_nodes(m.run(), "K", nodes=[0])
    >>> [line.get_label() for line in ax.get_lines()]
    ['median of 21 nodes', 'K[0]']
    """
    import matplotlib.pyplot as plt

    values, dim, info, note, _own_run = _network_variable(res, name, run)
    if ax is None:
        _, ax = plt.subplots()
    t = res.time
    chosen = None if nodes is None else dim.adjacency.index(list(nodes))  # type: ignore[union-attr]
    if chosen is None and dim.size <= 12:
        chosen = np.arange(dim.size)
    elif dim.size > 12 or chosen is None:
        q05, q25, q50, q75, q95 = np.quantile(values, [0.05, 0.25, 0.5, 0.75, 0.95], axis=1)
        ax.plot(t, q50, color="0.2", label=f"median of {dim.size} nodes")
        ax.fill_between(t, q05, q95, color="0.2", alpha=0.12, linewidth=0, label="90% of nodes")
        ax.fill_between(t, q25, q75, color="0.2", alpha=0.25, linewidth=0, label="50% of nodes")
    for i in [] if chosen is None else chosen:
        ax.plot(t, values[:, i], label=f"{info.name}[{dim.elements[i]}]")
    ax.set_xlabel(f"Time ({res.time_units})" if res.time_units else "Time")
    ax.set_ylabel(_colour_label(info))
    ax.set_title(f"{info.name} per node" + (f" ({note})" if note else ""))
    if len(ax.get_legend_handles_labels()[0]) <= 15:
        ax.legend(fontsize=8)
    return ax
