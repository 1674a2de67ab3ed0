"""Finding feedback loops in a signed graph, with polarity, delays and stable names.

A signed graph here is a :class:`networkx.DiGraph` whose edges carry
``sign`` (``"+"``, ``"-"`` or ``"?"`` for unknown) and ``delay`` (bool), and
whose nodes may carry a display ``label`` and a ``kind`` (``"stock"``...).
Loops are enumerated with :func:`networkx.simple_cycles` (Johnson's
algorithm), optionally bounded in length and in number.

Names are stable: every loop is written from a fixed starting variable (its
*anchor*) and the loops are sorted by length, then by their variables, before
they are numbered ``R1, R2, ...`` (reinforcing), ``B1, ...`` (balancing) and
``U1, ...`` (polarity unknown).  The same diagram always gives the same names,
whatever order its links were added in.

Loops can also carry a *title*, the name people give them ("Reinvestment",
"Work harder"): :meth:`LoopList.named` returns the loops with titles, taken
from a dict ``{"R2": "Reinvestment"}`` or from the ``Loops:`` block of a
model's documentation, and :attr:`Loop.label` (``"R2 Reinvestment"``) is what
:class:`~sysdyn.loops.LoopDominance` names its columns with when given titles.

Examples
--------
>>> import networkx as nx
>>> g = nx.DiGraph()
>>> g.add_edge("births", "population", sign="+"); g.add_edge("population", "births", sign="+")
>>> find_cycles(g)
[Loop R1: births -> population -> births (reinforcing)]
"""

from __future__ import annotations

import dataclasses
import itertools
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass

import networkx as nx

from ..errors import SysdynError

__all__ = [
    "Loop",
    "LoopList",
    "LoopCountWarning",
    "UnknownLoopError",
    "LoopAnalysisError",
    "find_cycles",
    "enumerate_cycles",
    "name_cycles",
    "loop_polarity",
]

#: Names of polarities, keyed by the sign of a loop.
POLARITY_NAMES = {"+": "reinforcing", "-": "balancing", "?": "unknown"}
_PREFIX = {"+": "R", "-": "B", "?": "U"}


class LoopCountWarning(UserWarning):
    """Loop enumeration stopped at the ``max_loops`` cap: the list is incomplete."""


class LoopAnalysisError(SysdynError, ValueError):
    """Loop analysis was asked for something it cannot do (a bad bound, the results of an ensemble...)."""


class UnknownLoopError(SysdynError, KeyError):
    """A loop was asked for by a name no loop has.

    Examples
    --------
    >>> import sysdyn as sd
    >>> loops = sd.CausalLoopDiagram(links=[("a", "b", "+"), ("b", "a", "-")]).loops()
    >>> loops["R1"]
    Traceback (most recent call last):
    ...
    sysdyn.loops.finding.UnknownLoopError: no loop is named 'R1'; the loops are B1
    """

    def __str__(self) -> str:  # KeyError would put the message in quotes
        return SysdynError.__str__(self)


def loop_polarity(signs: tuple[str, ...]) -> str:
    """Return the sign of a loop: the product of its link signs (``"?"`` if any is unknown).

    Examples
    --------
    >>> loop_polarity(("+", "-", "-")), loop_polarity(("+", "-")), loop_polarity(("+", "?"))
    ('+', '-', '?')
    """
    if "?" in signs:
        return "?"
    return "-" if sum(s == "-" for s in signs) % 2 else "+"


@dataclass(frozen=True)
class Loop:
    """One feedback loop.

    Attributes
    ----------
    name : str
        Stable name: ``R1``, ``B2``, ``U1``...
    variables : tuple of str
        Display names in order around the loop (the first is not repeated).
    keys : tuple of str
        Canonical keys of the same variables.
    signs : tuple of str
        Sign of each link: ``signs[i]`` is the link ``variables[i] -> variables[i + 1]``
        (the last closes the loop).
    delays : tuple of bool
        Delay mark of each link, in the same order.
    title : str
        The name people give the loop (``"Reinvestment"``), empty if none;
        set with :meth:`LoopList.named`.  Two loops that differ only in their
        titles are equal.

    Examples
    --------
    >>> loop = Loop("B1", ("Gap", "Action"), ("gap", "action"), ("+", "-"), (False, True))
    >>> loop
    Loop B1: Gap -> Action -> Gap (balancing, 1 delay)
    >>> loop.polarity, loop.length, loop.n_delays
    ('balancing', 2, 1)
    >>> import dataclasses
    >>> titled = dataclasses.replace(loop, title="Close the gap")
    >>> titled.label, titled == loop
    ('B1 Close the gap', True)
    """

    name: str
    variables: tuple[str, ...]
    keys: tuple[str, ...]
    signs: tuple[str, ...]
    delays: tuple[bool, ...]
    title: str = dataclasses.field(default="", compare=False)

    @property
    def label(self) -> str:
        """Name and title, as a table shows them: ``"R2 Reinvestment"`` (just ``"R2"`` if untitled)."""
        return f"{self.name} {self.title}" if self.title else self.name

    @property
    def sign(self) -> str:
        """``"+"`` (reinforcing), ``"-"`` (balancing) or ``"?"`` (unknown)."""
        return loop_polarity(self.signs)

    @property
    def polarity(self) -> str:
        """``"reinforcing"``, ``"balancing"`` or ``"unknown"``."""
        return POLARITY_NAMES[self.sign]

    @property
    def length(self) -> int:
        """Number of links (equal to the number of variables)."""
        return len(self.keys)

    @property
    def n_delays(self) -> int:
        """Number of links marked as delayed."""
        return sum(self.delays)

    @property
    def links(self) -> tuple[tuple[str, str, str], ...]:
        """``(from, to, sign)`` of each link, as display names."""
        v = self.variables
        return tuple((v[i], v[(i + 1) % len(v)], self.signs[i]) for i in range(len(v)))

    @property
    def edges(self) -> tuple[tuple[str, str], ...]:
        """``(from, to)`` canonical keys of each link."""
        k = self.keys
        return tuple((k[i], k[(i + 1) % len(k)]) for i in range(len(k)))

    def __contains__(self, name: object) -> bool:
        from ..names import canonical

        return isinstance(name, str) and canonical(name) in self.keys

    def __repr__(self) -> str:
        path = " -> ".join((*self.variables, self.variables[0]))
        detail = self.polarity
        if self.n_delays:
            detail += f", {self.n_delays} delay{'s' if self.n_delays != 1 else ''}"
        return f"Loop {self.label}: {path} ({detail})"


class LoopList(list):
    """A list of :class:`Loop` that also says whether enumeration was capped.

    Index it by position or by loop name (``loops["B1"]``); :meth:`named`
    gives the loops titles (``"R2 Reinvestment"``).

    Attributes
    ----------
    capped : bool
        True when ``max_loops`` stopped the search: there may be more loops.
    message : str
        Why the list may be incomplete (empty when it is complete).

    Examples
    --------
    >>> LoopList([], capped=False).capped
    False
    """

    def __init__(self, loops=(), *, capped: bool = False, message: str = "") -> None:
        super().__init__(loops)
        self.capped = capped
        self.message = message

    def __getitem__(self, index):  # type: ignore[override]
        """A loop by position, a slice, or a loop by name (``loops["B1"]``, any case), label or title."""
        if isinstance(index, str):
            wanted = " ".join(index.split()).casefold()
            for key in ("name", "label", "title"):
                for loop in self:
                    if getattr(loop, key) and getattr(loop, key).casefold() == wanted:
                        return loop
            names = [lp.name for lp in self]
            shown = ", ".join(names[:20]) + (f" ... ({len(names)} in all)" if len(names) > 20 else "")
            raise UnknownLoopError(
                f"no loop is named {index!r}; the loops are {shown or 'none: the diagram has no loop'}"
            )
        return super().__getitem__(index)

    def named(self, titles: Mapping[str, str] | str) -> LoopList:
        """The same loops with titles: the names people give them (``"R2 Reinvestment"``).

        The loops keep their names (``R2``...), which only the structure
        decides; a title is added to each loop given one, and the others keep
        theirs.  Titles come only from the argument: ``loops()`` never reads
        a model's documentation by itself.

        Parameters
        ----------
        titles : dict or str
            Either a mapping from loop names to titles (``{"R2": "Reinvestment"}``;
            names in any case), or the documentation of a model holding a
            ``Loops:`` block as in the library's models (``sd.models.load(name).doc``),
            one loop a line, up to the next blank line::

                Loops:
                R1 Growth: Members -> Recruiting efforts -> Joining (reinforcing)
                B1 Limit: Potential members -> Share still to recruit -> Joining (balancing)

            Each documented loop must be the loop of that name: the same
            variables in the same order, starting anywhere (a line may
            also give just the name and title, ``R1 Growth``).

        Returns
        -------
        LoopList
            A new list (``capped`` and ``message`` kept); loops are compared
            without their titles, so ``loops.named(...) == loops``.

        Raises
        ------
        UnknownLoopError
            If a name of the mapping, or the label of a documented loop, names no loop.
        LoopAnalysisError
            If a documented loop is not the loop of its name (its variables
            differ), or the documentation has no ``Loops:`` block.

        Examples
        --------
        >>> import sysdyn as sd
        >>> loops = sd.archetypes.fixes_that_fail().loops()
        >>> named = loops.named({"B1": "The fix", "r1": "Side effects"})
        >>> named[0]
        Loop B1 The fix: Fix -> Problem symptom -> Fix (balancing)
        >>> named["R1"].title, named["R1"].label, named["side effects"].name
        ('Side effects', 'R1 Side effects', 'R1')
        >>> named == loops
        True

        From a model's documentation (here the library's Limits to Growth):

        >>> m = sd.models.load("limits_to_growth")
        >>> [lp.label for lp in m.loops().named(m.doc)]
        ['R1 Growth', 'B1 Limit']
        """
        if isinstance(titles, str):
            wanted = self._documented(titles)
        elif isinstance(titles, Mapping):
            wanted = {}
            for name, title in titles.items():
                if not isinstance(title, str):
                    raise LoopAnalysisError(f"the title of loop {name!r} must be a string (got {title!r})")
                wanted[self[str(name)].name] = " ".join(title.split())
        else:
            raise LoopAnalysisError(
                "`titles` must be a dict of loop names to titles ({'R1': 'Growth'}) or a model's "
                f"documentation with a `Loops:` block (got {type(titles).__name__})"
            )
        loops = [dataclasses.replace(lp, title=wanted[lp.name]) if lp.name in wanted else lp for lp in self]
        return LoopList(loops, capped=self.capped, message=self.message)

    def _documented(self, doc: str) -> dict[str, str]:
        """Loop name -> title, from the ``Loops:`` block of ``doc``, checked against these loops."""
        from ..names import canonical

        lines = [line.strip() for line in doc.splitlines()]
        start = next((i for i, line in enumerate(lines) if _LOOPS_HEAD.match(line)), None)
        if start is None:
            raise LoopAnalysisError(
                "the documentation has no `Loops:` block (a line `Loops:`, then one loop a line: "
                "`R1 Growth: A -> B -> A (reinforcing)`)"
            )
        block = [lines[start][_LOOPS_HEAD.match(lines[start]).end() :]]  # type: ignore[union-attr]
        for line in lines[start + 1 :]:
            if not line:
                break
            block.append(line.removeprefix("- "))
        found = {}
        for line in filter(None, block):
            head, _, chain = line.partition(":")
            label, _, title = head.strip().partition(" ")
            loop = self[label]
            if " (" in chain and chain.rstrip().endswith(")"):
                chain = chain.rpartition(" (")[0]
            keys = [canonical(v) for v in chain.split("->") if v.strip()]
            if len(keys) > 1 and keys[0] == keys[-1]:
                keys.pop()
            edges = set(zip(keys, keys[1:] + keys[:1], strict=True))
            if keys and (len(keys) != loop.length or edges != set(loop.edges)):
                raise LoopAnalysisError(
                    f"the documentation says {label} is {' -> '.join(keys)}, but {loop.name} is "
                    f"{' -> '.join(loop.keys)}: the documented loop has another name, or is not a loop"
                )
            found[loop.name] = " ".join(title.split())
        return found

    def by_polarity(self, polarity: str) -> list[Loop]:
        """Loops of one polarity (``"reinforcing"``, ``"balancing"`` or ``"unknown"``).

        Examples
        --------
        >>> import sysdyn as sd
        >>> sd.archetypes.fixes_that_fail().loops().by_polarity("balancing")
        [Loop B1: Fix -> Problem symptom -> Fix (balancing)]
        """
        return [lp for lp in self if lp.polarity == polarity]


_LOOPS_HEAD = re.compile(r"^loops:\s*", re.IGNORECASE)


def _anchor_rank(graph: nx.DiGraph, node: str) -> tuple:
    data = graph.nodes[node]
    label = str(data.get("label", node))
    return (data.get("kind") != "stock", -graph.degree(node), len(label), node)


def _rotate(rank: dict[str, int], cycle: list[str]) -> tuple[str, ...]:
    start = min(range(len(cycle)), key=lambda i: rank[cycle[i]])
    return tuple(cycle[start:] + cycle[:start])


def find_cycles(
    graph: nx.DiGraph,
    *,
    length_bound: int | None = None,
    max_loops: int | None = 100_000,
) -> LoopList:
    """Find, orient and name the feedback loops of a signed graph.

    Parameters
    ----------
    graph : networkx.DiGraph
        Edges with ``sign`` (``"+"``, ``"-"``, ``"?"``) and optionally ``delay``.
    length_bound : int, optional
        Only loops with at most this many links (much faster on big models).
    max_loops : int or None
        Stop after this many loops, with a :class:`LoopCountWarning`; ``None``
        for no cap.

    Returns
    -------
    LoopList
        Sorted by length, then by variables; named R1.., B1.., U1...  Because
        shorter loops come first, a loop keeps its name when ``length_bound``
        leaves out longer ones.

    Warns
    -----
    LoopCountWarning
        When ``max_loops`` stopped the search (the message says how to go on).

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.DiGraph([("a", "b", {"sign": "+"}), ("b", "a", {"sign": "-"}),
    ...                 ("b", "c", {"sign": "+"}), ("c", "b", {"sign": "+"})])
    >>> find_cycles(g)
    [Loop B1: b -> a -> b (balancing), Loop R1: b -> c -> b (reinforcing)]
    """
    oriented, capped = enumerate_cycles(graph, length_bound=length_bound, max_loops=max_loops)
    return name_cycles(graph, oriented, capped=capped, max_loops=max_loops, stacklevel=3)


def enumerate_cycles(
    graph: nx.DiGraph, *, length_bound: int | None = None, max_loops: int | None = 100_000
) -> tuple[list[tuple[str, ...]], bool]:
    """The simple cycles of a graph, each from its anchor, sorted; and whether ``max_loops`` cut the search.

    This part depends only on the graph's shape, not on its signs, so it can be reused.

    Examples
    --------
    >>> import networkx as nx
    >>> enumerate_cycles(nx.DiGraph([("a", "b"), ("b", "a"), ("b", "b")]))
    ([('b',), ('b', 'a')], False)
    """
    if length_bound is not None and length_bound < 1:
        raise LoopAnalysisError(
            f"`length_bound` must be a positive int, the longest loop to look for (got {length_bound!r})"
        )
    cycles = nx.simple_cycles(graph, length_bound=length_bound)
    if max_loops is not None:
        found = list(itertools.islice(cycles, max_loops + 1))
    else:
        found = list(cycles)
    capped = max_loops is not None and len(found) > max_loops
    if capped:
        found = found[:max_loops]
    order = sorted(graph.nodes, key=lambda n: _anchor_rank(graph, n))
    rank = {n: i for i, n in enumerate(order)}
    return sorted((_rotate(rank, c) for c in found), key=lambda c: (len(c), c)), capped


def name_cycles(
    graph: nx.DiGraph,
    oriented: list[tuple[str, ...]],
    *,
    capped: bool = False,
    max_loops: int | None = None,
    stacklevel: int = 2,
) -> LoopList:
    """Name the sorted cycles of :func:`enumerate_cycles` from the signs on ``graph``.

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.DiGraph([("a", "b", {"sign": "-"}), ("b", "a", {"sign": "+"})])
    >>> name_cycles(g, enumerate_cycles(g)[0])
    [Loop B1: a -> b -> a (balancing)]
    """
    message = ""
    if capped:
        message = (
            f"loop search stopped at max_loops={max_loops}: the diagram has more loops, so this list "
            "is incomplete and its names may change; raise `max_loops` or pass `length_bound=` to look "
            "only at shorter loops"
        )
        warnings.warn(message, LoopCountWarning, stacklevel=stacklevel + 1)
    counters = {"+": 0, "-": 0, "?": 0}
    loops = []
    labels = {n: str(d.get("label", n)) for n, d in graph.nodes(data=True)}
    links = {
        (a, b): (str(d.get("sign", "?")), bool(d.get("delay", False))) for a, b, d in graph.edges(data=True)
    }
    for cyc in oriented:
        signs, delays = zip(*(links[e] for e in zip(cyc, cyc[1:] + cyc[:1], strict=True)), strict=True)
        pol = loop_polarity(signs)
        counters[pol] += 1
        loops.append(
            Loop(f"{_PREFIX[pol]}{counters[pol]}", tuple(labels[k] for k in cyc), cyc, signs, delays)
        )
    return LoopList(loops, capped=capped, message=message)
