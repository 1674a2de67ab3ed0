"""The library model ``knowledge_diffusion`` against closed forms.

- with ``rivalry = 1`` and no practice or forgetting, sharing is Laplacian diffusion: the team's total
  is conserved, everybody converges to the mean, and the solution is ``exp(-s L t) x0`` (a pure
  Fiedler mode decays exactly as ``exp(-s lambda_2 t)``);
- on a complete graph, both kinds of sharing have closed forms;
- a person without colleagues forgets exponentially, or (with practice) goes to 0 or to the sustained
  level depending on which side of the practice threshold they start;
- whatever the graph, sharing only moves knowledge when it is rival (Euler: exactly, step by step).
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sysdyn as sd
from sysdyn.models.knowledge_diffusion import (
    LOOPS,
    PARAMETERS,
    fiedler_value,
    knowledge_diffusion,
    practice_levels,
    team_graph,
)
from sysdyn.network import NetworkError

TIGHT = {"rtol": 1e-10, "atol": 1e-10}
#: practice and forgetting off: sharing alone
SHARING_ONLY = {"practice_rate": 0.0, "forgetting_rate": 0.0}


def weighted_team(n: int = 24, seed: int = 3) -> nx.Graph:
    G = nx.connected_watts_strogatz_graph(n, 4, 0.3, seed=seed)
    rng = np.random.default_rng(seed)
    for u, v in G.edges:
        G.edges[u, v]["weight"] = float(rng.uniform(0.5, 2.0))
    return G


def laplacian(G: nx.Graph) -> np.ndarray:
    A = nx.to_numpy_array(G, weight="weight")
    return np.diag(A.sum(axis=1)) - A


# -- the library -----------------------------------------------------------------------------------
def test_registered_in_the_library_with_its_source_and_loops():
    assert "knowledge_diffusion" in sd.models.list()
    entry = sd.models.info("Knowledge Diffusion")
    assert entry.kind == "python" and entry.returns == "sysdyn.Model"
    assert "Cowan, R., & Jonard, N. (2004)" in entry.source and "10.1016/j.jedc.2003.04.002" in entry.source
    assert entry.loops[0].startswith("catching up (B)") and len(entry.loops) == len(LOOPS)
    assert "practice threshold" in entry.doc
    m = sd.models.load("knowledge_diffusion", sharing_rate=0.1, weeks=4)
    assert isinstance(m, sd.Model) and m.definition.dimension("team").size == 30
    res = m.run()
    assert res["Knowledge"].shape == (17, 30)
    assert res.info_for("Knowledge").units == "ideas" and res.info_for("Sharing").units == "ideas/week"


def test_default_team_is_a_connected_small_world_with_one_expert():
    G = team_graph()
    assert nx.is_connected(G) and G.number_of_nodes() == 30 and G.number_of_edges() == 60
    res = knowledge_diffusion(weeks=1).run()
    start = res["Knowledge"][0]
    assert start[0] == PARAMETERS["expert_knowledge"]
    np.testing.assert_array_equal(start[1:], PARAMETERS["novice_knowledge"])
    np.testing.assert_array_equal(res["Expertise"][0], start)


def test_every_variable_is_documented_with_units():
    m = knowledge_diffusion(weeks=1)
    for v in m.definition.variables:
        assert v.doc, v.name
        assert v.units, v.name


# -- Laplacian diffusion (rivalry = 1) -------------------------------------------------------------
def test_rival_sharing_is_laplacian_diffusion_exp_minus_sLt():
    G = weighted_team()
    L = laplacian(G)
    x0 = np.random.default_rng(5).uniform(0, 50, G.number_of_nodes())
    s = 0.05
    res = knowledge_diffusion(
        G, experts=dict(enumerate(x0)), rivalry=1.0, sharing_rate=s, weeks=60, **SHARING_ONLY
    ).run(**TIGHT)
    k = res["Knowledge"]
    # conservation and convergence to the mean
    np.testing.assert_allclose(k.sum(axis=1), x0.sum(), rtol=1e-9)
    # the exact solution exp(-s L t) x0, from the eigen-decomposition of L
    lam, V = np.linalg.eigh(L)
    exact = (V * np.exp(-s * np.outer(res.time, lam))[:, None, :]) @ (V.T @ x0)
    np.testing.assert_allclose(k, exact, rtol=1e-7, atol=1e-7)
    # net sharing is s * DIFFUSION(K) at every saved time
    A = nx.to_numpy_array(G, weight="weight")
    np.testing.assert_allclose(res["Sharing"] - res["Teaching"], s * (k @ A.T - k * A.sum(axis=1)), atol=1e-9)


def test_a_fiedler_mode_decays_at_the_algebraic_connectivity():
    G = weighted_team(n=30, seed=8)
    lam2 = fiedler_value(G)
    np.testing.assert_allclose(lam2, np.sort(nx.laplacian_spectrum(G, weight="weight"))[1], rtol=1e-10)
    assert lam2 == pytest.approx(nx.algebraic_connectivity(G, weight="weight", method="lanczos"), rel=1e-6)
    fiedler = np.linalg.eigh(laplacian(G))[1][:, 1]
    x0 = 20.0 + 10.0 * fiedler / np.abs(fiedler).max()
    s = 0.1
    res = knowledge_diffusion(
        G, experts=dict(enumerate(x0)), rivalry=1.0, sharing_rate=s, weeks=40, **SHARING_ONLY
    ).run(**TIGHT)
    spread = np.linalg.norm(res["Knowledge"] - x0.mean(), axis=1)
    np.testing.assert_allclose(spread, spread[0] * np.exp(-s * lam2 * res.time), rtol=1e-7)


def test_a_random_start_converges_at_least_as_fast_as_the_fiedler_rate():
    G = weighted_team(n=20, seed=2)
    lam2, s = fiedler_value(G), 0.05
    x0 = np.random.default_rng(1).uniform(0, 10, 20)
    res = knowledge_diffusion(
        G, experts=dict(enumerate(x0)), rivalry=1.0, sharing_rate=s, weeks=400, dt=1, **SHARING_ONLY
    ).run(**TIGHT)
    spread = np.linalg.norm(res["Knowledge"] - x0.mean(), axis=1)
    assert np.all(spread <= spread[0] * np.exp(-s * lam2 * res.time) * (1 + 1e-7))
    # late, the slowest mode is all that is left: slope -s lambda_2 (the next, lambda_3 = 1.02 here
    # against lambda_2 = 0.68, has faded by exp(-s (lambda_3 - lambda_2) 300) = 0.6%)
    late = res.time > 300
    slope = np.polyfit(res.time[late], np.log(spread[late]), 1)[0]
    assert slope == pytest.approx(-s * lam2, rel=2e-3)


def test_fiedler_value_of_known_graphs_and_errors():
    assert fiedler_value(nx.complete_graph(6)) == pytest.approx(6.0)
    assert fiedler_value(nx.path_graph(5)) == pytest.approx(2 - 2 * math.cos(math.pi / 5))
    assert fiedler_value(nx.cycle_graph(8)) == pytest.approx(2 - 2 * math.cos(2 * math.pi / 8))
    assert fiedler_value(nx.disjoint_union(nx.path_graph(3), nx.path_graph(3))) == pytest.approx(0, abs=1e-12)
    assert fiedler_value(nx.empty_graph(1)) == 0.0
    with pytest.raises(NetworkError, match="undirected"):
        fiedler_value(nx.DiGraph([(0, 1)]))


# -- complete graphs ---------------------------------------------------------------------------------
@pytest.mark.parametrize("n", [2, 5, 12])
def test_complete_graph_closed_forms(n):
    G, s, K0, k0 = nx.complete_graph(n), 0.07, 60.0, 3.0
    common = {"experts": {0: K0}, "novice_knowledge": k0, "sharing_rate": s, "weeks": 30, **SHARING_ONLY}
    copied = knowledge_diffusion(G, **common).run(**TIGHT)
    # non-rival: novices all equal, each closes the gap to the expert only: K0 - (K0 - k0) exp(-s t)
    t = copied.time
    for i in range(1, n):
        np.testing.assert_allclose(copied[f"Knowledge[{i}]"], K0 - (K0 - k0) * np.exp(-s * t), rtol=1e-8)
    np.testing.assert_allclose(copied["Knowledge[0]"], K0, rtol=1e-12)
    moved = knowledge_diffusion(G, rivalry=1.0, **common).run(**TIGHT)
    # rival: every non-constant mode of the complete graph's Laplacian has eigenvalue n
    mean = (K0 + (n - 1) * k0) / n
    np.testing.assert_allclose(moved["Knowledge[0]"], mean + (K0 - mean) * np.exp(-n * s * t), rtol=1e-8)
    # partly rival: the expert loses rivalry x what the others learn
    half = knowledge_diffusion(G, rivalry=0.5, **common).run(**TIGHT)
    np.testing.assert_allclose(half["Teaching"].sum(axis=1), 0.5 * half["Sharing"].sum(axis=1), rtol=1e-9)


def test_two_people_gap_halves_with_copying_and_closes_twice_as_fast_with_moving():
    G = nx.Graph()
    G.add_edge("ann", "bo", weight=0.5)
    s = 0.2
    for rivalry, rate in ((0.0, s * 0.5), (1.0, 2 * s * 0.5)):
        res = knowledge_diffusion(
            G,
            experts={"ann": 10.0},
            novice_knowledge=0.0,
            sharing_rate=s,
            rivalry=rivalry,
            weeks=10,
            **SHARING_ONLY,
        ).run(**TIGHT)
        gap = res["Knowledge[ann]"] - res["Knowledge[bo]"]
        np.testing.assert_allclose(gap, 10.0 * np.exp(-rate * res.time), rtol=1e-8)


def test_in_a_directed_team_knowledge_flows_along_the_edges():
    G = nx.DiGraph([("ann", "bo"), ("bo", "cy")])  # ann teaches bo, bo teaches cy
    G.edges["bo", "cy"]["weight"] = 2.0
    s = 0.1
    res = knowledge_diffusion(
        G, experts={"bo": 50.0}, novice_knowledge=0.0, sharing_rate=s, rivalry=1.0, weeks=10, **SHARING_ONLY
    ).run(**TIGHT)
    np.testing.assert_array_equal(res["Knowledge[ann]"], 0.0)  # upstream of the expert: learns nothing
    # bo only teaches cy (weight 2): with rivalry the gap closes at 2 * s * 2, the total stays 50
    gap = res["Knowledge[bo]"] - res["Knowledge[cy]"]
    np.testing.assert_allclose(gap, 50.0 * np.exp(-2 * 2 * s * res.time), rtol=1e-8)
    np.testing.assert_allclose(res["Team knowledge"], 50.0, rtol=1e-10)
    assert res["Best neighbour"][0].tolist() == [0.0, 0.0, 50.0]  # the most one's teachers know


# -- a person alone ----------------------------------------------------------------------------------
def test_an_isolated_person_forgets_exponentially():
    G = nx.path_graph(3)
    G.add_node("hermit")
    f = 0.03
    res = knowledge_diffusion(
        G, experts={"hermit": 50.0, 0: 80.0}, practice_rate=0.0, forgetting_rate=f, weeks=52
    ).run(**TIGHT)
    np.testing.assert_allclose(res["Knowledge[hermit]"], 50.0 * np.exp(-f * res.time), rtol=1e-8)
    assert res["Best neighbour[hermit]"][0] == 0.0 and res["Sharing[hermit]"].max() == 0.0


def test_practice_threshold_separates_forgetting_from_mastery():
    p, f, c = 0.2, 0.02, 100.0
    low, high = practice_levels(p, f, c)
    assert (low, high) == pytest.approx((c * (1 - math.sqrt(0.6)) / 2, c * (1 + math.sqrt(0.6)) / 2))
    # at both levels practice exactly balances forgetting
    for k in (low, high):
        assert p * k * (k / c) * (1 - k / c) == pytest.approx(f * k)
    people = nx.empty_graph(4)
    starts = {0: low - 0.5, 1: low + 0.5, 2: 99.0, 3: 0.0}
    res = knowledge_diffusion(
        people, experts=starts, practice_rate=p, forgetting_rate=f, ceiling=c, weeks=600
    ).run(**TIGHT)
    final = res["Knowledge"][-1]
    assert final[0] < 1e-2 and final[3] == 0.0  # slow at first: it starts near the threshold
    np.testing.assert_allclose(final[1:3], high, rtol=1e-6)
    np.testing.assert_allclose(res["Practice threshold"], low, rtol=1e-12)
    assert res["People sustaining"][0] == 2 and res["People sustaining"][-1] == 2


def test_practice_levels_without_a_sustainable_level():
    assert all(math.isnan(x) for x in practice_levels(0.05, 0.02, 100))
    assert all(math.isnan(x) for x in practice_levels(0.0, 0.0, 100))
    assert practice_levels(0.08, 0.02, 100) == pytest.approx((50.0, 50.0))
    res = knowledge_diffusion(nx.empty_graph(2), practice_rate=0.05, forgetting_rate=0.02, weeks=1).run()
    assert res["Practice threshold"][0] == 100.0 and res["People sustaining"][0] == 0


# -- properties ---------------------------------------------------------------------------------------
@settings(max_examples=15, deadline=None)
@given(
    n=st.integers(2, 12),
    p=st.floats(0.2, 1.0),
    seed=st.integers(0, 10_000),
    rivalry=st.floats(0.0, 1.0),
)
def test_sharing_conserves_knowledge_only_when_rival(n, p, seed, rivalry):
    """Euler, step by step: the total changes by practice - forgetting + (1 - rivalry) x sharing."""
    G = nx.gnp_random_graph(n, p, seed=seed)
    rng = np.random.default_rng(seed)
    for u, v in G.edges:
        G.edges[u, v]["weight"] = float(rng.uniform(0.2, 2.0))
    x0 = rng.uniform(0, 90, n)
    m = knowledge_diffusion(
        G, experts=dict(enumerate(x0)), rivalry=rivalry, sharing_rate=0.05, weeks=3, dt=0.25
    )
    res = m.run(method="euler")
    total = res["Knowledge"].sum(axis=1)
    local = (res["Practice"] - res["Forgetting"] + res["Sharing"] - res["Teaching"]).sum(axis=1)
    np.testing.assert_allclose(np.diff(total), 0.25 * local[:-1], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(
        res["Teaching"].sum(axis=1), rivalry * res["Sharing"].sum(axis=1), rtol=1e-9, atol=1e-9
    )
    assert res["Knowledge"].min() >= 0 and res["Knowledge"].max() <= 100


def test_copying_lifts_everybody_to_the_best_and_never_lowers_anyone():
    G = weighted_team(n=16, seed=4)
    x0 = np.random.default_rng(4).uniform(0, 40, 16)
    res = knowledge_diffusion(
        G, experts=dict(enumerate(x0)), sharing_rate=0.1, weeks=150, **SHARING_ONLY
    ).run(**TIGHT)
    k = res["Knowledge"]
    assert np.all(np.diff(k, axis=0) >= -1e-9)
    np.testing.assert_allclose(res["Most knowledge"], x0.max(), rtol=1e-9)
    np.testing.assert_allclose(k[-1], x0.max(), rtol=1e-4)


def test_fixed_step_solvers_agree_with_the_adaptive_one():
    m = knowledge_diffusion(weeks=52)
    adaptive = m.run(**TIGHT)["Knowledge"]
    np.testing.assert_allclose(m.run(method="rk4")["Knowledge"], adaptive, rtol=1e-3, atol=1e-3)


# -- expertise, experts and scenarios -------------------------------------------------------------------
def test_expertise_from_node_attributes_experts_lists_and_mappings():
    G = nx.path_graph(["ann", "bo", "cy"])
    for node, level in zip(G, (30.0, 1.0, 7.0), strict=True):
        G.nodes[node]["expertise"] = level
    first = lambda m: m.run(method="euler")["Knowledge"][0].tolist()  # noqa: E731
    assert first(knowledge_diffusion(G, weeks=1)) == [30.0, 1.0, 7.0]
    assert first(knowledge_diffusion(G, experts=["cy"], weeks=1)) == [2.0, 2.0, 80.0]
    assert first(knowledge_diffusion(G, experts="bo", expert_knowledge=9, weeks=1)) == [2.0, 9.0, 2.0]
    assert first(knowledge_diffusion(G, experts={"ann": 5, "cy": 6}, novice_knowledge=0, weeks=1)) == [
        5,
        0,
        6,
    ]
    assert first(knowledge_diffusion(nx.path_graph(3), weeks=1)) == [80.0, 2.0, 2.0]  # no attribute: node 0
    with pytest.raises(NetworkError, match="expert 'dan' is not a member of the team"):
        knowledge_diffusion(G, experts=["dan"])
    # expertise is a constant over the team: an ensemble parameter
    ens = knowledge_diffusion(G, weeks=1).run(method="euler", params={"expertise": [[1, 2, 3], [4, 5, 6]]})
    np.testing.assert_array_equal(ens["Knowledge"][:, 0], [[1, 2, 3], [4, 5, 6]])


def test_an_expert_who_leaves_too_early_takes_the_knowledge_with_them():
    """The race between sharing and forgetting (default team, measured: 1 then 30 of 30 sustaining)."""
    m = knowledge_diffusion()
    early = sd.network.remove_nodes(m, "team", [0], at=4).run()
    late = sd.network.remove_nodes(m, "team", [0], at=26).run()
    others = slice(1, None)
    assert early["Sustaining"][-1, others].sum() == 0  # nobody had crossed the threshold: all forgotten
    assert early["Knowledge"][-1, others].max() < 0.3 * early["Practice threshold"][0]  # measured: 3.0
    assert np.all(np.diff(early["Knowledge"][-10:, others], axis=0) < 0)  # and still fading
    assert late["Sustaining"][-1, others].sum() == 29  # enough had: the team keeps it and spreads it
    assert early["Knowledge[0]"][-1] == pytest.approx(
        late["Knowledge[0]"][-1], rel=1e-6
    )  # the expert keeps it


def test_more_sharing_spreads_faster_and_a_mentoring_tie_helps():
    m = knowledge_diffusion(weeks=52)
    ens = m.run(params={"sharing rate": [0.01, 0.02, 0.05]})
    sustaining = ens["People sustaining"][:, -1]
    assert list(sustaining) == sorted(sustaining) and sustaining[0] < sustaining[-1]
    distance = nx.shortest_path_length(team_graph(), 0)
    far = max(distance, key=distance.get)  # the colleague furthest from the expert
    linked = sd.network.add_edges(m, "team", [(0, far)]).run()
    before = m.run()
    assert linked["Knowledge"][-1, far] > before["Knowledge"][-1, far] + 10
    assert linked["Team knowledge"][-1] > before["Team knowledge"][-1]


def test_over_an_ensemble_of_random_teams_the_rows_are_the_single_runs():
    graphs = sd.network.random_graphs(lambda s: team_graph(seed=s), 3, seed=1)
    m = knowledge_diffusion(graphs[0], weeks=10)
    ens = sd.network.run_over_graphs(m, "team", graphs, method="rk4")
    for i, G in enumerate(graphs):
        one = knowledge_diffusion(G, weeks=10).run(method="rk4")
        np.testing.assert_allclose(ens["Knowledge"][i], one["Knowledge"], rtol=1e-12, atol=1e-12)
