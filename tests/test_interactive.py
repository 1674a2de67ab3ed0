"""The notebook flight simulator: sliders, re-runs against the closed form, errors and the widget."""

from __future__ import annotations

import math

import numpy as np
import pytest

import sysdyn as sd
from sysdyn.interactive import flight_simulator
from sysdyn.showcase import team_knowledge


def _closed_form(t, lr=0.5, staff=4.0, capacity=100.0, memory=12.0, k0=10.0):
    # dK/dt = lr*staff - K (lr*staff/capacity + 1/memory): linear, so K relaxes exponentially
    a = lr * staff
    b = a / capacity + 1 / memory
    return a / b + (k0 - a / b) * np.exp(-b * t)


def test_update_reruns_the_compiled_model_with_new_values():
    m = team_knowledge()
    sim = flight_simulator(m, ["memory time", "Staff"], method="RK45", rtol=1e-10, atol=1e-10)
    assert sim.outputs == ["Knowledge"]
    t = sim.baseline.time
    np.testing.assert_allclose(sim.baseline["Knowledge"], _closed_form(t), rtol=1e-8)
    res = sim.update(memory_time=24, staff=2)
    np.testing.assert_allclose(res["Knowledge"], _closed_form(t, staff=2, memory=24), rtol=1e-8)
    # the plotted line moved with the run; the baseline line did not
    baseline_line, current_line = sim.axes[0].lines
    np.testing.assert_array_equal(current_line.get_ydata(), res["Knowledge"])
    np.testing.assert_array_equal(baseline_line.get_ydata(), sim.baseline["Knowledge"])
    assert sim.model.definition == m.definition  # the model itself never changes
    assert sim.reset() is sim.results and sim.values == {"memory time": 12.0, "Staff": 4.0}
    assert sim.last_update_ms > 0


def test_default_sliders_cover_every_scalar_constant_from_zero_to_twice_its_value():
    sim = flight_simulator(team_knowledge())
    ranges = {s.name: (s.low, s.high, s.value) for s in sim.specs}
    assert ranges == {
        "learning rate": (0.0, 1.0, 0.5),
        "Staff": (0.0, 8.0, 4.0),
        "Capacity": (0.0, 200.0, 100.0),
        "memory time": (0.0, 24.0, 12.0),
    }
    assert math.isclose(sim.specs[0].step, 0.01)


def test_explicit_ranges_and_outputs():
    sim = flight_simulator(
        team_knowledge(),
        {"learning rate": (0.1, 0.9, 0.1)},
        outputs=["Knowledge", "Learning"],
        method="euler",
    )
    assert [(s.low, s.high, s.step) for s in sim.specs] == [(0.1, 0.9, 0.1)]
    assert len(sim.axes) == 2 and sim.axes[1].get_ylabel() == "Learning (ideas/month)"


@pytest.mark.parametrize(
    ("params", "outputs", "match"),
    [
        (["memory tme"], None, r"`memory tme` is not a scalar constant.*did you mean `memory time`"),
        (["Knowledge per person"], None, "not a scalar constant"),
        ({"Staff": (5, 1)}, None, "low < high"),
        ({"Staff": (1,)}, None, r"\(low, high\)"),
        (["Staff"], ["Knowlege"], r"`Knowlege` is not a variable.*did you mean `Knowledge`"),
    ],
)
def test_bad_sliders_and_outputs_are_named(params, outputs, match):
    with pytest.raises(sd.ParameterError, match=match):
        flight_simulator(team_knowledge(), params, outputs=outputs)


def test_update_of_a_name_without_a_slider():
    sim = flight_simulator(team_knowledge(), ["Staff"])
    with pytest.raises(sd.ParameterError, match=r"`Stafff` has no slider.*did you mean `Staff`"):
        sim.update(Stafff=3)


def test_the_widget_reruns_on_slider_moves_and_shows_errors_instead_of_raising():
    pytest.importorskip("ipywidgets")
    sim = flight_simulator(team_knowledge(), ["Staff", "memory time"])
    box = sim.widget
    staff_slider, memory_slider, status = box.children[0], box.children[1], box.children[2]
    assert (staff_slider.min, staff_slider.max, staff_slider.value) == (0.0, 8.0, 4.0)
    memory_slider.value = 24.0
    assert sim.values["memory time"] == 24.0
    assert "ms" in status.value
    staff_slider.value = 0.0  # Knowledge per person = Knowledge / 0: the run fails, the widget says why
    assert "Knowledge per person" in status.value and "not finite" in status.value
