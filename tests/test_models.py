"""The model library (:mod:`sysdyn.models`): the registry, and each model against its published behaviour.

Every model is checked against what its source reports or against a closed
form: the beer game against Sterman (1989), March against his Figure 1, the
stock-and-flow models against their analytic solutions and the dynamics the
literature describes for them.
"""

from __future__ import annotations

import numpy as np
import pytest

import sysdyn as sd
from sysdyn.errors import SysdynError
from sysdyn.models import ModelInfo, UnknownModelError
from sysdyn.models._registry import _without_source_and_loops
from sysdyn.models.beer_game import ECHELONS, beer_game, echelon_costs, team_cost
from sysdyn.models.march import MarchModel

# ---------------------------------------------------------------------------------------------- registry


def test_list_holds_the_python_models_sorted():
    names = sd.models.list()
    assert {"beer_game", "march"} <= set(names)
    assert names == sorted(names)


@pytest.mark.parametrize("spelling", ["beer_game", "Beer Game", "BEER_GAME", "  beer game "])
def test_names_are_matched_like_xmile_names(spelling):
    assert sd.models.info(spelling).name == "beer_game"
    assert sd.models.load(spelling).name == "Beer distribution game (Sterman 1989)"


def test_info_of_a_python_model():
    entry = sd.models.info("march")
    assert isinstance(entry, ModelInfo)
    assert entry.kind == "python"
    assert "March, J. G. (1991)" in entry.source
    assert entry.returns == "sysdyn.models.march.MarchModel"
    assert entry.path is None


def test_load_passes_options_to_a_python_model():
    assert sd.models.load("march", p1=0.9, p2=0.1).p2 == 0.1
    assert sd.models.load("beer_game", beta=1.0).definition is not None


def test_unknown_name_suggests_the_closest():
    with pytest.raises(UnknownModelError, match=r"no model `beer_gmae`.*did you mean `beer_game`\?") as info:
        sd.models.load("beer_gmae")
    assert info.value.suggestion == "beer_game"
    assert isinstance(info.value, KeyError) and isinstance(info.value, SysdynError)
    assert "march" in str(info.value)  # the message lists what the library has


def test_unknown_name_without_a_close_one_lists_the_library():
    with pytest.raises(UnknownModelError, match=r"it has: .*beer_game") as info:
        sd.models.info("zzzzzzzz")
    assert info.value.suggestion is None


@pytest.mark.parametrize("bad", ["", "   ", None, 3])
def test_a_name_must_be_a_non_empty_string(bad):
    with pytest.raises(SysdynError, match="a model name must be a non-empty string"):
        sd.models.load(bad)


# ------------------------------------------------------------------------------------------- beer game


@pytest.fixture(scope="module")
def beer():
    return beer_game().run()


def test_beer_game_customer_demand_steps_from_4_to_8_in_week_5(beer):
    demand = beer["Customer demand"]
    # flows at model time t are the events of week t + 1, so index 4 is week 5
    np.testing.assert_array_equal(demand[:4], 4.0)
    np.testing.assert_array_equal(demand[4:], 8.0)


def test_beer_game_bullwhip_order_variance_amplifies_up_the_chain(beer):
    # Sterman (1989): order amplitude and variance grow from retailer to factory.
    demand_sd = np.std(beer["Customer demand"][1:])
    ratios = [np.std(beer[f"Orders {e}"][1:]) / demand_sd for e in ECHELONS]
    assert ratios == sorted(ratios)
    assert ratios[0] > 1.5 and ratios[-1] > 3 * ratios[0]  # measured: 2.26, 5.11, 7.59, 9.12
    peaks = [beer[f"Orders {e}"].max() for e in ECHELONS]
    assert peaks == sorted(peaks)  # measured: 10.8, 15.8, 23.7, 29.0 cases/week


def test_beer_game_phase_lag_peaks_come_later_up_the_chain(beer):
    weeks = [int(np.argmax(beer[f"Orders {e}"])) for e in ECHELONS]
    assert weeks == sorted(weeks) and len(set(weeks)) == 4  # measured: weeks 13, 16, 18, 20


def test_beer_game_inventories_oscillate_after_the_step(beer):
    # Every echelon runs into backlog (effective inventory < 0), then overshoots its starting 12 cases.
    for e in ECHELONS:
        effective = beer[f"Inventory {e}"] - beer[f"Backlog {e}"]
        low = int(np.argmin(effective))
        assert effective[low] < -5, e
        assert effective[low:].max() > 12 + 10, e
        assert low > 5, e


def test_beer_game_conserves_beer(beer):
    """Beer in the chain changes only by production arriving at the factory and shipments to customers."""
    time = beer.time
    in_chain = np.zeros_like(time)
    for i, e in enumerate(ECHELONS):
        inventory = beer[f"Inventory {e}"]
        assert inventory.min() >= 0 and beer[f"Backlog {e}"].min() >= 0
        # each inventory changes only by its own flows
        np.testing.assert_allclose(np.diff(inventory), (beer[f"Receiving {e}"] - beer[f"Shipping {e}"])[:-1])
        in_chain += inventory
        if i + 1 < len(ECHELONS):
            shipped = beer[f"Shipping {ECHELONS[i + 1]}"]
            # the two shipping squares: what the supplier shipped in the last two weeks (4 + 4 at the start)
            padded = np.concatenate([[4.0, 4.0], shipped])
            in_chain += padded[1:-1] + padded[:-2]
            # and the pipeline hands over exactly what went in, two weeks later
            np.testing.assert_allclose(beer[f"Receiving {e}"][2:], shipped[:-2])
    produced, sold = beer["Receiving factory"], beer["Shipping retailer"]
    np.testing.assert_allclose(np.diff(in_chain), (produced - sold)[:-1], atol=1e-9)
    assert in_chain[0] == 4 * 12 + 3 * 8


def test_beer_game_cost_is_in_the_range_of_the_experiments(beer):
    # Sterman (1989) reports a mean team cost of about $2,000 for the human teams, about ten times the
    # cost of the benchmark policy; his estimated mean decision rule lands in that range.
    cost = team_cost(beer)
    assert 1000 < cost < 4000  # measured: $2,254.74
    assert sum(echelon_costs(beer).values()) == pytest.approx(cost)
    assert min(echelon_costs(beer), key=echelon_costs(beer).get) == "retailer"


def test_beer_game_accounting_for_the_supply_line_damps_the_bullwhip():
    # The misperception is beta < 1; with the whole supply line counted (beta = 1) the factory's peak
    # order falls from 29 to 12 cases a week and the team cost falls.  One vectorised run of two values.
    res = beer_game().run(params={"beta": np.array([0.34, 1.0])})
    peak = res["Orders factory"].max(axis=1)
    assert peak[0] > 2 * peak[1]
    cost = res.final("Team cost")
    assert cost[1] < cost[0]


# ------------------------------------------------------------------------------------------------ March


@pytest.mark.parametrize(("p1", "expected"), [(0.1, 0.95), (0.9, 0.74)])
def test_march_reproduces_figure_1_equilibrium_knowledge(p1, expected):
    # March (1991) Fig. 1, p2 = 0.5, m = 30, n = 50; Workiewicz's recreation of the original program
    # reports 0.954 and 0.742 from 10,000 runs.  200 runs here: measured 0.952 +- 0.004, 0.746 +- 0.008.
    res = MarchModel(p1=p1, p2=0.5).run(runs=200, seed=1991)
    assert res.settled.all()
    assert abs(res.mean() - expected) < 3 * res.sem() + 0.01


def test_march_slow_socialisation_gives_better_code_knowledge():
    # The article's main result: the slower individuals learn the code, the better the code ends.
    means = [MarchModel(p1=p1, p2=0.5).run(runs=80, seed=7).mean() for p1 in (0.1, 0.5, 0.9)]
    assert means[0] > means[1] > means[2]


def test_march_article_text_reading_gives_much_lower_levels():
    original = MarchModel(p1=0.1, p2=0.5).run(runs=80, seed=3).mean()
    literal = MarchModel(p1=0.1, p2=0.5, rules="article_text").run(runs=80, seed=3).mean()
    assert literal < original - 0.15  # measured: 0.64 against 0.95


def test_march_knowledge_measure_and_start():
    res = MarchModel(p1=0.5).run(runs=30, seed=0)
    np.testing.assert_array_equal(res.code_knowledge[:, 0], 0.0)  # the code starts neutral
    assert np.all(np.abs(res.code_knowledge) <= 1) and np.all(np.abs(res.individual_knowledge) <= 1)
    # (matches - mismatches) / m is a multiple of 1/m
    np.testing.assert_allclose(res.final_code_knowledge * 30, np.round(res.final_code_knowledge * 30))


def test_march_is_reproducible_and_vectorised_over_parameters():
    a = MarchModel(p1=0.5).run(runs=10, seed=5)
    b = MarchModel(p1=0.5).run(runs=10, seed=5)
    np.testing.assert_array_equal(a.code_knowledge, b.code_knowledge)
    sweep = MarchModel(p1=np.repeat([0.1, 0.9], 60), p2=0.5).run(runs=120, seed=2)
    slow, fast = sweep.final_code_knowledge[:60].mean(), sweep.final_code_knowledge[60:].mean()
    assert slow > fast + 0.1


def test_march_turnover_needs_a_number_of_periods():
    with pytest.raises(SysdynError, match="pass `periods`"):
        MarchModel(p3=0.1).run(runs=2, seed=0)
    res = MarchModel(p1=0.5, p3=0.1).run(runs=3, periods=20, seed=0)
    assert res.code_knowledge.shape == (3, 21) and not res.settled.any()


# --------------------------------------------------------------------------- the XMILE files, all of them

XMILE_NS = "{http://docs.oasis-open.org/xmile/ns/XMILE/v1.0}"

#: Every stock-and-flow model of the issue that lives in ``models/`` as XMILE.
XMILE_MODELS = (
    "capability_trap",
    "limits_to_growth",
    "shifting_the_burden",
    "fixes_that_fail",
    "eroding_goals",
    "escalation",
    "success_to_the_successful",
    "tragedy_of_the_commons",
    "growth_and_underinvestment",
    "accidental_adversaries",
    "knowledge_accumulation",
    "learning_curve",
    "personal_mastery_shared_vision",
    "psychological_safety",
    "learning_community",
)

#: Archetype models -> the archetype of sysdyn.archetypes their causal structure must show.
ARCHETYPE_OF = {
    "limits_to_growth": "Limits to Growth",
    "shifting_the_burden": "Shifting the Burden",
    "fixes_that_fail": "Fixes that Fail",
    "eroding_goals": "Eroding Goals",
    "escalation": "Escalation",
    "success_to_the_successful": "Success to the Successful",
    "tragedy_of_the_commons": "Tragedy of the Commons",
    "growth_and_underinvestment": "Growth and Underinvestment",
    "accidental_adversaries": "Accidental Adversaries",
}


def _load(name):
    return sd.models.load(name)


def _documented_loops(name):
    """The loops the model's doc names: (label, canonical variables in order, polarity).

    The label is the loop's name and title (``"R2 Reinvestment"``); a chain that repeats its first
    variable at the end is read without the repeat.
    """
    from sysdyn.names import canonical

    loops = []
    for line in sd.models.info(name).loops:
        label, rest = line.split(": ", 1)
        chain, _, note = rest.rpartition(" (")
        polarity = note.split(")")[0].split(",")[0].split(":")[0].strip()
        keys = [canonical(v) for v in chain.split(" -> ")]
        if len(keys) > 1 and keys[0] == keys[-1]:
            keys.pop()
        loops.append((label, keys, polarity))
    return loops


def _rotation(keys):
    i = keys.index(min(keys))
    return tuple(keys[i:]) + tuple(keys[:i])


def test_every_model_of_the_issue_is_in_the_library():
    assert set(XMILE_MODELS) | {"beer_game", "march"} <= set(sd.models.list())
    for name in XMILE_MODELS:
        entry = sd.models.info(name)
        assert entry.kind == "xmile" and entry.returns == "sysdyn.Model"
        assert entry.path.name == f"{name}.xmile"


def test_the_library_folder_is_the_checkout_models_folder_or_the_package_data():
    from sysdyn.models._registry import library_dir

    folder = library_dir()
    assert folder is not None and (folder / "capability_trap.xmile").is_file()
    assert folder.name in ("models", "library")


@pytest.mark.parametrize("name", XMILE_MODELS)
def test_xmile_file_is_standard_xmile_1_0(name):
    """Namespace, header, sim_specs, and every variable with an equation, units and documentation."""
    import xml.etree.ElementTree as ET

    root = ET.fromstring(sd.models.info(name).path.read_bytes())
    assert root.tag == f"{XMILE_NS}xmile" and root.get("version") == "1.0"
    header = root.find(f"{XMILE_NS}header")
    for tag in ("name", "vendor", "product"):
        assert header.find(f"{XMILE_NS}{tag}").text.strip()
    specs = root.find(f"{XMILE_NS}sim_specs")
    assert specs.get("method") in ("Euler", "RK4") and specs.get("time_units")
    assert {c.tag.removeprefix(XMILE_NS) for c in specs} == {"start", "stop", "dt"}
    variables = root.find(f"{XMILE_NS}model/{XMILE_NS}variables")
    names = set()
    for element in variables:
        assert element.tag.removeprefix(XMILE_NS) in ("stock", "flow", "aux")
        for tag in ("eqn", "units", "doc"):
            text = element.find(f"{XMILE_NS}{tag}").text
            assert text and text.strip(), (element.get("name"), tag)
        names.add(element.get("name").replace(" ", "_"))
    for stock in variables.findall(f"{XMILE_NS}stock"):
        for link in [*stock.findall(f"{XMILE_NS}inflow"), *stock.findall(f"{XMILE_NS}outflow")]:
            assert link.text.strip('"') in names


@pytest.mark.parametrize("name", XMILE_MODELS)
def test_xmile_model_loads_runs_and_documents_itself(name):
    m = _load(name)
    entry = sd.models.info(name)
    assert m.name and entry.title and entry.source and entry.loops
    for v in m.definition.variables:
        assert v.doc and v.units, v.name
    res = m.run()
    for stock in (v.name for v in m.definition.variables if type(v).__name__ == "Stock"):
        assert np.all(np.isfinite(res[stock]))
    text = str(entry)
    assert text.count("Source: ") == 1 and text.count("Loops:") == 1  # not again in the doc below
    assert _without_source_and_loops(entry.doc) in text


@pytest.mark.parametrize("name", XMILE_MODELS)
def test_the_loops_named_in_the_doc_are_the_loops_of_the_model(name):
    """Each documented loop is the loop ``m.loops()`` gives the same name (same variables, written from
    the same one), with the documented polarity; no loop of the model goes unnamed; and the doc's
    titles reach the loops through ``LoopList.named``."""
    m = _load(name)
    loops = m.loops()
    found = {_rotation(list(loop.keys)): loop for loop in loops}
    documented = _documented_loops(name)
    for label, chain, polarity in documented:
        assert _rotation(chain) in found, f"{name}: {label} is not a loop of the model"
        loop = found[_rotation(chain)]
        assert label.split()[0] == loop.name, f"{name}: the doc's {label} is {loop.name} in m.loops(): {loop}"
        start = f"the doc writes {label} from {chain[0]}, m.loops() from {loop.keys[0]}"
        assert chain == list(loop.keys), f"{name}: {start}"
        assert loop.polarity == polarity, f"{name}: {label} is {loop.polarity}, the doc says {polarity}"
    names = [label.split()[0] for label, _, _ in documented]
    assert len(set(names)) == len(names), f"{name}: the doc gives two loops one name"
    titled = {lp.name: lp.label for lp in loops.named(m.doc)}
    assert [titled[n] for n in names] == [label for label, _, _ in documented]
    undocumented = set(found) - {_rotation(chain) for _, chain, _ in documented}
    assert not undocumented, f"{name}: undocumented loops {[found[k].name for k in undocumented]}"


@pytest.mark.parametrize("name", list(ARCHETYPE_OF))
def test_archetype_models_show_their_archetype(name):
    found = [match.name for match in _load(name).to_cld().archetypes()]
    assert ARCHETYPE_OF[name] in found


@pytest.mark.parametrize("name", ["capability_trap", "fixes_that_fail", "accidental_adversaries"])
def test_xmile_models_survive_a_write_read_round_trip(name):
    m = _load(name)
    again, first = sd.read_xmile(sd.write_xmile(m)).run(), m.run()
    for stock in (v.name for v in m.definition.variables if type(v).__name__ == "Stock"):
        np.testing.assert_array_equal(again[stock], first[stock])


def test_xmile_models_take_no_options():
    with pytest.raises(SysdynError, match=r"XMILE models take no options.*run\(params=\.\.\.\)"):
        sd.models.load("limits_to_growth", recruitment_rate=0.3)


def test_info_of_a_python_model_has_its_documentation_and_loops():
    entry = sd.models.info("beer_game")
    assert entry.doc.startswith("Sterman (1989)")
    assert [loop.split(":")[0] for loop in entry.loops] == [
        "stock control (B)",
        "supply-line control (B)",
        "backlog clearing (B)",
        "demand forecasting (B)",
    ]


# ------------------------------------------------------------------------------------- capability trap


@pytest.fixture(scope="module")
def capability_runs():
    # the scenario snippet of the scenarios issue
    base = sd.models.load("capability_trap")
    policies = {"work harder": {"pressure": 1.5}, "work smarter": {"improvement effort": 0.3}}
    return sd.Scenarios(base, policies).run()


def test_capability_trap_base_run_is_in_equilibrium(capability_runs):
    base = capability_runs["baseline"]
    np.testing.assert_allclose(base["Throughput"], 288.0)
    np.testing.assert_allclose(base["Capability"], 8.0)


def test_capability_trap_working_harder_pays_now_and_costs_later(capability_runs):
    # Repenning & Sterman (2001): working harder raises throughput at once, while capability erodes,
    # so throughput ends below where it started.  Measured: 288 -> 379 at once, 265 after four years;
    # capability 8 -> 5.59; below the start from week 85 on.
    harder = capability_runs["work harder"]
    throughput, time = harder["Throughput"], harder.time
    assert throughput[0] > 1.25 * 288
    assert throughput[-1] < 288
    assert harder["Capability"][-1] < 0.75 * 8
    assert np.all(np.diff(harder["Capability"]) <= 1e-12)  # capability only erodes
    assert 52 < time[np.argmax(throughput < 288)] < 156


def test_capability_trap_working_smarter_is_worse_before_better(capability_runs):
    # Measured: throughput drops to 224 at once, passes 288 only after 15 weeks, ends at 480;
    # capability 8 -> 17.1.
    smarter = capability_runs["work smarter"]
    throughput, time = smarter["Throughput"], smarter.time
    assert throughput[0] < 0.8 * 288
    recovered = time[np.argmax(throughput > 288)]
    assert 8 < recovered < 30
    assert throughput[-1] > 1.5 * 288
    assert smarter["Capability"][-1] > 2 * 8
    # the two policies cross: harder is ahead at first, smarter ahead in the end
    harder = capability_runs["work harder"]["Throughput"]
    assert harder[0] > throughput[0] and harder[-1] < throughput[-1]


def test_capability_trap_the_gap_cuts_improvement(capability_runs):
    # Shortcuts: under the performance gap the time spent on improvement falls below what the policy sets.
    harder = capability_runs["work harder"]
    assert harder["Performance gap"][-1] > 0
    assert harder["Time spent on improvement"][-1] < 40 * 0.1 / 1.5


# ----------------------------------------------------------------------------------- Senge's archetypes


def test_limits_to_growth_is_the_logistic_curve():
    res = _load("limits_to_growth").run()
    t, members = res.time, res["Members"]
    k, m0, r = 1000.0, 10.0, 0.2
    np.testing.assert_allclose(members, k / (1 + (k / m0 - 1) * np.exp(-r * t)), atol=1e-3)  # RK4: 3e-5
    np.testing.assert_allclose(members + res["Potential members"], k)  # nobody is created or lost
    inflection = np.log(k / m0 - 1) / r  # 22.98 months
    assert abs(t[np.argmax(res["Joining"])] - inflection) <= 0.25
    assert members[np.argmax(res["Joining"])] == pytest.approx(k / 2, rel=0.01)
    assert np.all(np.diff(members) > 0) and members[-1] > 0.99 * k  # S-shaped, up to the limit


def test_shifting_the_burden_the_quick_fix_relieves_now_and_erodes_the_team():
    m = _load("shifting_the_burden")
    quick = m.run()  # experts called in (expert intensity 1)
    fundamental = m.run(params={"expert intensity": 0})
    t = quick.time
    # the symptomatic solution relieves the symptom: backlog peak 25.4 against 39.3
    assert quick["Problem backlog"].max() < 0.75 * fundamental["Problem backlog"].max()
    # the fundamental solution grows the team's skill (20 -> 26.4); the quick fix lets it decay (-> 17.1)
    assert fundamental["Team skill"][-1] > 1.25 * 20 and quick["Team skill"][-1] < 0.9 * 20
    # and the burden shifts to the experts year after year: their share 0.29, 0.33, 0.36
    share = quick["Expert share"]
    assert share[t == 52] < share[t == 104] < share[-1]


def test_shifting_the_burden_shows_when_the_experts_leave():
    # Withdraw the experts after two years: the team that relied on them meets a backlog of 49,
    # the team that built its skill does not notice (26.4).
    m = _load("shifting_the_burden")
    quick = m.run(params={"expert withdrawal time": 104}, stop=208)
    fundamental = m.run(params={"expert intensity": 0, "expert withdrawal time": 104}, stop=208)
    after = quick.time > 104
    assert quick["Problem backlog"][after].max() > fundamental["Problem backlog"].max() + 5
    assert fundamental["Problem backlog"][after].max() == pytest.approx(26.37, abs=0.05)


def test_fixes_that_fail_matches_the_linear_solution_and_comes_back_worse():
    from scipy.linalg import expm

    res = _load("fixes_that_fail").run()
    t, defects = res.time, res["Open defects"]
    a, patch_time, f0, delay = 10.0, 2.0, 0.4, 8.0
    assert defects[0] == pytest.approx(a * patch_time / (1 - f0))  # 33.3: equilibrium at intensity 1
    # after the step (t >= 10) the system is linear: x' = J x + u with intensity i = 2
    i = 2.0
    jac = np.array([[-i / patch_time, 1 / delay], [f0 * i * i / patch_time, -1 / delay]])
    u = np.array([a, 0.0])
    steady = np.linalg.solve(jac, -u)
    assert steady[0] == pytest.approx(a * patch_time / (i * (1 - f0 * i)))  # 50 defects
    # from the state at the step on (RK4 sees the step inside its last stage before t = 10)
    after = t >= 10
    x0 = np.array([defects[after][0], res["Latent side effects"][after][0]])
    exact = np.array([steady + expm(jac * (s - 10)) @ (x0 - steady) for s in t[after]])
    np.testing.assert_allclose(defects[after], exact[:, 0], rtol=1e-4)  # RK4 at dt 0.25: 1.4e-5
    np.testing.assert_allclose(defects[t < 10], defects[0])  # in equilibrium until the step
    # the fix works at first (33.3 -> 20.3 three weeks after the step), then the problem returns, worse
    low = int(np.argmin(defects))
    assert defects[low] < 0.65 * defects[0] and t[low] < 20
    assert defects[-1] > 1.4 * defects[0]
    # the best intensity is 1 / (2 f0) = 1.25: a modest increase does lower the backlog
    modest = _load("fixes_that_fail").run(params={"fix intensity increase": 0.25})
    assert modest["Open defects"][-1] == pytest.approx(a * patch_time / (1.25 * (1 - f0 * 1.25)), rel=1e-3)


def test_eroding_goals_the_goal_drifts_down_as_the_closed_form_says():
    res = _load("eroding_goals").run()
    t = res.time
    phi, tc, d, s0 = 1 / 12, 6.0, 1.0, 100.0
    k = 1 / tc + phi
    gap = d / k * (1 - np.exp(-k * t))
    standard = s0 - phi * (d / k * t - d / k * (1 - np.exp(-k * t)) / k)
    np.testing.assert_allclose(res["Gap"], gap, atol=1e-5)
    np.testing.assert_allclose(res["Quality standard"], standard, atol=1e-5)
    assert np.all(np.diff(res["Quality standard"]) < 0)  # the goal only ever goes down
    assert res.final("Quality standard") == pytest.approx(61.33, abs=0.01)
    slope = np.diff(res["Quality standard"][-9:]) / np.diff(t[-9:])
    np.testing.assert_allclose(slope, -d * phi / k, rtol=1e-6)  # a third of a point a month, for ever
    held = _load("eroding_goals").run(params={"standard flexibility": 0})
    np.testing.assert_allclose(held["Quality standard"], s0)
    assert held.final("Quality of practice") == pytest.approx(s0 - d * tc, abs=1e-6)  # 94


def test_escalation_grows_at_the_dominant_eigenvalue():
    from scipy.linalg import expm

    res = _load("escalation").run()
    t, a, b = res.time, res["Results of A"], res["Results of B"]
    jac = np.array([[-1 / 3, 1.2 / 3], [1.1 / 6, -1 / 6]])
    values, vectors = np.linalg.eig(jac)
    top = int(np.argmax(values.real))
    rate = values[top].real
    assert rate == pytest.approx(1 / 30)
    exact = np.array([expm(jac * s) @ [100.0, 100.0] for s in t])
    np.testing.assert_allclose(a, exact[:, 0], rtol=1e-7)
    np.testing.assert_allclose(b, exact[:, 1], rtol=1e-7)
    late = t > 40
    np.testing.assert_allclose(np.gradient(np.log(a), t)[late], rate, rtol=1e-3)
    np.testing.assert_allclose(np.gradient(np.log(b), t)[late], rate, rtol=1e-3)
    assert a[-1] / b[-1] == pytest.approx(vectors[0, top] / vectors[1, top], rel=1e-4)  # 12/11
    # without ambition on either side there is no race: both stay where they are
    calm = _load("escalation").run(params={"ambition A": 0, "ambition B": 0})
    np.testing.assert_allclose(calm["Results of A"], 100.0)


def test_success_to_the_successful_the_early_leader_takes_all():
    m = _load("success_to_the_successful")
    res = m.run()
    t, a, b = res.time, res["Success of A"], res["Success of B"]
    # whatever the split, total success is first order: 120 + (40 - 120) exp(-t/12)
    np.testing.assert_allclose(a + b, 120 + (40 - 120) * np.exp(-t / 12), atol=1e-6)
    assert a[-1] > 119.9 and b[-1] < 0.01 and res["Allocation to A instead of B"][-1] > 0.999
    swapped = m.run(params={"initial success of A": 18, "initial success of B": 22})
    assert swapped.final("Success of B") > 119.9 and swapped.final("Success of A") < 0.01
    even = m.run(params={"initial success of A": 20, "initial success of B": 20})
    np.testing.assert_allclose(even["Success of A"], even["Success of B"])
    proportional = m.run(params={"allocation sensitivity": 1})  # k = 1: shares stay as they started
    np.testing.assert_allclose(proportional["Allocation to A instead of B"], 22 / 40)


def test_tragedy_of_the_commons_ends_in_open_access_equilibrium():
    res = _load("tragedy_of_the_commons").run()
    resource, a, b = res["Resource"], res["Activity of A"], res["Activity of B"]
    k, r, q, c = 1000.0, 0.5, 0.001, 0.2
    np.testing.assert_allclose(a / b, 2.0, rtol=1e-9)  # both grow at the same relative rate
    assert resource[-1] == pytest.approx(c / q, rel=0.02)  # 200 (measured 201.8)
    assert (a + b)[-1] == pytest.approx(r * (1 - c / q / k) / q, rel=0.02)  # 400 (measured 397.9)
    assert resource[-1] < k / 2  # held below the level of the maximum sustainable yield
    assert res.final("Harvest") < 0.7 * r * k / 4  # 80 a year against an MSY of 125
    gain = res["Net gains for A"] / a
    assert gain[0] > 0.75 and abs(gain[-1]) < 0.01  # the rent is dissipated
    assert resource.min() < c / q  # overshoot on the way


def test_growth_and_underinvestment_stalls_at_the_closed_form_limit():
    m = _load("growth_and_underinvestment")
    eroded = m.run(params={"performance standard": 0.4})
    assert eroded.final("Learners") == pytest.approx(0.1 * 20 * 200, rel=0.005)  # 400
    assert eroded.final("Service quality") == pytest.approx(0.5, rel=0.005)
    np.testing.assert_allclose(eroded["Training capacity"], 200.0)  # no investment ever
    modest, demanding = m.run(), m.run(params={"performance standard": 0.9})
    # investing late keeps quality below the standard and growth slow: 873 against 5,660 learners
    assert modest.final("Service quality") < 0.6 and modest.final("Learners") > 400
    assert demanding.final("Learners") > 3 * modest.final("Learners")
    assert np.all(modest["Training capacity"] <= modest["Learners"] + 100)  # capacity lags demand


def test_accidental_adversaries_partners_fixing_for_themselves_both_lose():
    m = _load("accidental_adversaries")
    both = m.run()
    partnership = m.run(params={"own fix effort": 0})
    t = both.time
    np.testing.assert_allclose(partnership["Success of A"], 100 * np.exp((0.08 - 1 / 20) * t), rtol=1e-6)
    lead = both["Success of A"] - partnership["Success of A"]
    assert lead[(t > 24) & (t <= 36)].min() > 0  # A's own fix pays A at first...
    assert both.final("Success of A") < 0.05 * partnership.final("Success of A")  # ...and not in the end
    assert both.final("Success of B") < both["Success of B"][t == 36][0]
    # with c = h f the partnership is worth nothing: from month 36 each decays at 1/L - f = 1 % a month
    after = t >= 36
    for team in ("Success of A", "Success of B"):
        start = both[team][t == 36][0]
        np.testing.assert_allclose(both[team][after], start * np.exp(-0.01 * (t[after] - 36)), rtol=1e-7)


# ---------------------------------------------------------------------------- learning models


def test_knowledge_accumulation_settles_at_the_closed_form():
    m = _load("knowledge_accumulation")
    res = m.run()
    d = 1 / 24 + 0.01
    experience = 20 / (2 + 1)
    potential = 8 * 0.5 + 2 * experience * 0.25
    assert res.final("Unreviewed experience") == pytest.approx(experience, rel=1e-6)  # 6.67
    assert res.final("Team knowledge") == pytest.approx(potential / (potential / 100 + d), rel=1e-3)  # 58.7
    no_reviews = m.run(params={"review rate": 0})
    assert no_reviews.final("Team knowledge") == pytest.approx(4 / (4 / 100 + d), rel=1e-3)  # 43.6
    # after-action reviews add 15 units of lasting knowledge here
    assert res.final("Team knowledge") - no_reviews.final("Team knowledge") > 14


def test_knowledge_decays_exponentially_without_training_or_reviews():
    res = _load("knowledge_accumulation").run(params={"training hours": 0, "review rate": 0})
    d = 1 / 24 + 0.01
    np.testing.assert_allclose(res["Team knowledge"], 20 * np.exp(-d * res.time), rtol=1e-7)


def test_learning_curve_follows_wright_and_the_closed_forms():
    m = _load("learning_curve")
    b = -np.log2(0.8)
    perfect_memory = m.run(params={"depreciation rate": 0})
    t, experience = perfect_memory.time, perfect_memory["Experience"]
    exact = 1000 * (1 + (1 - b) * 100 * t / 1000) ** (1 / (1 - b))
    np.testing.assert_allclose(experience, exact, rtol=1e-8)
    # each doubling of experience multiplies unit cost by the progress ratio
    cost = np.interp([2000, 4000, 8000, 16000], experience, perfect_memory["Unit cost"])
    np.testing.assert_allclose(cost[1:] / cost[:-1], 0.8, rtol=1e-4)
    fixed = m.run(params={"depreciation rate": 0, "price elasticity": 0})
    np.testing.assert_allclose(fixed["Experience"], 1000 + 100 * fixed.time)
    # with depreciation, experience settles where production renews it
    settled = m.run(stop=1200)
    target = 1000 * 5 ** (1 / (1 - b))  # 10,735 units
    assert settled.final("Experience") == pytest.approx(target, rel=1e-4)
    assert settled.final("Unit cost") == pytest.approx(100 * (target / 1000) ** -b, rel=1e-4)  # 46.6


@pytest.mark.parametrize("name", [n for n in sd.models.list() if sd.models.info(n).returns == "sysdyn.Model"])
def test_every_library_model_has_consistent_units(name):
    """Flows in their stocks' units per time unit, equations in their variables' units."""
    m = _load(name)
    assert m.check_units() == []
    assert m.check_units(numbers="dimensionless") == []
