"""Sweeps, Monte Carlo, stores, summaries, statistics and scenarios on arrayed and network models.

Every ensemble is checked against the same runs made directly with ``Model.run`` (one
vectorised ensemble: bit for bit; one run at a time: to rounding), summaries against
numpy quantiles over the runs, and network scenarios against the changed model built by hand.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib
import networkx as nx
import numpy as np
import pytest

import sysdyn as sd
from sysdyn.scenarios import StoreMismatchError, load_store
from sysdyn.scenarios import ensemble as ensemble_module
from sysdyn.scenarios.ensemble import auto_chunk_size, n_values, run_ensemble

matplotlib.use("Agg")

TEAM = ["Ann", "Bo", "Cy"]
QS = [0.05, 0.25, 0.5, 0.75, 0.95]


def coupled_model() -> sd.Model:
    """A named dimension: learning that fills a capacity per member, sharing towards the mean."""
    m = sd.Model("coupled", stop=6, dt=0.25)
    m.dimension("team", TEAM)
    m.stock("K[team]", initial="team", inflows=["L[team]"], outflows=["F[team]"])
    m.flow("L[team]", "rate * K * (1 - K / cap[team]) + share * (MEAN(K[*]) - K)")
    m.flow("F[team]", "K / memory")
    m.constant("rate[team]", [0.1, 0.2, 0.3])
    m.constant("cap[team]", [50, 60, 70])
    m.constant("share", 0.05)
    m.constant("memory", 12)
    m.aux("total", "SUM(K[*])")
    return m


def grid_model() -> sd.Model:
    """Two dimensions, to check the order of element axes and their labels."""
    m = sd.Model("grid", stop=2, dt=0.5)
    m.dimension("team", ["Ann", "Bo"])
    m.dimension("skill", ["code", "talk", "lead"])
    m.stock("S[team, skill]", initial=1, inflows=["g[team, skill]"])
    m.flow("g[team, skill]", "r * w[skill] * S")
    m.constant("w[skill]", [1, 2, 3])
    m.constant("r", 0.1)
    return m


def knowledge_model(G) -> sd.Model:
    """The model of the network issue: sharing, practice and forgetting over a team graph."""
    m = sd.Model("Knowledge diffusion", stop=20, dt=0.25, time_units="weeks")
    m.network("team", G)
    m.stock(
        "Knowledge[team]",
        initial={"alice": 10},
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


NAMES = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"]


@pytest.fixture(scope="module")
def team_graph():
    G = nx.relabel_nodes(
        nx.connected_watts_strogatz_graph(len(NAMES), 4, 0.2, seed=3), dict(enumerate(NAMES))
    )
    return G


# -- sweeps and Monte Carlo against direct runs ---------------------------------------------------
def test_sweep_of_an_arrayed_model_matches_direct_runs_and_labels_elements():
    m = coupled_model()
    share, memory = np.array([0.0, 0.05, 0.1]), np.array([6.0, 12.0])
    sw = sd.sweep(m, {"share": share, "memory": memory}, method="euler", chunk_size=4, progress=False)
    assert sw["K"].shape == (6, 25, 3) and sw["total"].shape == (6, 25)
    assert sw.info["n_chunks"] == 2
    design = sw.design
    whole = m.run(method="euler", params={k: design[k].to_numpy() for k in design})
    for name in ("K", "L", "total"):
        np.testing.assert_array_equal(sw[name], whole[name])
    for i, row in design.iterrows():
        one = m.run(method="euler", params=row.to_dict())
        np.testing.assert_allclose(sw["K"][i], one["K"], rtol=1e-12)
    np.testing.assert_array_equal(sw["K[Bo]"], sw["K"][:, :, 1])
    assert "K[Bo]" in sw and "K[Dan]" not in sw
    ds = sw.to_xarray()
    assert ds["K"].dims == ("share", "memory", "time", "team")
    assert ds["team"].values.tolist() == TEAM
    np.testing.assert_array_equal(ds["K"].sel(share=0.1, memory=6.0, team="Cy"), whole["K[Cy]"][4])
    assert ds["total"].dims == ("share", "memory", "time")
    df = sw.to_pandas(["K", "total"])
    assert df.columns.tolist() == ["share", "memory", "K[Ann]", "K[Bo]", "K[Cy]", "total"]
    np.testing.assert_array_equal(df.loc[5, "K[Cy]"].to_numpy(), whole["K[Cy]"][5])


def test_sweep_over_an_arrayed_constant_sets_every_element():
    m = coupled_model()
    sw = sd.sweep(m, {"cap": [40.0, 80.0]}, method="euler", outputs="K", progress=False)
    for i, cap in enumerate([40.0, 80.0]):
        one = m.run(method="euler", params={"cap": np.full(3, cap)})
        np.testing.assert_allclose(sw["K"][i], one["K"], rtol=1e-12)


def test_one_element_of_an_arrayed_constant_as_a_parameter():
    m = coupled_model()
    sw = sd.sweep(
        m, {"rate[Bo]": [0.1, 0.5], "share": [0.0, 0.1]}, method="euler", chunk_size=3, progress=False
    )
    assert sw.to_xarray()["K"].dims == ("rate[Bo]", "share", "time", "team")
    for i, row in sw.design.iterrows():
        rate = np.array([0.1, row["rate[Bo]"], 0.3])  # the other elements keep the base values
        one = m.run(method="euler", params={"rate": rate, "share": row["share"]})
        np.testing.assert_allclose(sw["K"][i], one["K"], rtol=1e-12)
    assert sw.run(2).params["rate[Bo]"] == 0.5
    mc = sd.monte_carlo(
        m, {"cap[Cy]": sd.dist.uniform(60, 90), "cap[Ann]": 45}, runs=5, rng=1, method="euler"
    )
    caps = np.column_stack([np.full(5, 45.0), np.full(5, 60.0), mc.design["cap[Cy]"]])
    np.testing.assert_array_equal(mc["K"], m.run(method="euler", params={"cap": caps})["K"])
    with pytest.raises(sd.ParameterError, match="given whole too"):
        sd.sweep(m, {"rate[Bo]": [0.1], "rate": [0.2]}, progress=False)
    with pytest.raises(sd.DimensionError, match="no element `Dan`"):
        sd.sweep(m, {"rate[Dan]": [0.1]}, progress=False)
    pytest.importorskip("SALib")
    sens = sd.sensitivity(
        m,
        {"rate[Ann]": (0.05, 0.2), "rate[Cy]": (0.2, 0.4)},
        method="morris",
        n=4,
        rng=0,
        run_method="euler",
        outputs="K[Cy]",
        progress=False,
    )
    assert sens.ranking().tolist() == ["rate[Cy]", "rate[Ann]"]
    assert sens.outputs == ["final K[Cy]"]


@pytest.mark.filterwarnings("ignore:indexing past lexsort depth")  # elements keep the model's order
def test_two_dimensions_keep_their_order_and_labels():
    m = grid_model()
    sw = sd.sweep(m, {"r": [0.1, 0.2]}, method="euler", progress=False)
    assert sw["S"].shape == (2, 5, 2, 3)
    direct = m.run(method="euler", params={"r": np.array([0.1, 0.2])})
    np.testing.assert_array_equal(sw["S"], direct["S"])
    ds = sw.to_xarray()
    assert ds["S"].dims == ("r", "time", "team", "skill")
    assert ds["skill"].values.tolist() == ["code", "talk", "lead"]
    np.testing.assert_array_equal(ds["S"].sel(r=0.2, team="Bo", skill="lead"), direct["S[Bo, lead]"][1])
    assert "S[Bo, lead]" in sw.to_pandas().columns
    summ = sw.summary("S", quantiles=[0.5])
    assert summ.index.names == ["team", "skill", "time"]
    np.testing.assert_array_equal(
        summ.loc[("Bo", "talk")].to_numpy(), sw.summary("S[Bo, talk]", quantiles=[0.5]).to_numpy()
    )
    # a partial selection aggregates the other dimension
    part = sw.summary("S", quantiles=[0.5], element={"team": "Ann"}, aggregate="sum")
    np.testing.assert_allclose(part["mean"].to_numpy(), direct["S"][:, :, 0, :].sum(axis=2).mean(axis=0))
    assert part.attrs["variable"] == "sum(S[Ann, *])"


def test_monte_carlo_on_a_network_matches_individual_runs(team_graph):
    m = knowledge_model(team_graph)
    mc = sd.monte_carlo(
        m,
        {"sharing rate": sd.dist.uniform(0.02, 0.1), "memory time": sd.dist.uniform(10, 40)},
        runs=11,
        rng=5,
        method="rk4",
        chunk_size=4,
        outputs=["Knowledge", "Sharing"],
        progress=False,
    )
    assert mc["Knowledge"].shape == (11, 81, len(NAMES))
    design = mc.design
    for i in (0, 4, 10):
        one = m.run(method="rk4", params=design.loc[i].to_dict())
        np.testing.assert_allclose(mc["Knowledge"][i], one["Knowledge"], rtol=1e-12, atol=1e-12)
    ds = mc.to_xarray()
    assert ds["Knowledge"].dims == ("run", "time", "team")
    assert ds["team"].values.tolist() == NAMES
    np.testing.assert_array_equal(ds["Knowledge"].sel(team="dave").values, mc["Knowledge[dave]"])


def test_summary_of_one_element_is_the_numpy_quantile_over_runs(team_graph):
    m = knowledge_model(team_graph)
    mc = sd.monte_carlo(
        m, {"sharing rate": sd.dist.uniform(0.02, 0.1)}, runs=25, rng=2, method="euler", progress=False
    )
    k = mc["Knowledge"]
    j = NAMES.index("carol")
    expected = np.quantile(k[:, :, j], QS, axis=0).T
    by_name = mc.summary("Knowledge[carol]")
    np.testing.assert_array_equal(by_name[QS].to_numpy(), expected)
    np.testing.assert_array_equal(by_name["mean"].to_numpy(), k[:, :, j].mean(axis=0))
    np.testing.assert_array_equal(mc.summary("Knowledge", element="carol").to_numpy(), by_name.to_numpy())
    every = mc.summary("Knowledge")
    assert every.index.names == ["team", "time"] and len(every) == len(NAMES) * len(mc.time)
    np.testing.assert_array_equal(every.loc["carol"].to_numpy(), by_name.to_numpy())
    total = mc.summary("Knowledge", aggregate="sum")
    np.testing.assert_allclose(total[QS].to_numpy(), np.quantile(k.sum(axis=2), QS, axis=0).T, rtol=1e-12)
    assert total.attrs["variable"] == "sum(Knowledge)"
    np.testing.assert_array_equal(mc.summary("sum(Knowledge)").to_numpy(), total.to_numpy())
    mean = mc.summary("Knowledge", quantiles=[0.5], aggregate=np.mean)
    np.testing.assert_allclose(mean[0.5].to_numpy(), np.median(k.mean(axis=2), axis=0), rtol=1e-12)
    ax = mc.plot_bands("Knowledge", element="carol")
    assert ax.get_title().startswith("Knowledge[carol]: median") and len(ax.collections) == 2
    np.testing.assert_array_equal(ax.get_lines()[0].get_ydata(), by_name[0.5].to_numpy())
    ax = mc.plot_bands("Knowledge", aggregate="mean")
    assert ax.get_ylabel() == "mean(Knowledge)"
    with pytest.raises(sd.DimensionError, match=r"pick one element, e\.g\. `Knowledge\[alice\]`"):
        mc.plot_bands("Knowledge")
    with pytest.raises(sd.DimensionError, match="did you mean `carol`"):
        mc.summary("Knowledge", element="carl")
    with pytest.raises(sd.DimensionError, match="names its element already"):
        mc.summary("Knowledge[carol]", element="bob")


# -- chunks ------------------------------------------------------------------------------------------
def test_chunk_budget_counts_elements_and_small_chunks_change_nothing(team_graph, monkeypatch):
    m = knowledge_model(team_graph)
    compiled = m.compile()
    per_element = n_values(compiled)
    assert per_element == 4 * len(NAMES) + 4  # four arrayed variables and four constants
    design = {"sharing rate": np.linspace(0.01, 0.1, 13)}
    whole = run_ensemble(m, design, method="euler", chunk_size=13, progress=False)
    # a budget that fits three runs' results: chunks of three, with every element counted
    per_run = len(whole.time) * per_element * 8 * 3
    monkeypatch.setattr(ensemble_module, "CHUNK_BUDGET_BYTES", 3 * per_run + 1)
    assert auto_chunk_size(len(whole.time), per_element) == 3
    small = run_ensemble(m, design, method="euler", progress=False)
    assert small.info["chunk_size"] == 3 and small.info["n_chunks"] == 5
    for chunk in (1, 5):
        other = run_ensemble(m, design, method="euler", chunk_size=chunk, progress=False)
        for name in ("Knowledge", "Sharing", "sharing rate"):
            np.testing.assert_array_equal(other[name], whole[name])
    for name in ("Knowledge", "Sharing"):
        np.testing.assert_array_equal(small[name], whole[name])


def test_outputs_keep_whole_variables():
    with pytest.raises(sd.ParameterError, match="outputs keep whole variables"):
        sd.sweep(coupled_model(), {"share": [0.0, 0.1]}, outputs="K[Ann]", progress=False)


# -- stores ------------------------------------------------------------------------------------------
def _stores():
    out = [".zarr"]
    try:
        import pyarrow  # noqa: F401

        out.append(".parquet")
    except ImportError:
        pass
    return out


@pytest.mark.filterwarnings("ignore:Object at .* is not recognized as a component of a Zarr hierarchy")
@pytest.mark.parametrize("suffix", _stores())
def test_interrupted_arrayed_store_resumes_and_refuses_other_nodes(
    tmp_path: Path, suffix, team_graph, monkeypatch
):
    pytest.importorskip("zarr")
    m = knowledge_model(team_graph)
    values = {"sharing rate": np.linspace(0.01, 0.1, 5), "memory time": [13.0, 26.0]}
    path = tmp_path / f"runs{suffix}"
    options = dict(method="euler", chunk_size=3, store=path, progress=False, outputs=["Knowledge", "Sharing"])
    real = ensemble_module.run_chunk
    calls = []

    def dies_after_two(spec, task, model=None):
        if len(calls) == 2:
            raise KeyboardInterrupt  # as a killed process: the first chunks are on disk, no more
        calls.append(task.index)
        return real(spec, task, model)

    monkeypatch.setattr(ensemble_module, "run_chunk", dies_after_two)
    with pytest.raises(KeyboardInterrupt):
        sd.sweep(m, values, **options)
    monkeypatch.setattr(ensemble_module, "run_chunk", real)
    assert sorted(load_store(path).done()) == [0, 1]
    res = sd.sweep(m, values, **options)
    assert res.info["reused"] == [0, 1] and res.info["computed"] == [2, 3]
    memory = sd.sweep(m, values, method="euler", progress=False)
    for name in ("Knowledge", "Sharing"):
        assert res[name].shape == (10, 81, len(NAMES))
        np.testing.assert_array_equal(res[name], memory[name])
    manifest = json.loads((path / "_sysdyn.json").read_text())
    assert manifest["shapes"]["knowledge"] == [len(NAMES)]
    assert manifest["dimensions"]["knowledge"] == ["team"]
    assert manifest["elements"]["knowledge"] == [NAMES]
    assert "shapes" in manifest["fingerprint"]
    ds = res.to_xarray()
    assert ds["Knowledge"].dims == ("sharing rate", "memory time", "time", "team")
    if suffix == ".zarr":
        xr = pytest.importorskip("xarray")
        on_disk = xr.open_zarr(path, consolidated=False)
        assert on_disk["Knowledge"].dims == ("run", "time", "team")
        assert [str(v) for v in on_disk["team"].values] == NAMES
        np.testing.assert_array_equal(on_disk["Knowledge"].values, memory["Knowledge"])
    else:
        import pandas as pd

        table = pd.read_parquet(path)
        assert "Knowledge[alice]" in table.columns and len(table) == 10 * 81
    smaller = sd.network.remove_nodes(m, "team", ["bob"])
    with pytest.raises(StoreMismatchError, match="dimensions of the saved variables differ"):
        sd.sweep(smaller, values, **options)


def test_scalar_stores_keep_their_fingerprint(tmp_path: Path):
    pytest.importorskip("zarr")
    path = tmp_path / "s.zarr"
    sd.sweep(coupled_model(), {"share": [0.0, 0.1]}, outputs="total", store=path, progress=False)
    manifest = json.loads((path / "_sysdyn.json").read_text())
    assert set(manifest["fingerprint"]) == {"model", "design", "run", "chunks"}
    assert manifest["shapes"] == {"total": []}


SPREAD = """
import networkx as nx, numpy as np, sysdyn as sd
m = sd.Model("spread", stop=10, dt=0.01)
m.network("team", nx.cycle_graph(30))
m.stock("K[team]", initial={0: 10}, inflows=["s[team]"])
m.flow("s[team]", "rate * DIFFUSION(K)")
m.constant("rate", 0.1)
"""
KILL_SCRIPT = (
    "import sys\n"
    + SPREAD
    + """
# a fine dt makes each chunk take a few milliseconds, so the parent can kill us midway
sd.sweep(m, {"rate": np.linspace(0.05, 0.5, 200)}, method="euler", chunk_size=5, outputs="K",
         store=sys.argv[1], progress=False)
"""
)


def test_killed_network_sweep_resumes_with_every_run_once(tmp_path: Path, kill_sweep_midway):
    pytest.importorskip("zarr")
    path = tmp_path / "spread.zarr"
    before = kill_sweep_midway(KILL_SCRIPT, path, chunks=3, timeout=90)
    assert 3 <= len(before) < 40, "the kill must land midway"
    namespace: dict = {}
    exec(SPREAD, namespace)
    m = namespace["m"]
    rates = np.linspace(0.05, 0.5, 200)
    res = sd.sweep(m, {"rate": rates}, method="euler", chunk_size=5, outputs="K", store=path, progress=False)
    after = load_store(path).writers()
    assert sorted(res.info["reused"]) == sorted(before)
    assert {i: after[i] for i in before} == before and sorted(after) == list(range(40))
    direct = m.run(method="euler", params={"rate": rates})
    np.testing.assert_array_equal(res["K"], direct["K"])


# -- statistics, sensitivity, calibration ---------------------------------------------------------------
def test_statistics_pick_an_element_or_aggregate(team_graph):
    m = knowledge_model(team_graph)
    sw = sd.sweep(m, {"sharing rate": [0.02, 0.05, 0.1]}, method="euler", progress=False)
    k = sw["Knowledge"]
    stats = sw.statistics(
        [
            sd.scenarios.final("Knowledge", element="bob"),
            "Knowledge[erin]",
            "sum(Knowledge)",
            sd.scenarios.peak("Sharing", aggregate="max"),
            sd.scenarios.mean("Knowledge", aggregate="mean"),
            sd.scenarios.time_to("Knowledge", 1.0, "up", element="heidi"),
        ]
    )
    j = NAMES.index
    np.testing.assert_array_equal(stats["final Knowledge[bob]"], k[:, -1, j("bob")])
    np.testing.assert_array_equal(stats["final Knowledge[erin]"], k[:, -1, j("erin")])
    np.testing.assert_allclose(stats["final sum(Knowledge)"], k[:, -1].sum(axis=1), rtol=1e-12)
    np.testing.assert_array_equal(stats["peak max(Sharing)"], sw["Sharing"].max(axis=(1, 2)))
    avg = k.mean(axis=2)
    t = sw.time
    expected = (0.5 * (avg[:, 1:] + avg[:, :-1]) * np.diff(t)).sum(axis=1) / (t[-1] - t[0])
    np.testing.assert_allclose(stats["mean mean(Knowledge)"], expected, rtol=1e-12)
    first = [t[np.argmax(row >= 1.0)] for row in k[:, :, j("heidi")]]
    assert np.all(stats["time to Knowledge[heidi] = 1 (up)"] <= np.array(first) + 1e-12)
    with pytest.raises(sd.DimensionError, match="aggregate='sum'"):
        sw.statistics("Knowledge")


def test_sensitivity_of_an_aggregate_over_the_network(team_graph):
    pytest.importorskip("SALib")
    m = knowledge_model(team_graph)
    sens = sd.sensitivity(
        m,
        {"sharing rate": (0.02, 0.1), "memory time": (10, 40)},
        method="morris",
        n=4,
        outputs=[sd.scenarios.final("Knowledge", aggregate="sum"), "Knowledge[grace]"],
        rng=0,
        run_method="euler",
        progress=False,
    )
    design = sens.design
    direct = m.run(method="euler", params={k: design[k].to_numpy() for k in design})
    np.testing.assert_allclose(
        sens.values["final sum(Knowledge)"], direct["Knowledge"][:, -1].sum(axis=1), rtol=1e-12
    )
    np.testing.assert_array_equal(sens.values["final Knowledge[grace]"], direct["Knowledge[grace]"][:, -1])
    assert sens.ranking("final sum(Knowledge)").tolist()[0] in ("sharing rate", "memory time")


def test_calibration_to_an_element_and_a_total():
    pd = pytest.importorskip("pandas")
    m = coupled_model()
    truth = m.run(method="euler", params={"share": 0.08, "memory": 9.0})
    data = pd.DataFrame(
        {"K[Bo]": truth["K[Bo]"][::4], "sum(K)": truth["K"][::4].sum(axis=1)}, index=truth.time[::4]
    )
    fit = sd.calibrate(m, data, {"share": (0.0, 0.3), "memory": (4, 20)}, run_method="euler")
    assert fit.params["share"] == pytest.approx(0.08, abs=1e-6)
    assert fit.params["memory"] == pytest.approx(9.0, abs=1e-5)
    assert fit.plot().axes[0].get_title() == "K[Bo]"
    with pytest.raises(sd.DimensionError, match="pick one element"):
        sd.calibrate(m, pd.DataFrame({"K": [1.0]}, index=[0.0]), {"share": (0, 1)}, run_method="euler")


# -- scenarios ------------------------------------------------------------------------------------------
def test_network_scenarios_equal_the_changed_models_built_by_hand(team_graph):
    m = knowledge_model(team_graph)
    change = sd.scenarios.network_change
    new_graph = nx.complete_graph([*NAMES, "ivan"])
    s = sd.Scenarios(
        m,
        {
            "expert leaves": {"team": change(sd.network.remove_nodes, ["bob"])},
            "mentoring": {
                "team": change(sd.network.add_edges, [("alice", "heidi")], weight=2),
                "ceiling": 80,
            },
            "later": {"team": change(sd.network.remove_edges, [next(iter(team_graph.edges))], at=5)},
            "new team": {"team": new_graph},
            "by hand": {"team": lambda model, net: sd.network.rewire(model, net, 0.5, seed=4)},
        },
    )
    res = s.run(method="euler")
    first_edge = next(iter(team_graph.edges))
    built = {
        "baseline": (m, {}),
        "expert leaves": (sd.network.remove_nodes(m, "team", ["bob"]), {}),
        "mentoring": (sd.network.add_edges(m, "team", [("alice", "heidi")], weight=2), {"ceiling": 80}),
        "later": (sd.network.remove_edges(m, "team", [first_edge], at=5), {}),
        "new team": (sd.network.with_graph(m, "team", new_graph), {}),
        "by hand": (sd.network.rewire(m, "team", 0.5, seed=4), {}),
    }
    for name, (model, params) in built.items():
        direct = model.run(method="euler", params=params or None)
        np.testing.assert_array_equal(res[name]["Knowledge"], direct["Knowledge"])
    assert res["expert leaves"]["Knowledge"].shape[1] == len(NAMES) - 1
    assert m.definition.dimension("team").elements == tuple(NAMES)  # the base is never changed
    # per node: NaN where the node is gone; aggregates compare every scenario
    table = res.table("Knowledge", stats=["final"])
    assert np.isnan(table.loc["expert leaves", ("Knowledge[bob]", "final")])
    assert np.isnan(table.loc["baseline", ("Knowledge[ivan]", "final")])
    assert table.loc["new team", ("Knowledge[ivan]", "final")] == res["new team"]["Knowledge[ivan]"][-1]
    totals = res.table("Knowledge", stats=["final"], aggregate="sum")
    for name in built:
        assert totals.loc[name, "final"] == pytest.approx(res[name]["Knowledge"][-1].sum(), rel=1e-12)
    np.testing.assert_array_equal(res.table("sum(Knowledge)", stats=["final"]).to_numpy(), totals.to_numpy())
    ds = res.to_xarray()
    assert ds["Knowledge"].dims == ("scenario", "time", "team")
    assert set(ds["team"].values.tolist()) == {*NAMES, "ivan"}
    assert np.isnan(ds["Knowledge"].sel(scenario="expert leaves", team="bob")).all()
    frame = res.to_pandas("Knowledge")
    assert np.isnan(frame.loc["expert leaves", "Knowledge[bob]"]).all()
    ax = res.plot("Knowledge", aggregate="sum")
    assert [ln.get_label() for ln in ax.get_lines()] == list(built)
    ax = res.plot("Knowledge[bob]")
    assert "expert leaves" not in [ln.get_label() for ln in ax.get_lines()]
    with pytest.raises(sd.DimensionError, match="pick one element"):
        res.plot("Knowledge")


def test_scenario_overrides_of_arrayed_constants_and_bad_network_values():
    m = coupled_model()
    res = sd.Scenarios(m, {"flat": {"rate": [0.2, 0.2, 0.2]}, "more": {"cap": np.array([60, 70, 80])}}).run(
        method="euler"
    )
    np.testing.assert_array_equal(
        res["flat"]["K"], m.run(method="euler", params={"rate": np.array([0.2, 0.2, 0.2])})["K"]
    )
    np.testing.assert_array_equal(
        res["more"]["K"], m.run(method="euler", params={"cap": np.array([60.0, 70.0, 80.0])})["K"]
    )
    with pytest.raises(sd.ParameterError, match="ordinary dimension"):
        sd.Scenarios(m, {"x": {"team": nx.path_graph(3)}})
    net = knowledge_model(nx.path_graph(NAMES[:3]))
    with pytest.raises(sd.ParameterError, match="change of the network `team` failed"):
        sd.Scenarios(
            net, {"x": {"team": sd.scenarios.network_change(sd.network.remove_nodes, ["zed"])}}
        ).run()
    with pytest.raises(sd.ParameterError, match="must return a model"):
        sd.Scenarios(net, {"x": {"team": lambda model, name: None}}).run()


def test_dask_chunks_of_a_network_model_give_the_in_process_answer(team_graph):
    distributed = pytest.importorskip("distributed")
    m = knowledge_model(team_graph)
    values = {"sharing rate": np.linspace(0.02, 0.1, 7)}
    here = sd.sweep(m, values, method="euler", chunk_size=3, outputs="Knowledge", progress=False)
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        there = sd.sweep(
            m, values, method="euler", chunk_size=3, outputs="Knowledge", progress=False, client=client
        )
    np.testing.assert_array_equal(here["Knowledge"], there["Knowledge"])
