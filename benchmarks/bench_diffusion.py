"""Benchmark: 1,000 stochastic SI runs on a 1,000-node graph, sysdyn against EoN's fast_SIR looped.

Run by hand: ``python benchmarks/bench_diffusion.py``.  Prints times and ratios.
Target (issue 6): under 10 s, and faster than ``EoN.fast_SIR`` (gamma = 0) looped 1,000 times.
"""

from __future__ import annotations

import random
import time

import networkx as nx

import sysdyn as sd

N, RUNS, TAU, TMAX = 1000, 1000, 0.3, 20.0


def main() -> None:
    G = nx.fast_gnp_random_graph(N, 6 / (N - 1), seed=1)
    timings = {}
    for method in ("gillespie", "direct", "fixed_step"):
        extra = {"dt": 0.05} if method == "fixed_step" else {}
        start = time.perf_counter()
        res = sd.diffusion.simulate(
            G, "SI", rate=TAU, seeds=[0], runs=RUNS, rng=1, method=method, tmax=TMAX, **extra
        )
        timings[method] = time.perf_counter() - start
        print(
            f"sysdyn {method:11s}: {timings[method]:6.2f} s  (mean I(tmax) {res['I'][:, -1].mean():.0f})"
        )
    try:
        import EoN
    except ImportError:
        print("EoN is not installed: pip install EoN")
        return
    random.seed(1)
    start = time.perf_counter()
    for _ in range(RUNS):
        EoN.fast_SIR(G, TAU, 0.0, initial_infecteds=[0], tmax=TMAX)
    eon = time.perf_counter() - start
    print(f"EoN fast_SIR x {RUNS}: {eon:6.2f} s")
    for method, t in timings.items():
        print(f"ratio EoN / sysdyn {method}: {eon / t:5.1f}x")


if __name__ == "__main__":
    main()
