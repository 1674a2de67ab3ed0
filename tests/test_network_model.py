"""Networks as dimensions of stock-and-flow models: operators, scenarios, ensembles, pictures.

Operators are checked against dense numpy computations of their definitions, the dynamics
against closed forms (Laplacian diffusion conserves the total and settles at the mean; on two
nodes the difference decays as exp(-2 w t)), and ensembles against single runs.
"""

from __future__ import annotations

import matplotlib
import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import sysdyn as sd
from sysdyn.network import NetworkError

matplotlib.use("Agg")


def knowledge_model(G, **network_options) -> sd.Model:
    """The model of issue 6: sharing from those who know more, practice and forgetting."""
    m = sd.Model("Knowledge diffusion", stop=52, dt=0.25, time_units="weeks")
    m.network("team", G, **network_options)
    m.stock(
        "Knowledge[team]",
        initial={0: 10},
        inflows=["Sharing[team]", "Practice[team]"],
        outflows=["Forgetting[team]"],
    )
    m.flow("Sharing[team]", "sharing_rate * NEIGHBOR_SUM(MAX(Knowledge - OWN(Knowledge), 0))")
    m.flow("Practice[team]", "practice_rate * Knowledge * (1 - Knowledge / ceiling)")
    m.flow("Forgetting[team]", "Knowledge / memory_time")
    m.constant("sharing rate", 0.05)
    m.constant("practice rate", 0.1)
    m.constant("ceiling", 100)
    m.constant("memory time", 26)
    return m


@pytest.fixture(scope="module")
def ws_graph():
    return nx.connected_watts_strogatz_graph(40, 4, 0.1, seed=1)


def weighted_graph(n=25, p=0.2, seed=4, directed=False):
    G = nx.gnp_random_graph(n, p, seed=seed, directed=directed)
    rng = np.random.default_rng(seed)
    for u, v in G.edges:
        G.edges[u, v]["weight"] = float(rng.uniform(0.5, 2.0))
    return G


def values_model(G, x, equations: dict[str, str]) -> sd.Model:
    """Auxiliaries over a network computed from the per-node constant x."""
    m = sd.Model("operators", stop=1, dt=1)
    m.network("net", G)
    m.constant("x[net]", x)
    for name, eq in equations.items():
        m.aux(f"{name}[net]", eq)
    return m


# -- the issue's snippet ------------------------------------------------------------------------
def test_issue_snippet_runs_with_every_solver_and_draws(ws_graph):
    m = knowledge_model(ws_graph)
    res = m.run()
    assert res["Knowledge"].shape == (209, 40)
    k = res["Knowledge"]
    assert k[0, 0] == 10 and np.all(k[0, 1:] == 0)
    assert np.all(np.diff(k.sum(axis=1)) > 0)  # knowledge spreads and grows
    for method in ("rk4", "RK23", "Radau"):  # Euler at this dt is 10% off on the spreading front
        np.testing.assert_allclose(m.run(method=method)["Knowledge"][-1], k[-1], rtol=2e-3, atol=1e-3)
    fig = res.plot_network("Knowledge", times=[0, 10, 52])
    assert [ax.get_title() for ax in fig.axes[:3]] == ["t = 0 weeks", "t = 10 weeks", "t = 52 weeks"]
    anim = res.animate_network("Knowledge", frames=4)
    assert "<script" in anim._repr_html_()
    assert len(res.plot_nodes("Knowledge", nodes=[0]).get_lines()) == 2


# -- operators against their definitions ---------------------------------------------------------
def test_neighbour_operators_equal_dense_computations():
    G = weighted_graph()
    G.add_node(25)
    n = G.number_of_nodes()
    A = nx.to_numpy_array(G, weight="weight")
    x = np.random.default_rng(1).normal(size=n)
    m = values_model(
        G,
        x,
        {
            "sum": "NEIGHBOR_SUM(x)",
            "mean": "NEIGHBOUR_MEAN(x)",
            "max": "NEIGHBOR_MAX(x)",
            "min": "NEIGHBOR_MIN(x)",
            "lap": "DIFFUSION(x)",
            "deg": "DEGREE(net)",
            "strength": "NEIGHBOR_SUM(1, net)",
            "gain": "NEIGHBOR_SUM(MAX(x - OWN(x), 0))",
            "edge mean": "NEIGHBOR_MEAN(x * OWN(x))",
            "edge max": "NEIGHBOR_MAX(x - OWN(x))",
            "two hops": "NEIGHBOR_SUM(NEIGHBOR_SUM(x))",
        },
    )
    res = m.run(method="euler")
    first = {name: res[name][0] for name in res.names}
    linked = A > 0
    strength = A.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        masked = np.where(linked, x[None, :], np.nan)
        masked[~linked.any(1)] = 0.0  # no neighbours: 0 (and no all-NaN warning)
        diff = x[None, :] - x[:, None]
        expected = {
            "sum": A @ x,
            "mean": np.where(strength > 0, (A @ x) / strength, 0.0),
            "max": np.where(linked.any(1), np.nanmax(masked, axis=1), 0.0),
            "min": np.where(linked.any(1), np.nanmin(masked, axis=1), 0.0),
            "lap": A @ x - strength * x,
            "deg": linked.sum(axis=1),
            "strength": strength,
            "gain": (A * np.maximum(diff, 0)).sum(axis=1),
            "edge mean": np.where(strength > 0, (A * (x[None, :] * x[:, None])).sum(1) / strength, 0),
            "edge max": np.where(linked.any(1), np.nanmax(np.where(linked, diff, -np.inf), axis=1), 0.0),
            "two hops": A @ (A @ x),
        }
    assert not linked[-1].any()  # an isolated node: 0 for means and extremes over no neighbours
    for name, want in expected.items():
        np.testing.assert_allclose(first[name], want, rtol=1e-12, atol=1e-12, err_msg=name)


def test_directed_in_and_out_variants():
    G = weighted_graph(n=20, p=0.15, seed=8, directed=True)
    A = nx.to_numpy_array(G, weight="weight")
    x = np.arange(20.0) ** 0.5
    m = values_model(
        G,
        x,
        {
            "out": "OUT_NEIGHBOR_SUM(x)",
            "plain": "NEIGHBOR_SUM(x)",
            "in": "IN_NEIGHBOR_SUM(x)",
            "in mean": "IN_NEIGHBOR_MEAN(x)",
            "in deg": "IN_DEGREE(net)",
            "out deg": "OUT_DEGREE(net)",
            "in lap": "IN_DIFFUSION(x)",
            "in gain": "IN_NEIGHBOR_SUM(MAX(x - OWN(x), 0))",
        },
    )
    res = m.run(method="euler")
    s_in = A.sum(axis=0)
    np.testing.assert_allclose(res["out"][0], A @ x, rtol=1e-12)
    np.testing.assert_allclose(res["plain"][0], A @ x, rtol=1e-12)
    np.testing.assert_allclose(res["in"][0], A.T @ x, rtol=1e-12)
    np.testing.assert_allclose(
        res["in mean"][0], np.where(s_in > 0, A.T @ x / np.where(s_in > 0, s_in, 1), 0)
    )
    np.testing.assert_array_equal(res["in deg"][0], (A > 0).sum(axis=0))
    np.testing.assert_array_equal(res["out deg"][0], (A > 0).sum(axis=1))
    np.testing.assert_allclose(res["in lap"][0], A.T @ x - s_in * x, rtol=1e-12, atol=1e-12)
    gain = (A.T * np.maximum(x[None, :] - x[:, None], 0)).sum(axis=1)
    np.testing.assert_allclose(res["in gain"][0], gain, rtol=1e-12)


def test_operator_along_one_of_two_dimensions():
    G = weighted_graph(n=12, seed=2)
    A = nx.to_numpy_array(G, weight="weight")
    m = sd.Model("grid", stop=1, dt=1)
    m.network("net", G)
    m.dimension("skill", ["coding", "coaching", "design"])
    m.constant("base[net]", np.arange(12.0))
    m.constant("w[skill]", [1, 10, 100])
    m.aux("k[skill, net]", "base * w")
    m.aux("shared[skill, net]", "NEIGHBOR_SUM(k) + DEGREE(net)")
    m.aux("total", "SUM(NEIGHBOR_SUM(base[*]))")
    res = m.run(method="euler")
    k = np.outer([1, 10, 100], np.arange(12.0))
    np.testing.assert_allclose(res["shared"][0], k @ A.T + (A > 0).sum(axis=1), rtol=1e-12)
    assert res["total"][0] == pytest.approx((A @ np.arange(12.0)).sum())


# -- dynamics against closed forms -------------------------------------------------------------
def diffusion_model(G, initial, rate=1.0, stop=10.0, dt=0.05, **options) -> sd.Model:
    m = sd.Model("diffusion", stop=stop, dt=dt)
    m.network("net", G, **options)
    m.stock("K[net]", initial=initial, inflows=["Sharing[net]"])
    m.flow("Sharing[net]", "rate * DIFFUSION(K)")
    m.constant("rate", rate)
    return m


def test_laplacian_diffusion_conserves_total_and_reaches_the_mean(ws_graph):
    x0 = np.random.default_rng(3).uniform(0, 10, 40)
    res = diffusion_model(ws_graph, x0, rate=1.0, stop=400, dt=4).run(rtol=1e-10, atol=1e-10)
    totals = res["K"].sum(axis=1)
    np.testing.assert_allclose(totals, x0.sum(), rtol=1e-9)
    np.testing.assert_allclose(res["K"][-1], x0.mean(), rtol=1e-6)


@pytest.mark.parametrize("method", ["RK45", "rk4", "euler"])
def test_two_nodes_difference_decays_as_exp_minus_2wt(method):
    G = nx.Graph()
    G.add_edge("a", "b", weight=0.7)
    res = diffusion_model(G, {"a": 3.0, "b": 1.0}, stop=5, dt=0.01).run(
        method=method, **({"rtol": 1e-10, "atol": 1e-12} if method == "RK45" else {})
    )
    gap = res["K[a]"] - res["K[b]"]
    exact = 2.0 * np.exp(-2 * 0.7 * res.time)
    if method == "euler":  # the exact recurrence of Euler: gap_k = gap_0 (1 - 2 w dt)^k
        exact = 2.0 * (1 - 2 * 0.7 * 0.01) ** np.arange(len(res.time))
    # RK45 follows its tolerances; rk4 at w dt = 0.007 has a global error ~ (2 w dt)^4 / 120 per unit time
    np.testing.assert_allclose(gap, exact, rtol=1e-7 if method != "euler" else 1e-12, atol=1e-10)
    np.testing.assert_allclose(res["K[a]"] + res["K[b]"], 4.0, rtol=1e-12)


@settings(max_examples=15, deadline=None)
@given(
    n=st.integers(3, 15),
    p=st.floats(0.1, 0.9),
    seed=st.integers(0, 10_000),
    share=st.floats(0.01, 2.0),
)
def test_sharing_by_diffusion_conserves_knowledge(n, p, seed, share):
    """Total knowledge changes only by practice and forgetting (Euler: exactly, step by step)."""
    G = weighted_graph(n=n, p=p, seed=seed)
    x0 = np.random.default_rng(seed).uniform(0, 50, n)
    m = sd.Model("conserve", stop=2, dt=0.1)
    m.network("team", G)
    m.stock("K[team]", initial=x0, inflows=["Sharing[team]", "Practice[team]"], outflows=["Forgetting[team]"])
    m.flow("Sharing[team]", "share * DIFFUSION(K)")
    m.flow("Practice[team]", "0.1 * K * (1 - K / 100)")
    m.flow("Forgetting[team]", "K / 20")
    m.constant("share", share * 0.2)  # keeps Euler stable: dt * share * max strength < 2
    res = m.run(method="euler")
    total = res["K"].sum(axis=1)
    local = (res["Practice"] - res["Forgetting"]).sum(axis=1)
    np.testing.assert_allclose(np.abs(res["Sharing"].sum(axis=1)), 0, atol=1e-9 * max(1, x0.sum()))
    np.testing.assert_allclose(np.diff(total), 0.1 * local[:-1], rtol=1e-9, atol=1e-9)


# -- ensembles ------------------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["euler", "rk4"])
def test_ensemble_rows_equal_single_runs(ws_graph, method):
    m = knowledge_model(ws_graph)
    rates = [0.02, 0.05, 0.2]
    ens = m.run(method=method, params={"sharing rate": rates})
    for i, rate in enumerate(rates):
        one = m.run(method=method, params={"sharing rate": rate})
        np.testing.assert_allclose(ens["Knowledge"][i], one["Knowledge"], rtol=1e-12, atol=1e-12)


def test_graph_ensemble_rows_equal_runs_on_each_graph():
    make = lambda s: nx.connected_watts_strogatz_graph(30, 4, 0.3, seed=s)  # noqa: E731
    graphs = sd.network.random_graphs(make, 4, seed=11)
    m = knowledge_model(graphs[0])
    m.aux("Best neighbour[team]", "NEIGHBOR_MAX(Knowledge)")
    m.aux("Mean neighbour[team]", "IN_NEIGHBOR_MEAN(Knowledge)")
    m.aux("Links[team]", "DEGREE(team)")
    m = m.with_specs(stop=10)
    ens = sd.network.over_graphs(m, "team", graphs).run(
        method="euler", params={"memory time": [10, 20, 30, 40]}
    )
    assert ens.n_runs == 4
    for i, G in enumerate(graphs):
        one = sd.network.with_graph(m, "team", G).run(method="euler", params={"memory time": 10 * (i + 1)})
        for name in ("Knowledge", "Best neighbour", "Mean neighbour", "Links", "Sharing"):
            np.testing.assert_allclose(ens[name][i], one[name], rtol=1e-12, atol=1e-12, err_msg=name)
    with pytest.raises(sd.ParameterError, match="holds 4 graphs, one per run"):
        sd.network.over_graphs(m, "team", graphs).run(params={"memory time": [1.0, 2.0]})
    assert ens.run(2).plot_network("Knowledge") is not None


def test_run_over_graphs_vectorises_graphs_of_the_same_nodes():
    m = diffusion_model(nx.empty_graph(20), {0: 1.0}, stop=3, dt=0.5)
    same = sd.network.random_graphs(lambda s: nx.gnp_random_graph(20, 0.3, seed=s), 5, seed=2)
    res = sd.network.run_over_graphs(m, "net", same, method="euler")
    assert res["K"].shape == (5, 7, 20)
    sizes = [nx.path_graph(n) for n in (5, 8)]
    apart = sd.network.run_over_graphs(m, "net", sizes, method="euler")
    assert [r["K"].shape for r in apart] == [(7, 5), (7, 8)]


# -- network changes as scenarios -----------------------------------------------------------------
def test_removing_a_node_changes_the_dimension(ws_graph):
    m = knowledge_model(ws_graph)
    m.constant("seniority[team]", {n: 1.0 + n for n in ws_graph})
    smaller = sd.network.remove_nodes(m, "team", [5, 7])
    dim = smaller.definition.dimension("team")
    assert dim.size == 38 and "5" not in dim.elements
    H = ws_graph.copy()
    H.remove_nodes_from([5, 7])
    assert dim.adjacency.n_edges == H.number_of_edges()
    res = smaller.run(method="euler")
    assert res["Knowledge"].shape == (209, 38)
    np.testing.assert_array_equal(res["seniority"][0], [1.0 + n for n in ws_graph if n not in (5, 7)])
    assert m.definition.dimension("team").size == 40  # the original is untouched


def test_an_expert_leaving_mid_run_stops_their_sharing():
    G = nx.star_graph(4)  # node 0 is the expert in the middle
    m = diffusion_model(G, {0: 10.0}, stop=4, dt=0.25)
    for method in ("euler", "RK45"):
        res = sd.network.remove_nodes(m, "net", [0], at=2.0).run(method=method)
        after = res.time >= 2.0
        np.testing.assert_allclose(res["K"][after], res["K"][after][:1].repeat(after.sum(), 0), rtol=1e-12)
        assert res["K"][after][0, 1] > 0  # they shared before leaving


def test_adding_removing_and_rewiring_edges():
    m = diffusion_model(nx.path_graph(4), {0: 8.0}, stop=1)
    added = sd.network.add_edges(m, "net", [(0, 3, 2.0)])
    mat = added.definition.dimension("net").adjacency.matrix.toarray()
    assert mat[0, 3] == mat[3, 0] == 2.0
    mentoring = sd.network.add_edges(m, "net", [(0, 3)], at=0.5).run(method="euler")
    assert mentoring["K[3]"][2] == 0 and mentoring["K[3]"][-1] > 0
    fewer = sd.network.remove_edges(m, "net", [(2, 1)]).definition.dimension("net").adjacency
    assert fewer.n_edges == 2 and fewer.matrix[1, 2] == 0
    with pytest.raises(NetworkError, match=r"\(0, 2\) is not an edge"):
        sd.network.remove_edges(m, "net", [(0, 2)])
    ring = diffusion_model(nx.cycle_graph(50), {0: 1.0})
    rewired = sd.network.rewire(ring, "net", 0.3, seed=5).definition.dimension("net").adjacency
    assert rewired.n_edges == 50 and rewired.matrix.diagonal().sum() == 0
    assert (rewired.matrix != ring.definition.dimension("net").adjacency.matrix).nnz > 0


def test_graph_changing_at_given_times_switches_the_operator():
    G0, G1 = nx.path_graph(3), nx.empty_graph(3)
    m = diffusion_model(G0, {0: 6.0}, stop=6, dt=0.5, changes=[(2.0, G1), (4.0, G0)])
    for method in ("euler", "rk4", "RK45"):
        res = m.run(method=method)
        k = res["K"]
        # the step that ends at a switch: rk4's last stage already sees the new graph (as STEP does)
        frozen = (res.time >= 2.0) & (res.time <= (4.0 if method != "rk4" else 3.5))
        np.testing.assert_allclose(
            k[frozen], k[frozen][:1].repeat(frozen.sum(), 0), rtol=1e-12, err_msg=method
        )
        assert k[-1, 2] > k[frozen][0, 2]
    degree = diffusion_model(G0, {0: 1.0}, stop=6, changes=[(2.0, G1)])
    degree.aux("links[net]", "DEGREE(net)")
    links = degree.run(method="euler")["links"]
    assert links[0].tolist() == [1, 2, 1] and links[-1].tolist() == [0, 0, 0]


# -- building networks ----------------------------------------------------------------------------
def test_networks_from_sparse_matrices_and_edge_arrays_with_labels():
    labels = [("lab", 1), ("lab", 2), "office", 7]
    src, dst, w = np.array([0, 1, 2]), np.array([1, 2, 3]), np.array([1.0, 2.0, 3.0])
    mat = sp.coo_matrix((w, (src, dst)), shape=(4, 4)).tocsr()
    x = [1.0, 2.0, 3.0, 4.0]
    for graph, options in (
        (mat + mat.T, {"nodes": labels}),
        ((src, dst, w), {"directed": False}),
        (
            (np.array(labels, dtype=object)[src], np.array(labels, dtype=object)[dst], w),
            {"nodes": labels, "directed": False},
        ),
    ):
        m = sd.Model("m", stop=1, dt=1)
        dim = m.network("net", graph, **options)
        assert dim.nodes == (tuple(labels) if "nodes" in options else (0, 1, 2, 3)) and not dim.directed
        m.constant("x[net]", x)
        m.aux("s[net]", "NEIGHBOR_SUM(x)")
        np.testing.assert_allclose(m.run(method="euler")["s"][0], [2.0, 1 + 6, 4 + 12, 9])


def test_named_edge_weights_node_attributes_and_integer_subscripts():
    G = nx.Graph()
    G.add_edge(10, 20, trust=0.5, weight=9)
    G.add_edge(20, 30, trust=2.0, weight=9)
    for n, e in zip(G, [1.0, 2.0, 4.0], strict=True):
        G.nodes[n]["expertise"] = e
    m = sd.Model("m", stop=1, dt=1)
    m.network("team", G, weight="trust", node_attributes=["expertise"])
    m.aux("heard[team]", "NEIGHBOR_SUM(expertise)")
    m.aux("first", "expertise[10] + expertise[30]")  # integer nodes: x[10] is node 10
    res = m.run(method="euler")
    np.testing.assert_allclose(res["heard"][0], [1.0, 0.5 + 8.0, 4.0])
    assert res["first"][0] == 5.0 and res["expertise[20]"][0] == 2.0
    # node attributes are constants, so parameters of ensembles
    ens = m.run(method="euler", params={"expertise": [[1, 1, 1], [0, 1, 0]]})
    np.testing.assert_allclose(ens["heard"][:, 0], [[0.5, 2.5, 2.0], [0.5, 0.0, 2.0]])


def test_definitions_stay_hashable_equal_and_keep_the_network(ws_graph):
    a, b = knowledge_model(ws_graph), knowledge_model(ws_graph)
    assert a.definition == b.definition and hash(a.definition) == hash(b.definition)
    again = sd.Model.from_definition(a.definition)
    assert again.definition == a.definition
    assert again.definition.dimension("team").adjacency.n_edges == ws_graph.number_of_edges()
    np.testing.assert_array_equal(again.run(method="euler")["Knowledge"], a.run(method="euler")["Knowledge"])
    changed = sd.network.add_edges(a, "team", [(0, 20)])
    assert changed.definition != a.definition
    with pytest.raises(AttributeError):
        a.definition.dimension("team").adjacency = None


# -- errors ---------------------------------------------------------------------------------------
def test_unknown_network_name():
    m = diffusion_model(nx.path_graph(3), {0: 1.0})
    with pytest.raises(sd.DimensionError, match="no network called `nte`; did you mean `net`"):
        sd.network.remove_nodes(m, "nte", [0])
    with pytest.raises(sd.DimensionError, match="unknown dimension `nte`; did you mean `net`"):
        m.stock("Q[nte]", initial=1)
        m.compile()


def test_operator_over_an_ordinary_dimension():
    m = sd.Model("m", stop=1)
    m.dimension("skill", ["a", "b"])
    m.constant("x[skill]", [1, 2])
    m.aux("y[skill]", "NEIGHBOR_SUM(x)")
    with pytest.raises(
        sd.DimensionError, match="NEIGHBOR_SUM works over a network dimension, but `skill` is an"
    ):
        m.compile()
    with pytest.raises(sd.DimensionError, match="`skill` is an ordinary dimension, not a network"):
        sd.network.rewire(m, "skill", 0.1)


def test_misused_operators_are_explained():
    m = diffusion_model(nx.path_graph(3), {0: 1.0})
    m.aux("bad[net]", "OWN(K)")
    with pytest.raises(
        sd.FunctionArgumentError, match=r"OWN\(x\) reads a node's own value inside a NEIGHBOR_"
    ):
        m.compile()
    m.aux("bad[net]", "NEIGHBOR_SUM(1)")
    with pytest.raises(sd.FunctionArgumentError, match=r"name the network: NEIGHBOR_SUM\(1, team\)"):
        m.compile()
    m.network("other", nx.path_graph(3))
    m.constant("z[net, other]", 1)
    m.aux("bad[net, other]", "NEIGHBOR_SUM(z)")
    with pytest.raises(sd.FunctionArgumentError, match="varies over two networks"):
        m.compile()
    m.aux("bad[net, other]", "NEIGHBOR_SUM(z, other)")
    assert m.run(method="euler")["bad"].shape == (201, 3, 3)


def test_missing_node_attribute_is_reported():
    G = nx.path_graph(4)
    G.nodes[0]["expertise"] = 1.0
    G.nodes[2]["expertise"] = 1.0
    with pytest.raises(NetworkError, match=r"'expertise' is missing on 2 of the 4 nodes of `team` \(1, 3\)"):
        sd.Model("m").network("team", G, node_attributes=["expertise"])
    with pytest.raises(sd.SysdynError, match="not a node of the network `team`"):
        m = sd.Model("m")
        m.network("team", G)
        m.stock("K[team]", initial={"nobody": 1})


def test_pictures_need_a_variable_over_a_network(ws_graph):
    res = knowledge_model(ws_graph).with_specs(stop=1).run(method="euler")
    with pytest.raises(
        sd.SysdynError, match=r"over one network dimension; `sharing rate` has dimensions \[\]"
    ):
        res.plot_network("sharing rate")
    ens = knowledge_model(ws_graph).with_specs(stop=1).run(method="euler", params={"ceiling": [50, 100]})
    fig = ens.plot_network("Knowledge", times=[1])
    assert "mean of 2 runs" in fig._suptitle.get_text()


def test_adaptive_solver_stops_exactly_at_a_graph_change_between_save_times(monkeypatch):
    """Two nodes share until the link goes at t = 2.1 (not on the dt grid): the difference decays as
    6 exp(-2t) until then and stays put after; RK45 integrates one segment before and one after."""
    import scipy.integrate

    G = nx.Graph([(0, 1)])
    m = diffusion_model(G, {0: 6.0}, stop=4, dt=0.5, changes=[(2.1, nx.empty_graph(2))])
    calls = []
    real = scipy.integrate.solve_ivp
    monkeypatch.setattr(scipy.integrate, "solve_ivp", lambda *a, **k: calls.append(a[1]) or real(*a, **k))
    res = m.run(method="RK45", rtol=1e-11, atol=1e-12)
    assert calls == [(0.0, 2.1), (2.1, 4.0)]
    k = res["K"]
    before = res.time <= 2.0
    np.testing.assert_allclose(k[before, 0] - k[before, 1], 6 * np.exp(-2 * res.time[before]), rtol=1e-8)
    frozen = 3 + 3 * np.exp(-4.2) * np.array([1.0, -1.0])
    np.testing.assert_allclose(k[res.time >= 2.5], np.tile(frozen, (4, 1)), rtol=1e-8)
