"""Network models written as plain XMILE arrays: write -> read -> run gives the network model's run.

:mod:`sysdyn.xmile.network_export` turns each network dimension into an
ordinary dimension with a dense adjacency matrix and each network operator
into array builtins; the arrayed model read back must run as the network
model does (to 1e-12 with fixed steps: only the order of the additions in a
sum differs).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import networkx as nx
import numpy as np
import pytest

import sysdyn as sd
from sysdyn.xmile import XmileError, read_xmile, write_xmile
from sysdyn.xmile.network_export import MAX_NODES, arrays_definition, element_names
from sysdyn.xmile.writer import XMILE_NAMESPACE

NS = f"{{{XMILE_NAMESPACE}}}"


def _same_run(model: sd.Model, method: str = "euler", tol: float = 1e-12, **options) -> sd.Model:
    """Write ``model``, read it back, and check that every variable of ``model`` runs the same."""
    back = read_xmile(write_xmile(model))
    first, again = model.run(method=method, **options), back.run(method=method, **options)
    np.testing.assert_array_equal(first.time, again.time)
    for v in model.definition.variables:
        np.testing.assert_allclose(again[v.name], first[v.name], rtol=tol, atol=tol, err_msg=v.name)
    return back


def _equations(text: str) -> list[str]:
    return [e.text for e in ET.fromstring(text.encode()).iter(f"{NS}eqn")]


def _undirected() -> nx.Graph:
    G = nx.Graph()
    G.add_nodes_from(range(6))  # node 5 is isolated
    G.add_weighted_edges_from([(0, 1, 0.5), (1, 2, 2.0), (2, 3, 1.5), (3, 0, 1.0), (1, 3, 0.25), (4, 2, 3.0)])
    return G


def _directed() -> nx.DiGraph:
    G = nx.DiGraph()
    G.add_nodes_from(range(6))  # 5 is isolated; 4 has no predecessors, 0 ... see edges
    G.add_weighted_edges_from([(0, 1, 0.5), (1, 2, 2.0), (2, 0, 1.5), (2, 3, 1.0), (4, 2, 3.0), (3, 1, 0.75)])
    return G


def _model(
    G: nx.Graph, flow: str, extra: dict[str, str] | None = None, weight: str | None = "weight"
) -> sd.Model:
    m = sd.Model("Network", stop=3, dt=0.25, method="euler", time_units="weeks")
    m.network("team", G, weight=weight)
    m.stock(
        "K[team]", initial=[3.0, -1.0, 4.0, 1.5, 0.0, 2.0][: G.number_of_nodes()], inflows=["Change[team]"]
    )
    m.flow("Change[team]", flow)
    for name, equation in (extra or {}).items():
        m.aux(name, equation)
    return m


OPERATORS = ["NEIGHBOR_SUM", "NEIGHBOR_MEAN", "NEIGHBOR_MAX", "NEIGHBOR_MIN", "DIFFUSION"]
GRAPHS = {"undirected": _undirected, "directed": _directed}


@pytest.mark.parametrize("graph", GRAPHS)
@pytest.mark.parametrize("prefix", ["", "OUT_", "IN_"])
@pytest.mark.parametrize("op", OPERATORS)
@pytest.mark.parametrize("method", ["euler", "rk4"])
def test_each_operator_runs_the_same_written_as_arrays(graph, prefix, op, method):
    m = _model(GRAPHS[graph](), f"0.1 * {prefix}{op}(K) - 0.05 * K", {"Seen[team]": f"{prefix}{op}(K * K)"})
    _same_run(m, method)


@pytest.mark.parametrize("graph", GRAPHS)
@pytest.mark.parametrize("prefix", ["", "OUT_", "IN_"])
def test_degree_counts_edges_not_weights(graph, prefix):
    m = _model(
        GRAPHS[graph](), f"0.1 * {prefix}DEGREE(team) - 0.05 * K", {"D[team]": f"{prefix}DEGREE(team)"}
    )
    back = _same_run(m, "rk4")
    G = GRAPHS[graph]()
    expected = dict(
        G.degree() if not G.is_directed() else G.in_degree() if prefix == "IN_" else G.out_degree()
    )
    assert back.run()["D"][0].tolist() == [expected[n] for n in range(6)]


def test_isolated_nodes_get_zero_for_mean_max_and_min():
    m = _model(
        _directed(), "0", {f"{op}[team]": f"IN_NEIGHBOR_{op}(K + 10)" for op in ("MEAN", "MAX", "MIN")}
    )
    back = _same_run(m)
    res = back.run()
    for op in ("MEAN", "MAX", "MIN"):
        assert res[op][0][4] == 0 and res[op][0][5] == 0  # no predecessors: 4 and 5
    assert res["MAX"][0][2] == 10.0 and res["MIN"][0][2] == 9.0  # 2 hears from 1 (K = -1) and 4 (K = 0)


@pytest.mark.parametrize(
    "equation",
    [
        "NEIGHBOR_SUM(MAX(K - OWN(K), 0))",
        "IN_NEIGHBOR_SUM(K * OWN(K) - 1)",
        "NEIGHBOR_MEAN(EXP(-ABS(K - OWN(K))))",
        "IN_NEIGHBOR_MAX(K - OWN(K))",
        "OUT_NEIGHBOR_MIN(IF K > OWN(K) THEN K ELSE -K)",
        "NEIGHBOR_SUM(rate * (K - OWN(K)))",
        "NEIGHBOR_SUM(1, team)",
        "NEIGHBOR_MAX(2, team)",
        "IN_NEIGHBOR_MIN(3 * OWN(K))",
        "DIFFUSION(EXP(-K) + MAX(K, 1))",
        "NEIGHBOR_MEAN(OWN(K))",
    ],
)
@pytest.mark.parametrize("graph", GRAPHS)
def test_own_and_functions_inside_the_argument(equation, graph):
    m = _model(GRAPHS[graph](), f"0.05 * {equation}", {"rate": "0.5", "Same[team]": equation})
    _same_run(m, "rk4")


def test_unweighted_network_needs_no_links_matrix_and_weighted_one_does():
    plain = arrays_definition(_model(_undirected(), "NEIGHBOR_MAX(K)", weight=None).definition)
    assert [v.name for v in plain.variables if "links" in v.name] == []
    weighted = arrays_definition(_model(_undirected(), "NEIGHBOR_MAX(K)").definition)
    assert [v.name for v in weighted.variables if "links" in v.name] == ["team links"]


def test_in_operators_of_a_directed_network_use_the_transposed_matrix():
    plain = arrays_definition(_model(_directed(), "IN_NEIGHBOR_SUM(K) + NEIGHBOR_SUM(K)").definition)
    matrices = {v.name: dict(v.element_equations) for v in plain.variables if "adjacency" in v.name}
    assert set(matrices) == {"team adjacency", "team in adjacency"}
    assert matrices["team adjacency"][("n4", "n2")] == "3" and matrices["team adjacency"][("n2", "n4")] == "0"
    assert (
        matrices["team in adjacency"][("n2", "n4")] == "3"
        and matrices["team in adjacency"][("n4", "n2")] == "0"
    )


def test_node_data_becomes_constants():
    G = _undirected()
    for node in G:
        G.nodes[node]["skill"] = 1.5 * node - 2
    m = sd.Model("Data", stop=2, dt=0.5, method="euler")
    m.network("team", G, node_attributes={"skill": [1.5 * n - 2 for n in G], "boost": [n * n for n in G]})
    m.constant("skill[team]", "NODE_DATA(team)")
    m.aux("boost[team]", "2 * NODE_DATA(team) + skill")
    m.stock("K[team]", initial={0: 4, 3: -2}, inflows=["Change[team]"])
    m.flow("Change[team]", "NEIGHBOR_MEAN(skill * K) - boost / 10")
    back = _same_run(m, "rk4")
    skill = next(v for v in back.definition.variables if v.name == "skill")
    assert skill.element_equations[0] == (("n0",), "-2") and not skill.equation
    assert not [e for e in _equations(write_xmile(m)) if "NODE_DATA" in e]


@pytest.mark.parametrize(
    "nodes, expected",
    [
        ([0, 1, 2, 3], ("n0", "n1", "n2", "n3")),
        (["ann smith", "bo", "cy-d", "team"], ("ann_smith", "bo", "cy_d", "team_2")),
        ([(0, 0), (0, 1), (1, 0), (1, 1)], ("n0_0", "n0_1", "n1_0", "n1_1")),
        ([5, "n5", -5, "5a"], ("n5", "n5_2", "n5_3", "n5a")),
    ],
)
def test_node_labels_become_valid_distinct_element_names(nodes, expected):
    G = nx.cycle_graph(nodes)
    G.add_edge(nodes[0], nodes[2])
    m = sd.Model("Labels", stop=2, dt=0.5, method="euler")
    m.network("team", G)
    m.stock("K[team]", initial=[1.0, 2.0, 5.0, -1.0], inflows=["Change[team]"])
    m.flow("Change[team]", "0.2 * DIFFUSION(K) + 0.1 * NEIGHBOR_MAX(K)")
    back = _same_run(m, "rk4")
    assert back.definition.dimensions[0].elements == expected
    assert back.definition.dimensions[1].elements == expected


@pytest.mark.parametrize(
    "nodes, equation, first, written",
    [
        ([10, 20, 30], "DIFFUSION(K) + K[20] - K[30]", "K[10]", ["K[n20] - K[n30]", "<eqn>K[n10]</eqn>"]),
        (
            ["ann smith", "bo", "cy"],
            "K[bo] - K[ann_smith]",
            "K[cy]",
            ["K[bo] - K[ann_smith]", "<eqn>K[cy]</eqn>"],
        ),
    ],
)
def test_references_to_one_node_follow_the_renamed_elements(nodes, equation, first, written):
    """A whole number is the node with that label when all labels are integers (XMILE: the n-th element)."""
    m = sd.Model("One node", stop=2, dt=0.5, method="euler")
    m.network("team", nx.path_graph(nodes))
    m.stock("K[team]", initial=[1.0, 2.0, 3.0], inflows=["Change[team]"])
    m.flow("Change[team]", equation)
    m.aux("first", first)
    text = write_xmile(m)
    assert all(w in text for w in written)
    _same_run(m)


def test_a_network_over_two_dimensions():
    m = sd.Model("Skills", stop=2, dt=0.25, method="euler")
    m.network("team", _undirected())
    m.dimension("area", ["code", "design"])
    m.constant("start[team, area]", "team * area - 3")
    m.stock("K[team, area]", "start", inflows=["Change[team, area]"])
    m.flow("Change[team, area]", "0.1 * NEIGHBOR_SUM(MAX(K - OWN(K), 0)) + 0.05 * DIFFUSION(K)")
    m.aux("Best[team, area]", "NEIGHBOR_MAX(K)")
    _same_run(m, "rk4")


def test_knowledge_diffusion_round_trips():
    m = sd.models.load("knowledge_diffusion")
    _same_run(m, "euler", tol=1e-12)
    _same_run(m, "rk4", tol=1e-12)
    _same_run(m, "RK45", tol=1e-10, rtol=1e-12, atol=1e-12)


def test_the_written_file_is_standard_xmile_1_0():
    """The checks of tests/test_models.py::test_xmile_file_is_standard_xmile_1_0, on the library model."""
    m = sd.models.load("knowledge_diffusion")
    text = write_xmile(m)
    root = ET.fromstring(text.encode())
    assert root.tag == f"{NS}xmile" and root.get("version") == "1.0"
    header = root.find(f"{NS}header")
    for tag in ("name", "vendor", "product"):
        assert header.find(f"{NS}{tag}").text.strip()
    specs = root.find(f"{NS}sim_specs")
    assert specs.get("time_units")
    assert {c.tag.removeprefix(NS) for c in specs} == {"start", "stop", "dt"}
    dims = {
        d.get("name"): [e.get("name") for e in d.findall(f"{NS}elem")] for d in root.find(f"{NS}dimensions")
    }
    assert set(dims) == {"team", "team peer"} and dims["team"] == dims["team peer"]
    assert all(name.isidentifier() for name in dims["team"])
    variables = root.find(f"{NS}model/{NS}variables")
    names = set()
    original = {v.name for v in m.definition.variables}
    for element in variables:
        assert element.tag.removeprefix(NS) in ("stock", "flow", "aux")
        eqns = [element.find(f"{NS}eqn")] if element.find(f"{NS}eqn") is not None else []
        eqns += [e.find(f"{NS}eqn") for e in element.findall(f"{NS}element")]
        assert eqns and all(e.text and e.text.strip() for e in eqns), element.get("name")
        assert element.find(f"{NS}doc").text.strip()
        if element.get("name") in original or "peer" in element.get("name"):
            assert element.find(f"{NS}units").text.strip(), element.get("name")
        names.add(element.get("name").replace(" ", "_"))
    for stock in variables.findall(f"{NS}stock"):
        for link in [*stock.findall(f"{NS}inflow"), *stock.findall(f"{NS}outflow")]:
            assert link.text.strip('"') in names
    for word in ("NEIGHBOR", "DIFFUSION", "DEGREE", "NODE_DATA", "OWN("):
        assert not [e for e in _equations(text) if word in e]
    assert "<!-- Written by sysdyn from a model with the network dimension(s) 'team'" in text
    assert "written as an ordinary dimension with a dense adjacency matrix" in text


def test_too_many_nodes_is_an_error_that_says_why():
    m = sd.Model("Big", stop=1)
    m.network("crowd", nx.empty_graph(MAX_NODES + 1))
    m.aux("d[crowd]", "DEGREE(crowd)")
    expected = r"501 nodes.*dense 501 x 501 adjacency matrix.*keep this model in Python"
    with pytest.raises(XmileError, match=expected):
        write_xmile(m)
    with pytest.raises(XmileError, match="the limit is 3 nodes"):
        arrays_definition(_model(_undirected(), "DIFFUSION(K)").definition, max_nodes=3)


def test_a_network_that_changes_during_the_run_is_an_error():
    m = sd.Model("Changes", stop=4)
    m.network("team", nx.path_graph(3), changes=[(2, nx.complete_graph(3))])
    m.aux("d[team]", "DEGREE(team)")
    with pytest.raises(XmileError, match=r"`team` changes during the run \(at time 2\)"):
        write_xmile(m)


def test_one_graph_per_run_is_an_error():
    from sysdyn.network.changes import over_graphs

    m = sd.Model("Ensemble", stop=4)
    m.network("team", nx.empty_graph(3))
    m.aux("d[team]", "DEGREE(team)")
    many = over_graphs(m, "team", [nx.path_graph(3), nx.complete_graph(3)])
    with pytest.raises(XmileError, match="holds 2 graphs, one per run"):
        write_xmile(many)


@pytest.mark.parametrize(
    "equation, message",
    [
        ("NEIGHBOR_SUM(NEIGHBOR_SUM(K))", "NEIGHBOR_SUM inside the argument of NEIGHBOR_SUM"),
        ("NEIGHBOR_SUM(K * team)", "used as a number inside a network operator"),
    ],
)
def test_what_arrays_cannot_say_is_an_error(equation, message):
    m = _model(_undirected(), equation)
    m.run()  # sysdyn runs it
    with pytest.raises(XmileError, match=message):
        write_xmile(m)


def test_element_names_examples():
    assert element_names((1, "1", " ", "")) == ("n1", "n1_2", "node", "node_2")


def test_an_operator_outside_an_equation_over_its_network_is_an_error():
    m = _model(_undirected(), "0", {"total": "SUM(NEIGHBOR_SUM(K))"})
    assert m.run()["total"][0] == pytest.approx(
        3.0 * (0.5 + 1.0) - 1.0 * (0.5 + 2.0 + 0.25) + 4.0 * 6.5 + 1.5 * 2.75
    )
    with pytest.raises(
        XmileError, match=r"in `total`.*NEIGHBOR_SUM over `team` is in an equation that is not over"
    ):
        write_xmile(m)


def test_a_definition_is_written_too_and_the_file_read_back_writes_again():
    m = _model(_directed(), "0.1 * IN_NEIGHBOR_MEAN(K) - 0.05 * K")
    assert write_xmile(m.definition) == write_xmile(m)
    back = read_xmile(write_xmile(m))
    again = read_xmile(write_xmile(back))
    np.testing.assert_array_equal(again.run()["K"], back.run()["K"])
    assert "Written by sysdyn from a model with the network" not in write_xmile(back)


def test_a_model_without_networks_is_left_alone():
    m = sd.Model("Plain", stop=1)
    m.constant("k", 2)
    definition = m.definition
    assert arrays_definition(definition) is definition
