"""The organisational-learning models of the library: personal mastery and shared vision,
psychological safety and team learning, a learning community (community of practice).

Each model gets the generic checks of ``tests/test_models.py`` (standard XMILE 1.0, loads, runs and
documents itself, the loops of the doc are its loops, write/read round trip), then its behaviour is
checked against closed forms of its sub-cases and against equilibria solved by hand from its
equations, and the published qualitative behaviour against numbers derived from those.

Tolerances.  The files run RK4 at dt 0.25.  Measured against RK45 at rtol = atol = 1e-11, the method
error of the base runs is at most 4e-6 people (shared vision), 1.4e-6 knowledge units and 5e-8 of
safety (psychological safety) and 2e-5 people (learning community, whose graphical function has kinks
that RK4 steps over); halving dt changes the runs by as much.  Each closed form is compared with a
tolerance 10 to 20 times the RK4 error measured for that run (noted beside it); equilibria are
compared relatively at 1e-6 after runs long enough for the slowest mode to decay below 1e-6.
"""

from __future__ import annotations

import numpy as np
import pytest
import test_models as generic  # tests/test_models.py: the checks every library XMILE file passes
from scipy.integrate import quad

import sysdyn as sd

#: The three models of this file (also in ``XMILE_MODELS`` of tests/test_models.py).
ORG_LEARNING_MODELS = (
    "personal_mastery_shared_vision",
    "psychological_safety",
    "learning_community",
)


def _load(name):
    return sd.models.load(name)


def _stocks(model):
    return [v.name for v in model.definition.variables if type(v).__name__ == "Stock"]


# ------------------------------------------------------------------------------------ generic checks


def test_the_models_are_among_the_library_models_every_generic_check_runs_on():
    """tests/test_models.py runs the checks of every library XMILE file (standard XMILE 1.0, runs and
    documents itself, loops named in the doc, write/read round trip) over its ``XMILE_MODELS``."""
    assert set(ORG_LEARNING_MODELS) <= set(generic.XMILE_MODELS)
    for name in ORG_LEARNING_MODELS:
        entry = sd.models.info(name)
        assert entry.kind == "xmile" and entry.path.name == f"{name}.xmile"


@pytest.mark.parametrize("name", ORG_LEARNING_MODELS)
def test_shape_of_the_models(name):
    """3-5 stocks, a title, a source with the year, and the doc's sections in the registry's format."""
    m, entry = _load(name), sd.models.info(name)
    assert 3 <= len(_stocks(m)) <= 5
    assert entry.title.endswith(".") and ("(19" in entry.source or "(20" in entry.source)
    labels = [loop.split(":")[0] for loop in entry.loops]
    assert any(label.startswith("R") for label in labels) and any(label.startswith("B") for label in labels)


def _lookup(model, variable):
    return next(v for v in model.definition.variables if v.name == variable).lookup


@pytest.mark.parametrize(
    ("name", "variable", "xs", "ys"),
    [
        ("psychological_safety", "Voice share", np.linspace(0, 1, 6), (0.1, 0.35, 0.55, 0.7, 0.8, 0.85)),
        ("learning_community", "Attractiveness", np.linspace(0, 2.5, 6), (0.4, 0.6, 0.78, 0.9, 0.97, 1.0)),
    ],
)
def test_graphical_functions_are_read_and_written_back(name, variable, xs, ys):
    """The <gf> with an <xscale> gives evenly spaced points; it rises (the loops through it have a sign)."""
    m = _load(name)
    lookup = _lookup(m, variable)
    np.testing.assert_allclose(lookup.x, xs)
    assert lookup.y == ys and np.all(np.diff(ys) > 0)
    again = _lookup(sd.read_xmile(sd.write_xmile(m)), variable)
    assert again.y == ys
    np.testing.assert_allclose(again.x, xs)


# -------------------------------------------------------------------- personal mastery and shared vision

PV = "personal_mastery_shared_vision"
#: staff N, initially enrolled E0, leader advocacy p, word of mouth q = 0.5 x personal mastery 0.6, loss d
N, E0, P_ADV, Q_WOM, D_LOSS = 100.0, 5.0, 0.01, 0.5 * 0.6, 0.02
#: initial reality and vision, improvement time, vision adjustment time, compliance effort, 1 - mastery
R0, V0, T_IMP, T_VIS, COMPLY, EMO = 40.0, 100.0, 12.0, 24.0, 0.2, 0.4


def _bass(t, p, q, f0):
    """Bass's share adopted with F(0) = f0: F = (1 - c e^(-(p+q)t)) / (1 + (q/p) c e^(-(p+q)t))."""
    c = (1 - f0) / (1 + q / p * f0)
    e = np.exp(-(p + q) * t)
    return (1 - c * e) / (1 + q / p * c * e)


def _bass_integral(t, p, q, f0):
    """The integral of Bass's share from 0 to t (integrate 1 - F: a logarithm)."""
    a, beta = q / p, p + q
    c = (1 - f0) / (1 + a * f0)
    return t - (1 + a) / (a * beta) * np.log((1 + a * c) / (1 + a * c * np.exp(-beta * t)))


def _riccati(t, p, q, d, f0):
    """Solution of dF/dt = (p + q F)(1 - F) - d F: roots F1 > 0 > F2 of q F^2 - (q - p - d) F - p."""
    disc = np.sqrt((q - p - d) ** 2 + 4 * q * p)
    f1, f2 = ((q - p - d) + disc) / (2 * q), ((q - p - d) - disc) / (2 * q)
    k = (f0 - f1) / (f0 - f2) * np.exp(-q * (f1 - f2) * t)
    return (f1 - k * f2) / (1 - k), f1


def test_enrollment_without_loss_is_the_bass_curve_and_without_advocacy_the_logistic():
    m = _load(PV)
    res = m.run(params={"commitment loss rate": 0})
    t = res.time
    np.testing.assert_allclose(res["Enrolled staff"], N * _bass(t, P_ADV, Q_WOM, E0 / N), atol=1e-4)  # 5.6e-6
    np.testing.assert_allclose(res["Enrolled staff"] + res["Staff not yet enrolled"], N)
    # Bass: adoption peaks at t* = ln(q/p) / (p + q) from F0 = 0; from F0 = 0.05 it comes earlier
    enrolling = res["Enrolling"]
    assert t[np.argmax(enrolling)] < np.log(Q_WOM / P_ADV) / (P_ADV + Q_WOM)  # measured 7.75 < 10.97 months
    logistic = m.run(params={"commitment loss rate": 0, "leader advocacy": 0})
    exact = N / (1 + (N / E0 - 1) * np.exp(-Q_WOM * t))
    np.testing.assert_allclose(logistic["Enrolled staff"], exact, atol=1e-4)  # RK4 error: 7e-6
    inflection = np.log(N / E0 - 1) / Q_WOM  # 9.81 months, at half the staff
    assert abs(t[np.argmax(logistic["Enrolling"])] - inflection) <= 0.25


def test_enrollment_with_loss_follows_the_riccati_solution_to_its_root():
    res = _load(PV).run()
    exact, f1 = _riccati(res.time, P_ADV, Q_WOM, D_LOSS, E0 / N)
    # by hand: 0.3 F^2 - 0.27 F - 0.01 = 0, F1 = (0.27 + sqrt(0.0849)) / 0.6 = 0.93563
    assert f1 == pytest.approx((0.27 + np.sqrt(0.27**2 + 0.012)) / 0.6)
    assert f1 == pytest.approx(0.93563, abs=1e-5)
    np.testing.assert_allclose(res["Enrolled staff"], N * exact, atol=1e-4)  # RK4 error: 3.8e-6
    assert res.final("Enrolled staff") == pytest.approx(N * f1, abs=1e-3)  # 93.56 people


def test_creative_tension_decays_exponentially_when_commitment_is_fixed():
    m = _load(PV)
    # everyone enrolled for good: commitment 1, a = 1/12, b = 0.4/24 = 1/60, the gap falls at 0.1 a month
    full = m.run(params={"initial enrolled": N, "commitment loss rate": 0})
    t = full.time
    a, b = 1 / T_IMP, EMO / T_VIS
    gap = (V0 - R0) * np.exp(-(a + b) * t)
    meet = R0 + a / (a + b) * (V0 - R0)  # 90 points
    assert meet == pytest.approx(90.0)
    np.testing.assert_allclose(full["Creative tension"], gap, atol=1e-6)  # RK4 error: 7e-8
    np.testing.assert_allclose(full["Current reality"], meet - a / (a + b) * gap, atol=1e-6)
    np.testing.assert_allclose(full["Vision"], meet + b / (a + b) * gap, atol=1e-6)
    # nobody enrolled and nobody to enrol: compliance only, a = b = 1/60, they meet half way, at 70
    none = m.run(params={"initial enrolled": 0, "leader advocacy": 0}, stop=600)
    a = COMPLY / T_IMP
    np.testing.assert_allclose(none["Creative tension"], (V0 - R0) * np.exp(-(a + b) * none.time), atol=1e-5)
    assert none.final("Vision") == pytest.approx(70.0, abs=1e-3)
    assert none.final("Current reality") == pytest.approx(70.0, abs=1e-3)


def test_creative_tension_with_the_vision_spreading_by_bass_enrollment():
    """G(t) = G0 exp(-b t - (compliance t + (1 - compliance) integral of F) / improvement time)."""
    res = _load(PV).run(params={"commitment loss rate": 0})
    t = res.time
    share = _bass_integral(t, P_ADV, Q_WOM, E0 / N)
    ends = np.array([10.0, 60.0])
    check = [quad(lambda s: _bass(s, P_ADV, Q_WOM, E0 / N), 0, x)[0] for x in ends]
    np.testing.assert_allclose(_bass_integral(ends, P_ADV, Q_WOM, E0 / N), check, rtol=1e-10)
    exponent = EMO / T_VIS * t + (COMPLY * t + (1 - COMPLY) * share) / T_IMP
    np.testing.assert_allclose(res["Creative tension"], (V0 - R0) * np.exp(-exponent), atol=1e-5)  # 1e-6


def _meeting_point(mastery):
    """Where reality and vision meet (loss 0): R0 + integral of C(t) G(t) / improvement time (quadrature)."""
    q, e = 0.5 * mastery, 1 - mastery

    def gap(s):
        integral = _bass_integral(s, P_ADV, q, E0 / N)
        return (V0 - R0) * np.exp(-e / T_VIS * s - (COMPLY * s + (1 - COMPLY) * integral) / T_IMP)

    def pull(s):
        return (COMPLY + (1 - COMPLY) * _bass(s, P_ADV, q, E0 / N)) * gap(s) / T_IMP

    reality = R0 + quad(pull, 0, np.inf, limit=200)[0]
    vision = V0 - e / T_VIS * quad(gap, 0, np.inf, limit=200)[0]
    return reality, vision


def test_personal_mastery_keeps_the_vision_from_eroding():
    """Senge ch. 9: without personal mastery, emotional tension lowers the vision (Eroding Goals)."""
    masteries = np.array([0.2, 0.6, 0.9, 1.0])
    res = _load(PV).run(params={"personal mastery": masteries, "commitment loss rate": 0}, stop=600)
    expected = [_meeting_point(p) for p in masteries]
    for i, (reality, vision) in enumerate(expected):
        assert reality == pytest.approx(vision, abs=1e-6)  # the two meet: creative tension is released
        assert res["Vision"][i, -1] == pytest.approx(vision, abs=1e-3)
        assert res["Current reality"][i, -1] == pytest.approx(reality, abs=1e-3)
    final = res["Vision"][:, -1]
    # from the quadratures: 71.7, 85.7, 96.2 and 100 points
    assert np.all(np.diff(final) > 0)
    assert final[0] < 75 and final[-1] == pytest.approx(100.0)
    np.testing.assert_allclose(res["Vision"][-1], V0)  # full mastery: the vision never moves
    assert np.all(np.diff(res["Vision"][0]) <= 1e-12)  # it only ever goes down


def _archetype_loop_pairs(name, archetype):
    """The pairs of loops (as sets of canonical variable names) in which the archetype is found."""
    matches = [match for match in _load(name).to_cld().archetypes() if match.name == archetype]
    return {frozenset(frozenset(loop.keys) for loop in match.loops) for match in matches}


def _loop(*variables):
    from sysdyn.names import canonical

    return frozenset(map(canonical, variables))


@pytest.mark.parametrize(
    ("name", "archetype", "loops"),
    [
        # creative tension resolved by lowering the vision: Senge's Eroding Goals (ch. 9)
        (
            PV,
            "Eroding Goals",
            (
                _loop("Current reality", "Creative tension", "Improving reality"),
                _loop("Vision", "Creative tension", "Eroding vision"),
            ),
        ),
        # the vision spreads by enrollment until the staff not yet enrolled run out (ch. 11)
        (
            PV,
            "Limits to Growth",
            (
                _loop("Enrolled staff", "Share enrolled", "Enrolling"),
                _loop("Staff not yet enrolled", "Enrolling"),
            ),
        ),
        # the community grows by word of mouth until the potential members run out
        (
            "learning_community",
            "Limits to Growth",
            (
                _loop("Active members", "Share active", "Word of mouth", "Joining"),
                _loop("Potential members", "Joining"),
            ),
        ),
    ],
)
def test_the_models_hold_senges_archetypes_in_the_right_loops(name, archetype, loops):
    assert frozenset(loops) in _archetype_loop_pairs(name, archetype)


# ------------------------------------------------------------------------------- psychological safety

PS = "psychological_safety"
KA, KB, E_NORMAL, L_REQ, LESSONS, L_LIFE, S0, L0 = 0.05, 0.02, 10.0, 100.0, 0.25, 52.0, 0.5, 30.0
VOICE_X, VOICE_Y = np.linspace(0, 1, 6), np.array([0.1, 0.35, 0.55, 0.7, 0.8, 0.85])


def _voice(s):
    return np.interp(s, VOICE_X, VOICE_Y)


#: The safety equilibria solved by hand: (1 - b) ka V(S) (1 - S) = b kb S, with V = v0 + v1 S on the
#: segment of the table the root lies on and ratio r = (1 - b) ka / (b kb), is the quadratic
#: v1 S^2 + (1 / r + v0 - v1) S - v0 = 0 (positive root); the three cases:
#:   b = 0.2 (ratio (1-b) ka / (b kb) = 10), segment 0.8-1, V = 0.6 + 0.25 S:  0.25 S^2 + 0.45 S - 0.6 = 0
#:   b = 0.5 (ratio 2.5),                    segment 0.6-0.8, V = 0.4 + 0.5 S:  0.5 S^2 + 0.3 S - 0.4 = 0
#:   b = 0.8 (ratio 0.625),                  segment 0-0.2,  V = 0.1 + 1.25 S: 1.25 S^2 + 0.45 S - 0.1 = 0
SAFETY_AT = {
    0.2: (-0.45 + np.sqrt(0.45**2 + 4 * 0.25 * 0.6)) / (2 * 0.25),  # 0.8917
    0.5: (-0.3 + np.sqrt(0.3**2 + 4 * 0.5 * 0.4)) / (2 * 0.5),  # 0.6434
    0.8: (-0.45 + np.sqrt(0.45**2 + 4 * 1.25 * 0.1)) / (2 * 1.25),  # 0.1553
}


def _knowledge_at(safety):
    """L* = x / (1 + x / required) with x = lessons x e0 x V(S*) x lifetime (learning = forgetting)."""
    x = LESSONS * E_NORMAL * _voice(safety) * L_LIFE
    return x / (1 + x / L_REQ)


def _errors_at(blame):
    """Errors a week at the equilibrium of a blame fraction: e0 (1 - L* / required)."""
    return E_NORMAL * (1 - _knowledge_at(SAFETY_AT[blame]) / L_REQ)


def test_safety_equilibria_solve_the_balance_of_appreciation_and_blame():
    blame = np.array(sorted(SAFETY_AT))
    res = _load(PS).run(params={"blame fraction": blame}, stop=520)
    for i, b in enumerate(blame):
        s = SAFETY_AT[b]
        # the root is on the segment assumed, and it balances the two flows
        assert (1 - b) * KA * _voice(s) * (1 - s) == pytest.approx(b * KB * s, rel=1e-12)
        assert res["Psychological safety"][i, -1] == pytest.approx(s, rel=1e-6)
        assert res["Team knowledge"][i, -1] == pytest.approx(_knowledge_at(s), rel=1e-6)
        assert res["Errors"][i, -1] == pytest.approx(_errors_at(b), rel=1e-6)
    # hand values: safety 0.892, 0.643, 0.155; knowledge 51.7, 48.4, 27.7; errors 4.83, 5.16, 7.23 a week
    np.testing.assert_allclose(res["Psychological safety"][:, -1], [0.8917, 0.6434, 0.1553], atol=1e-4)
    np.testing.assert_allclose(res["Team knowledge"][:, -1], [51.69, 48.41, 27.66], atol=0.01)


def test_the_error_rate_sets_the_speed_of_safety_but_not_where_it_settles():
    res = _load(PS).run(params={"normal error rate": np.array([5.0, 10.0, 20.0])}, stop=1040)
    np.testing.assert_allclose(res["Psychological safety"][:, -1], SAFETY_AT[0.5], rtol=1e-6)
    halfway = [np.argmax(s > (S0 + SAFETY_AT[0.5]) / 2) for s in res["Psychological safety"]]
    assert halfway[0] > halfway[1] > halfway[2]  # more errors, more responses, faster change


def test_pure_blame_without_learning_has_a_closed_form():
    """Blame fraction 1, no lessons: L = L0 e^(-t/T), S = S0 exp(-kb e0 (t - L0 T / L_req (1 - e^(-t/T))))."""
    res = _load(PS).run(params={"blame fraction": 1, "lessons per error": 0})
    t = res.time
    np.testing.assert_allclose(res["Team knowledge"], L0 * np.exp(-t / L_LIFE), atol=1e-9)  # RK4: 5e-11
    exponent = KB * E_NORMAL * (t - L0 * L_LIFE / L_REQ * (1 - np.exp(-t / L_LIFE)))
    np.testing.assert_allclose(res["Psychological safety"], S0 * np.exp(-exponent), atol=3e-8)  # RK4: 2.7e-9


def test_blame_lowers_safety_learning_and_performance():
    """Edmondson (1999): psychological safety drives learning behaviour, which drives performance."""
    blame = np.array([0.2, 0.5, 0.8])
    res = _load(PS).run(params={"blame fraction": blame})
    for variable in ("Psychological safety", "Team knowledge", "Voice share"):
        final = res[variable][:, -1]
        assert np.all(np.diff(final) < 0), variable
    for variable in ("Errors", "Failures to date"):
        final = res[variable][:, -1]
        assert np.all(np.diff(final) > 0), variable
    # in a blame culture safety collapses from 0.5 toward 0.155 and knowledge falls below its start
    # (27.7 < 30: the team raises 2.1 of its 7.2 errors a week, V(0.155) = 0.29, and learns 0.53 units a week)
    assert res["Psychological safety"][2, -1] < 0.2 and res["Team knowledge"][2, -1] < L0
    # and fails over three times as often as a learning culture: failures a week at the equilibria
    failing = [_errors_at(b) * (1 - _voice(SAFETY_AT[b])) for b in (0.2, 0.8)]
    assert failing[1] > 3 * failing[0]  # 5.11 against 0.86


def test_a_learning_culture_reports_more_errors_while_making_fewer():
    """Edmondson (1996): better-led units reported more errors, because they were more willing to."""
    blame = np.array([0.2, 0.8])
    res = _load(PS).run(params={"blame fraction": blame}, stop=520)
    learning, blaming = 0, 1
    assert res["Errors"][learning, -1] < res["Errors"][blaming, -1]
    assert res["Errors raised"][learning, -1] > 1.8 * res["Errors raised"][blaming, -1]  # 3.98 against 2.13
    by_hand = [_errors_at(b) * _voice(SAFETY_AT[b]) for b in (0.2, 0.8)]
    np.testing.assert_allclose(res["Errors raised"][:, -1], by_hand, rtol=1e-6)


def test_a_facilitator_turning_blame_into_learning_rebuilds_safety():
    """From the blame culture's equilibrium, blame fraction 0.2: reported errors rise, then errors fall."""
    s_blame = SAFETY_AT[0.8]
    start = {"initial safety": s_blame, "initial knowledge": _knowledge_at(s_blame)}
    res = _load(PS).run(params={"blame fraction": 0.2, **start}, stop=520)
    assert res.final("Psychological safety") == pytest.approx(SAFETY_AT[0.2], rel=1e-6)
    assert np.all(np.diff(res["Psychological safety"]) >= 0)
    assert np.all(np.diff(res["Errors"]) < 1e-12)  # errors only fall
    raised, t = res["Errors raised"], res.time
    assert raised[0] == pytest.approx(_errors_at(0.8) * _voice(s_blame))  # 2.13 a week
    assert raised.max() > 2 * raised[0]  # measured: 5.33 a week in week 11, while errors fall
    assert t[np.argmax(res["Psychological safety"] > 0.8)] < 26  # measured: week 11


# ---------------------------------------------------------------------------------- learning community

LC = "learning_community"
STAFF, FOUNDERS, CONTACT, KAPPA, K_LIFE, K_REF = 80.0, 4.0, 0.3, 0.5, 24.0, 400.0
ATTR_X, ATTR_Y = np.linspace(0, 2.5, 6), np.array([0.4, 0.6, 0.78, 0.9, 0.97, 1.0])


def _outreach_and_drift(hours):
    return 0.002 * hours, 0.1 / (1 + hours / 8)


def _community_equilibrium(hours, kappa=KAPPA):
    """Share active F at the fixed point: F is the Riccati root for q = contact x attractiveness(K*/ref)."""
    from scipy.optimize import brentq

    p, d = _outreach_and_drift(hours)

    def excess(f):
        q = CONTACT * np.interp(kappa * K_LIFE * STAFF * f / K_REF, ATTR_X, ATTR_Y)
        return (p + q * f) * (1 - f) - d * f

    return brentq(excess, 0.05, 1.0)  # excess > 0 at 0.05 (growth), < 0 at 1: one root between


def test_community_without_coordinator_drift_or_repertoire_is_logistic():
    res = _load(LC).run(params={"coordinator time": 0, "normal drift rate": 0, "contributions per member": 0})
    t, q = res.time, CONTACT * ATTR_Y[0]  # the empty repertoire's attractiveness, 0.4: q = 0.12
    exact = STAFF / (1 + (STAFF / FOUNDERS - 1) * np.exp(-q * t))
    np.testing.assert_allclose(res["Active members"], exact, atol=2e-6)  # RK4 error: 1.5e-7
    np.testing.assert_allclose(res["Shared repertoire"], 0.0)
    inflection = np.log(STAFF / FOUNDERS - 1) / q  # 24.5 months
    assert abs(t[np.argmax(res["Joining"])] - inflection) <= 0.25


def test_community_without_repertoire_follows_the_riccati_solution():
    res = _load(LC).run(params={"contributions per member": 0}, stop=240)
    p, d = _outreach_and_drift(8)  # 0.016 and 0.05 a month
    exact, f1 = _riccati(res.time, p, CONTACT * ATTR_Y[0], d, FOUNDERS / STAFF)
    np.testing.assert_allclose(res["Active members"], STAFF * exact, atol=2e-7)  # RK4 error: 1.6e-8
    # by hand: 0.12 F^2 - 0.054 F - 0.016 = 0, F1 = (0.054 + sqrt(0.010596)) / 0.24 = 0.6539
    assert f1 == pytest.approx((0.054 + np.sqrt(0.054**2 + 4 * 0.12 * 0.016)) / 0.24)
    assert res.final("Active members") == pytest.approx(STAFF * f1, abs=1e-4)  # 52.3 teachers


def test_community_settles_at_the_fixed_point_of_members_and_repertoire():
    hours = np.array([0.0, 8.0])
    res = _load(LC).run(params={"coordinator time": hours}, stop=600)
    for i, h in enumerate(hours):
        f = _community_equilibrium(h)
        assert res["Active members"][i, -1] == pytest.approx(STAFF * f, rel=1e-6)
        assert res["Shared repertoire"][i, -1] == pytest.approx(KAPPA * K_LIFE * STAFF * f, rel=1e-6)
    # 50.4 teachers (repertoire 605) without a coordinator, 67.1 (805) with 8 hours a month
    np.testing.assert_allclose(res["Active members"][:, -1], [50.43, 67.11], atol=0.01)


def test_community_grows_along_an_s_shaped_curve():
    res = _load(LC).run(stop=120)
    t, members = res.time, res["Active members"]
    np.testing.assert_allclose(res["Potential members"] + members, STAFF)  # nobody is created or lost
    assert np.all(np.diff(members) > 0)
    growth = res["Joining"] - res["Drifting away"]  # the net growth, dA/dt
    peak = int(np.argmax(growth))  # the inflection of the S
    assert 8 < t[peak] < 30  # measured: month 14.25, with 29.8 members (37 % of the staff)
    assert np.all(np.diff(growth[: peak + 1]) > 0)  # accelerating before the inflection
    assert np.all(np.diff(growth[peak:]) < 0)  # slowing after it, for good
    assert members[0] < 0.1 * members[-1]
    assert members[-1] == pytest.approx(STAFF * _community_equilibrium(8), rel=0.01)  # 99 % there in 10 years


def test_the_shared_repertoire_draws_members_in():
    """R2: a community that builds its repertoire ends larger than one that only talks (14.8 teachers)."""
    res = _load(LC).run(params={"contributions per member": np.array([0.0, KAPPA])}, stop=600)
    talking, building = res["Active members"][:, -1]
    assert talking == pytest.approx(STAFF * _community_equilibrium(8, kappa=0.0), rel=1e-6)  # 52.3
    assert building - talking > 14
    assert res["Attractiveness"][1, -1] > 0.9  # the repertoire's value 2.0: attractiveness 0.97


def test_coordinator_time_grows_the_community_faster_and_larger():
    """Wenger, McDermott & Snyder (2002): a community needs a coordinator who keeps its rhythm."""
    hours = np.array([0.0, 4.0, 8.0, 16.0])
    res = _load(LC).run(params={"coordinator time": hours}, stop=600)
    t = res.time
    at_two_years = res["Active members"][:, t == 24][:, 0]
    assert np.all(np.diff(at_two_years) > 0)
    final = res["Active members"][:, -1]
    expected = [STAFF * _community_equilibrium(h) for h in hours]  # 50.4, 61.9, 67.1, 71.9
    np.testing.assert_allclose(final, expected, rtol=1e-6)
    half = [t[np.argmax(row > STAFF / 2)] for row in res["Active members"]]
    assert half[0] > 4 * half[2]  # measured: 112 months without a coordinator, 19 with 8 hours a month
