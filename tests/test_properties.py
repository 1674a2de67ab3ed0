"""Property tests: stocks change only by their flows, for random models."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import sysdyn as sd


@st.composite
def flow_networks(draw):
    """A random closed network of stocks and flows between them (material is conserved)."""
    n = draw(st.integers(2, 5))
    initial = draw(st.lists(st.floats(0.0, 100.0), min_size=n, max_size=n))
    links = draw(
        st.lists(
            st.tuples(
                st.integers(0, n - 1),
                st.integers(0, n - 1),
                st.floats(0.0, 0.5),
                st.sampled_from(["linear", "saturating", "constant"]),
            ),
            min_size=1,
            max_size=8,
        )
    )
    return n, initial, [(a, b, r, kind) for a, b, r, kind in links if a != b]


def build(n, initial, links):
    m = sd.Model("random network", stop=5, dt=0.125)
    inflows = {i: [] for i in range(n)}
    outflows = {i: [] for i in range(n)}
    for k, (a, b, rate, kind) in enumerate(links):
        name = f"f{k}"
        equation = {
            "linear": f"{rate} * S{a}",
            "saturating": f"{rate} * S{a} / (1 + S{a} / 50)",
            "constant": f"MIN({rate}, S{a})",
        }[kind]
        m.flow(name, equation)
        outflows[a].append(name)
        inflows[b].append(name)
    for i in range(n):
        m.stock(f"S{i}", initial[i], inflows=inflows[i], outflows=outflows[i])
    return m


@settings(max_examples=40, deadline=None)
@given(flow_networks())
def test_stocks_change_only_by_their_flows(network):
    n, initial, links = network
    if not links:
        return
    m = build(n, initial, links)
    for method in ("euler", "rk4", "RK45"):
        res = m.run(method=method)
        total = sum(res[f"S{i}"] for i in range(n))
        np.testing.assert_allclose(total, sum(initial), rtol=1e-9, atol=1e-9)
    res = m.run(method="euler")
    for i in range(n):
        net = np.zeros_like(res.time)
        for k, (a, b, _, _) in enumerate(links):
            if b == i:
                net = net + res[f"f{k}"]
            if a == i:
                net = net - res[f"f{k}"]
        np.testing.assert_allclose(np.diff(res[f"S{i}"]), 0.125 * net[:-1], rtol=1e-9, atol=1e-9)


@settings(max_examples=25, deadline=None)
@given(st.floats(0.01, 2.0), st.floats(0.1, 1000.0), st.integers(1, 200))
def test_euler_decay_is_the_exact_recurrence(k, s0, steps):
    dt = 0.05
    m = sd.Model("decay", stop=steps * dt, dt=dt)
    m.stock("S", s0, outflows=["out"])
    m.flow("out", "k * S")
    m.constant("k", k)
    res = m.run(method="euler")
    expected = s0 * (1 - k * dt) ** np.arange(len(res.time))
    np.testing.assert_allclose(res["S"], expected, rtol=1e-11)
