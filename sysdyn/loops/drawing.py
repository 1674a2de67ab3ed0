"""Drawing causal loop diagrams with matplotlib on a networkx layout.

- **Layout.**  Candidate positions come from :mod:`sysdyn.loops.placement`
  (stress majorisation of Kamada-Kawai's energy from several starts); the
  labels below are placed on each, and the least bad is kept.
- **Links** are curved arrows clipped at the boxes.  A link on a loop bows
  outward from the centre of the shortest loop it is on, so loops read as
  circles; the two links of a two-variable loop bow to opposite sides; a curve
  that would run through a box bends less, or the other way.
- **Labels.**  Each link's sign sits by its arrowhead, on the first side found
  clear of boxes, curves and other labels; ``||`` crosses the middle of a
  delayed link; each loop's name sits inside the loop (a point inside the
  closed curve of its links, clear of everything else), in a circular arrow
  that turns the way the loop runs.

Examples
--------
>>> from sysdyn.loops import archetypes
>>> fig = draw(archetypes.limits_to_growth(), highlight="R1", path=None)
>>> fig.axes[0].get_title()
'Limits to Growth'
>>> import matplotlib.pyplot as plt; plt.close(fig)
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

from .finding import LoopCountWarning
from .placement import FONT, TITLE, candidate_layouts, half_size, wrap_label

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from .cld import CausalLoopDiagram
    from .finding import Loop

__all__ = ["draw", "layout"]

_SIGN_R = 0.1  # clearance radius of a sign, inches
_LOOP_R = 0.23  # clearance radius of a loop label with its circular arrow, inches
_SAMPLES = 60  # points per curve
_DARK, _LIGHT, _ACCENT = "#34495e", "#c8ced3", "#c0392b"
_LOOP_COLOURS = {"+": "#1f618d", "-": "#b03a2e", "?": "#7d3c98"}


def layout(cld: CausalLoopDiagram, size: tuple[float, float] | None = None) -> dict[str, np.ndarray]:
    """Positions (in inches on the figure) of the diagram's variables, keyed by canonical name.

    Parameters
    ----------
    cld : CausalLoopDiagram
    size : (float, float), optional
        Figure width and height in inches; by default sized for the diagram.

    Examples
    --------
    >>> from sysdyn.loops import CausalLoopDiagram
    >>> pos = layout(CausalLoopDiagram(links=[("a", "b", "+"), ("b", "a", "+")]))
    >>> sorted(pos)
    ['a', 'b']
    """
    loops = _short_loops(cld)
    return _best_scene(cld, size, loops, loops[:12]).pos


def _short_loops(cld: CausalLoopDiagram, bound: int = 10, cap: int = 5000) -> list[Loop]:
    """The diagram's loops up to a length at which there are fewer than ``cap``.

    Their names are those of ``cld.loops()``: shorter loops are named first.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LoopCountWarning)
        while True:
            loops = cld.loops(length_bound=bound, max_loops=cap)
            if not loops.capped or bound <= 2:
                return list(loops)
            bound -= 2


# ------------------------------------------------------------------------------ curves
def _bezier(p0: np.ndarray, p2: np.ndarray, rad: float, samples: int = _SAMPLES) -> np.ndarray:
    """Quadratic Bézier from p0 to p2 whose control point is ``rad * |p2 - p0|`` to the left of the chord."""
    d = p2 - p0
    control = (p0 + p2) / 2 + rad * np.array([-d[1], d[0]])
    t = np.linspace(0.0, 1.0, samples)[:, None]
    return (1 - t) ** 2 * p0 + 2 * (1 - t) * t * control + t**2 * p2


def _inside_box(points: np.ndarray, centre: np.ndarray, half: np.ndarray, margin: float) -> np.ndarray:
    return np.all(np.abs(points - centre) <= half + margin, axis=-1)


def _clip(pts: np.ndarray, pa, ha, pb, hb) -> np.ndarray:
    """The part of a curve between leaving the first box and reaching the second."""
    out_a = ~_inside_box(pts, pa, ha, 0.05)
    out_b = ~_inside_box(pts, pb, hb, 0.05)
    if not out_a.any() or not out_b.any():
        return pts[:0]
    first = int(np.argmax(out_a))
    last = len(pts) - 1 - int(np.argmax(out_b[::-1]))
    return pts[first : last + 1]


def _self_loop(p: np.ndarray, half: np.ndarray) -> np.ndarray:
    r = 0.28
    centre = p + np.array([half[0] * 0.6, half[1] + r * 0.6])
    angles = np.linspace(-math.pi * 0.75, math.pi * 1.25, _SAMPLES)
    return centre + r * np.column_stack([np.cos(angles), np.sin(angles)])


def _curves(graph, pos, half, loops) -> dict[tuple[str, str], tuple[np.ndarray, float]]:
    """A clipped curve and its bend for every link.

    Links of two-variable loops are bent first, then links on longer loops, then the rest; each
    takes the bend closest to its preferred one that keeps out of boxes and crosses the fewest
    curves already drawn.
    """
    from scipy.spatial import cKDTree

    home: dict[tuple[str, str], tuple[np.ndarray, int]] = {}
    for lp in sorted(loops, key=lambda x: x.length):
        if lp.length >= 3:
            centre = np.mean([pos[k] for k in lp.keys], axis=0)
            for e in lp.edges:
                home.setdefault(e, (centre, lp.length))
    rank = {e: (0 if graph.has_edge(e[1], e[0]) else (1 if e in home else 2)) for e in graph.edges}
    names = list(pos)
    all_centres = np.array([pos[v] for v in names])
    all_halves = np.array([half[v] for v in names])
    curves: dict[tuple[str, str], tuple[np.ndarray, float]] = {}
    for a, b in sorted(graph.edges, key=lambda e: rank[e]):
        if a == b:
            curves[(a, b)] = (_clip_self(_self_loop(pos[a], half[a]), pos[a], half[a]), 0.0)
            continue
        p0, p2 = pos[a], pos[b]
        d = p2 - p0
        length = float(np.linalg.norm(d)) or 1.0
        left = np.array([-d[1], d[0]]) / length
        if rank[(a, b)] == 0:
            pref = min(max(0.22, 0.6 / length), 0.5)
            options = [pref, 1.3 * pref, 0.8 * pref]
        elif rank[(a, b)] == 1:
            centre, n = home[(a, b)]
            side = 1.0 if float(np.dot((p0 + p2) / 2 - centre, left)) >= 0 else -1.0
            pref = side * min({3: 0.36, 4: 0.3, 5: 0.26}.get(n, 0.22), 1.8 / length)
            options = [pref, 0.6 * pref, 0.3 * pref, -0.3 * pref, -0.6 * pref, -pref]
        else:
            pref = min(0.1, 0.6 / length)
            options = [pref, -pref, 0.0, 2.5 * pref, -2.5 * pref]
        others = [pts for (u, v), (pts, _) in curves.items() if not {u, v} & {a, b} and len(pts)]
        drawn = cKDTree(np.concatenate(others)) if others else None
        keep = [i for i, v in enumerate(names) if v not in (a, b)]
        centres, halves = all_centres[keep], all_halves[keep] + 0.06
        best = None
        for k, rad in enumerate(options):
            pts = _bezier(p0, p2, rad)
            hits = int(np.all(np.abs(pts[:, None] - centres[None]) <= halves[None], axis=-1).sum())
            crossing = 0
            if drawn is not None:
                d, _ = drawn.query(pts, distance_upper_bound=0.05)
                crossing = int(np.isfinite(d).sum())
            score = 10 * hits + 0.5 * crossing + abs(rad - options[0]) + 1e-3 * k
            if best is None or score < best[0]:
                best = (score, pts, rad)
        assert best is not None
        curves[(a, b)] = (_clip(best[1], p0, half[a], p2, half[b]), best[2])
    return {e: curves[e] for e in graph.edges}


def _clip_self(pts: np.ndarray, p: np.ndarray, half: np.ndarray) -> np.ndarray:
    outside = ~_inside_box(pts, p, half, 0.05)
    return pts[outside]


# ------------------------------------------------------------------------------ labels
class _Space:
    """What is already on the page: boxes, curves and placed labels (all in inches)."""

    def __init__(self, pos, half, curves) -> None:
        from scipy.spatial import cKDTree

        self.centres = np.array(list(pos.values()))
        self.halves = np.array([half[v] for v in pos])
        edges = list(curves)
        self.edge_index = {e: i for i, e in enumerate(edges)}
        points = [curves[e][0] for e in edges]
        self.points = np.concatenate(points) if points else np.zeros((0, 2))
        self.owners = np.repeat(np.arange(len(edges)), [len(p) for p in points])
        self.tree = cKDTree(self.points) if len(self.points) else None
        self.disc_xy = np.zeros((0, 2))
        self.disc_r = np.zeros(0)

    def clearance(
        self, p: np.ndarray, r: float, own: tuple[str, str] | None = None, own_r: float = 0.0
    ) -> np.ndarray:
        """Smallest gap between discs of radius ``r`` at points ``p`` (shape (M, 2)) and anything else.

        Negative where they overlap something.  Points of the curve ``own`` count with the
        smaller radius ``own_r``.
        """
        p = np.atleast_2d(p)
        gap = np.full(len(p), np.inf)
        if len(self.centres):
            outside = np.maximum(np.abs(p[:, None] - self.centres[None]) - self.halves[None], 0.0)
            gap = np.min(np.hypot(outside[..., 0], outside[..., 1]), axis=1) - r
        if self.tree is not None:
            if own is None:
                d, _ = self.tree.query(p)
                gap = np.minimum(gap, d - r)
            else:
                mine = self.edge_index[own]
                reach = r + 0.3  # farther points leave a gap of at least 0.3: enough to tell clear spots
                for i, near in enumerate(self.tree.query_ball_point(p, reach)):
                    if not near:
                        gap[i] = min(gap[i], reach - r)
                        continue
                    near = np.asarray(near)
                    d = np.hypot(*(self.points[near] - p[i]).T)
                    radius = np.where(self.owners[near] == mine, own_r, r)
                    gap[i] = min(gap[i], float(np.min(d - radius)))
        if len(self.disc_r):
            diff = p[:, None] - self.disc_xy[None]
            d = np.hypot(diff[..., 0], diff[..., 1]) - self.disc_r[None] - r
            gap = np.minimum(gap, d.min(axis=1))
        return gap

    def take(self, p: np.ndarray, r: float) -> None:
        self.disc_xy = np.vstack([self.disc_xy, p])
        self.disc_r = np.append(self.disc_r, r)


def _first_clear(points: np.ndarray, gaps: np.ndarray, need: float = 0.0) -> tuple[int, float]:
    """Index of the first point whose gap reaches ``need``, else of the largest gap; and that gap."""
    ok = np.flatnonzero(gaps >= need)
    i = int(ok[0]) if len(ok) else int(np.argmax(gaps))
    return i, float(gaps[i])


def _sign_spot(pts: np.ndarray, rad: float, space: _Space, own: tuple[str, str]) -> tuple[np.ndarray, float]:
    tip = pts[-1]
    before = pts[max(len(pts) - 5, 0)]
    tangent = (tip - before) / (np.linalg.norm(tip - before) or 1.0)
    normal = np.array([-tangent[1], tangent[0]])
    first = normal if rad >= 0 else -normal  # the convex side of the bend: the inside is for loop labels
    spots = np.array(
        [
            tip - back * tangent + off * side
            for back in (0.13, 0.2, 0.28, 0.36, 0.45, 0.55, 0.65, 0.75)
            for side in (first, -first)
            for off in (0.13, 0.18, 0.24)
        ]
    )
    i, gap = _first_clear(spots, space.clearance(spots, _SIGN_R, own, 0.6 * _SIGN_R))
    return spots[i], gap


def _delay_spot(pts: np.ndarray, space: _Space, own: tuple[str, str]) -> tuple[int, float]:
    """Index of the point near the middle of a curve where a delay mark is clearest of other things."""
    index = [round(f * (len(pts) - 1)) for f in (0.5, 0.42, 0.58, 0.34, 0.66, 0.26, 0.74)]
    i, gap = _first_clear(pts[index], space.clearance(pts[index], 0.1, own), 0.02)
    return index[i], gap


def _ring(lp: Loop, curves, pos) -> np.ndarray:
    parts = []
    for e in lp.edges:
        parts.append(pos[e[0]][None])
        if e in curves and len(curves[e][0]):
            parts.append(curves[e][0])
    return np.concatenate(parts)


def _loop_spot(ring: np.ndarray, space: _Space, bounds: np.ndarray) -> tuple[np.ndarray, float]:
    """A point inside the closed curve ``ring``, within ``bounds``, as clear as possible of the rest."""
    from matplotlib.path import Path

    polygon = Path(ring)
    x, y = ring[:, 0], ring[:, 1]
    cross = x * np.roll(y, -1) - np.roll(x, -1) * y
    area = cross.sum() / 2
    centre = ring.mean(axis=0)
    if abs(area) > 1e-3:
        centroid = np.array([((x + np.roll(x, -1)) * cross).sum(), ((y + np.roll(y, -1)) * cross).sum()])
        centroid = centroid / (6 * area)
        if polygon.contains_point(centroid):
            centre = centroid
    low, high = np.full(2, _LOOP_R + 0.05), bounds - _LOOP_R - 0.05
    best = (-np.inf, np.clip(centre, low, high))
    spiral = _spiral()
    for start in range(0, len(spiral), 200):  # nearest the centre first; stop at the first clear spot
        chunk = centre + spiral[start : start + 200]
        chunk = chunk[np.all((chunk >= low) & (chunk <= high), axis=1)]
        if len(ring) > 2 and len(chunk):
            chunk = chunk[polygon.contains_points(chunk)]
        if not len(chunk):
            continue
        i, gap = _first_clear(chunk, space.clearance(chunk, _LOOP_R))
        if gap >= 0:
            return chunk[i], gap
        if gap > best[0]:
            best = (gap, chunk[i])
    return best[1], float(best[0]) if np.isfinite(best[0]) else -1.0


@lru_cache(maxsize=1)
def _spiral(step: float = 0.06, reach: float = 2.5) -> np.ndarray:
    """Offsets on rings of growing radius around a point (inches), the point itself first."""
    rings = [np.zeros((1, 2))]
    for r in np.arange(step, reach, step):
        count = int(6 * r / step)
        angle = 2 * np.pi * np.arange(count) / count + 0.3 * r
        rings.append(r * np.column_stack([np.cos(angle), np.sin(angle)]))
    return np.concatenate(rings)


def _turning(ring: np.ndarray) -> float:
    x, y = ring[:, 0], ring[:, 1]
    return float(np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y))


def _loop_label(ax, p: np.ndarray, name: str, colour: str, counterclockwise: bool) -> None:
    from matplotlib.patches import FancyArrowPatch
    from matplotlib.path import Path

    ax.text(*p, name, ha="center", va="center", fontsize=FONT + 1, fontweight="bold", color=colour, zorder=6)
    r = _LOOP_R - 0.04
    angles = np.linspace(math.radians(110), math.radians(110 + 290), 40)
    if not counterclockwise:
        angles = angles[::-1]
    arc = p + r * np.column_stack([np.cos(angles), np.sin(angles)])
    ax.add_patch(
        FancyArrowPatch(
            path=Path(arc), arrowstyle="-|>", mutation_scale=7, lw=1.0, color=colour, zorder=6, shrinkB=0
        )
    )


# ------------------------------------------------------------------------------- scene
def _key_lines(named: Any, labelled: list[Loop]) -> list[str]:
    """``"R1  Word of mouth"`` for each labelled loop that has a title, in name order."""
    titles = {lp.name: lp.title for lp in named if lp.title}
    shown = sorted({lp.name for lp in labelled if lp.name in titles}, key=lambda n: (n[0], int(n[1:] or 0)))
    return [f"{name}  {titles[name]}" for name in shown]


class _Scene:
    """Everything placed for one layout: curves, delay marks, signs and loop labels, and how bad it is."""

    def __init__(self, graph, pos, size, half, loops, labelled) -> None:
        self.pos, self.size = pos, size
        w, h = size
        self.curves = _curves(graph, pos, half, loops)
        space = _Space(pos, half, self.curves)
        misses = 0
        self.delays: dict[tuple[str, str], int] = {}
        for e, (pts, _) in self.curves.items():
            if graph.edges[e]["delay"] and len(pts) >= 3:
                i, gap = _delay_spot(pts, space, e)
                misses += gap < 0
                self.delays[e] = i
                space.take(pts[i], 0.1)
        self.signs: dict[tuple[str, str], np.ndarray] = {}
        for e, (pts, rad) in self.curves.items():
            if len(pts) >= 3:
                p, gap = _sign_spot(pts, rad, space, e)
                misses += gap < 0
                self.signs[e] = p
                space.take(p, _SIGN_R)
        self.loop_spots: list[tuple[Loop, np.ndarray, bool]] = []
        for lp in labelled:
            ring = _ring(lp, self.curves, pos)
            p, gap = _loop_spot(ring, space, np.array([w, h - TITLE]))
            misses += gap < 0
            space.take(p, _LOOP_R)
            self.loop_spots.append((lp, p, _turning(ring) > 0))
        names = list(pos)
        centres = np.array([pos[v] for v in names])
        halves = np.array([half[v] for v in names]) + 0.02
        hits = 0
        for (a, b), (pts, _) in self.curves.items():
            inside = np.all(np.abs(pts[:, None] - centres[None]) <= halves[None], axis=-1)
            inside[:, [names.index(a), names.index(b)]] = False
            hits += int(inside.sum())
        self.badness = 3.0 * misses + 2.0 * _curve_crossings(self.curves) + 5.0 * hits


def _curve_crossings(curves) -> int:
    """How many times two curves that share no variable cross."""
    items = [(e, pts) for e, (pts, _) in curves.items() if len(pts) >= 2]
    count = 0
    for i in range(len(items)):
        (a, b), p = items[i]
        for j in range(i + 1, len(items)):
            (c, d), q = items[j]
            if {a, b} & {c, d}:
                continue
            if np.any(np.maximum(p.min(axis=0), q.min(axis=0)) > np.minimum(p.max(axis=0), q.max(axis=0))):
                continue
            p1, p2 = p[:-1, None], p[1:, None]
            q1, q2 = q[None, :-1], q[None, 1:]
            d1 = _turns(q1, q2, p1)
            d2 = _turns(q1, q2, p2)
            d3 = _turns(p1, p2, q1)
            d4 = _turns(p1, p2, q2)
            count += int(np.sum((d1 * d2 < 0) & (d3 * d4 < 0)))
    return count


def _turns(a, b, c):
    return (b[..., 0] - a[..., 0]) * (c[..., 1] - a[..., 1]) - (b[..., 1] - a[..., 1]) * (
        c[..., 0] - a[..., 0]
    )


def _best_scene(cld: CausalLoopDiagram, size, loops: list[Loop], labelled: list[Loop]) -> _Scene:
    """Compose the diagram on each candidate layout and keep the least bad."""
    graph = cld.graph
    half = {v: half_size(wrap_label(graph.nodes[v]["label"])) for v in graph.nodes}
    best = None
    for score, pos, fig_size in candidate_layouts(cld, size, loops):
        scene = _Scene(graph, pos, fig_size, half, loops, labelled)
        total = score + scene.badness
        if best is None or total < best[0] - 1e-9:
            best = (total, scene)
    assert best is not None
    return best[1]


# -------------------------------------------------------------------------------- draw
def draw(
    cld: CausalLoopDiagram,
    ax: Axes | None = None,
    *,
    highlight: str | Loop | None = None,
    loop_labels: int = 12,
    titles: Mapping[str, str] | str | None = None,
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
    titles : dict or str, optional
        Titles of loops, ``{"R1": "Word of mouth"}`` or a model's documentation
        with a ``Loops:`` block (see :meth:`sysdyn.loops.LoopList.named`): a key
        under the diagram lists the labelled loops with their titles, and
        ``highlight`` may name a loop by its title.
    path : str or path, optional
        Also save the figure there (PNG, SVG, PDF... by suffix).
    dpi : int
        Resolution of a saved raster image.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    UnknownLoopError
        If ``highlight`` names no loop of the diagram.

    Examples
    --------
    >>> from sysdyn.loops import CausalLoopDiagram
    >>> cld = CausalLoopDiagram("Trust", [("Trust", "Sharing", "+"), ("Sharing", "Trust", "+", True)])
    >>> fig = cld.draw(highlight="R1")
    >>> [t.get_text() for t in fig.axes[0].texts if t.get_text() in ("R1", "||")]
    ['||', 'R1']
    >>> fig = cld.draw(titles={"R1": "Trust builds sharing"})
    >>> [t.get_text() for t in fig.texts]
    ['R1  Trust builds sharing']
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch
    from matplotlib.path import Path

    graph = cld.graph
    loops = _short_loops(cld)
    named = cld.loops().named(titles) if titles is not None else None
    chosen = None
    if highlight is not None:
        chosen = (named or cld.loops())[highlight] if isinstance(highlight, str) else highlight
    labelled = [chosen] if chosen is not None else loops[: max(loop_labels, 0)]
    key = _key_lines(named, labelled) if named is not None else []
    if ax is None:
        scene = _best_scene(cld, None, loops, labelled)
        w, h = scene.size
        strip = (0.25 + 0.19 * len(key)) if key else 0.0  # inches under the diagram for the key
        fig = plt.figure(figsize=(w, h + strip))
        ax = fig.add_axes((0, strip / (h + strip), 1, h / (h + strip)))
    else:
        fig = ax.figure
        bbox = ax.get_window_extent().transformed(fig.dpi_scale_trans.inverted())
        w, h = bbox.width, bbox.height
        scene = _best_scene(cld, (w, h), loops, labelled)
    pos = scene.pos
    texts = {v: wrap_label(graph.nodes[v]["label"]) for v in graph.nodes}
    on_loop = set(chosen.edges) if chosen is not None else set()
    loop_nodes = set(chosen.keys) if chosen is not None else set()

    def colour_of(a: str, b: str) -> str:
        if chosen is None:
            return _DARK
        return _ACCENT if (a, b) in on_loop else _LIGHT

    for (a, b), (pts, _) in scene.curves.items():
        if len(pts) < 3:
            continue
        live = chosen is not None and (a, b) in on_loop
        ax.add_patch(
            FancyArrowPatch(
                path=Path(pts),
                arrowstyle="-|>",
                mutation_scale=13,
                lw=2.2 if live else 1.3,
                color=colour_of(a, b),
                zorder=3 if live else 2,
            )
        )
    for (a, b), i in scene.delays.items():
        pts = scene.curves[(a, b)][0]
        step = pts[min(i + 2, len(pts) - 1)] - pts[max(i - 2, 0)]
        angle = math.degrees(math.atan2(step[1], step[0]))
        ax.text(
            *pts[i],
            "||",
            rotation=angle,
            rotation_mode="anchor",
            ha="center",
            va="center",
            fontsize=FONT + 2,
            fontweight="bold",
            color=colour_of(a, b),
            zorder=4,
        )
    for (a, b), p in scene.signs.items():
        sign = graph.edges[a, b]["sign"]
        ax.text(
            *p,
            "\u2212" if sign == "-" else sign,
            ha="center",
            va="center",
            fontsize=FONT + 3,
            fontweight="bold",
            color=colour_of(a, b),
            zorder=4,
        )
    for v in graph.nodes:
        strong = chosen is None or v in loop_nodes
        stock = graph.nodes[v].get("kind") == "stock"
        ax.text(
            *pos[v],
            texts[v],
            ha="center",
            va="center",
            fontsize=FONT,
            zorder=5,
            color="black" if strong else "#7f8c8d",
            fontweight="bold" if v in loop_nodes else "normal",
            bbox={
                "boxstyle": "square,pad=0.3" if stock else "round,pad=0.3",
                "fc": "#fdfefe",
                "ec": "#5d6d7e" if stock else "#d5dbdb",
                "lw": 1.2 if stock else 0.8,
            },
        )
    for lp, p, counterclockwise in scene.loop_spots:
        colour = _ACCENT if chosen is not None else _LOOP_COLOURS[lp.sign]
        _loop_label(ax, p, lp.name, colour, counterclockwise)
    ax.set_xlim(0, w)
    ax.set_ylim(0, h)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(cld.name, fontsize=FONT + 3, y=1 - 0.12 / h, va="top")
    if key:
        bottom = ax.get_position().y0
        fig.text(0.03, bottom / 2, "\n".join(key), ha="left", va="center", fontsize=FONT, color=_DARK)
    if path is not None:
        fig.savefig(path, dpi=dpi)
    return fig
