"""Archetype recognition does not depend on the variables' names or the order of the links.

The contraction of pass-through chains (:func:`sysdyn.loops.matching.contract`) used to shorten
chains in alphabetical order and skip a chain whose ends were already joined: of two parallel
chains between the same variables, the name decided which one was shortened, and with it whether
an archetype was found.
"""

from __future__ import annotations

import random

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sysdyn as sd
from sysdyn.loops import archetypes
from sysdyn.loops.matching import contract

#: The overtime example: a fix (overtime) relieves schedule pressure through the work done, and
#: feeds it back later through fatigue, errors and rework, two chains in parallel from Overtime.
OVERTIME = [
    ("Schedule pressure", "Overtime", "+", False),
    ("Overtime", "Fatigue", "+", False),
    ("Fatigue", "Errors", "+", True),
    ("Errors", "Rework", "+", False),
    ("Rework", "Schedule pressure", "+", False),
    ("Overtime", "Work completed", "+", False),
    ("Work completed", "Schedule pressure", "-", False),
]

#: Made-up names: letters and digits sort differently from the original names, in every order.
POOL = [f"{a}{b} var" for a in "zyxwvutsrq" for b in "90"]


def _diagram(links, rename=None, order=None) -> sd.CausalLoopDiagram:
    rename = rename or {}
    links = [links[i] for i in order] if order is not None else links
    return sd.CausalLoopDiagram(
        "renamed", [(rename.get(a, a), rename.get(b, b), s, d) for a, b, s, d in links]
    )


def _links(cld: sd.CausalLoopDiagram) -> list[tuple]:
    return [(lk.source, lk.target, lk.sign, lk.delay) for lk in cld.links]


def _variables(links) -> list[str]:
    return list(dict.fromkeys(v for a, b, _, _ in links for v in (a, b)))


def _found(cld: sd.CausalLoopDiagram, back: dict[str, str] | None = None) -> list[tuple]:
    """What was found, in the original names: (archetype, variables of its loops) per match, sorted."""
    back = back or {}
    return sorted(
        (m.name, tuple(sorted(back.get(v, v) for v in m.variables))) for m in cld.archetypes(nested=True)
    )


# ------------------------------------------------------------------------------------- the report


def test_the_overtime_example_is_fixes_that_fail():
    found = _diagram(OVERTIME).archetypes()
    assert [m.name for m in found] == ["Fixes that Fail"]
    (match,) = found
    assert match.roles["Problem symptom"] == "Schedule pressure" and match.roles["Fix"] == "Overtime"
    assert [lp.polarity for lp in match.loops] == ["balancing", "reinforcing"]


@pytest.mark.parametrize("name", ["A work completed", "Work completed", "zz work completed", "Done"])
def test_the_overtime_example_whatever_the_work_is_called(name):
    cld = _diagram(OVERTIME, {"Work completed": name})
    assert [m.name for m in cld.archetypes()] == ["Fixes that Fail"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(names=st.permutations(POOL), order=st.permutations(range(len(OVERTIME))))
def test_the_overtime_example_under_every_relabelling(names, order):
    original = _variables(OVERTIME)
    rename = dict(zip(original, names, strict=False))
    cld = _diagram(OVERTIME, rename, order)
    assert [m.name for m in cld.archetypes()] == ["Fixes that Fail"]


def test_the_overtime_example_under_all_orders_of_its_chain_names():
    # every alphabetical order of the five pass-through variables (5! = 120 relabellings)
    import itertools

    chain = ["Fatigue", "Errors", "Rework", "Work completed"]
    for letters in itertools.permutations("abcd"):
        rename = {v: f"{c} {v}" for v, c in zip(chain, letters, strict=True)}
        assert [m.name for m in _diagram(OVERTIME, rename).archetypes()] == ["Fixes that Fail"], rename


# ------------------------------------------------------------------------------- the nine archetypes


@pytest.mark.parametrize("name", list(archetypes.ARCHETYPES))
def test_each_archetype_matches_itself_and_renamed_copies(name):
    cld = archetypes.ARCHETYPES[name][0]()
    expected = _found(cld)
    assert name in [n for n, _ in expected]
    links = _links(cld)
    variables = _variables(links)
    rng = random.Random(name)
    for _ in range(8):
        names = rng.sample(POOL, len(variables))
        rename = dict(zip(variables, names, strict=True))
        order = list(range(len(links)))
        rng.shuffle(order)
        copy = _diagram(links, rename, order)
        assert _found(copy, {v: k for k, v in rename.items()}) == expected
    # reversed names turn alphabetical order upside down
    rename = {v: v[::-1] for v in variables}
    assert _found(_diagram(links, rename), {v: k for k, v in rename.items()}) == expected


@pytest.mark.parametrize("name", list(archetypes.ARCHETYPES))
def test_in_its_own_diagram_each_role_goes_to_the_variable_of_its_name(name):
    # symmetric archetypes (Escalation, Tragedy of the Commons...) could cast A as B: they do not
    (match,) = [m for m in archetypes.ARCHETYPES[name][0]().archetypes() if m.name == name]
    assert match.roles and all(role == variable for role, variable in match.roles.items())


@pytest.mark.parametrize("name", list(archetypes.ARCHETYPES))
def test_archetypes_with_a_lengthened_link_under_relabelling(name):
    """Each link in turn lengthened into a chain (often parallel to another way between its ends, or a
    loop through one variable): the archetype is still found, and found alike under new names."""
    original = _links(archetypes.ARCHETYPES[name][0]())
    rng = random.Random(f"lengthened {name}")
    for i, (a, b, sign, delay) in enumerate(original):
        links = [
            *original[:i],
            (a, "Step one", sign, delay),
            ("Step one", "Step two", "+", False),
            ("Step two", b, "+", False),
            *original[i + 1 :],
        ]
        expected = _found(_diagram(links))
        assert name in [n for n, _ in expected], f"{name} with {a} -> {b} lengthened"
        variables = _variables(links)
        for _ in range(3):
            rename = dict(zip(variables, rng.sample(POOL, len(variables)), strict=True))
            order = rng.sample(range(len(links)), len(links))
            assert _found(_diagram(links, rename, order), {v: k for k, v in rename.items()}) == expected


# --------------------------------------------------------------------------------- non-archetypes


@pytest.mark.parametrize(
    "links",
    [
        pytest.param([("a", "b", "+", False), ("b", "a", "+", False)], id="one reinforcing loop"),
        pytest.param(
            [("a", "b", "+", False), ("b", "c", "+", True), ("c", "a", "-", False)], id="one balancing"
        ),
        pytest.param(
            [("a", "b", "+", False), ("b", "a", "+", False), ("c", "d", "+", False), ("d", "c", "-", False)],
            id="two separate loops",
        ),
        pytest.param(
            [
                ("a", "b", "+", False),
                ("b", "c", "+", False),
                ("c", "a", "+", False),
                ("a", "d", "+", False),
                ("d", "c", "+", False),
            ],
            id="two reinforcing loops in parallel",
        ),
        pytest.param([("a", "b", "+", False), ("b", "c", "-", False), ("c", "d", "+", False)], id="no loop"),
    ],
)
def test_non_archetypes_are_not_matched(links):
    assert _diagram(links).archetypes(nested=True) == []
    rename = {v: v[::-1] + " renamed" for v in _variables(links)}
    assert _diagram(links, rename).archetypes(nested=True) == []


# ------------------------------------------------------------------------------------- contraction


def _signed(links) -> nx.DiGraph:
    return nx.DiGraph([(a, b, {"sign": s, "delay": d}) for a, b, s, d in links])


def _same_shape(g: nx.DiGraph, h: nx.DiGraph) -> bool:
    def edges_alike(x: dict, y: dict) -> bool:
        return (
            x["sign"] == y["sign"] and bool(x["delay"]) == bool(y["delay"]) and len(x["via"]) == len(y["via"])
        )

    return nx.is_isomorphic(g, h, edge_match=edges_alike)


@settings(max_examples=40, deadline=None)
@given(names=st.permutations(POOL))
def test_contraction_does_not_depend_on_names(names):
    rename = dict(zip(_variables(OVERTIME), names, strict=False))
    plain = contract(_signed(OVERTIME))
    renamed = contract(_signed([(rename[a], rename[b], s, d) for a, b, s, d in OVERTIME]))
    assert _same_shape(plain, renamed)
    # both chains from Overtime keep their last variable; neither is folded into the other
    assert sorted(plain.nodes) == ["Overtime", "Rework", "Schedule pressure", "Work completed"]
    assert plain.edges["Overtime", "Rework"]["via"] == ("Fatigue", "Errors")
    assert plain.edges["Overtime", "Rework"]["delay"] and plain.edges["Overtime", "Rework"]["sign"] == "+"


def test_contraction_of_a_lone_chain_and_of_a_loop_of_pass_through_variables():
    # u -> p -> q -> w is the only way from u to w: one link; s and t each make a loop through one variable
    lone = contract(
        _signed(
            [
                ("u", "p", "-", False),
                ("p", "q", "-", True),
                ("q", "w", "+", False),
                ("w", "u", "+", False),
                ("u", "s", "+", False),
                ("s", "u", "+", False),
                ("w", "t", "+", False),
                ("t", "w", "+", False),
            ]
        )
    )
    assert lone.edges["u", "w"] == {"sign": "+", "delay": True, "via": ("p", "q")}
    assert sorted(lone.nodes) == ["s", "t", "u", "w"]
    # a loop through one variable keeps two links, split before its last negative link
    split = contract(
        _signed(
            [
                ("a", "b", "-", False),
                ("b", "c", "+", False),
                ("c", "d", "-", False),
                ("d", "a", "+", False),
                ("a", "e", "+", False),
                ("e", "a", "+", False),
            ]
        )
    )
    assert split.edges["a", "c"] == {"sign": "-", "delay": False, "via": ("b",)}
    assert split.edges["c", "a"] == {"sign": "-", "delay": False, "via": ("d",)}
    ring = contract(
        _signed(
            [("p", "q", "+", False), ("q", "r", "-", True), ("r", "s", "+", False), ("s", "p", "+", False)]
        )
    )
    assert ring.number_of_nodes() == 2 and ring.number_of_edges() == 2
    assert sorted(d["sign"] for _, _, d in ring.edges(data=True)) == ["+", "-"]
    assert any(d["delay"] for _, _, d in ring.edges(data=True))
