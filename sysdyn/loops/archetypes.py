"""Senge's system archetypes: ready-made diagrams, and recognising them in yours.

Each archetype of *The Fifth Discipline* (Senge 1990 [1]_, appendix 2; Accidental
Adversaries from the *Fieldbook*, Senge et al. 1994 [2]_) is shipped as a small
causal loop diagram (``limits_to_growth()``...) and defined, for recognition,
as the signed pattern of its loop structure (see :mod:`sysdyn.loops.matching`):
a pattern link may stand for a chain of variables, and other loops around it
do not hide it.

Some archetypes share a loop shape: Escalation and Eroding Goals are both two
balancing loops through one variable.  Where a diagram marks delays they tell
such archetypes apart (Eroding Goals: the goal gives way at once, the
corrective action takes time; Escalation: both sides act with a delay); a
diagram without any delay marks is matched on signs alone.  A match says the
structure is there; whether its story fits is for the team to judge.

References
----------
.. [1] Senge, P. M. (1990). The Fifth Discipline: The Art and Practice of the Learning
   Organization. Doubleday. Appendix 2: Systems Archetypes.
.. [2] Senge, P. M., Kleiner, A., Roberts, C., Ross, R. and Smith, B. (1994). The Fifth
   Discipline Fieldbook. Currency Doubleday.

Examples
--------
>>> import sysdyn as sd
>>> cld = sd.archetypes.fixes_that_fail()
>>> cld.loops()
[Loop B1: Fix -> Problem symptom -> Fix (balancing),
 Loop R1: Fix -> Unintended consequences -> Problem symptom -> Fix (reinforcing, 1 delay)]
>>> match = cld.archetypes()[0]
>>> match.name, [lp.name for lp in match.loops]
('Fixes that Fail', ['B1', 'R1'])
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from ..errors import SysdynError
from ..names import canonical, closest
from .cld import CausalLoopDiagram
from .finding import Loop, loop_polarity
from .matching import contract, expand_cycle, find_matches

__all__ = [
    "ArchetypeMatch",
    "UnknownArchetypeError",
    "archetype_name",
    "ARCHETYPES",
    "match",
    "pattern",
    "limits_to_growth",
    "shifting_the_burden",
    "fixes_that_fail",
    "eroding_goals",
    "escalation",
    "success_to_the_successful",
    "tragedy_of_the_commons",
    "growth_and_underinvestment",
    "accidental_adversaries",
]


def limits_to_growth() -> CausalLoopDiagram:
    """Limits to Growth: a reinforcing growth loop runs into a balancing loop set off by a limit.

    Examples
    --------
    >>> [lp.polarity for lp in limits_to_growth().loops()]
    ['reinforcing', 'balancing']
    """
    return CausalLoopDiagram(
        "Limits to Growth",
        [
            ("Efforts", "Performance", "+"),
            ("Performance", "Efforts", "+"),
            ("Performance", "Slowing action", "+"),
            ("Slowing action", "Performance", "-"),
            ("Limiting condition", "Slowing action", "+"),
        ],
        doc="Growth feeds on itself until it sets off a balancing process that slows it.",
    )


def shifting_the_burden() -> CausalLoopDiagram:
    """Shifting the Burden: a quick symptomatic fix crowds out the slower fundamental solution.

    Examples
    --------
    >>> [lp.name for lp in shifting_the_burden().loops()]
    ['B1', 'B2', 'R1']
    """
    return CausalLoopDiagram(
        "Shifting the Burden",
        [
            ("Problem symptom", "Symptomatic solution", "+"),
            ("Symptomatic solution", "Problem symptom", "-"),
            ("Problem symptom", "Fundamental solution", "+"),
            ("Fundamental solution", "Problem symptom", "-", True),
            ("Symptomatic solution", "Side effect", "+"),
            ("Side effect", "Fundamental solution", "-"),
        ],
        doc="The symptomatic solution relieves the symptom now; its side effect erodes the fundamental one.",
    )


def fixes_that_fail() -> CausalLoopDiagram:
    """Fixes that Fail: a fix relieves a problem, and its unintended consequences bring it back.

    Examples
    --------
    >>> len(fixes_that_fail().loops())
    2
    """
    return CausalLoopDiagram(
        "Fixes that Fail",
        [
            ("Problem symptom", "Fix", "+"),
            ("Fix", "Problem symptom", "-"),
            ("Fix", "Unintended consequences", "+"),
            ("Unintended consequences", "Problem symptom", "+", True),
        ],
        doc="The fix works at first; after a delay its unintended consequences feed the problem.",
    )


def eroding_goals() -> CausalLoopDiagram:
    """Eroding Goals: a gap is closed by lowering the goal instead of improving the condition.

    Examples
    --------
    >>> [lp.polarity for lp in eroding_goals().loops()]
    ['balancing', 'balancing']
    """
    return CausalLoopDiagram(
        "Eroding Goals",
        [
            ("Gap", "Actions to improve conditions", "+"),
            ("Actions to improve conditions", "Condition", "+", True),
            ("Condition", "Gap", "-"),
            ("Gap", "Pressure to lower goal", "+"),
            ("Pressure to lower goal", "Goal", "-"),
            ("Goal", "Gap", "+"),
        ],
        doc="Improving the condition takes time; lowering the goal is immediate.",
    )


def escalation() -> CausalLoopDiagram:
    """Escalation: two parties each answer the other's lead, and the race runs away.

    Examples
    --------
    >>> [lp.polarity for lp in escalation().loops()]
    ['balancing', 'balancing']
    """
    return CausalLoopDiagram(
        "Escalation",
        [
            ("Results of A relative to B", "Activity by A", "-"),
            ("Activity by A", "Results of A", "+", True),
            ("Results of A", "Results of A relative to B", "+"),
            ("Results of A relative to B", "Activity by B", "+"),
            ("Activity by B", "Results of B", "+", True),
            ("Results of B", "Results of A relative to B", "-"),
        ],
        doc="Each side's balancing loop (restore our position) together make a reinforcing race.",
    )


def success_to_the_successful() -> CausalLoopDiagram:
    """Success to the Successful: the more successful of two gets more resources, and more success.

    Examples
    --------
    >>> [lp.polarity for lp in success_to_the_successful().loops()]
    ['reinforcing', 'reinforcing']
    """
    return CausalLoopDiagram(
        "Success to the Successful",
        [
            ("Success of A", "Allocation to A instead of B", "+"),
            ("Allocation to A instead of B", "Resources to A", "+"),
            ("Resources to A", "Success of A", "+"),
            ("Allocation to A instead of B", "Resources to B", "-"),
            ("Resources to B", "Success of B", "+"),
            ("Success of B", "Allocation to A instead of B", "-"),
        ],
        doc="Two activities compete for one pool of resources; early success decides who gets them.",
    )


def tragedy_of_the_commons() -> CausalLoopDiagram:
    """Tragedy of the Commons: each party's gain from a shared resource depletes it for all.

    Examples
    --------
    >>> sorted(lp.polarity for lp in tragedy_of_the_commons().loops())
    ['balancing', 'balancing', 'reinforcing', 'reinforcing']
    """
    return CausalLoopDiagram(
        "Tragedy of the Commons",
        [
            ("A's activity", "Net gains for A", "+"),
            ("Net gains for A", "A's activity", "+"),
            ("B's activity", "Net gains for B", "+"),
            ("Net gains for B", "B's activity", "+"),
            ("A's activity", "Total activity", "+"),
            ("B's activity", "Total activity", "+"),
            ("Total activity", "Gain per individual activity", "-", True),
            ("Gain per individual activity", "Net gains for A", "+"),
            ("Gain per individual activity", "Net gains for B", "+"),
            ("Resource limit", "Gain per individual activity", "+"),
        ],
        doc="Individually sensible growth overloads a common resource, and everyone's gain falls.",
    )


def growth_and_underinvestment() -> CausalLoopDiagram:
    """Growth and Underinvestment: growth nears a limit that investment in capacity could lift, too late.

    Examples
    --------
    >>> [lp.polarity for lp in growth_and_underinvestment().loops()]
    ['reinforcing', 'balancing', 'balancing']
    """
    return CausalLoopDiagram(
        "Growth and Underinvestment",
        [
            ("Growing action", "Demand", "+"),
            ("Demand", "Growing action", "+"),
            ("Demand", "Performance", "-"),
            ("Performance", "Demand", "+"),
            ("Performance", "Perceived need to invest", "-"),
            ("Performance standard", "Perceived need to invest", "+"),
            ("Perceived need to invest", "Investment in capacity", "+"),
            ("Investment in capacity", "Capacity", "+", True),
            ("Capacity", "Performance", "+"),
        ],
        doc="Performance falls as demand grows; investing in capacity would restore it, but comes late.",
    )


def accidental_adversaries() -> CausalLoopDiagram:
    """Accidental Adversaries: partners' own fixes undermine each other's success.

    Examples
    --------
    >>> len(accidental_adversaries().loops())
    6
    """
    return CausalLoopDiagram(
        "Accidental Adversaries",
        [
            ("A's activity toward B", "B's success", "+"),
            ("B's success", "B's activity toward A", "+"),
            ("B's activity toward A", "A's success", "+"),
            ("A's success", "A's activity toward B", "+"),
            ("A's success", "A's own fix", "+"),
            ("A's own fix", "A's success", "+"),
            ("B's success", "B's own fix", "+"),
            ("B's own fix", "B's success", "+"),
            ("A's own fix", "B's success", "-", True),
            ("B's own fix", "A's success", "-", True),
        ],
        doc="Each partner's fix for itself hurts the other, turning a partnership into a rivalry.",
    )


#: Archetype name -> (factory, variables whose loop must *not* be delayed).
ARCHETYPES: dict[str, tuple[Callable[[], CausalLoopDiagram], tuple[str, ...]]] = {
    "Limits to Growth": (limits_to_growth, ()),
    "Shifting the Burden": (shifting_the_burden, ()),
    "Fixes that Fail": (fixes_that_fail, ()),
    "Eroding Goals": (eroding_goals, ("goal",)),
    "Escalation": (escalation, ()),
    "Success to the Successful": (success_to_the_successful, ()),
    "Tragedy of the Commons": (tragedy_of_the_commons, ()),
    "Growth and Underinvestment": (growth_and_underinvestment, ()),
    "Accidental Adversaries": (accidental_adversaries, ()),
}

_PATTERNS: dict[str, nx.DiGraph] = {}
#: Archetypes whose short loops must keep their signs where they are (elsewhere a loop counts by
#: its polarity and delays, wherever its signs sit along it): in Success to the Successful one
#: loop is made of two positive links, the other of two negative ones.
_FIXED_SPLIT = frozenset({"Success to the Successful"})


def _cycle_signs(p: nx.DiGraph, cycle: list[str]) -> tuple[str, ...]:
    return tuple(p.edges[cycle[i], cycle[(i + 1) % len(cycle)]]["sign"] for i in range(len(cycle)))


class UnknownArchetypeError(SysdynError, KeyError):
    """An archetype was asked for by a name none has."""

    def __str__(self) -> str:  # KeyError would put the message in quotes
        return SysdynError.__str__(self)


def archetype_name(name: str) -> str:
    """The archetype's name as in :data:`ARCHETYPES`, from any spelling (``"limits_to_growth"``...).

    Raises
    ------
    UnknownArchetypeError
        If no archetype has that name.

    Examples
    --------
    >>> archetype_name("fixes_that_fail"), archetype_name("Limits to growth")
    ('Fixes that Fail', 'Limits to Growth')
    >>> try:
    ...     archetype_name("Fixes that fall")
    ... except UnknownArchetypeError as err:
    ...     print(err)
    no archetype is called 'Fixes that fall'; did you mean 'Fixes that Fail'?
    """
    by_key = {canonical(n): n for n in ARCHETYPES}
    if isinstance(name, str) and canonical(name) in by_key:
        return by_key[canonical(name)]
    hint = closest(str(name), list(ARCHETYPES))
    raise UnknownArchetypeError(
        f"no archetype is called {name!r}; "
        + (f"did you mean {hint!r}?" if hint else f"the archetypes are {', '.join(ARCHETYPES)}")
    )


def pattern(name: str) -> nx.DiGraph:
    """The signed pattern of an archetype: its contracted loop structure with delay requirements.

    Edge ``delay`` is True (a delay is required), False (none allowed) or None (either).

    Examples
    --------
    >>> sorted(pattern("Fixes that Fail").nodes)
    ['fix', 'problem symptom', 'unintended consequences']
    """
    name = archetype_name(name)
    if name not in _PATTERNS:
        factory, undelayed = ARCHETYPES[name]
        p = contract(factory().graph)
        loops = []
        for c in nx.simple_cycles(p):
            edges = [(c[i], c[(i + 1) % len(c)]) for i in range(len(c))]
            members = set(c).union(*(p.edges[e]["via"] for e in edges))
            delayed = any(p.edges[e]["delay"] for e in edges)
            need = False if members & set(undelayed) else (True if delayed else None)
            loops.append((c, loop_polarity(_cycle_signs(p, c)), need))
        p.graph["loops"] = loops
        for a, b, data in p.edges(data=True):
            data["delay"] = True if data["delay"] else None
            if name not in _FIXED_SPLIT and any(p.in_degree(n) == 1 and p.out_degree(n) == 1 for n in (a, b)):
                data["sign"] = None
                data["delay"] = None
        _PATTERNS[name] = p
    return _PATTERNS[name]


@dataclass(frozen=True)
class ArchetypeMatch:
    """An archetype found in a diagram.

    Attributes
    ----------
    name : str
        The archetype.
    roles : dict
        The archetype's key variables (as named in its shipped diagram) to
        the diagram's variables that play them.
    loops : list of Loop
        The diagram's loops that form the archetype.
    part_of : tuple of str
        Larger archetypes found on a superset of these loops (listed with ``nested=True``).

    Examples
    --------
    >>> found = fixes_that_fail().archetypes()[0]
    >>> found.name, found.roles["Fix"], found.variables
    ('Fixes that Fail', 'Fix', ('Fix', 'Problem symptom', 'Unintended consequences'))
    """

    name: str
    roles: dict[str, str] = field(default_factory=dict)
    loops: list[Loop] = field(default_factory=list)
    part_of: tuple[str, ...] = ()

    @property
    def variables(self) -> tuple[str, ...]:
        """The diagram's variables on the archetype's loops, in order of first appearance."""
        seen: dict[str, None] = {}
        for lp in self.loops:
            seen.update(dict.fromkeys(lp.variables))
        return tuple(seen)

    def __repr__(self) -> str:
        names = ", ".join(lp.name for lp in self.loops)
        inside = f" (part of {', '.join(self.part_of)})" if self.part_of else ""
        return f"<ArchetypeMatch {self.name}: loops {names}{inside}>"


def match(
    cld: CausalLoopDiagram, names: Any = None, *, max_path: int = 4, nested: bool = False
) -> list[ArchetypeMatch]:
    """Find system archetypes in a causal loop diagram.

    Parameters
    ----------
    cld : CausalLoopDiagram
    names : iterable of str, optional
        Archetypes to look for (default: all of :data:`ARCHETYPES`; any spelling).
    max_path : int
        How many links (after contracting chains of pass-through variables)
        one link of an archetype may stand for.
    nested : bool
        Also list matches whose loops all belong to a larger match of another
        archetype (Eroding Goals inside Shifting the Burden, Limits to Growth
        inside Growth and Underinvestment...); their ``part_of`` names it.

    Returns
    -------
    list of ArchetypeMatch
        In the order of :data:`ARCHETYPES`, one per set of loops, the most
        compact first.

    Raises
    ------
    UnknownArchetypeError
        If ``names`` holds a name no archetype has.

    Examples
    --------
    >>> cld = limits_to_growth()
    >>> cld.link("Performance", "Reputation", "+"); cld.link("Reputation", "Efforts", "+")
    >>> [(m.name, [lp.name for lp in m.loops]) for m in match(cld)]
    [('Limits to Growth', ['R1', 'B1']), ('Limits to Growth', ['B1', 'R2'])]
    >>> [m.name for m in match(shifting_the_burden())]
    ['Shifting the Burden']
    >>> [(m.name, m.part_of) for m in match(shifting_the_burden(), nested=True)][1:]
    [('Fixes that Fail', ('Shifting the Burden',)), ('Eroding Goals', ('Shifting the Burden',))]
    """
    wanted = list(ARCHETYPES) if names is None else [archetype_name(n) for n in names]
    graph = cld.graph
    labels = {n: graph.nodes[n]["label"] for n in graph.nodes}
    loops = cld.loops()
    by_edges = {frozenset(lp.edges): lp for lp in loops}
    out = []
    seen: set = set()
    for name in wanted:
        here: list[ArchetypeMatch] = []
        p = pattern(name)
        cycles = sorted(nx.simple_cycles(p), key=lambda c: (len(c), sorted(c)))
        for found in find_matches(graph, p, max_path=max_path):
            paths = found[None]
            roles = {p.nodes[r]["label"]: labels[v] for r, v in found.items() if r is not None}
            hit = []
            for cyc in cycles:
                keys = expand_cycle(cyc, paths)
                edges = frozenset(zip(keys, keys[1:] + keys[:1], strict=True))
                if edges in by_edges:
                    hit.append(by_edges[edges])
            hit = sorted(set(hit), key=loops.index)
            key = (name, frozenset(lp.name for lp in hit))
            if key not in seen:
                seen.add(key)
                here.append(ArchetypeMatch(name, roles, hit))
        out.extend(
            sorted(
                here, key=lambda m: (sum(lp.length for lp in m.loops), [loops.index(lp) for lp in m.loops])
            )
        )
    annotated = []
    for m in out:
        mine = {lp.name for lp in m.loops}
        bigger = tuple(
            dict.fromkeys(o.name for o in out if o.name != m.name and mine < {lp.name for lp in o.loops})
        )
        if bigger and not nested:
            continue
        annotated.append(ArchetypeMatch(m.name, m.roles, m.loops, bigger))
    return annotated
