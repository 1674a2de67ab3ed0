"""The builder, the frozen definitions, and the compiled model's immutability."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import sysdyn as sd
from sysdyn.ir import ModelDefinition, SimSpecs, Stock


def test_definitions_are_frozen():
    m = sd.Model("m")
    m.stock("S", 1, inflows=["f"])
    m.flow("f", "S")
    d = m.definition
    assert isinstance(d, ModelDefinition)
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.variables[0].equation = "2"  # type: ignore[misc]
    stock = d.variable("s")
    assert isinstance(stock, Stock) and stock.equation == "1.0" and stock.inflows == ("f",)


def test_redefining_replaces_and_invalidates_the_compiled_model():
    m = sd.Model("m", stop=1, dt=1)
    m.stock("S", 1, inflows=["f"])
    m.flow("f", "1")
    first = m.compile()
    m.flow("f", "2")
    assert m.compile() is not first
    assert m.run(method="euler")["S"][-1] == 3


def test_duplicate_names_across_spellings_are_rejected():
    with pytest.raises(sd.SysdynError, match="used twice"):
        ModelDefinition("m", variables=(Stock("Memory time", "1"), Stock("memory_time", "2")))


def test_sim_specs_validation():
    with pytest.raises(sd.ModelStructureError, match="`stop`"):
        SimSpecs(start=5, stop=1)
    with pytest.raises(sd.ModelStructureError, match="`dt` must be positive"):
        SimSpecs(dt=0)


def test_run_options_override_specs_without_changing_model():
    m = sd.Model("m", stop=10, dt=1)
    m.stock("S", 0, inflows=["f"])
    m.flow("f", "1")
    res = m.run(method="euler", stop=4, dt=0.5, saveper=1)
    assert res.time.tolist() == [0, 1, 2, 3, 4]
    assert res["S"].tolist() == [0, 1, 2, 3, 4]
    assert m.sim_specs.stop == 10
    with pytest.raises(sd.ParameterError, match="multiple of `dt`"):
        m.run(method="euler", saveper=0.3)


def test_adaptive_run_saves_on_saveper_grid():
    m = sd.Model("m", stop=10, dt=1, saveper=2.5)
    m.stock("S", 0, inflows=["f"])
    m.flow("f", "TIME")
    res = m.run()
    np.testing.assert_allclose(res.time, [0, 2.5, 5, 7.5, 10])
    np.testing.assert_allclose(res["S"], res.time**2 / 2, rtol=1e-9)


def test_with_specs_returns_a_copy():
    m = sd.Model("m", stop=10)
    assert m.with_specs(stop=3).sim_specs.stop == 3
    assert m.sim_specs.stop == 10


def test_subscripted_names_declare_dimensions():
    m = sd.Model("m")
    m.dimension("Team", ["Ann", "Bo"])
    m.constant("skill[Team]", [1.0, 2.0])
    v = m.definition.variable("skill")
    assert v.dimensions == ("Team",)
    assert v.element_equations == ((("Ann",), "1.0"), (("Bo",), "2.0"))
