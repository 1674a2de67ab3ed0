"""Where the variables of a causal loop diagram go: candidate layouts for :mod:`sysdyn.loops.drawing`.

Kamada-Kawai's energy over networkx's graph distances, minimised by stress
majorisation (Gansner, Koren & North 2004), from several deterministic
starts: the variables in loop order on a circle, and seeded random
positions.  Each candidate is turned so its long side lies across the page,
scaled to the figure, its boxes pushed apart until none overlap, and scored
on links that cross each other or run through a variable's box.  Parts of a
diagram that are not joined are laid out side by side.  The drawing then
places curves and labels on each candidate and keeps the least bad.

Examples
--------
>>> print(wrap_label("Pressure to work harder"))
Pressure to
work harder
"""

from __future__ import annotations

import math
import textwrap
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import networkx as nx

    from .cld import CausalLoopDiagram
    from .finding import Loop

__all__ = ["FONT", "TITLE", "wrap_label", "half_size", "candidate_layouts"]

FONT = 10.0  # points
_PAD = 0.3 * FONT / 72  # box padding, inches ("round,pad=0.3")
_GAP = 0.6  # inches kept free between two variables' boxes, room for the arrows
TITLE = 0.45  # inches kept free at the top for the title
_LINK = 2.1  # typical length of a link, inches


# --------------------------------------------------------------------------- text sizes
def wrap_label(label: str, width: int = 14) -> str:
    """Wrap a label to lines of about ``width`` characters, balanced (no lone short last word).

    Examples
    --------
    >>> wrap_label("Births"), wrap_label("Perceived adequacy of the workforce")
    ('Births', 'Perceived\\nadequacy of\\nthe workforce')
    """
    label = " ".join(label.split())
    if len(label) <= width:
        return label
    lines = math.ceil(len(label) / width)
    for target in range(math.ceil(len(label) / lines), width + 1):
        wrapped = textwrap.wrap(label, width=target, break_long_words=False)
        if len(wrapped) <= lines:
            return "\n".join(wrapped)
    return "\n".join(textwrap.wrap(label, width=width, break_long_words=False)) or label


@lru_cache(maxsize=4096)
def _text_width(line: str) -> float:
    """Width of one line of text at the diagram's font size, in inches."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    width, _, _ = TextToPath().get_text_width_height_descent(line, FontProperties(size=FONT), ismath=False)
    return width / 72


def half_size(text: str) -> np.ndarray:
    """Half the width and half the height, in inches, of the box drawn around a (wrapped) label.

    Examples
    --------
    >>> [float(half_size(label)[1]) for label in ("Births", "Knowledge\\nper person")]  # 1 and 2 lines
    [0.125, 0.2083...]
    >>> bool(half_size("Knowledge")[0] > half_size("Births")[0])
    True
    """
    lines = text.split("\n")
    width = max(_text_width(s) for s in lines)
    return np.array([width / 2 + _PAD, len(lines) * 1.2 * FONT / 72 / 2 + _PAD])


# ----------------------------------------------------------------------------- layout
def candidate_layouts(
    cld: CausalLoopDiagram, size: tuple[float, float] | None, loops: list[Loop]
) -> list[tuple[float, dict[str, np.ndarray], tuple[float, float]]]:
    """Candidate layouts, best first by their straight-line score: ``(score, positions, figure size)``.

    Parameters
    ----------
    cld : CausalLoopDiagram
    size : (float, float) or None
        Figure width and height in inches; None sizes each candidate for the diagram.
    loops : list of Loop
        The loops whose variables are put in order around a circle for one start.

    Examples
    --------
    >>> from sysdyn.loops import archetypes
    >>> cld = archetypes.limits_to_growth()
    >>> found = candidate_layouts(cld, None, list(cld.loops()))
    >>> score, positions, size = found[0]
    >>> sorted(positions) == sorted(cld.graph.nodes) and score <= found[-1][0]
    True
    """
    graph = cld.graph
    nodes = list(graph.nodes)
    n = len(nodes)
    if n == 0:
        return [(0.0, {}, size or (4.0, 3.0))]
    half = np.array([half_size(wrap_label(graph.nodes[v]["label"])) for v in nodes])
    if n == 1:
        w, h = size or (4.0, 3.0)
        return [(0.0, {nodes[0]: np.array([w / 2, (h - TITLE) / 2])}, (w, h))]
    order = _loop_order(graph, loops)
    found = []
    for raw in _candidates(graph, nodes, order):
        xy = _orient(raw)
        fig_size = size or _auto_size(graph, nodes, xy, half)
        xy = _fit(xy, half, fig_size)
        found.append((_score(graph, nodes, xy, half), {v: xy[i] for i, v in enumerate(nodes)}, fig_size))
    return sorted(found, key=lambda c: c[0])


def _loop_order(graph: nx.DiGraph, loops: list[Loop]) -> list[str]:
    """Variables ordered around the longest loops first (a good start for the layout)."""
    order: list[str] = []
    for lp in sorted(loops, key=lambda x: -x.length):
        order.extend(k for k in lp.keys if k not in order)
    order.extend(k for k in graph.nodes if k not in order)
    return order


def _candidates(graph: nx.DiGraph, nodes: list[str], order: list[str], seeds: int = 4):
    """Candidate layouts (arrays in ``nodes`` order): stress layouts from a loop-order circle and seeds."""
    import networkx as nx

    undirected = nx.Graph(graph.to_undirected())
    undirected.remove_edges_from(nx.selfloop_edges(undirected))
    parts = sorted(nx.connected_components(undirected), key=lambda c: (-len(c), min(c)))
    index = {v: i for i, v in enumerate(nodes)}
    distances = []
    for part in parts:
        members = [v for v in order if v in part]
        hops = dict(nx.all_pairs_shortest_path_length(undirected.subgraph(members)))
        distances.append((members, np.array([[hops[a][b] for b in members] for a in members], dtype=float)))
    for start in range(seeds + 1):
        xy = np.zeros((len(nodes), 2))
        offset = 0.0
        for members, dist in distances:
            k = len(members)
            if k == 1:
                local = np.zeros((1, 2))
            else:
                if start == 0:
                    angle = 2 * np.pi * np.arange(k) / k
                    init = np.column_stack([np.cos(angle), np.sin(angle)])
                else:
                    init = np.random.default_rng(start).uniform(-1, 1, (k, 2))
                local = _orient(_stress_layout(dist, init * dist.max() / 2))
                span = float(np.ptp(local, axis=0).max()) or 1.0
                local = local / span * math.sqrt(k)  # parts keep a size that grows with their variables
            local[:, 0] += offset - local[:, 0].min()
            offset = local[:, 0].max() + 1.0
            for v, p in zip(members, local, strict=True):
                xy[index[v]] = p
        yield xy


def _stress_layout(dist: np.ndarray, xy: np.ndarray, iterations: int = 300, tol: float = 1e-5) -> np.ndarray:
    """Positions whose distances best match ``dist``: Kamada-Kawai's energy, minimised by majorisation.

    Minimises ``sum w_ij (|x_i - x_j| - d_ij)^2`` with ``w_ij = d_ij^-2`` (the energy of
    :func:`networkx.kamada_kawai_layout`) by the SMACOF iteration of Gansner, Koren & North (2004),
    which needs no line search and converges monotonically.
    """
    n = len(dist)
    with np.errstate(divide="ignore"):
        weights = np.where(dist > 0, dist**-2.0, 0.0)
    laplacian = np.diag(weights.sum(axis=1)) - weights
    inverse = np.linalg.pinv(laplacian)
    xy = xy.astype(float).copy()
    scale = float(dist.max()) or 1.0
    for _ in range(iterations):
        diff = xy[:, None] - xy[None]
        length = np.hypot(diff[..., 0], diff[..., 1])
        with np.errstate(divide="ignore", invalid="ignore"):
            b = np.where(length > 0, -weights * dist / length, 0.0)
        b[np.diag_indices(n)] = -b.sum(axis=1)
        new = inverse @ (b @ xy)
        if np.abs(new - xy).max() < tol * scale:
            return new
        xy = new
    return xy


def _orient(xy: np.ndarray) -> np.ndarray:
    """Centre a layout and turn its long axis across the page (unless it is nearly round)."""
    xy = xy - xy.mean(axis=0)
    if len(xy) < 2:
        return xy
    values, vectors = np.linalg.eigh(np.cov(xy.T) + 1e-12 * np.eye(2))
    if values[1] > 1.3 * values[0]:
        major = vectors[:, 1] * (1 if vectors[np.argmax(np.abs(vectors[:, 1])), 1] > 0 else -1)
        rotation = np.array([[major[0], major[1]], [-major[1], major[0]]])
        xy = xy @ rotation.T
    return xy


def _auto_size(graph: nx.DiGraph, nodes: list[str], xy: np.ndarray, half: np.ndarray) -> tuple[float, float]:
    """A figure size that gives a typical link about ``_LINK`` inches (at most 16 x 13 inches)."""
    index = {v: i for i, v in enumerate(nodes)}
    lengths = [np.linalg.norm(xy[index[a]] - xy[index[b]]) for a, b in graph.edges if a != b]
    typical = float(np.median(lengths)) if lengths else 1.0
    span = np.maximum(np.ptp(xy, axis=0), 1e-9)
    margin = 2 * (half.max(axis=0) + 0.35)
    shortest = float(np.min(lengths)) if lengths else 1.0
    scale = max(_LINK / max(typical, 1e-9), 0.75 * _LINK / max(shortest, 1e-9))
    scale = min(scale, (16.0 - margin[0]) / span[0], (13.0 - TITLE - margin[1]) / span[1])
    w, h = span * scale + margin
    return max(float(w), 4.0), max(float(h), 2.5) + TITLE


def _fit(xy: np.ndarray, half: np.ndarray, size: tuple[float, float]) -> np.ndarray:
    w, h = size
    box = np.array([w, h - TITLE])
    span = np.ptp(xy, axis=0)
    span[span == 0] = 1e-9
    margin = half.max(axis=0) + 0.35
    room = np.maximum(box - 2 * margin, 0.5)
    scale = float(np.min(room / span))
    xy = (xy - xy.min(axis=0)) * scale
    xy += (box - xy.max(axis=0)) / 2
    return _separate(xy, half, box)


def _separate(xy: np.ndarray, half: np.ndarray, box: np.ndarray, rounds: int = 300) -> np.ndarray:
    """Push boxes apart until every two are at least ``_GAP`` apart (and all inside ``box``)."""
    xy = xy.copy()
    n = len(xy)
    for _ in range(rounds):
        moved = False
        for i in range(n):
            d = xy[i + 1 :] - xy[i]
            need = half[i] + half[i + 1 :] + _GAP
            over = need - np.abs(d)
            for k in np.flatnonzero((over[:, 0] > 0) & (over[:, 1] > 0)):
                j = i + 1 + k
                axis = 0 if over[k, 0] / need[k, 0] < over[k, 1] / need[k, 1] else 1
                direction = np.sign(d[k, axis]) or (1.0 if j % 2 else -1.0)
                shift = (over[k, axis] / 2 + 0.01) * direction
                xy[i, axis] -= shift
                xy[j, axis] += shift
                moved = True
        xy = np.clip(xy, half + 0.05, np.maximum(box - half - 0.05, half + 0.05))
        if not moved:
            break
    return xy


def _score(graph: nx.DiGraph, nodes: list[str], xy: np.ndarray, half: np.ndarray) -> float:
    """Badness of a layout: links through boxes (x4) or close by (x0.5), crossings, boxes overlapping (x8)."""
    index = {v: i for i, v in enumerate(nodes)}
    pairs = sorted({tuple(sorted((index[a], index[b]))) for a, b in graph.edges if a != b})
    if not pairs:
        return 0.0
    seg = np.array([[xy[i], xy[j]] for i, j in pairs])  # (E, 2, 2)
    t = np.linspace(0.1, 0.9, 17)[None, :, None]
    pts = seg[:, :1] + t * (seg[:, 1:] - seg[:, :1])  # (E, T, 2)
    inside = np.all(np.abs(pts[:, :, None, :] - xy[None, None]) < half[None, None] + 0.05, axis=-1)
    ends = np.zeros((len(pairs), len(nodes)), dtype=bool)
    for e, (i, j) in enumerate(pairs):
        ends[e, [i, j]] = True
    through = int(np.sum(inside.any(axis=1) & ~ends))
    near = np.all(np.abs(pts[:, :, None, :] - xy[None, None]) < half[None, None] + 0.3, axis=-1)
    close = int(np.sum(near.any(axis=1) & ~ends))
    crossings = 0
    for e in range(len(pairs)):
        for f in range(e + 1, len(pairs)):
            if set(pairs[e]) & set(pairs[f]):
                continue
            crossings += _cross(seg[e, 0], seg[e, 1], seg[f, 0], seg[f, 1])
    d = np.abs(xy[:, None] - xy[None])
    clash = np.all(d < half[:, None] + half[None] + 0.1, axis=-1)
    overlaps = int((clash.sum() - len(nodes)) // 2)
    length = float(np.linalg.norm(seg[:, 1] - seg[:, 0], axis=1).sum())
    return 4.0 * through + 0.5 * close + crossings + 8.0 * overlaps + 1e-3 * length


def _cross(p1: np.ndarray, p2: np.ndarray, q1: np.ndarray, q2: np.ndarray) -> bool:
    def turn(a, b, c):
        return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])

    d1, d2 = turn(q1, q2, p1), turn(q1, q2, p2)
    d3, d4 = turn(p1, p2, q1), turn(p1, p2, q2)
    return bool(d1 * d2 < 0 and d3 * d4 < 0)
