"""Drawing causal loop diagrams with matplotlib on a networkx layout.

Variables are written as text in light boxes placed by a Kamada-Kawai
layout (deterministic) and then pushed apart until no two boxes overlap.
Links are curved arrows clipped at the boxes, with their sign at the
arrowhead and ``||`` across delayed links; each loop's name (``R1``,
``B2``...) sits inside the loop, near the centre of its variables.

Examples
--------
>>> from sysdyn.loops import archetypes
>>> fig = draw(archetypes.limits_to_growth(), highlight="R1")
>>> fig.axes[0].get_title()
'Limits to Growth'
"""

from __future__ import annotations

import math
import textwrap
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from .cld import CausalLoopDiagram
    from .finding import Loop

__all__ = ["draw", "layout"]

_FONT = 10.0  # points
_CHAR_W = 0.56 * _FONT / 72  # inches per character, DejaVu Sans average
_LINE_H = 1.3 * _FONT / 72
_PAD = 0.07
_GAP = 0.6  # inches kept free between two variables' boxes, room for the arrows


def _wrap(label: str, width: int = 14) -> str:
    return "\n".join(textwrap.wrap(label, width=width, break_long_words=False)) or label


def _half_size(text: str) -> np.ndarray:
    lines = text.split("\n")
    return np.array([max(len(s) for s in lines) * _CHAR_W / 2 + _PAD, len(lines) * _LINE_H / 2 + _PAD])


def layout(cld: CausalLoopDiagram, size: tuple[float, float] | None = None) -> dict[str, np.ndarray]:
    """Positions (in inches on the figure) of the diagram's variables, keyed by canonical name.

    Examples
    --------
    >>> from sysdyn.loops import CausalLoopDiagram
    >>> pos = layout(CausalLoopDiagram(links=[("a", "b", "+"), ("b", "a", "+")]))
    >>> sorted(pos)
    ['a', 'b']
    """
    return _place(cld, size)[0]


def _place(cld: CausalLoopDiagram, size: tuple[float, float] | None) -> tuple[dict[str, np.ndarray], tuple]:
    import networkx as nx

    graph = cld.graph
    nodes = list(graph.nodes)
    n = len(nodes)
    if n == 0:
        return {}, size or (4.0, 3.0)
    if n == 1:
        w, h = size or (4.0, 3.0)
        return {nodes[0]: np.array([w / 2, h / 2])}, (w, h)
    undirected = graph.to_undirected()
    start = nx.circular_layout(_loop_order(cld))
    raw = nx.kamada_kawai_layout(undirected, pos=start) if nx.is_connected(undirected) else start
    xy = np.array([raw[v] for v in nodes], dtype=float)
    span = np.ptp(xy, axis=0)
    span[span == 0] = 1e-9
    if size is None:
        side = min(4.0 + 0.42 * n, 15.0)
        aspect = float(np.clip(span[0] / span[1], 0.75, 1.5))
        size = (side * aspect**0.5 + 1.0, side / aspect**0.5)
    w, h = size
    sizes = np.array([_half_size(_wrap(graph.nodes[v]["label"])) for v in nodes])
    margin = sizes.max(axis=0) + 0.3
    scale = min((w - 2 * margin[0]) / span[0], (h - 2 * margin[1] - 0.4) / span[1])
    xy = (xy - xy.min(axis=0)) * scale
    xy += (np.array([w, h - 0.4]) - xy.max(axis=0)) / 2
    xy = _separate(xy, sizes, np.array([w, h - 0.4]))
    return {v: xy[i] for i, v in enumerate(nodes)}, (w, h)


def _loop_order(cld: CausalLoopDiagram) -> list[str]:
    """Variables ordered around the longest loop first (a good start for the layout)."""
    order: list[str] = []
    loops = cld.loops(max_loops=2000, length_bound=12) if len(cld) <= 60 else []
    for lp in sorted(loops, key=lambda x: -x.length):
        order.extend(k for k in lp.keys if k not in order)
    order.extend(k for k in cld.graph.nodes if k not in order)
    return order


def _separate(xy: np.ndarray, half: np.ndarray, box: np.ndarray, rounds: int = 300) -> np.ndarray:
    xy = xy.copy()
    n = len(xy)
    for _ in range(rounds):
        moved = False
        for i in range(n):
            for j in range(i + 1, n):
                d = xy[j] - xy[i]
                need = half[i] + half[j] + _GAP
                over = need - np.abs(d)
                if over[0] > 0 and over[1] > 0:
                    axis = 0 if over[0] / need[0] < over[1] / need[1] else 1
                    direction = np.sign(d[axis]) or (1.0 if j % 2 else -1.0)
                    shift = (over[axis] / 2 + 0.01) * direction
                    xy[i, axis] -= shift
                    xy[j, axis] += shift
                    moved = True
        xy = np.clip(xy, half + 0.05, box - half - 0.05)
        if not moved:
            break
    return xy


def _bezier(p0: np.ndarray, p2: np.ndarray, rad: float, samples: int = 80) -> np.ndarray:
    d = p2 - p0
    perp = np.array([-d[1], d[0]])
    control = (p0 + p2) / 2 + rad * perp
    t = np.linspace(0.0, 1.0, samples)[:, None]
    return (1 - t) ** 2 * p0 + 2 * (1 - t) * t * control + t**2 * p2


def _outside(points: np.ndarray, centre: np.ndarray, half: np.ndarray) -> np.ndarray:
    return np.any(np.abs(points - centre) > half + 0.04, axis=1)


def _self_loop(p: np.ndarray, half: np.ndarray) -> np.ndarray:
    r = 0.28
    centre = p + np.array([half[0] * 0.6, half[1] + r * 0.6])
    angles = np.linspace(-math.pi * 0.75, math.pi * 1.25, 80)
    return centre + r * np.column_stack([np.cos(angles), np.sin(angles)])


def draw(
    cld: CausalLoopDiagram,
    ax: Axes | None = None,
    *,
    highlight: str | Loop | None = None,
    loop_labels: int = 12,
    path: Any = None,
    dpi: int = 150,
) -> Figure:
    """Draw a causal loop diagram.

    Parameters
    ----------
    cld : CausalLoopDiagram
    ax : matplotlib Axes, optional
        Draw into it (its figure is returned); by default a new figure sized for the diagram.
    highlight : str or Loop, optional
        A loop (or its name, e.g. ``"B1"``) to draw in colour over a greyed diagram.
    loop_labels : int
        Label at most this many loops (the shortest first); 0 for none.
    path : str or path, optional
        Also save the figure there (PNG, SVG, PDF... by suffix).
    dpi : int
        Resolution of a saved raster image.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from sysdyn.loops import CausalLoopDiagram
    >>> cld = CausalLoopDiagram("Trust", [("Trust", "Sharing", "+"), ("Sharing", "Trust", "+", True)])
    >>> fig = cld.draw(highlight="R1")
    >>> [t.get_text() for t in fig.axes[0].texts if t.get_text() in ("R1", "||")]
    ['||', 'R1']
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch
    from matplotlib.path import Path

    graph = cld.graph
    loops = cld.loops(max_loops=5000)
    chosen = None
    if highlight is not None:
        chosen = highlight if not isinstance(highlight, str) else loops[highlight]
    if ax is None:
        pos, (w, h) = _place(cld, None)
        fig = plt.figure(figsize=(w, h))
        ax = fig.add_axes((0, 0, 1, 1))
    else:
        fig = ax.figure
        bbox = ax.get_window_extent().transformed(fig.dpi_scale_trans.inverted())
        w, h = bbox.width, bbox.height
        pos = _place(cld, (w, h))[0]
    texts = {v: _wrap(graph.nodes[v]["label"]) for v in graph.nodes}
    half = {v: _half_size(texts[v]) for v in graph.nodes}
    on_loop = set(chosen.edges) if chosen is not None else set()
    loop_nodes = set(chosen.keys) if chosen is not None else set()
    colour = "#c0392b"

    for a, b, data in graph.edges(data=True):
        live = chosen is None or (a, b) in on_loop
        col = (colour if chosen is not None else "#34495e") if live else "#bdc3c7"
        if a == b:
            pts = _self_loop(pos[a], half[a])
            rad = 0.0
        else:
            length = float(np.linalg.norm(pos[b] - pos[a])) or 1.0
            rad = min(0.22 if graph.has_edge(b, a) else 0.1, 0.4 / length)
            pts = _bezier(pos[a], pos[b], rad)
            pts = pts[_outside(pts, pos[a], half[a]) & _outside(pts, pos[b], half[b])]
        if len(pts) < 3:
            continue
        arrow = FancyArrowPatch(
            path=Path(pts),
            arrowstyle="-|>",
            mutation_scale=13,
            lw=2.2 if (live and chosen is not None) else 1.3,
            color=col,
            zorder=2,
        )
        ax.add_patch(arrow)
        tip, before = pts[-1], pts[max(len(pts) - 6, 0)]
        tangent = (tip - before) / (np.linalg.norm(tip - before) or 1.0)
        normal = np.array([-tangent[1], tangent[0]])
        if rad < 0:
            normal = -normal
        sign_at = tip - 0.16 * tangent + 0.13 * normal
        ax.text(
            *sign_at,
            "−" if data["sign"] == "-" else data["sign"],
            ha="center",
            va="center",
            fontsize=_FONT + 3,
            fontweight="bold",
            color=col,
            zorder=4,
        )
        if data["delay"]:
            mid = pts[len(pts) // 2]
            step = pts[min(len(pts) // 2 + 2, len(pts) - 1)] - pts[max(len(pts) // 2 - 2, 0)]
            angle = math.degrees(math.atan2(step[1], step[0]))
            ax.text(
                *mid,
                "||",
                rotation=angle,
                rotation_mode="anchor",
                ha="center",
                va="center",
                fontsize=_FONT + 2,
                fontweight="bold",
                color=col,
                zorder=4,
            )

    for v in graph.nodes:
        strong = chosen is None or v in loop_nodes
        ax.text(
            *pos[v],
            texts[v],
            ha="center",
            va="center",
            fontsize=_FONT,
            zorder=5,
            color="black" if strong else "#7f8c8d",
            fontweight="bold" if v in loop_nodes else "normal",
            bbox={"boxstyle": "round,pad=0.3", "fc": "#fdfefe", "ec": "#d5dbdb", "lw": 0.8},
        )

    if loop_labels:
        _label_loops(ax, loops[:loop_labels] if chosen is None else [chosen], pos, half, colour, chosen)
    ax.set_xlim(0, w)
    ax.set_ylim(0, h)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(cld.name, fontsize=_FONT + 3, y=0.98, va="top")
    if path is not None:
        fig.savefig(path, dpi=dpi)
    return fig


def _label_loops(ax, loops, pos, half, colour, chosen) -> None:
    placed: list[np.ndarray] = []
    boxes = [(pos[v], half[v]) for v in pos]
    for lp in loops:
        pts = np.array([pos[k] for k in lp.keys])
        centre = pts.mean(axis=0)
        if lp.length == 1:
            centre = pos[lp.keys[0]] + np.array([half[lp.keys[0]][0] * 0.6, half[lp.keys[0]][1] + 0.17])
        elif lp.length == 2:
            a, b = pts
            d = b - a
            centre = (a + b) / 2
            # the two arcs bulge to either side; nudge off the straight line between the boxes
            centre = centre + 0.0 * np.array([-d[1], d[0]])
        centre = _free_spot(centre, boxes, placed)
        placed.append(centre)
        ax.text(
            *centre,
            lp.name,
            ha="center",
            va="center",
            fontsize=_FONT + 1,
            fontweight="bold",
            color=colour if chosen is not None else ("#1f618d" if lp.sign == "+" else "#b03a2e"),
            zorder=6,
            bbox={"boxstyle": "circle,pad=0.25", "fc": "white", "ec": "0.6", "lw": 0.8},
        )


def _free_spot(centre: np.ndarray, boxes, placed, radius: float = 0.22) -> np.ndarray:
    def clash(p: np.ndarray) -> bool:
        if any(np.all(np.abs(p - c) < h + radius) for c, h in boxes):
            return True
        return any(np.linalg.norm(p - q) < 2.2 * radius for q in placed)

    if not clash(centre):
        return centre
    for r in np.arange(0.1, 2.0, 0.1):
        for k in range(16):
            angle = 2 * math.pi * k / 16
            p = centre + r * np.array([math.cos(angle), math.sin(angle)])
            if not clash(p):
                return p
    return centre
