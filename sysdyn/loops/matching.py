"""Matching small signed patterns (system archetypes) in a causal loop diagram.

The match works on the *loop structure* of a diagram:

1. links that are on no feedback loop, and variables on none, are dropped;
2. chains of pass-through variables (one link in, one link out) are
   contracted into single links whose sign is the product of the chain's
   signs and which are delayed if any link of the chain is;
3. a pattern (itself a contracted diagram) is matched with
   :class:`networkx.algorithms.isomorphism.DiGraphMatcher` (subgraph
   monomorphism, edges compared on sign and delay) against the *signed path
   closure* of that structure, where a link ``u -> v`` stands for any path of
   at most ``max_path`` links from ``u`` to ``v``;
4. each candidate is confirmed by choosing real paths for the pattern's links
   that share no variables except the pattern's own.

So a pattern link may stand for a chain of several variables in the diagram,
and a diagram that contains an archetype among other loops still matches it.

A pattern link whose ``sign`` is None takes any sign; the pattern's graph
attribute ``loops`` (a list of ``(cycle, sign, delay)``) then says which
polarity each of its loops must have, and whether it must (True), must not
(False) or may (None) hold a delay.

Delay marks: a pattern link may require a delay (``True``), forbid one
(``False``) or not care (``None``).  They are only checked if the diagram
marks any delay at all.

Examples
--------
>>> import networkx as nx
>>> pattern = contract(nx.DiGraph([("a", "b", {"sign": "+"}), ("b", "a", {"sign": "-"})]))
>>> g = nx.DiGraph([("x", "y", {"sign": "+"}), ("y", "z", {"sign": "+"}), ("z", "x", {"sign": "-"})])
>>> found = find_matches(g, pattern)
>>> len(found), sorted(len(path) for path in found[0][None].values())
(1, [2, 3])
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import networkx as nx
from networkx.algorithms.isomorphism import DiGraphMatcher

__all__ = ["loop_structure", "contract", "find_matches", "expand_cycle"]


def _mul(a: str, b: str) -> str:
    if "?" in (a, b):
        return "?"
    return "+" if a == b else "-"


def loop_structure(graph: nx.DiGraph) -> nx.DiGraph:
    """Keep only the variables and links that lie on feedback loops.

    Examples
    --------
    >>> g = nx.DiGraph([("a", "b"), ("b", "a"), ("c", "a")])
    >>> sorted(loop_structure(g).edges)
    [('a', 'b'), ('b', 'a')]
    """
    component = {}
    for i, comp in enumerate(nx.strongly_connected_components(graph)):
        for node in comp:
            component[node] = i
    out = nx.DiGraph()
    for a, b, data in graph.edges(data=True):
        if component[a] == component[b]:
            out.add_node(a, **graph.nodes[a])
            out.add_node(b, **graph.nodes[b])
            out.add_edge(
                a, b, sign=data.get("sign", "?"), delay=data.get("delay"), via=tuple(data.get("via", ()))
            )
    return out


def contract(graph: nx.DiGraph) -> nx.DiGraph:
    """The loop structure of ``graph`` with chains of pass-through variables contracted.

    Each edge keeps ``via``: the contracted variables, in order.

    Examples
    --------
    >>> g = nx.DiGraph([("a", "b", {"sign": "-"}), ("b", "c", {"sign": "-"}), ("c", "a", {"sign": "+"}),
    ...                 ("a", "d", {"sign": "+"}), ("d", "a", {"sign": "+"})])
    >>> sorted(contract(g).edges(data="sign"))
    [('a', 'c', '+'), ('a', 'd', '+'), ('c', 'a', '+'), ('d', 'a', '+')]
    """
    g = loop_structure(graph)
    changed = True
    while changed:
        changed = False
        for v in sorted(g.nodes):
            if g.in_degree(v) != 1 or g.out_degree(v) != 1 or g.has_edge(v, v):
                continue
            (u,) = g.predecessors(v)
            (w,) = g.successors(v)
            if u == w or g.has_edge(u, w):
                continue
            first, second = g.edges[u, v], g.edges[v, w]
            g.add_edge(
                u,
                w,
                sign=_mul(first["sign"], second["sign"]),
                delay=bool(first["delay"]) or bool(second["delay"]),
                via=(*first["via"], v, *second["via"]),
            )
            g.remove_node(v)
            changed = True
    return g


def _paths(g: nx.DiGraph, source: str, max_path: int) -> Iterator[tuple[list[str], str, bool]]:
    """Simple paths from ``source`` of 1..max_path links: (nodes, sign, delayed)."""
    stack = [(source, [source], "+", False)]
    while stack:
        node, path, sign, delayed = stack.pop()
        for nxt in g.successors(node):
            if nxt in path and nxt != source:
                continue
            data = g.edges[node, nxt]
            s, d = _mul(sign, data["sign"]), delayed or bool(data["delay"])
            yield [*path, nxt], s, d
            if nxt != source and len(path) < max_path:
                stack.append((nxt, [*path, nxt], s, d))


def _closure(g: nx.DiGraph, max_path: int) -> nx.DiGraph:
    h = nx.DiGraph()
    h.add_nodes_from(g.nodes)
    for u in g.nodes:
        for path, sign, delayed in _paths(g, u, max_path):
            v = path[-1]
            if v == u:
                continue
            if not h.has_edge(u, v):
                h.add_edge(u, v, options=set())
            h.edges[u, v]["options"].add((sign, delayed))
    return h


def _fits(sign: str, delayed: bool, want: dict, use_delays: bool) -> bool:
    if want.get("sign") is not None and sign != want["sign"]:
        return False
    need = want.get("delay")
    return not use_delays or need is None or bool(need) == delayed


def find_matches(graph: nx.DiGraph, pattern: nx.DiGraph, *, max_path: int = 4) -> list[dict[str, str]]:
    """Occurrences of a contracted ``pattern`` in ``graph`` (pattern node -> graph node), one per node set.

    Each result also has, under the key ``None``, a dict mapping each pattern
    edge to the path of original variables it stands for.

    Parameters
    ----------
    graph : networkx.DiGraph
        Signed graph (edges with ``sign`` and optionally ``delay``).
    pattern : networkx.DiGraph
        A pattern from :func:`contract`; edge ``delay`` may be True, False or None.
    max_path : int
        Longest chain (in links of the contracted diagram) a pattern link may stand for.

    Examples
    --------
    >>> pattern = contract(nx.DiGraph([("a", "b", {"sign": "+"}), ("b", "a", {"sign": "+"})]))
    >>> g = nx.DiGraph([("x", "y", {"sign": "+"}), ("y", "x", {"sign": "+"})])
    >>> [sorted(v for k, v in m.items() if k is not None) for m in find_matches(g, pattern)]
    [['x', 'y']]
    """
    structure = contract(graph)
    use_delays = any(bool(d) for _, _, d in graph.edges(data="delay"))
    closure = _closure(structure, max_path)

    def edge_match(h_data: dict, p_data: dict) -> bool:
        return any(_fits(s, d, p_data, use_delays) for s, d in h_data["options"])

    matcher = DiGraphMatcher(closure, pattern, edge_match=edge_match)
    found: dict[frozenset, dict] = {}
    for mapping in matcher.subgraph_monomorphisms_iter():
        roles = {p: h for h, p in mapping.items()}
        key = frozenset(roles.values())
        if key in found:
            continue
        paths = _confirm(structure, pattern, roles, max_path, use_delays)
        if paths is not None:
            found[key] = {**roles, None: paths}
    return list(found.values())


def _confirm(structure, pattern, roles, max_path, use_delays):
    """Choose disjoint real paths for the pattern's edges (backtracking), or None."""
    mapped = set(roles.values())
    edges = sorted(pattern.edges)
    options = []
    for a, b in edges:
        want = pattern.edges[a, b]
        start, end = roles[a], roles[b]
        here = [
            path
            for path, sign, delayed in _paths(structure, start, max_path)
            if path[-1] == end and not (set(path[1:-1]) & mapped) and _fits(sign, delayed, want, use_delays)
        ]
        if not here:
            return None
        options.append(sorted(here, key=len))
    chosen: list[list[str]] = []

    signs: dict[tuple[str, str], tuple[str, bool]] = {}

    def polarities_hold() -> bool:
        for cycle, want, delay in pattern.graph.get("loops", ()):
            sign, delayed = "+", False
            for k in range(len(cycle)):
                s, d = signs[(cycle[k], cycle[(k + 1) % len(cycle)])]
                sign, delayed = _mul(sign, s), delayed or d
            if sign != want or (use_delays and delay is not None and delay != delayed):
                return False
        return True

    def search(i: int, used: set[str]) -> bool:
        if i == len(edges):
            return polarities_hold()
        for path in options[i]:
            inner = set(path[1:-1])
            if inner & used:
                continue
            chosen.append(path)
            signs[edges[i]] = _path_sign(structure, path)
            if search(i + 1, used | inner):
                return True
            chosen.pop()
        return False

    if not search(0, set()):
        return None
    return {edge: _expand(structure, path) for edge, path in zip(edges, chosen, strict=True)}


def _path_sign(structure: nx.DiGraph, path: list[str]) -> tuple[str, bool]:
    sign, delayed = "+", False
    for a, b in itertools.pairwise(path):
        sign = _mul(sign, structure.edges[a, b]["sign"])
        delayed = delayed or bool(structure.edges[a, b]["delay"])
    return sign, delayed


def _expand(structure: nx.DiGraph, path: list[str]) -> list[str]:
    out = [path[0]]
    for a, b in itertools.pairwise(path):
        out.extend(structure.edges[a, b]["via"])
        out.append(b)
    return out


def expand_cycle(pattern_cycle: list[str], paths: dict) -> tuple[str, ...]:
    """The variables of the diagram loop that a pattern loop stands for (first not repeated).

    Examples
    --------
    >>> expand_cycle(["a", "b"], {("a", "b"): ["x", "m", "y"], ("b", "a"): ["y", "x"]})
    ('x', 'm', 'y')
    """
    out: list[str] = []
    n = len(pattern_cycle)
    for i in range(n):
        edge = (pattern_cycle[i], pattern_cycle[(i + 1) % n])
        out.extend(paths[edge][:-1])
    return tuple(out)
