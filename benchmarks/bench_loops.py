"""Benchmark of loop analysis: loop finding on a big diagram, and Loops That Matter against a plain run.

Run by hand: ``python benchmarks/bench_loops.py``.  Targets (issue 5): 10,000 loops of a
200-variable diagram found in under 2 s; LTM under 3x the cost of a plain run.
"""

from __future__ import annotations

import time

import numpy as np

import sysdyn as sd


def big_diagram(seed: int = 0) -> sd.CausalLoopDiagram:
    """200 variables: a ring of 10 hubs joined by 2 or 3 parallel chains; 2**4 * 3**6 = 11,664 loops."""
    rng = np.random.default_rng(seed)
    cld = sd.CausalLoopDiagram("big")
    widths = [2, 3, 2, 3, 3, 2, 3, 3, 2, 3]
    count = 10
    for stage, width in enumerate(widths):
        for branch in range(width):
            length = 7 + (8 if stage == 0 and branch == 0 else 0)
            previous = f"hub{stage}"
            for k in range(length):
                name = f"s{stage}b{branch}v{k}"
                cld.link(previous, name, "+" if rng.random() < 0.7 else "-")
                previous = name
                count += 1
            cld.link(previous, f"hub{(stage + 1) % len(widths)}", "+")
    assert count == len(cld) == 200, count
    return cld


def best_of(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def logistic(stop: float) -> sd.Model:
    m = sd.Model("Logistic", stop=stop, dt=0.25)
    m.stock("Population", 10, inflows=["births"], outflows=["deaths"])
    m.flow("births", "r * Population")
    m.flow("deaths", "r * Population * crowding")
    m.aux("crowding", "Population / capacity")
    m.constant("r", 0.2)
    m.constant("capacity", 1000)
    return m


def main() -> None:
    cld = big_diagram()
    n_loops = len(cld.loops(max_loops=None))
    seconds = best_of(lambda: cld.loops(max_loops=None))
    print(f"loop finding: {len(cld)} variables, {len(cld.links)} links, {n_loops} loops: "
          f"{seconds:.3f} s (target 2 s, ratio {seconds / 2.0:.2f})")
    for stop in (100.0, 2000.0):
        for method in ("euler", "rk4", "RK45"):
            m = logistic(stop)
            m.run(method=method)  # compile once
            plain = best_of(lambda: m.run(method=method))  # noqa: B023
            ltm = best_of(lambda: sd.loop_dominance(m, method=method))  # noqa: B023
            print(f"LTM vs plain run, {method:5s}, {int(stop / 0.25)} steps: plain {plain * 1e3:.2f} ms, "
                  f"LTM {ltm * 1e3:.2f} ms, ratio {ltm / plain:.2f} (target < 3)")


if __name__ == "__main__":
    main()
