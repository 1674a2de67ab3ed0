"""Tests of causal loop diagrams, loop finding, polarity and archetypes."""

from __future__ import annotations

import json

import networkx as nx
import numpy as np
import pytest

import sysdyn as sd
from sysdyn.loops import LinkSignError, LoopCountWarning, UnknownVariableError, archetypes
from sysdyn.loops.matching import find_matches


def _aar() -> sd.CausalLoopDiagram:
    cld = sd.CausalLoopDiagram("After-action reviews")
    cld.link("Mistakes reviewed", "Lessons learned", "+")
    cld.link("Lessons learned", "Team capability", "+", delay=True)
    cld.link("Team capability", "Mistakes", "-")
    cld.link("Mistakes", "Mistakes reviewed", "+")
    return cld


def test_issue_snippet_loop():
    (loop,) = _aar().loops()
    assert repr(loop) == (
        "Loop B1: Mistakes -> Mistakes reviewed -> Lessons learned -> Team capability -> Mistakes "
        "(balancing, 1 delay)"
    )
    assert loop.length == 4 and loop.n_delays == 1 and loop.sign == "-"


def test_names_are_stable_whatever_the_link_order():
    links = [(a, b, s) for a, b, s, *_ in [(lk.source, lk.target, lk.sign) for lk in
             archetypes.accidental_adversaries().links]]
    first = sd.CausalLoopDiagram("x", links).loops()
    rng = np.random.default_rng(1)
    for _ in range(5):
        order = rng.permutation(len(links))
        again = sd.CausalLoopDiagram("x", [links[i] for i in order]).loops()
        assert [(lp.name, lp.keys) for lp in again] == [(lp.name, lp.keys) for lp in first]


def test_polarity_is_product_of_signs():
    cld = sd.CausalLoopDiagram(links=[("a", "b", "-"), ("b", "c", "-"), ("c", "a", "+"), ("c", "b", "+")])
    by_vars = {frozenset(lp.keys): lp.polarity for lp in cld.loops()}
    assert by_vars == {frozenset("abc"): "reinforcing", frozenset("bc"): "balancing"}


def test_build_from_list_dict_and_networkx_agree():
    g = nx.DiGraph()
    g.add_edge("A", "B", sign="+", delay=True)
    g.add_edge("B", "A", sign="-")
    from_graph = sd.CausalLoopDiagram("c", g)
    from_list = sd.CausalLoopDiagram("c", [("A", "B", "+", True), ("B", "A", "-")])
    from_dict = sd.CausalLoopDiagram("c", {("A", "B"): {"sign": "+", "delay": True}, "B": {"A": "-"}})
    assert from_graph.links == from_list.links == from_dict.links


def test_errors():
    strict = sd.CausalLoopDiagram("s", strict=True)
    strict.variable("Skill")
    with pytest.raises(UnknownVariableError, match=r"`Skil` is not a variable.*did you mean `Skill`"):
        strict.link("Skil", "Skill", "+")
    with pytest.raises(LinkSignError, match=r"must be .\+. or .-.*not .o."):
        sd.CausalLoopDiagram().link("a", "b", "o")
    m = sd.Model("alg")
    m.aux("a", "b + 1")
    m.aux("b", "a * 2")
    with pytest.raises(sd.AlgebraicLoopError, match=r"a -> b -> a"):
        sd.find_loops(m)


def test_loop_cap_warns_and_length_bound():
    complete = nx.complete_graph(7, create_using=nx.DiGraph)
    nx.set_edge_attributes(complete, "+", "sign")
    cld = sd.CausalLoopDiagram("k7", complete)
    with pytest.warns(LoopCountWarning, match=r"max_loops=50"):
        loops = cld.loops(max_loops=50)
    assert loops.capped and len(loops) == 50
    # K7 has C(7,2) = 21 two-cycles
    assert len(cld.loops(length_bound=2)) == 21


def test_json_and_xmile_round_trip(tmp_path):
    cld = _aar()
    cld.link("Mistakes", "Stress", "+", note="more errors, more stress")
    assert sd.CausalLoopDiagram.from_json(cld.to_json()) == cld
    path = tmp_path / "aar.xmile"
    cld.to_xmile(path)
    assert sd.CausalLoopDiagram.from_xmile(path) == cld
    assert json.loads(cld.to_json())["links"][-1]["note"] == "more errors, more stress"
    with pytest.raises(sd.SysdynError, match="DOCTYPE"):
        sd.CausalLoopDiagram.from_xmile('<!DOCTYPE x [<!ENTITY a "b">]><x/>')


def _logistic(single_flow=False):
    m = sd.Model("Logistic", stop=60, dt=0.25)
    if single_flow:
        m.stock("Population", 10, inflows=["net growth"])
        m.flow("net growth", "r * Population * (1 - Population / capacity)")
    else:
        m.stock("Population", 10, inflows=["births"], outflows=["deaths"])
        m.flow("births", "r * Population")
        m.flow("deaths", "r * Population * crowding")
        m.aux("crowding", "Population / capacity")
    m.constant("r", 0.2)
    m.constant("capacity", 1000)
    return m


def test_model_loops_and_polarity():
    loops = sd.find_loops(_logistic())
    assert [(lp.name, lp.variables) for lp in loops] == [
        ("R1", ("Population", "births")),
        ("B1", ("Population", "deaths")),
        ("B2", ("Population", "crowding", "deaths")),
    ]
    # r*P*(1-P/K): d/dP = r(1 - 2P/K) changes sign at P = K/2 along the run: unknown
    (loop,) = sd.find_loops(_logistic(single_flow=True))
    assert loop.polarity == "unknown"
    cld = sd.to_cld(_logistic())
    assert cld.kind("Population") == "stock" and "r" not in [v.lower() for v in cld.variables]


def test_symbolic_polarity_rules():
    from sysdyn.equations import parse
    from sysdyn.ir import GraphicalFunction
    from sysdyn.loops.polarity import symbolic_polarity

    falling = GraphicalFunction("g", (0.0, 1.0, 2.0), (1.0, 0.6, 0.2))
    assert symbolic_polarity(parse("g(x) * 3"), "x", tables={"g": falling}) == -1
    assert symbolic_polarity(parse("MIN(x, 5) - y / 2"), "y") == -1
    assert symbolic_polarity(parse("k / x"), "x", {"k": 1}) == -1
    assert symbolic_polarity(parse("x ^ 3"), "x") == 1
    assert symbolic_polarity(parse("SMTH1(x, 4)"), "x") == 1
    assert symbolic_polarity(parse("SIN(x)"), "x") is None


@pytest.mark.parametrize("name", list(archetypes.ARCHETYPES))
def test_each_archetype_in_its_own_diagram(name):
    factory = archetypes.ARCHETYPES[name][0]
    found = [m.name for m in factory().archetypes()]
    assert name in found


@pytest.mark.parametrize("name", list(archetypes.ARCHETYPES))
def test_each_archetype_in_a_larger_diagram(name):
    small = archetypes.ARCHETYPES[name][0]()
    big = sd.CausalLoopDiagram("big", [(lk.source, lk.target, lk.sign, lk.delay) for lk in small.links])
    # lengthen one link into a chain, and hang an extra reinforcing loop and a side branch on the diagram
    first = big.links[0]
    big.remove_link(first.source, first.target)
    big.link(first.source, "Middle step", first.sign, first.delay)
    big.link("Middle step", first.target, "+")
    anchor = small.variables[1]
    big.link(anchor, "Morale", "+")
    big.link("Morale", "Word of mouth", "+")
    big.link("Word of mouth", anchor, "+")
    big.link("Word of mouth", "Budget", "-")
    found = big.archetypes()
    assert name in [m.name for m in found]
    match = next(m for m in found if m.name == name)
    assert match.loops and all(lp in big.loops() for lp in match.loops)


def test_no_false_matches_in_single_loop_diagrams():
    for signs in (["+", "+", "-"], ["+", "+", "+"]):
        cld = sd.CausalLoopDiagram(links=[("a", "b", signs[0]), ("b", "c", signs[1]), ("c", "a", signs[2])])
        assert cld.archetypes() == []
    escalation = archetypes.pattern("Escalation")
    assert find_matches(archetypes.eroding_goals().graph, escalation) == []
    assert "Escalation" not in [m.name for m in archetypes.eroding_goals().archetypes()]
