"""Matching small signed patterns (system archetypes) in a causal loop diagram.

The match works on the *loop structure* of a diagram:

1. links that are on no feedback loop, and variables on none, are dropped;
2. chains of pass-through variables (one link in, one link out) are
   contracted into single links whose sign is the product of the chain's
   signs and which are delayed if any link of the chain is; a chain that
   runs in parallel with another way between the same two variables (or
   comes back to where it starts) keeps one variable, so the result depends
   only on the diagram's structure, never on the variables' names;
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

    A *chain* is a maximal run of pass-through variables (one link in, one
    link out) between two other variables ``u`` and ``w``.  A chain becomes
    one link ``u -> w`` (sign the product of its signs, delayed if any link
    is) unless ``u`` and ``w`` are the same variable or are also joined by a
    link or by another chain: then it becomes two links through one of its
    variables, so that parallel ways from ``u`` to ``w`` stay apart.  That
    variable is the one the chain's last negative link leaves from (the
    chain's last variable if there is none), so a loop of two negative links
    stays one, wherever a longer chain puts its signs.  A loop made only of
    pass-through variables keeps two of its variables.  The result does not
    depend on the variables' names or on the order of the links.

    Each edge keeps ``via``: the contracted variables, in order.

    Examples
    --------
    >>> g = nx.DiGraph([("a", "b", {"sign": "-"}), ("b", "c", {"sign": "-"}), ("c", "a", {"sign": "+"}),
    ...                 ("a", "d", {"sign": "+"}), ("d", "a", {"sign": "+"})])
    >>> sorted(contract(g).edges(data="sign"))
    [('a', 'b', '-'), ('a', 'd', '+'), ('b', 'a', '-'), ('d', 'a', '+')]

    Two chains from ``a`` to ``b`` both keep one variable (``y1``: the last negative link leaves it):

    >>> g = nx.DiGraph([("a", "x1", {"sign": "+"}), ("x1", "x2", {"sign": "+"}), ("x2", "b", {"sign": "+"}),
    ...                 ("a", "y1", {"sign": "+"}), ("y1", "y2", {"sign": "-"}), ("y2", "b", {"sign": "+"}),
    ...                 ("b", "a", {"sign": "+"})])
    >>> sorted(contract(g).edges(data="via"))
    [('a', 'x2', ('x1',)), ('a', 'y1', ()), ('b', 'a', ()), ('x2', 'b', ()), ('y1', 'b', ('y2',))]
    """
    g = loop_structure(graph)
    through = {v for v in g if g.in_degree(v) == 1 and g.out_degree(v) == 1 and not g.has_edge(v, v)}
    chains: list[tuple[str, list[str], str]] = []
    for u in g.nodes:
        if u in through:
            continue
        for v in g.successors(u):
            if v not in through:
                continue
            chain = [v]
            (w,) = g.successors(v)
            while w in through:  # cannot come back to v: v's only way in is from u
                chain.append(w)
                (w,) = g.successors(w)
            chains.append((u, chain, w))
    # loops made only of pass-through variables: start each at its first variable by kind, then name
    left = through.difference(*(set(c) for _, c, _ in chains))
    while left:
        start = min(left, key=lambda n: (g.nodes[n].get("kind") != "stock", str(n)))
        ring = [start]
        (nxt,) = g.successors(start)
        while nxt != start:
            ring.append(nxt)
            (nxt,) = g.successors(nxt)
        left -= set(ring)
        if len(ring) > 2:
            chains.append((start, ring[1:], start))
    between: dict[tuple[str, str], int] = {}
    for u, _, w in chains:
        between[(u, w)] = between.get((u, w), 0) + 1
    for u, chain, w in chains:
        full = [u, *chain, w]
        if u != w and not g.has_edge(u, w) and between[(u, w)] == 1:
            spans = [full]
        else:
            # keep the variable the chain's last negative link leaves from (its last variable if none)
            negative = [i for i in range(1, len(chain) + 1) if g.edges[full[i], full[i + 1]]["sign"] == "-"]
            k = negative[-1] if negative else len(chain)
            spans = [full[: k + 1], full[k:]]
        removed = []
        for span in spans:
            if len(span) < 3:
                continue
            sign, delayed, via = "+", False, []
            for a, b in itertools.pairwise(span):
                data = g.edges[a, b]
                sign, delayed = _mul(sign, data["sign"]), delayed or bool(data["delay"])
                via.extend(data["via"])
                if b != span[-1]:
                    via.append(b)
            g.add_edge(span[0], span[-1], sign=sign, delay=delayed, via=tuple(via))
            removed.extend(span[1:-1])
        g.remove_nodes_from(removed)
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
    same: dict[frozenset, int] = {}  # how many roles of the kept match go to the variable of their name
    for mapping in matcher.subgraph_monomorphisms_iter():
        roles = {p: h for h, p in mapping.items()}
        key = frozenset(roles.values())
        alike = sum(p == h for p, h in roles.items())
        if key in found and alike <= same[key]:
            continue  # of symmetric ways to play the roles, keep the first, or one that names them alike
        paths = _confirm(structure, pattern, roles, max_path, use_delays)
        if paths is not None:
            found[key], same[key] = {**roles, None: paths}, alike
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
