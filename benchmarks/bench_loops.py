"""Benchmark of loop analysis: loop finding on a big diagram, and Loops That Matter against a plain run.

Run by hand: ``python benchmarks/bench_loops.py``.  Targets (issue 5): 10,000 loops of a
200-variable diagram found in under 2 s; LTM under 3x the cost of a plain run.  The LTM times
are the best of several runs after a first one (which compiles the model and works out its loop
structure, both cached); a model with a smooth is scored on a run with the smooth written out
as stocks and flows (its own compiled model), so both are timed.
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


def perception(stop: float) -> sd.Model:
    """Skill trained towards a target seen through SMTH3: LTM runs it with the smooth written out."""
    m = sd.Model("Acting on old news", stop=stop, dt=0.25)
    m.stock("Skill", 20, inflows=["Training"], outflows=["Skill decay"])
    m.aux("Perceived skill", "SMTH3(Skill, 4)")
    m.flow("Training", "(80 - Perceived_skill) / 3 + Skill / 48")
    m.flow("Skill decay", "Skill / 24")
    return m


def compare(m: sd.Model, method: str, label: str) -> None:
    m.run(method=method)  # compile once
    sd.loop_dominance(m, method=method)  # and work out the model's loop structure once
    plain = best_of(lambda: m.run(method=method), repeat=9)
    scores = best_of(lambda: sd.loop_dominance(m, method=method), repeat=9)
    # the relative scores as a data frame, as a user reads them
    frame = best_of(lambda: sd.loop_dominance(m, method=method).loop_scores, repeat=9)
    steps = round((m.sim_specs.stop - m.sim_specs.start) / m.sim_specs.dt)
    print(
        f"LTM vs plain run, {label:9s} {method:5s} {steps:5d} steps: plain {plain * 1e3:6.2f} ms, "
        f"LTM {scores * 1e3:6.2f} ms ({scores / plain:.2f}x), with the data frame {frame * 1e3:6.2f} ms "
        f"({frame / plain:.2f}x; target < 3)"
    )


def main() -> None:
    cld = big_diagram()
    n_loops = len(cld.loops(max_loops=None))
    seconds = best_of(lambda: cld.loops(max_loops=None))
    print(
        f"loop finding: {len(cld)} variables, {len(cld.links)} links, {n_loops} loops: "
        f"{seconds:.3f} s (target 2 s, ratio {seconds / 2.0:.2f})"
    )
    for stop in (100.0, 2000.0):
        for method in ("euler", "rk4", "RK45"):
            compare(logistic(stop), method, "logistic")
    for method in ("euler", "rk4", "RK45"):
        compare(perception(100.0), method, "SMTH3")


if __name__ == "__main__":
    main()
