"""Every error a user can make gets its own clear message."""

from __future__ import annotations

import numpy as np
import pytest

import sysdyn as sd


def base():
    m = sd.Model("Team knowledge", stop=10, dt=0.5)
    m.stock("Knowledge", 10, inflows=["Learning"], outflows=["Forgetting"])
    m.flow("Learning", "learning_rate * Staff")
    m.flow("Forgetting", "Knowledge / memory_time")
    m.constant("learning rate", 0.5)
    m.constant("Staff", 4)
    m.constant("memory time", 12)
    return m


def test_unknown_name_names_element_equation_and_suggestion():
    m = base()
    m.flow("Learning", "learning_rte * Staff")
    with pytest.raises(
        sd.UnknownNameError, match=r"in `Learning`.*learning_rte \* Staff.*did you mean `learning rate`"
    ) as info:
        m.compile()
    assert info.value.suggestion == "learning rate"
    assert info.value.element == "Learning"


def test_names_are_case_and_underscore_insensitive():
    m = base()
    m.flow("Learning", "LEARNING_RATE * staff")
    assert m.run(method="euler")["learning   Rate"][0] == 0.5


@pytest.mark.parametrize(
    "equation",
    [
        "__import__('os').system('ls')",
        "open('f').read()",
        "x.__class__",
        "(lambda: 1)()",
        "import os",
        "Staff.__class__.__bases__",
    ],
)
def test_hostile_equations_are_rejected(equation):
    m = base()
    m.aux("evil", equation)
    with pytest.raises(sd.EquationSyntaxError, match="evil"):
        m.compile()


def test_unknown_function_is_rejected_with_suggestion():
    m = base()
    m.aux("a", "open(1)")
    with pytest.raises(sd.UnknownFunctionError, match="unknown function `open`"):
        m.compile()
    m.aux("a", "SQTR(4)")
    with pytest.raises(sd.UnknownFunctionError, match="did you mean `SQRT`"):
        m.compile()


def test_wrong_number_of_arguments():
    m = base()
    m.aux("a", "SQRT(1, 2)")
    with pytest.raises(sd.FunctionArgumentError, match="SQRT takes 1 argument"):
        m.compile()


def test_algebraic_loop_prints_the_cycle():
    m = base()
    m.aux("Effort", "Pressure * 2")
    m.aux("Pressure", "Effort + 1")
    with pytest.raises(
        sd.AlgebraicLoopError, match=r"(Effort -> Pressure -> Effort|Pressure -> Effort -> Pressure)"
    ) as info:
        m.compile()
    assert set(info.value.cycle) == {"Effort", "Pressure"}


def test_flow_not_attached_to_a_stock():
    m = base()
    m.flow("Dangling", "1")
    with pytest.raises(sd.ModelStructureError, match=r"in `Dangling`.*not attached to any stock"):
        m.compile()


def test_inflow_that_is_not_a_flow():
    m = base()
    m.stock("Other", 1, inflows=["Staff"])
    with pytest.raises(sd.ModelStructureError, match=r"`Staff` is listed as an inflow but it is a constant"):
        m.compile()
    m.stock("Other", 1, inflows=["Lerning"])
    with pytest.raises(sd.ModelStructureError, match=r"no flow has that name; did you mean `Learning`"):
        m.compile()


def test_missing_initial_value():
    m = base()
    m.stock("Empty", None, inflows=[])
    with pytest.raises(sd.MissingInitialValueError, match=r"in `Empty`: the stock has no initial value"):
        m.compile()


def test_bad_lookup():
    m = base()
    with pytest.raises(sd.LookupDefinitionError, match="strictly increasing"):
        m.lookup("effect", [0, 2, 1], [0, 1, 2])
    with pytest.raises(sd.LookupDefinitionError, match="same number of points"):
        m.lookup("effect", [0, 1], [0, 1, 2])
    with pytest.raises(sd.LookupDefinitionError, match="kind must be"):
        m.lookup("effect", [0, 1], [0, 1], kind="smooth")


def test_lookup_used_without_argument():
    m = base()
    m.lookup("effect", [0, 1], [0, 1])
    m.aux("a", "effect + 1")
    with pytest.raises(sd.FunctionArgumentError, match="call it with an argument"):
        m.compile()


def test_dimension_mismatch():
    m = base()
    m.dimension("Team", ["Ann", "Bo"])
    with pytest.raises(sd.DimensionError, match="shape"):
        m.constant("skill[Team]", [1.0, 2.0, 3.0])


def test_non_finite_value_names_variable_and_time():
    m = base()
    m.aux("ratio", "1 / (TIME - 2)")
    with pytest.raises(sd.NonFiniteValueError, match=r"`ratio` is not finite .* at time 2") as info:
        m.run(method="euler")
    assert info.value.variable == "ratio" and info.value.time == 2.0


def test_non_finite_in_ensemble_names_the_run():
    m = base()
    m.flow("Forgetting", "Knowledge / memory_time")
    with pytest.raises(
        sd.NonFiniteValueError, match=r"`Forgetting` is not finite .* at time 0 in run 2"
    ) as info:
        m.run(method="euler", params={"memory time": np.array([1.0, 2.0, 0.0])})
    assert info.value.run == 2


def test_non_finite_stops_adaptive_runs_too():
    m = base()
    m.flow("Learning", "LN(TIME - 3)")
    with pytest.raises(sd.NonFiniteValueError, match="Learning"):
        m.run(method="RK45")


def test_bad_params():
    m = base()
    with pytest.raises(sd.ParameterError, match="did you mean `memory time`"):
        m.run(params={"memory tme": 3})
    with pytest.raises(sd.ParameterError, match="same length"):
        m.run(params={"memory time": [1, 2], "Staff": [1, 2, 3]})
    m.aux("ratio", "Knowledge / 2")
    with pytest.raises(sd.ParameterError, match="cannot be overridden"):
        m.run(params={"ratio": 3})


def test_unknown_solver():
    with pytest.raises(sd.SolverError, match="did you mean `euler`"):
        base().run(method="eulr")


def test_error_hierarchy():
    for cls in (
        sd.UnknownNameError,
        sd.AlgebraicLoopError,
        sd.NonFiniteValueError,
        sd.ForbiddenExpressionError,
        sd.DimensionError,
        sd.LookupDefinitionError,
        sd.ModelStructureError,
        sd.ParameterError,
    ):
        assert issubclass(cls, sd.SysdynError)


def test_generated_code_never_contains_model_text():
    m = sd.Model("m'); import os; ('", stop=1, dt=1)
    m.stock('"S\'); __import__(\'os\').system(\'echo hacked\'); (\'"', 1, inflows=["f"])
    m.flow("f", "0.5")
    m.constant("k\nnewline", 2)
    compiled = m.compile()
    res = compiled.run(method="euler")
    assert res["f"][0] == 0.5
    source = compiled.program("single").source + compiled.program("ensemble").source
    # names only ever contribute ASCII letters and digits to generated identifiers
    assert "'" not in source and '"' not in source and "system(" not in source and "__import__" not in source


def test_a_numba_solver_without_numba_says_how_to_install_it(monkeypatch):
    from sysdyn import solvers

    kept = {k: v for k, v in solvers._REGISTRY.items() if not k.endswith("-numba")}
    monkeypatch.setattr(solvers, "_REGISTRY", kept)
    with pytest.raises(sd.SolverError, match=r"needs numba.*sysdyn-sim\[jit\].*`euler`"):
        solvers.get("euler-numba")
