"""Smooths and delays written out as stocks and flows (for Loops That Matter): same model, same run."""

from __future__ import annotations

import numpy as np
import pytest

import sysdyn as sd
from sysdyn.equations import parse
from sysdyn.equations.printer import unparse
from sysdyn.loops.expand import expand


@pytest.mark.parametrize(
    "text",
    [
        "a + b * c - d / e ^ 2",
        "-(a - -b)",
        "IF a > 1 AND NOT b <= 2 OR c = 3 THEN MIN(a, b) ELSE MAX(a, 1e-12, 3.5e20)",
        '"effect of trust"(x) + "A\'s view" MOD 3',
        "SAFEDIV(a, b, 0) + STEP(1, 5) + x <> y",
        "SMTH3(SMTH1(x, 2), t, 5) + DELAYN(x, t, 4, 0)",
    ],
)
def test_equation_text_parses_back_to_the_same_tree(text):
    tree = parse(text)
    assert parse(unparse(tree)) == tree


def _model() -> sd.Model:
    m = sd.Model("Stages", stop=30, dt=0.125)
    m.stock("Skill", 20, inflows=["Training"], outflows=["Decay"])
    m.flow("Decay", "Skill / 24")
    m.constant("N", 4)
    m.constant("T", 3)
    m.aux(
        "A's view", "SMTH1(Skill, 2) + SMTH3(Skill, T, 10) + SMTHN(Skill, T, N) + SMTH1(SMTH1(Skill, 1), 2)"
    )
    m.aux(
        "B's view", "DELAY1(Skill, 2) + DELAY3(Skill * 2, T, 5) + DELAYN(Skill, T, N, 0) + SMOOTH(Skill, 2)"
    )
    m.flow("Training", '(80 - "A\'s view" / 7) / 3 + "B\'s view" / 200')
    return m


@pytest.mark.parametrize("method", ["euler", "rk4", "RK45", "BDF"])
def test_written_out_model_runs_exactly_as_the_model(method):
    m = _model()
    written = expand(m.definition)
    assert (
        written.changed
        and len(written.internal) == 2 * (1 + 3 + 4 + 2) + (1 + 2 * 1) + (1 + 2 * 3) + (1 + 2 * 4) + 2
    )
    plain = m.run(method=method)
    again = sd.Model.from_definition(written.definition).run(method=method)
    for name in plain.names:
        np.testing.assert_allclose(again[name], plain[name], rtol=1e-13, atol=1e-13)


def test_nothing_to_write_out():
    m = sd.Model("m", stop=2)
    m.stock("S", 1, inflows=["f"])
    m.flow("f", "TREND(S, 2) + DELAY(S, 1) + INIT(S)")  # no stocks of the smooth kind to write out
    written = expand(m.definition)
    assert not written.changed and written.definition == m.definition
