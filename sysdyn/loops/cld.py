"""Causal loop diagrams: variables joined by signed, possibly delayed, links.

Examples
--------
>>> import sysdyn as sd
>>> cld = sd.CausalLoopDiagram("After-action reviews")
>>> cld.link("Mistakes reviewed", "Lessons learned", "+")
>>> cld.link("Lessons learned", "Team capability", "+", delay=True)
>>> cld.link("Team capability", "Mistakes", "-")
>>> cld.link("Mistakes", "Mistakes reviewed", "+")
>>> cld.loops()
[Loop B1: Mistakes -> Mistakes reviewed -> Lessons learned -> Team capability -> Mistakes
 (balancing, 1 delay)]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import networkx as nx

from ..errors import ModelStructureError, SysdynError, UnknownNameError
from ..names import canonical, closest
from .finding import LoopList, find_cycles

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from .archetypes import ArchetypeMatch

__all__ = [
    "CausalLoopDiagram",
    "Link",
    "LinkSignError",
    "UnknownVariableError",
    "UnknownLinkError",
    "normalise_sign",
]

_SIGNS = {"+": "+", "-": "-", "?": "?", "−": "-", "1": "+", "-1": "-", "+1": "+"}


class LinkSignError(ModelStructureError):
    """A link's sign is not ``"+"`` or ``"-"`` (or ``"?"`` for unknown)."""


class UnknownVariableError(UnknownNameError):
    """A link names a variable a strict diagram does not have."""


class UnknownLinkError(SysdynError, KeyError):
    """A link was asked for (to remove it...) that the diagram does not have."""

    def __str__(self) -> str:  # KeyError would put the message in quotes
        return SysdynError.__str__(self)


def normalise_sign(sign: Any, where: str = "") -> str:
    """Return ``"+"``, ``"-"`` or ``"?"`` for a sign given as text or as +1/-1.

    Examples
    --------
    >>> normalise_sign("+"), normalise_sign(-1), normalise_sign(" - ")
    ('+', '-', '-')
    >>> normalise_sign("positive")
    Traceback (most recent call last):
    ...
    sysdyn.loops.cld.LinkSignError: a link's sign must be '+' or '-' (or '?' for unknown), not 'positive'
    """
    if isinstance(sign, bool):
        key = None
    elif isinstance(sign, int | float) and sign in (1, -1):
        key = "+" if sign > 0 else "-"
    else:
        key = _SIGNS.get(str(sign).strip()) if isinstance(sign, str) else None
    if key is None:
        raise LinkSignError(
            f"a link's sign must be '+' or '-' (or '?' for unknown), not {sign!r}", element=where or None
        )
    return key


@dataclass(frozen=True)
class Link:
    """One causal link ``source -> target`` with its sign, delay mark and note.

    Examples
    --------
    >>> Link("Pressure", "Shortcuts", "+", delay=True)
    Link(source='Pressure', target='Shortcuts', sign='+', delay=True, note='')
    """

    source: str
    target: str
    sign: str
    delay: bool = False
    note: str = ""


class CausalLoopDiagram:
    """A causal loop diagram (CLD) under construction.

    Parameters
    ----------
    name : str
        Title of the diagram.
    links : list, dict or networkx.DiGraph, optional
        Initial links: a list of ``(source, target, sign)`` or
        ``(source, target, sign, delay)`` tuples (or dicts with those keys,
        or :class:`Link` objects, e.g. another diagram's ``links``),
        a dict ``{source: {target: sign}}`` or ``{(source, target): sign}``,
        or a DiGraph whose edges have a ``sign`` attribute (and optionally
        ``delay`` and ``note``).
    strict : bool
        If True, :meth:`link` accepts only variables declared with
        :meth:`variable`; otherwise links add their variables.
    doc : str
        Description of the diagram.

    Examples
    --------
    >>> cld = CausalLoopDiagram("Trust", [("Trust", "Sharing", "+"), ("Sharing", "Trust", "+")])
    >>> cld.variables
    ('Trust', 'Sharing')
    >>> cld.loops()
    [Loop R1: Trust -> Sharing -> Trust (reinforcing)]
    """

    def __init__(self, name: str = "cld", links: Any = None, *, strict: bool = False, doc: str = "") -> None:
        self.name = name
        self.doc = doc
        self.strict = strict
        self._labels: dict[str, str] = {}
        self._notes: dict[str, str] = {}
        self._kinds: dict[str, str] = {}
        self._links: dict[tuple[str, str], Link] = {}
        if links is not None:
            self._add_many(links)

    # ---------------------------------------------------------------- building
    def variable(self, name: str, note: str = "", *, kind: str = "") -> None:
        """Declare a variable (needed before linking it in a strict diagram).

        Examples
        --------
        >>> cld = CausalLoopDiagram(strict=True)
        >>> cld.variable("Skill", note="what the team can do")
        >>> cld.note("skill")
        'what the team can do'
        """
        if not isinstance(name, str) or not name.strip():
            raise ModelStructureError(f"a variable name must be a non-empty string (got {name!r})")
        key = canonical(name)
        self._labels.setdefault(key, name.strip())
        if note:
            self._notes[key] = note
        if kind:
            self._kinds[key] = kind

    def _key(self, name: str, role: str) -> str:
        if not isinstance(name, str) or not name.strip():
            raise ModelStructureError(f"the {role} of a link must be a non-empty string (got {name!r})")
        key = canonical(name)
        if key not in self._labels:
            if self.strict:
                hint = closest(name, self._labels.values())
                raise UnknownVariableError(
                    f"the link's {role} `{name}` is not a variable of the diagram"
                    + (f"; did you mean `{hint}`?" if hint else "; declare it with .variable() first"),
                    name=name,
                    suggestion=hint,
                    element=self.name,
                )
            self._labels[key] = name.strip()
        return key

    def link(self, source: str, target: str, sign: Any, delay: bool = False, note: str = "") -> None:
        """Add (or replace) the link ``source -> target``.

        Parameters
        ----------
        source, target : str
            Variable names (any spelling: names are case-insensitive).
        sign : {"+", "-"}
            Polarity of the link (``+1``/``-1`` work too; ``"?"`` marks it unknown).
        delay : bool
            Mark the link as delayed (drawn with ``||``).
        note : str
            Free text explaining the link.

        Examples
        --------
        >>> cld = CausalLoopDiagram()
        >>> cld.link("Pressure", "Shortcuts", "+", note="under deadline")
        >>> cld.links[0]
        Link(source='Pressure', target='Shortcuts', sign='+', delay=False, note='under deadline')
        """
        polarity = normalise_sign(sign, where=f"{source} -> {target}")
        a, b = self._key(source, "source"), self._key(target, "target")
        self._links[(a, b)] = Link(self._labels[a], self._labels[b], polarity, bool(delay), str(note))

    def remove_link(self, source: str, target: str) -> None:
        """Remove the link ``source -> target`` (its variables stay).

        Raises
        ------
        UnknownLinkError
            If the diagram has no such link.

        Examples
        --------
        >>> cld = CausalLoopDiagram(links=[("a", "b", "+")])
        >>> cld.remove_link("A", "B"); cld.links
        []
        """
        key = (canonical(source), canonical(target))
        if key not in self._links:
            raise UnknownLinkError(
                f"the diagram has no link `{source}` -> `{target}`"
                + (
                    f"; its links from `{source}` go to {targets}"
                    if (targets := self._targets(key[0]))
                    else ""
                ),
                element=self.name,
            )
        del self._links[key]

    def _targets(self, source: str) -> str:
        return ", ".join(f"`{lk.target}`" for (a, _), lk in self._links.items() if a == source)

    def _add_many(self, links: Any) -> None:
        if isinstance(links, nx.DiGraph):
            for node, data in links.nodes(data=True):
                self.variable(str(node), note=str(data.get("note", "")), kind=str(data.get("kind", "")))
            for a, b, data in links.edges(data=True):
                if "sign" not in data:
                    raise LinkSignError(f"the edge has no `sign` attribute: {data}", element=f"{a} -> {b}")
                self.link(
                    str(a), str(b), data["sign"], bool(data.get("delay", False)), str(data.get("note", ""))
                )
        elif isinstance(links, Mapping):
            for key, value in links.items():
                if isinstance(key, tuple) and len(key) == 2:
                    self._add_item(
                        (*key, value)
                        if not isinstance(value, Mapping)
                        else {"source": key[0], "target": key[1], **value}
                    )
                elif isinstance(value, Mapping):
                    for target, sign in value.items():
                        self._add_item((key, target, sign))
                else:
                    raise ModelStructureError(
                        "a dict of links maps a source to {target: sign}, or (source, target) to a sign; "
                        f"got {key!r}: {value!r}"
                    )
        elif isinstance(links, Iterable) and not isinstance(links, str):
            for item in links:
                self._add_item(item)
        else:
            raise ModelStructureError(
                f"links must be a list, a dict or a networkx.DiGraph (got a {type(links).__name__})"
            )

    def _add_item(self, item: Any) -> None:
        if isinstance(item, Link):
            self.link(item.source, item.target, item.sign, item.delay, item.note)
            return
        if isinstance(item, Mapping):
            try:
                self.link(
                    item["source"],
                    item["target"],
                    item["sign"],
                    item.get("delay", False),
                    item.get("note", ""),
                )
            except KeyError as err:
                raise ModelStructureError(
                    f"a link needs `source`, `target` and `sign` (missing {err})"
                ) from None
            return
        if isinstance(item, tuple | list) and len(item) in (3, 4, 5):
            self.link(*item)
            return
        raise ModelStructureError(
            f"a link is (source, target, sign[, delay[, note]]) or a dict with those keys (got {item!r})"
        )

    @classmethod
    def from_networkx(cls, graph: nx.DiGraph, name: str = "cld", **kwargs: Any) -> CausalLoopDiagram:
        """Build a diagram from a DiGraph whose edges have ``sign`` (and optionally ``delay``, ``note``).

        Examples
        --------
        >>> import networkx as nx
        >>> g = nx.DiGraph(); g.add_edge("A", "B", sign="-"); g.add_edge("B", "A", sign="+")
        >>> CausalLoopDiagram.from_networkx(g).loops()[0].polarity
        'balancing'
        """
        return cls(name, graph, **kwargs)

    # ------------------------------------------------------------------ reading
    @property
    def variables(self) -> tuple[str, ...]:
        """Display names of the variables, in the order they were added.

        Examples
        --------
        >>> CausalLoopDiagram(links=[("Trust", "sharing", "+")]).variables
        ('Trust', 'sharing')
        """
        return tuple(self._labels.values())

    @property
    def links(self) -> list[Link]:
        """The links, in the order they were added.

        Examples
        --------
        >>> [(lk.source, lk.target, lk.sign) for lk in CausalLoopDiagram(links=[("a", "b", -1)]).links]
        [('a', 'b', '-')]
        """
        return list(self._links.values())

    def note(self, name: str) -> str:
        """The note of a variable (empty if none).

        Examples
        --------
        >>> cld = CausalLoopDiagram(); cld.variable("Trust", note="built slowly")
        >>> cld.note("trust"), cld.note("Sharing")
        ('built slowly', '')
        """
        return self._notes.get(canonical(name), "")

    def kind(self, name: str) -> str:
        """The kind of a variable (``"stock"``, ``"flow"``... for diagrams made from models; else ``""``).

        Examples
        --------
        >>> cld = CausalLoopDiagram(); cld.variable("Knowledge", kind="stock")
        >>> cld.kind("knowledge")
        'stock'
        """
        return self._kinds.get(canonical(name), "")

    @property
    def graph(self) -> nx.DiGraph:
        """A new DiGraph keyed by canonical names; edges carry ``sign``, ``delay`` and ``note``.

        Examples
        --------
        >>> cld = CausalLoopDiagram(links=[("Work load", "Stress", "+")])
        >>> cld.graph.edges["work load", "stress"]["sign"]
        '+'
        """
        g = nx.DiGraph(name=self.name)
        for key, label in self._labels.items():
            g.add_node(key, label=label, note=self._notes.get(key, ""), kind=self._kinds.get(key, ""))
        for (a, b), lk in self._links.items():
            g.add_edge(a, b, sign=lk.sign, delay=lk.delay, note=lk.note)
        return g

    def to_networkx(self) -> nx.DiGraph:
        """A DiGraph with display names as nodes (the form :meth:`from_networkx` reads).

        Examples
        --------
        >>> cld = CausalLoopDiagram(links=[("Trust", "Sharing", "+", True)])
        >>> list(cld.to_networkx().edges(data="delay"))
        [('Trust', 'Sharing', True)]
        >>> CausalLoopDiagram.from_networkx(cld.to_networkx()) == CausalLoopDiagram(links=cld.links)
        True
        """
        return nx.relabel_nodes(self.graph, dict(self._labels))

    # ---------------------------------------------------------------- analysis
    def loops(self, *, length_bound: int | None = None, max_loops: int | None = 100_000) -> LoopList:
        """The feedback loops, named R1.., B1.. (stable: see :mod:`sysdyn.loops.finding`).

        Parameters
        ----------
        length_bound : int, optional
            Only loops of at most this many links.
        max_loops : int or None
            Stop after this many loops (with a :class:`~sysdyn.loops.LoopCountWarning`).

        Examples
        --------
        >>> cld = CausalLoopDiagram(links=[("a", "b", "+"), ("b", "a", "-"), ("b", "b", "+")])
        >>> [lp.name for lp in cld.loops()]
        ['R1', 'B1']
        """
        return find_cycles(self.graph, length_bound=length_bound, max_loops=max_loops)

    def archetypes(self, **options: Any) -> list[ArchetypeMatch]:
        """System archetypes (Senge 1990) found in the diagram; see :func:`sysdyn.loops.archetypes.match`.

        Examples
        --------
        >>> from sysdyn.loops import archetypes
        >>> [m.name for m in archetypes.fixes_that_fail().archetypes()]
        ['Fixes that Fail']
        """
        from .archetypes import match

        return match(self, **options)

    def draw(self, ax: Any = None, **options: Any) -> Figure:
        """Draw the diagram with matplotlib; see :func:`sysdyn.loops.drawing.draw`.

        Examples
        --------
        >>> fig = CausalLoopDiagram(links=[("a", "b", "+"), ("b", "a", "-")]).draw()
        >>> len(fig.axes)
        1
        >>> import matplotlib.pyplot as plt; plt.close(fig)
        """
        from .drawing import draw

        return draw(self, ax=ax, **options)

    # --------------------------------------------------------------------- files
    def to_json(self, path: Any = None, **kwargs: Any) -> str:
        """JSON text of the diagram (also written to ``path`` if given); see :mod:`sysdyn.loops.io`.

        Examples
        --------
        >>> cld = CausalLoopDiagram("t", [("a", "b", "+")])
        >>> CausalLoopDiagram.from_json(cld.to_json()) == cld
        True
        """
        from .io import to_json

        return to_json(self, path, **kwargs)

    @classmethod
    def from_json(cls, source: Any) -> CausalLoopDiagram:
        """Read a diagram from JSON text or a ``.json`` file path.

        Examples
        --------
        >>> CausalLoopDiagram.from_json('{"format": "sysdyn-cld", "name": "t", "links": []}').name
        't'
        """
        from .io import from_json

        return from_json(source)

    def to_xmile(self, path: Any = None) -> str:
        """XMILE text of the diagram (sysdyn's CLD extension; also written to ``path`` if given).

        Examples
        --------
        >>> text = CausalLoopDiagram("t", [("a", "b", "-")]).to_xmile()
        >>> '<sysdyn:link from="a" to="b" polarity="-"' in text
        True
        """
        from .io import to_xmile

        return to_xmile(self, path)

    @classmethod
    def from_xmile(cls, source: Any) -> CausalLoopDiagram:
        """Read a diagram from XMILE text or a file path.

        Examples
        --------
        >>> cld = CausalLoopDiagram("t", [("a", "b", "+", True)])
        >>> CausalLoopDiagram.from_xmile(cld.to_xmile()).links[0].delay
        True
        """
        from .io import from_xmile

        return from_xmile(source)

    def __len__(self) -> int:
        return len(self._labels)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CausalLoopDiagram):
            return NotImplemented
        return (
            self.name == other.name
            and self.doc == other.doc
            and list(self._labels.items()) == list(other._labels.items())
            and self._notes == other._notes
            and self._kinds == other._kinds
            and list(self._links.items()) == list(other._links.items())
        )

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        return f"<CausalLoopDiagram {self.name!r}: {len(self._labels)} variables, {len(self._links)} links>"
