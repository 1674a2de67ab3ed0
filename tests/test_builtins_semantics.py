"""Semantics of builtins and options that the XMILE conformance suite pins down, checked in closed form.

Each rule is checked on a small model against values worked out by hand, in
the single-run fast path (plain floats) and in the ensemble path (numpy),
which must agree:

* division (and ``MOD``) by zero follow IEEE arithmetic, as numpy does, so an
  infinity can pass through an equation that ends finite;
* ``^`` groups to the right (XMILE 1.0 section 3.3.1);
* ``INT`` is the floor and ``a MOD b`` the floored modulus (XMILE), ``INTEGER``
  truncates and ``MODULO`` keeps the dividend's sign (Vensim), and a file
  written by Vensim keeps Vensim's meaning of ``INT`` and ``MOD``;
* ``MIN``/``MAX``/``SUM``... reduce the dimensions the defined variable lacks;
* non-negative stocks and uniflows (XMILE 1.0 sections 3.5.6, 4.2, 4.3).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import sysdyn as sd
from sysdyn.compiler.runtime import divide_by_zero


def _one_value(equation: str, *, stop: float = 1.0, dt: float = 1.0) -> sd.Model:
    m = sd.Model("m", stop=stop, dt=dt)
    m.stock("S", 0, inflows=["f"])
    m.flow("f", "0")
    m.constant("k", 1)  # a constant to make an ensemble with
    m.aux("y", equation)
    return m


def _single_and_ensemble(m: sd.Model, name: str = "y") -> np.ndarray:
    """The variable in a single run, checked equal to both runs of a two-run ensemble."""
    single = m.run(method="euler")[name]
    ensemble = m.run(method="euler", params={"k": [1.0, 1.0]})[name]
    np.testing.assert_array_equal(ensemble[0], single)
    np.testing.assert_array_equal(ensemble[1], single)
    return single


# ------------------------------------------------------------------------------------- division by zero
def test_divide_by_zero_is_ieee():
    assert divide_by_zero(3.0, 0.0) == math.inf
    assert divide_by_zero(3.0, -0.0) == -math.inf
    assert divide_by_zero(-3.0, 0.0) == -math.inf
    assert math.isnan(divide_by_zero(0.0, 0.0))
    assert math.isnan(divide_by_zero(math.nan, 0.0))


@pytest.mark.parametrize(
    ("equation", "at_one"),
    [
        ("1 / (5 + 1 / (TIME - 1))", 0.0),  # 1 / (5 + inf)
        ("1 / (-2 + 3 / (TIME - 1) * 2)", 0.0),  # the form of arithmetics_exp's combined[sub4]
        ("EXP(-1 / (TIME - 1) ^ 2)", 0.0),  # exp(-inf)
        ("ARCTAN(1 / (TIME - 1))", math.pi / 2),
        ("IF 1 / (TIME - 1) > 1E300 THEN 7 ELSE 8", 7.0),
    ],
)
def test_an_infinity_can_pass_through_an_equation_that_ends_finite(equation, at_one):
    m = _one_value(equation, stop=2, dt=0.5)  # TIME = 1 exactly on the grid
    y = _single_and_ensemble(m)
    assert y[2] == pytest.approx(at_one, abs=1e-15)


@pytest.mark.parametrize("equation", ["(TIME - 1) / (TIME - 1)", "1 / (TIME - 1)", "5 MOD (TIME - 1)"])
def test_a_non_finite_result_still_stops_the_run_and_names_the_variable(equation):
    m = _one_value(equation, stop=2, dt=0.5)
    for params in (None, {"k": [1.0, 1.0]}):
        with pytest.raises(sd.NonFiniteValueError, match=r"`y` is not finite .* at time 1"):
            m.run(method="euler", params=params)


def test_a_chain_of_divisions_compiles_to_code_of_linear_size():
    # each guarded division prints its numerator once, so code does not double per level
    chain = " / ".join(["(TIME + 1)"] + ["(TIME + 2)"] * 60)
    m = _one_value(chain)
    source = m.compile().program("single").source
    assert len(source) < 40_000
    assert _single_and_ensemble(m)[0] == pytest.approx(2.0**-60)


# ------------------------------------------------------------------------------------- exponentiation
@pytest.mark.parametrize(
    ("equation", "value"),
    [
        ("2 ^ 3 ^ 2", 512.0),  # 2^(3^2), not (2^3)^2 = 64
        ("(2 ^ 3) ^ 2", 64.0),
        ("2 ^ -1 ^ 2", 0.5),  # 2^(-(1^2))
        ("-2 ^ 2", -4.0),
        ("(-2) ^ 2", 4.0),
        ("4 ^ 0.5 ^ 2", 4**0.25),
        ("30 ^ - 30 ^ -1.2", 30 ** -(30**-1.2)),  # arithmetics_exp's expo[sub6]
    ],
)
def test_power_groups_to_the_right(equation, value):
    assert _single_and_ensemble(_one_value(equation))[0] == pytest.approx(value, rel=1e-15)


# ------------------------------------------------------------------------------------- rounding
@pytest.mark.parametrize(
    ("a", "b", "floor_mod", "trunc_mod"),
    [(7, 3, 1, 1), (-7, 3, 2, -1), (7, -3, -2, 1), (-7, -3, -1, -1), (-9.9, 3, 2.1, -0.9), (6, 3, 0, 0)],
)
def test_mod_is_floored_and_modulo_truncated(a, b, floor_mod, trunc_mod):
    m = _one_value(f"({a}) MOD ({b})")
    m.aux("v", f"MODULO({a}, {b})")
    m.aux("by_time", f"({a}) MOD ({b} * (TIME + 1))")  # the same at TIME = 0, computed at run time
    m.aux("v_time", f"MODULO({a}, {b} * (TIME + 1))")
    assert _single_and_ensemble(m)[0] == pytest.approx(floor_mod, abs=1e-12)
    assert _single_and_ensemble(m, "v")[0] == pytest.approx(trunc_mod, abs=1e-12)
    assert _single_and_ensemble(m, "by_time")[0] == pytest.approx(floor_mod, abs=1e-12)
    assert _single_and_ensemble(m, "v_time")[0] == pytest.approx(trunc_mod, abs=1e-12)


@pytest.mark.parametrize(("x", "floor", "trunc"), [(2.5, 2, 2), (-2.5, -3, -2), (-3, -3, -3), (-0.1, -1, 0)])
def test_int_is_the_floor_and_integer_truncates(x, floor, trunc):
    m = _one_value(f"INT({x} * (TIME + 1))")
    m.aux("v", f"INTEGER({x} * (TIME + 1))")
    assert _single_and_ensemble(m)[0] == floor
    assert _single_and_ensemble(m, "v")[0] == trunc


def test_xmile_and_vensim_division_identities_hold():
    # a = INT(a/b)*b + a MOD b (XMILE 1.0 section 3.3.1) and a = INTEGER(a/b)*b + MODULO(a, b)
    m = sd.Model("m", start=-20, stop=20, dt=0.25)
    m.stock("S", 0, inflows=["f"])
    m.flow("f", "0")
    m.aux("a", "TIME * 1.3")
    m.aux("b", "IF TIME < 0 THEN -2.5 ELSE 3")
    m.aux("xmile", "INT(a / b) * b + a MOD b - a")
    m.aux("vensim", "INTEGER(a / b) * b + MODULO(a, b) - a")
    m.aux("sign ok", "(a MOD b) * b >= 0 AND MODULO(a, b) * a >= 0")
    res = m.run(method="euler")
    np.testing.assert_allclose(res["xmile"], 0, atol=1e-12)
    np.testing.assert_allclose(res["vensim"], 0, atol=1e-12)
    assert res["sign ok"].all()


def _xmile(product: str, equation: str) -> str:
    return f"""<xmile xmlns="http://docs.oasis-open.org/xmile/ns/XMILE/v1.0">
<header><product>{product}</product></header>
<sim_specs><start>0</start><stop>1</stop><dt>1</dt></sim_specs>
<model><variables>
  <aux name="x"><eqn>-7.5</eqn></aux><aux name="y"><eqn>{equation}</eqn></aux>
</variables></model>
</xmile>"""


@pytest.mark.parametrize(
    ("product", "equation", "text", "value"),
    [
        ("Stella Architect", "INT(x)", "INT(x)", -8.0),
        ("Vensim", "INT(x)", "INTEGER(x)", -7.0),
        ("Stella Architect", "x mod 2", "x mod 2", 0.5),
        ("Vensim, xmutil", "x mod 2", "MODULO(x, 2)", -1.5),
        ("Vensim", "1 + INT(x / 2) * (x MOD 4) ^ 2", "1 + INTEGER(x / 2) * MODULO(x, 4)^2", 1 - 3 * 3.5**2),
    ],
)
def test_a_file_written_by_vensim_keeps_vensims_int_and_mod(product, equation, text, value):
    m = sd.read_xmile(_xmile(product, equation))
    assert m.definition.variable("y").equation == text
    assert m.run()["y"][0] == pytest.approx(value)


# ------------------------------------------------------------------------------------- reductions
def _arrays() -> sd.Model:
    m = sd.Model("m", stop=1, dt=1)
    m.dimension("dim1", ["a", "b", "c"])
    m.dimension("dim2", ["p", "q"])
    m.stock("S", 0, inflows=["f"])
    m.flow("f", "0")
    m.constant("k", 1)
    m.constant("v[dim1]", [1, -2, 3])
    m.constant("g[dim1, dim2]", [[1, 2], [3, -4], [5, 6]])
    return m


@pytest.mark.parametrize(
    ("equation", "value"),
    [
        ("MIN(v[dim1])", -2.0),  # min_max_1arg's MIN(var1[dim1])
        ("MAX(v[dim1])", 3.0),
        ("MIN(v)", -2.0),
        ("MAX(v[*])", 3.0),
        ("SUM(v[dim1])", 2.0),
        ("MEAN(v)", 2.0 / 3.0),
        ("SIZE(v)", 3.0),
        ("MAX(v, 0)", 3.0),  # the largest of all of v's values and 0 (XMILE 1.0 section 3.7.1.3)
        ("MIN(v, 0)", -2.0),
        ("MAX(v - 10, -5)", -5.0),
        ("MIN(g)", -4.0),
        ("SUM(g[dim1, *])", 13.0),
        ("MAX(v, g[*, p])", 5.0),
    ],
)
def test_a_reduction_reduces_the_dimensions_the_variable_lacks(equation, value):
    m = _arrays()
    m.aux("y", equation)
    assert _single_and_ensemble(m)[0] == pytest.approx(value)


def test_in_an_arrayed_variable_only_its_missing_dimensions_are_reduced():
    m = _arrays()
    m.aux("row sum[dim1]", "SUM(g)")  # over dim2, per element of dim1
    m.aux("row max[dim1]", "MAX(g, 0)")  # element-wise along dim1, reduced over dim2, then with 0
    m.aux("clipped[dim1]", "MAX(v, 0)")  # v lines up with dim1: element-wise
    single = m.run(method="euler")
    ensemble = m.run(method="euler", params={"k": [1.0, 2.0]})
    for res in (single["row sum"][0], ensemble["row sum"][1, 0]):
        np.testing.assert_allclose(res, [3, -1, 11])
    for res in (single["row max"][0], ensemble["row max"][0, 0]):
        np.testing.assert_allclose(res, [2, 3, 6])
    np.testing.assert_allclose(single["clipped"][0], [1, 0, 3])


# ------------------------------------------------------------------------------------- non-negative
def _drain(method: str = "euler", **params) -> sd.Results:
    """Stock 5 drained by `out` = 2 per unit time into Sink; dt 1."""
    m = sd.Model("drain", stop=6, dt=1)
    m.stock("Tank", 5, outflows=["out"], non_negative=True)
    m.stock("Sink", 0, inflows=["out"])
    m.flow("out", "rate")
    m.constant("rate", 2)
    return m.run(method=method, params=params or None)


def test_a_non_negative_stock_stops_at_zero_and_reports_the_flow_uncut():
    res = _drain()
    np.testing.assert_allclose(res["Tank"], [5, 3, 1, 0, 0, 0, 0])
    # the flow's own value is its equation's (as the suite's canonical outputs have it)
    np.testing.assert_allclose(res["out"], 2)


def test_what_a_non_negative_stock_gives_is_what_arrives_downstream():
    res = _drain()
    np.testing.assert_allclose(res["Sink"], [0, 2, 4, 5, 5, 5, 5])
    np.testing.assert_allclose(res["Tank"] + res["Sink"], 5)  # material is conserved
    ens = _drain(rate=[2.0, 0.5, 10.0])
    np.testing.assert_allclose(ens["Tank"] + ens["Sink"], 5)
    np.testing.assert_allclose(ens["Tank"][0], res["Tank"])
    np.testing.assert_allclose(ens["Tank"][2], [5, 0, 0, 0, 0, 0, 0])


@pytest.mark.parametrize("method", ["rk4", "RK45"])
def test_non_negative_stocks_stay_non_negative_with_other_solvers(method):
    res = _drain(method)
    assert res["Tank"].min() >= -1e-9
    np.testing.assert_allclose(res["Tank"] + res["Sink"], 5, atol=1e-6)


def test_outflows_are_served_in_the_order_they_are_listed():
    m = sd.Model("priority", stop=2, dt=1)
    m.stock("Stock", 3, outflows=["first", "second"], non_negative=True)
    m.stock("A", 0, inflows=["first"])
    m.stock("B", 0, inflows=["second"])
    m.flow("first", "2")
    m.flow("second", "2")
    res = m.run(method="euler")
    np.testing.assert_allclose(res["Stock"], [3, 0, 0])
    np.testing.assert_allclose(res["A"], [0, 2, 2])  # first served in full
    np.testing.assert_allclose(res["B"], [0, 1, 1])  # second gets what is left


def test_what_flows_in_during_the_dt_can_flow_out():
    m = sd.Model("through", stop=3, dt=0.5)
    m.stock("Buffer", 0, inflows=["in"], outflows=["out"], non_negative=True)
    m.stock("Done", 0, inflows=["out"])
    m.flow("in", "4")
    m.flow("out", "10")
    res = m.run(method="euler")
    np.testing.assert_allclose(res["Buffer"], 0)
    np.testing.assert_allclose(res["Done"], 4 * res.time)  # all that comes in goes straight through


def test_a_negative_inflow_cannot_take_a_non_negative_stock_below_zero():
    # non_negative_stocks' TestStock3: 10 + dt * (-t) until the flow turns positive after t = 10
    m = sd.Model("m", stop=15, dt=1.5)
    m.stock("Kept", 10, inflows=["if else"], non_negative=True)
    m.stock("Free", 10, inflows=["if else"])
    m.flow("if else", "IF TIME > 10 THEN TIME ELSE -TIME")
    res = m.run(method="euler")
    np.testing.assert_allclose(res["Kept"][:9], [10, 10, 7.75, 3.25, 0, 0, 0, 0, 15.75])
    np.testing.assert_allclose(res["Free"][:5], [10, 10, 7.75, 3.25, -3.5])


def test_a_uniflow_is_clamped_at_zero_and_reports_the_clamped_value():
    m = sd.Model("m", stop=4, dt=1)
    m.stock("S", 10, inflows=["uni"], outflows=["bi"])
    m.flow("uni", "TIME - 2", non_negative=True)
    m.flow("bi", "TIME - 2")
    res = m.run(method="euler")
    np.testing.assert_allclose(res["uni"], [0, 0, 0, 1, 2])
    np.testing.assert_allclose(res["bi"], [-2, -1, 0, 1, 2])
    np.testing.assert_allclose(res["S"], [10, 12, 13, 13, 13])


def test_a_flow_shared_by_a_non_negative_and_an_ordinary_stock():
    # non_negative_stocks' OutFlow drains TestStock0 (ordinary) and TestStock1 (non-negative)
    m = sd.Model("m", stop=30, dt=1.5)
    m.stock("Plain", 25, outflows=["out"])
    m.stock("Kept", 25, outflows=["out"], non_negative=True)
    m.flow("out", "1")
    res = m.run(method="euler")
    t = res.time
    np.testing.assert_allclose(res["Plain"], 25 - t)
    np.testing.assert_allclose(res["Kept"], np.maximum(25 - t, 0))
    np.testing.assert_allclose(res["out"], 1)


def test_non_negative_arrayed_stocks_drain_element_by_element_into_a_sink():
    m = sd.Model("m", stop=4, dt=1)
    m.dimension("team", 3)
    m.stock("S[team]", initial=[1, 5, 30], outflows=["drain[team]"], non_negative=True)
    m.stock("T[team]", initial=0, inflows=["drain[team]"])
    m.flow("drain[team]", "2")
    res = m.run(method="euler")
    np.testing.assert_allclose(res["S"][-1], [0, 0, 22])
    np.testing.assert_allclose(res["T"][-1], [1, 5, 8])
    np.testing.assert_allclose(res["S"] + res["T"], np.broadcast_to([1, 5, 30], res["S"].shape))
