"""Tests of causal loop diagrams, loop finding, polarity and archetypes."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

import sysdyn as sd
from sysdyn.loops import (
    LinkSignError,
    LoopAnalysisError,
    LoopCountWarning,
    UnknownArchetypeError,
    UnknownLinkError,
    UnknownLoopError,
    UnknownVariableError,
    archetypes,
)
from sysdyn.loops.io import CLDFormatError
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
    links = [
        (a, b, s)
        for a, b, s, *_ in [
            (lk.source, lk.target, lk.sign) for lk in archetypes.accidental_adversaries().links
        ]
    ]
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
    with pytest.raises(UnknownVariableError, match=r"target `Trust` is not a variable.*declare it"):
        strict.link("Skill", "Trust", "+")
    assert issubclass(UnknownVariableError, sd.SysdynError)
    for bad in ("o", "positive", "", None, 2, True, "+-"):
        with pytest.raises(LinkSignError, match=r"must be '\+' or '-' \(or '\?' for unknown\), not"):
            sd.CausalLoopDiagram().link("a", "b", bad)
    with pytest.raises(LinkSignError, match=r"a -> b.*no `sign` attribute"):
        sd.CausalLoopDiagram("g", nx.DiGraph([("a", "b")]))
    with pytest.raises(UnknownLinkError, match=r"no link `b` -> `a`; its links from `b` go to `c`"):
        sd.CausalLoopDiagram(links=[("a", "b", "+"), ("b", "c", "-")]).remove_link("b", "a")
    with pytest.raises(UnknownLoopError, match=r"no loop is named 'R9'; the loops are B1"):
        _aar().loops()["R9"]
    with pytest.raises(UnknownLoopError, match=r"no loop is named 'B2'"):
        _aar().draw(highlight="B2")
    with pytest.raises(LoopAnalysisError, match=r"`length_bound` must be a positive int"):
        _aar().loops(length_bound=0)
    with pytest.raises(
        UnknownArchetypeError, match=r"no archetype is called 'Limits to growht'; did you mean"
    ):
        _aar().archetypes(names=["Limits to growht"])


def test_loop_queries_on_a_model_with_an_algebraic_loop():
    m = sd.Model("alg")
    m.stock("S", 1, inflows=["f"])
    m.flow("f", "a")
    m.aux("a", "b + S")
    m.aux("b", "a * 2")
    message = r"algebraic loop: `a` depends on itself without a stock in between: a -> b -> a\. Break"
    for query in (sd.find_loops, lambda x: x.loops(), lambda x: x.to_cld(), sd.loops.model_graph):
        with pytest.raises(sd.AlgebraicLoopError, match=message) as info:
            query(m)
        assert info.value.cycle == ["a", "b", "a"]


def test_loop_cap_warns_and_length_bound():
    complete = nx.complete_graph(7, create_using=nx.DiGraph)
    nx.set_edge_attributes(complete, "+", "sign")
    cld = sd.CausalLoopDiagram("k7", complete)
    with pytest.warns(LoopCountWarning, match=r"max_loops=50"):
        loops = cld.loops(max_loops=50)
    assert loops.capped and len(loops) == 50
    # K7 has C(7,2) = 21 two-cycles
    assert len(cld.loops(length_bound=2)) == 21


def _round_trip_cases() -> dict[str, sd.CausalLoopDiagram]:
    cases = {name: factory() for name, (factory, _) in archetypes.ARCHETYPES.items()}
    aar = _aar()
    aar.link("Mistakes", "Stress", "+", note="more errors, more stress")
    aar.variable("Stress", note="felt by the whole team")
    cases["aar"] = aar
    cases["model"] = sd.to_cld(_logistic(single_flow=True))  # '?' signs and variable kinds
    cases["odd names"] = sd.CausalLoopDiagram(
        'Ünïcode & <co> "q"',
        [
            ('Café\'s "best" & <worst>', "b → c", "+", True, "note & <x>\nsecond line"),
            ("b → c", 'Café\'s "best" & <worst>', "-"),
        ],
        doc="d & <e>",
    )
    return cases


@pytest.mark.parametrize("case", [*archetypes.ARCHETYPES, "aar", "model", "odd names"])
def test_json_and_xmile_round_trip(case, tmp_path):
    cld = _round_trip_cases()[case]
    assert sd.CausalLoopDiagram.from_json(cld.to_json()) == cld
    assert sd.CausalLoopDiagram.from_xmile(cld.to_xmile()) == cld
    for suffix, save, load in (
        (".json", cld.to_json, sd.CausalLoopDiagram.from_json),
        (".xmile", cld.to_xmile, sd.CausalLoopDiagram.from_xmile),
    ):
        path = tmp_path / f"diagram{suffix}"
        save(path)
        again = load(path)
        assert again == cld and again.loops() == cld.loops()
        assert [again.kind(v) for v in again.variables] == [cld.kind(v) for v in cld.variables]
        assert load(str(path)) == cld


def test_file_format_errors():
    with pytest.raises(sd.SysdynError, match="DOCTYPE"):
        sd.CausalLoopDiagram.from_xmile('<!DOCTYPE x [<!ENTITY a "b">]><x/>')
    with pytest.raises(CLDFormatError, match=r"no <sysdyn:cld> element"):
        sd.CausalLoopDiagram.from_xmile("<xmile><model/></xmile>")
    with pytest.raises(CLDFormatError, match=r"not well-formed XML"):
        sd.CausalLoopDiagram.from_xmile("<xmile><model></xmile>")
    with pytest.raises(CLDFormatError, match=r"not valid JSON"):
        sd.CausalLoopDiagram.from_json("{not json")
    with pytest.raises(CLDFormatError, match=r'expected "format": "sysdyn-cld"'):
        sd.CausalLoopDiagram.from_json('{"links": []}')
    with pytest.raises(CLDFormatError, match=r"a link `source`, `target` and `sign`"):
        sd.CausalLoopDiagram.from_json('{"format": "sysdyn-cld", "links": [{"source": "a"}]}')
    with pytest.raises(LinkSignError, match=r"not 'x'"):
        sd.CausalLoopDiagram.from_json(
            '{"format": "sysdyn-cld", "links": [{"source": "a", "target": "b", "sign": "x"}]}'
        )


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


def _renamed(factory, prefix: str) -> list[tuple]:
    """An archetype's links with every variable renamed (``prefix: name``)."""
    return [(f"{prefix}: {lk.source}", f"{prefix}: {lk.target}", lk.sign, lk.delay) for lk in factory().links]


def test_archetypes_found_inside_a_team_diagram():
    # two archetypes, renamed, joined by a link and set among other loops and variables
    links = [
        *_renamed(archetypes.fixes_that_fail, "bugs"),
        *_renamed(archetypes.limits_to_growth, "hiring"),
        ("hiring: Performance", "bugs: Problem symptom", "+"),
        ("bugs: Fix", "Overtime", "+"),
        ("Overtime", "Morale", "-"),
        ("Morale", "hiring: Efforts", "+"),
        ("Market", "hiring: Efforts", "+"),
        ("Morale", "Energy", "+"),
        ("Energy", "Morale", "+"),
    ]
    cld = sd.CausalLoopDiagram("Team", links)
    found = cld.archetypes()
    fixes = [m for m in found if m.name == "Fixes that Fail"]
    assert any(
        set(m.variables) == {"bugs: Problem symptom", "bugs: Fix", "bugs: Unintended consequences"}
        for m in fixes
    )
    limits = [m for m in found if m.name == "Limits to Growth"]
    assert any(
        m.roles
        == {
            "Efforts": "hiring: Efforts",
            "Performance": "hiring: Performance",
            "Slowing action": "hiring: Slowing action",
        }
        for m in limits
    )
    for m in found:
        assert m.loops and all(lp in cld.loops() for lp in m.loops)


def test_nested_archetypes_are_named_not_listed():
    burden = archetypes.shifting_the_burden()
    assert [m.name for m in burden.archetypes()] == ["Shifting the Burden"]
    nested = burden.archetypes(nested=True)
    assert [(m.name, m.part_of) for m in nested] == [
        ("Shifting the Burden", ()),
        ("Fixes that Fail", ("Shifting the Burden",)),
        ("Eroding Goals", ("Shifting the Burden",)),
    ]
    # asking for the smaller archetype alone finds it
    assert [m.name for m in burden.archetypes(names=["eroding goals"])] == ["Eroding Goals"]
    growth = archetypes.growth_and_underinvestment()
    assert [m.name for m in growth.archetypes()] == ["Growth and Underinvestment"]
    assert "Limits to Growth" in [m.name for m in growth.archetypes(nested=True)]


def test_issue_snippet(tmp_path):
    """The snippet of issue 5, line by line."""
    cld = _aar()
    assert repr(cld.loops()) == (
        "[Loop B1: Mistakes -> Mistakes reviewed -> Lessons learned -> Team capability -> Mistakes "
        "(balancing, 1 delay)]"
    )
    fig = cld.draw(path=tmp_path / "aar.png")
    assert (tmp_path / "aar.png").stat().st_size > 10_000
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts.count("||") == 1 and "B1" in texts and texts.count("+") == 3 and texts.count("\u2212") == 1
    assert cld.archetypes() == []  # one loop: no archetype
    assert [m.name for m in archetypes.limits_to_growth().archetypes()] == ["Limits to Growth"]
    m = _logistic()
    assert [lp.name for lp in m.loops()] == ["R1", "B1", "B2"]
    ltm = m.run(loop_dominance=True)
    ax = ltm.loop_scores.plot()
    assert [line.get_label() for line in ax.get_lines()] == ["R1", "B1", "B2"]
    model_cld = m.to_cld()
    assert [lp.name for lp in model_cld.loops()] == ["R1", "B1", "B2"]
    assert model_cld.kind("Population") == "stock"
    import matplotlib.pyplot as plt

    plt.close("all")


# ------------------------------------------------------------------------------------ loop titles


def test_loops_named_from_a_dict():
    loops = archetypes.fixes_that_fail().loops()
    named = loops.named({"b1": "  The   fix ", "R1": "Side effects"})
    assert [lp.label for lp in named] == ["B1 The fix", "R1 Side effects"]
    assert [lp.title for lp in named] == ["The fix", "Side effects"]
    assert named == loops and [lp.name for lp in named] == ["B1", "R1"]  # titles do not change the loops
    assert repr(named[0]) == "Loop B1 The fix: Fix -> Problem symptom -> Fix (balancing)"
    assert named["side effects"] is named["R1"] is named["r1 side effects"]
    assert [lp.title for lp in loops] == ["", ""]  # the original list is left alone
    partly = loops.named({"R1": "Side effects"})
    assert [lp.label for lp in partly] == ["B1", "R1 Side effects"]
    again = named.named({"B1": "Quick fix"})
    assert [lp.label for lp in again] == ["B1 Quick fix", "R1 Side effects"]


def test_loop_titles_errors():
    loops = archetypes.fixes_that_fail().loops()
    with pytest.raises(UnknownLoopError, match=r"no loop is named 'R7'; the loops are B1, R1"):
        loops.named({"R7": "Nowhere"})
    with pytest.raises(LoopAnalysisError, match=r"title of loop 'R1' must be a string"):
        loops.named({"R1": 3})
    with pytest.raises(LoopAnalysisError, match=r"dict of loop names to titles"):
        loops.named([("R1", "x")])
    with pytest.raises(LoopAnalysisError, match=r"no `Loops:` block"):
        loops.named("A diagram about fixes.")


def test_loops_named_from_a_documentation_block():
    cld = archetypes.fixes_that_fail()
    doc = """Fixes that fail.

    Loops:
    B1 The fix: Fix -> Problem symptom (balancing)
    - R1 Side effects: Problem symptom -> Fix -> Unintended consequences -> Problem symptom

    R9 Not read: after the blank line
    """
    named = cld.loops().named(doc)
    assert [lp.label for lp in named] == ["B1 The fix", "R1 Side effects"]
    # label only, no variables
    assert cld.loops().named("Loops: R1 Side effects")["R1"].title == "Side effects"
    wrong = "Loops:\nB1 The fix: Fix -> Unintended consequences -> Problem symptom (balancing)"
    with pytest.raises(LoopAnalysisError, match=r"the documentation says B1 is fix -> unintended"):
        cld.loops().named(wrong)
    with pytest.raises(UnknownLoopError, match=r"no loop is named 'B2'"):
        cld.loops().named("Loops:\nB2 Other: Fix -> Problem symptom (balancing)")


def test_titles_of_a_capped_list_and_of_a_library_model():
    cld = sd.CausalLoopDiagram(links=[(a, b, "+") for a in "abcdefg" for b in "abcdefg" if a != b])
    with pytest.warns(LoopCountWarning):
        loops = cld.loops(max_loops=5)
    named = loops.named({"R1": "First"})
    assert named.capped and named.message == loops.message and len(named) == 5
    m = sd.models.load("capability_trap")
    titled = m.loops().named(m.doc)
    assert titled["R2"].label == "R2 Reinvestment" and titled["Work Harder"].name == "B6"
    assert all(lp.title for lp in titled)
