"""Scenario-script benchmark: 10,000-run Monte Carlo and a 1,000,000-run sweep on Dask.

Run by hand (not a test; nothing here asserts on timings)::

    python benchmarks/bench_scenarios.py            # Monte Carlo part, about a minute
    python benchmarks/bench_scenarios.py --million  # also the 1e6-run LocalCluster sweep (several minutes)

The model is a chain of ten stocks (a pipeline of skill levels: novices
become practitioners, then experts... each level fed by the one before
and losing people at its own rate), 100 time units at dt 0.25.  The Monte
Carlo draws the ten exit rates and the intake from distributions.

Lines printed:

* ``MC 10,000 Euler`` / ``MC 10,000 RK45``: :func:`sysdyn.monte_carlo` wall time,
  best of two after a warm-up call, progress bar off (targets: under 10 s and under 30 s on a 2-core machine);
* ``one by one``: the same runs made one :meth:`Model.run` at a time, timed on a
  sample of them and scaled up to 10,000, and the ratio (target: at least 50x);
* with ``--million``: a 1,000,000-run sweep (1,000 x 1,000 factorial) of a small
  model on a ``LocalCluster`` streaming to a zarr store (in a fresh process), its
  wall time and the peak resident memory of the whole process tree, sampled
  every 50 ms (target under 4 GB), then a
  second call on the same store, which must find every run done (resumable).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import sysdyn as sd  # noqa: E402  (after the path fallback above)

N_STOCKS = 10
RUNS = 10_000


def pipeline_model() -> sd.Model:
    """Ten stocks in a chain, each losing people at its own rate."""
    m = sd.Model("Skill pipeline", stop=100, dt=0.25, method="euler", time_units="weeks")
    for i in range(N_STOCKS):
        inflows = ["intake"] if i == 0 else [f"promotion {i - 1}"]
        outflows = [f"promotion {i}", f"exit {i}"] if i < N_STOCKS - 1 else [f"exit {i}"]
        m.stock(f"Level {i}", 10.0, inflows=inflows, outflows=outflows)
        if i < N_STOCKS - 1:
            m.flow(f"promotion {i}", f"Level_{i} / time_to_promote")
        m.flow(f"exit {i}", f"Level_{i} * exit_rate_{i}")
        m.constant(f"exit rate {i}", 0.02)
    m.flow("intake", "new_hires * (1 + 0.2 * SIN(TIME / 8))")
    m.constant("new hires", 5.0)
    m.constant("time to promote", 8.0)
    return m


def distributions() -> dict:
    out = {f"exit rate {i}": sd.dist.uniform(0.005, 0.05) for i in range(N_STOCKS)}
    out["new hires"] = sd.dist.lognormal(5.0, 1.0)
    return out


def timed(fn):
    t0 = time.perf_counter()
    value = fn()
    return time.perf_counter() - t0, value


def monte_carlo_part() -> None:
    m = pipeline_model()
    m.compile()
    sd.monte_carlo(m, distributions(), runs=10, rng=1, progress=False)  # warm-up: imports, caches
    for method, target in (("euler", 10.0), ("RK45", 30.0)):
        seconds, mc = min(
            (
                timed(
                    lambda method=method: sd.monte_carlo(
                        m, distributions(), runs=RUNS, rng=1, method=method, progress=False
                    )
                )
                for _ in range(2)
            ),
            key=lambda pair: pair[0],
        )
        final = mc["Level 9"][:, -1]
        status = "met" if seconds < target else "NOT met"
        print(f"MC 10,000 {method:<6} {seconds:8.2f} s   target < {target:g} s: {status}")
        # one by one, on a sample of the same design
        design = mc.design
        sample = 200 if method == "euler" else 50
        t0 = time.perf_counter()
        for i in range(sample):
            m.run(method=method, params={k: float(v[i]) for k, v in design.items()})
        per_run = (time.perf_counter() - t0) / sample
        ratio = per_run * RUNS / seconds
        print(
            f"  one by one  {per_run * 1e3:8.2f} ms/run -> {per_run * RUNS:8.1f} s for 10,000; "
            f"ratio {ratio:6.1f}x   target >= 50x: {'met' if ratio >= 50 else 'NOT met'}"
        )
        low, high = np.quantile(final, [0.05, 0.95])
        print(f"  final Level 9: median {np.median(final):.3f}, 5-95% [{low:.3f}, {high:.3f}]")


def small_model() -> sd.Model:
    m = sd.Model("Team knowledge", stop=20, dt=0.5, method="euler")
    m.stock("Knowledge", 10, inflows=["Learning"], outflows=["Forgetting"])
    m.flow("Learning", "learning_rate * Staff * (1 - Knowledge / Capacity)")
    m.flow("Forgetting", "Knowledge / memory_time")
    m.constant("learning rate", 0.5)
    m.constant("Staff", 4)
    m.constant("Capacity", 100)
    m.constant("memory time", 12)
    return m


class TreeMemory:
    """Peak resident memory of this process and all its descendants (the Dask nanny and workers),
    sampled every 50 ms by a background thread (psutil comes with dask.distributed)."""

    def __init__(self, every: float = 0.05) -> None:
        import threading

        import psutil

        self._root = psutil.Process()
        self._error = psutil.Error
        self.peak = 0
        self._every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _total(self) -> int:
        total = 0
        for proc in (self._root, *self._root.children(recursive=True)):
            try:
                total += proc.memory_info().rss
            except self._error:  # a process that ended between the listing and the reading
                pass
        return total

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._total())
            self._stop.wait(self._every)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._total())


def million_part() -> None:
    from dask.distributed import Client, LocalCluster

    m = small_model()
    values = {"memory time": np.linspace(6, 24, 1000), "learning rate": np.linspace(0.1, 1.0, 1000)}
    with tempfile.TemporaryDirectory() as folder, TreeMemory() as memory:
        store = os.path.join(folder, "sweep.zarr")
        with (
            LocalCluster(n_workers=2, threads_per_worker=1, memory_limit="1.5GiB") as cluster,
            Client(cluster) as client,
        ):
            seconds, res = timed(
                lambda: sd.sweep(
                    m,
                    values,
                    method="euler",
                    outputs="Knowledge",
                    store=store,
                    client=client,
                    chunk_size=50_000,
                    progress=False,
                )
            )
            again, _ = timed(
                lambda: sd.sweep(
                    m,
                    values,
                    method="euler",
                    outputs="Knowledge",
                    store=store,
                    client=client,
                    chunk_size=50_000,
                    progress=False,
                )
            )
        peak = memory.peak / 2**20
        print(f"sweep 1,000,000 runs on LocalCluster(2 workers): {seconds:8.1f} s")
        print(
            f"  peak resident memory, client + workers: {peak:8.0f} MiB   target < 4096 MiB: "
            f"{'met' if peak < 4096 else 'NOT met'}"
        )
        print(f"  second call on the same store (resume, all done): {again:6.2f} s")
        print(f"  runs in the result: {res.n_runs:,}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--million", action="store_true", help="also run the 1,000,000-run Dask sweep")
    parser.add_argument("--million-only", action="store_true", help="run only the 1,000,000-run Dask sweep")
    args = parser.parse_args(argv)
    if not args.million_only:
        print(f"sysdyn {sd.__version__}; numpy {np.__version__}; {os.cpu_count()} CPUs\n")
    if args.million_only:
        million_part()
        return 0
    monte_carlo_part()
    if args.million:
        # in a fresh process, so that the memory of the part above does not count
        print(flush=True)
        subprocess.run([sys.executable, __file__, "--million-only"], check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
