"""Core speed benchmark for sysdyn: single Euler runs, ensembles and import time.

Run by hand (this is not a test and asserts nothing about timings)::

    python benchmarks/bench_core.py

The model is "Team knowledge" (one stock, two flows, five auxiliaries), built
with the sysdyn Python API and, for the peers, read from
``benchmarks/fixtures/team_knowledge.xmile``.  Every timing is the best of
several repeats with :func:`time.perf_counter`; the number of calls per repeat
and the number of repeats are chosen so that each measurement takes about one
second in all.  Peers that are not installed (PySD, pysimlin) are skipped with
a printed reason.  See ``benchmarks/README.md`` for what each line measures.
"""

from __future__ import annotations

import atexit
import importlib
import math
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
FIXTURE = HERE / "fixtures" / "team_knowledge.xmile"

# Model constants and time grid (must match the fixture and build_sysdyn_model).
START, STOP, DT = 0.0, 50.0, 0.25
N_STEPS = round((STOP - START) / DT)  # 200 Euler steps, 201 saved rows
K0, LEARNING_RATE, STAFF, CAPACITY, MEMORY_TIME = 10.0, 0.5, 4.0, 100.0, 12.0
N_ENSEMBLE = 1000
MEMORY_TIMES = np.linspace(6, 24, N_ENSEMBLE)
EXPECTED_FINAL = 19.305  # final Knowledge, Euler dt 0.25 (about)

TARGET_SECONDS = 1.0  # total time per measurement (all repeats together)
MIN_REPEATS, MAX_REPEATS = 3, 100


# --------------------------------------------------------------------------- helpers


def measure(fn: Callable[[], Any], target: float = TARGET_SECONDS) -> tuple[float, int, int]:
    """Best per-call time of ``fn`` over repeats; returns (seconds, calls per repeat, repeats).

    One warm-up call estimates the cost; then ``number`` calls per repeat make a
    repeat last at least ~50 ms (so timer resolution does not matter) and the
    number of repeats makes the whole measurement last about ``target`` seconds.
    """
    t0 = time.perf_counter()
    fn()
    once = max(time.perf_counter() - t0, 1e-9)
    number = max(1, math.ceil(0.05 / once))
    repeats = int(min(MAX_REPEATS, max(MIN_REPEATS, target / (once * number))))
    best = math.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - t0) / number)
    return best, number, repeats


def fmt_time(seconds: float | None) -> str:
    if seconds is None or not math.isfinite(seconds):
        return "n/a"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:8.3f} {unit}"
    return f"{seconds / 1e-9:8.1f} ns"


def import_sysdyn() -> Any:
    """Import sysdyn, falling back to the repository checkout if it is not installed."""
    try:
        return importlib.import_module("sysdyn")
    except ImportError:
        sys.path.insert(0, str(REPO))
        return importlib.import_module("sysdyn")


def build_sysdyn_model(sd: Any) -> Any:
    """The README's model, as the showcase defines it (same equations as the XMILE fixture)."""
    return importlib.import_module("sysdyn.showcase").team_knowledge()


# ------------------------------------------------------------ hand-written Euler loops


def hand_numpy(memory_time: float = MEMORY_TIME) -> dict[str, np.ndarray]:
    """Euler loop a scientist might write: numpy state, all 8 variables into preallocated arrays."""
    n = N_STEPS + 1
    time_ = np.empty(n)
    knowledge = np.empty(n)
    learning = np.empty(n)
    forgetting = np.empty(n)
    learning_rate = np.empty(n)
    staff = np.empty(n)
    capacity = np.empty(n)
    memory = np.empty(n)
    per_person = np.empty(n)
    state = np.array([K0])  # the stocks
    for i in range(n):
        k = state[0]
        lr, st, cap, mt = LEARNING_RATE, STAFF, CAPACITY, memory_time
        learn = lr * st * (1 - k / cap)
        forget = k / mt
        time_[i] = START + i * DT
        knowledge[i] = k
        learning[i] = learn
        forgetting[i] = forget
        learning_rate[i] = lr
        staff[i] = st
        capacity[i] = cap
        memory[i] = mt
        per_person[i] = k / st
        if i < N_STEPS:
            state[0] += DT * (learn - forget)
    return {
        "time": time_,
        "Knowledge": knowledge,
        "Learning": learning,
        "Forgetting": forgetting,
        "learning rate": learning_rate,
        "Staff": staff,
        "Capacity": capacity,
        "memory time": memory,
        "Knowledge per person": per_person,
    }


def hand_float(memory_time: float = MEMORY_TIME) -> dict[str, list[float]]:
    """The same loop with plain Python floats, recording into preallocated lists."""
    n = N_STEPS + 1
    time_ = [0.0] * n
    knowledge = [0.0] * n
    learning = [0.0] * n
    forgetting = [0.0] * n
    learning_rate = [0.0] * n
    staff = [0.0] * n
    capacity = [0.0] * n
    memory = [0.0] * n
    per_person = [0.0] * n
    k = K0
    for i in range(n):
        lr, st, cap, mt = LEARNING_RATE, STAFF, CAPACITY, memory_time
        learn = lr * st * (1 - k / cap)
        forget = k / mt
        time_[i] = START + i * DT
        knowledge[i] = k
        learning[i] = learn
        forgetting[i] = forget
        learning_rate[i] = lr
        staff[i] = st
        capacity[i] = cap
        memory[i] = mt
        per_person[i] = k / st
        if i < N_STEPS:
            k += DT * (learn - forget)
    return {
        "time": time_,
        "Knowledge": knowledge,
        "Learning": learning,
        "Forgetting": forgetting,
        "learning rate": learning_rate,
        "Staff": staff,
        "Capacity": capacity,
        "memory time": memory,
        "Knowledge per person": per_person,
    }


# ------------------------------------------------------------------ numba back end


def bench_numba(
    sd: Any, times: dict, details: dict, finals: dict, notes: list
) -> tuple[np.ndarray, np.ndarray] | None:
    """Time ``method="euler-numba"``: single runs, the kernel alone, ensembles, compile times.

    Compilation happens on a model's first run and is timed apart (fresh models, so that the
    cached machine code of another does not hide it).  Returns the final Knowledge of the numba
    ensemble and of 1,000 numba single runs, or None (with a note) when numba is not installed.
    """
    keys = [
        "numba single",
        "numba kernel only",
        "numba ensemble of 1,000",
        "numba 1,000 single runs",
        "numba import",
        "numba compile (single)",
        "numba compile (ensemble)",
    ]
    from sysdyn.solvers import available

    if "euler-numba" not in available():
        for key in keys:
            times[key] = None
        notes.append("numba back end skipped: numba is not installed; `pip install 'sysdyn-sim[jit]'`")
        return None
    t0 = time.perf_counter()
    import numba

    times["numba import"] = time.perf_counter() - t0
    details["numba import"] = f"numba {numba.__version__}; paid once per process, by the first compile"

    m = build_sysdyn_model(sd)
    res = m.run(method="euler-numba")  # compiles the single-run kernel
    times["numba compile (single)"] = res.info["compile_seconds"]
    details["numba compile (single)"] = "first run of a model: printing the kernel and numba.njit"
    finals["sysdyn numba"] = float(res["Knowledge"][-1])
    best, number, repeats = measure(lambda: m.run(method="euler-numba"))
    times["numba single"] = best
    details["numba single"] = f"best of {repeats} x {number} call(s); m.run(method='euler-numba')"

    from sysdyn.compiler.numba_backend import jit_kernel
    from sysdyn.solvers.setup import prepare

    setup = prepare(m.compile(), method="euler-numba")
    kernel = jit_kernel(m.compile(), "euler")
    y0, p = np.array(setup.y0), np.array(setup.p)
    out = np.empty((len(kernel.written), N_STEPS + 1))
    best, number, repeats = measure(lambda: kernel.run(START, DT, N_STEPS, 1, START, STOP, y0, p, out))
    times["numba kernel only"] = best
    details["numba kernel only"] = (
        f"best of {repeats} x {number} call(s); the compiled loop alone (no prepare, no Results)"
    )

    fresh = build_sysdyn_model(sd)
    ens = fresh.run(method="euler-numba", params={"memory time": MEMORY_TIMES})  # compiles it
    times["numba compile (ensemble)"] = ens.info["compile_seconds"]
    details["numba compile (ensemble)"] = "first ensemble of a model"
    ens_final = np.asarray(ens["Knowledge"])[:, -1]
    best, number, repeats = measure(
        lambda: fresh.run(method="euler-numba", params={"memory time": MEMORY_TIMES})
    )
    times["numba ensemble of 1,000"] = best
    details["numba ensemble of 1,000"] = (
        f"best of {repeats} x {number} call(s); blocks of 128 runs, threads for {os.cpu_count()} CPU(s)"
    )

    def numba_singles() -> np.ndarray:
        out = np.empty(N_ENSEMBLE)
        for j, v in enumerate(MEMORY_TIMES):
            run = fresh.run(method="euler-numba", params={"memory time": float(v)})
            out[j] = np.asarray(run["Knowledge"])[-1]
        return out

    singles_final = numba_singles()
    best, number, repeats = measure(numba_singles)
    times["numba 1,000 single runs"] = best
    details["numba 1,000 single runs"] = f"best of {repeats} x {number} call(s)"
    return ens_final, singles_final


# --------------------------------------------------------------------- import time


def subprocess_seconds(code: str, env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True)
    return time.perf_counter() - t0


def import_time(n: int = 5) -> tuple[float, float | None]:
    """(best of n of `import sysdyn` minus `pass`, -X importtime cumulative seconds or None)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    base = min(subprocess_seconds("pass", env) for _ in range(n))
    with_sd = min(subprocess_seconds("import sysdyn", env) for _ in range(n))
    cumulative = None
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import sysdyn"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    for line in proc.stderr.splitlines():
        match = re.match(r"import time:\s*\d+\s*\|\s*(\d+)\s*\|\s*sysdyn\s*$", line)
        if match:
            cumulative = int(match.group(1)) * 1e-6
    return max(with_sd - base, 0.0), cumulative


# ---------------------------------------------------------------------------- main


def main() -> None:
    print("sysdyn core benchmark: 'Team knowledge', Euler, t = 0..50, dt = 0.25 (200 steps, 201 rows)")
    print(f"Python {platform.python_version()} on {platform.platform()}; numpy {np.__version__}")

    sd = import_sysdyn()
    print(f"sysdyn {getattr(sd, '__version__', '?')} from {Path(sd.__file__).parent}")

    times: dict[str, float | None] = {}
    details: dict[str, str] = {}
    finals: dict[str, float] = {}
    notes: list[str] = []

    def record(key: str, fn: Callable[[], Any]) -> None:
        best, number, repeats = measure(fn)
        times[key] = best
        details[key] = f"best of {repeats} x {number} call(s)"

    # ---- sysdyn single run (compile excluded: the model caches its compiled form)
    m = build_sysdyn_model(sd)
    m.compile()
    res = m.run(method="euler")
    finals["sysdyn"] = float(np.asarray(res["Knowledge"])[-1])
    record("sysdyn single", lambda: m.run(method="euler"))

    # ---- hand-written loops
    finals["hand-written numpy"] = float(hand_numpy()["Knowledge"][-1])
    finals["hand-written float"] = float(hand_float()["Knowledge"][-1])
    record("hand-written numpy", hand_numpy)
    record("hand-written float", hand_float)

    # ---- PySD
    try:
        import pysd
    except ImportError as err:
        times["PySD single"] = None
        notes.append(f"PySD skipped: not installed ({err}); `pip install pysd`")
    else:
        try:
            # PySD writes the translated model (a .py file) next to the source: use a copy in a
            # temporary directory so the fixtures folder stays clean.
            tmpdir = tempfile.mkdtemp(prefix="sysdyn-bench-")
            atexit.register(shutil.rmtree, tmpdir, True)
            xmile_copy = Path(shutil.copy(FIXTURE, tmpdir))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                pysd_model = pysd.read_xmile(str(xmile_copy))
                out = pysd_model.run()
        except Exception as err:  # report why PySD could not read or run the file
            times["PySD single"] = None
            notes.append(f"PySD could not read/run {FIXTURE.name}: {type(err).__name__}: {err}")
        else:
            finals["PySD"] = float(out["Knowledge"].iloc[-1])

            def pysd_run() -> None:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    pysd_model.run()

            record("PySD single", pysd_run)
            details["PySD single"] += f" (PySD {pysd.__version__}; Euler only)"

    # ---- pysimlin
    simlin_model = None
    try:
        import simlin
    except ImportError as err:
        times["pysimlin single"] = None
        times["pysimlin 1,000 runs"] = None
        notes.append(f"pysimlin skipped: not installed ({err}); `pip install pysimlin`")
    else:
        try:
            simlin_model = simlin.load(str(FIXTURE))
            run = simlin_model.run(analyze_loops=False)
        except Exception as err:
            times["pysimlin single"] = None
            times["pysimlin 1,000 runs"] = None
            notes.append(f"pysimlin could not load/run {FIXTURE.name}: {type(err).__name__}: {err}")
            simlin_model = None
        else:
            finals["pysimlin"] = float(run.results["knowledge"].iloc[-1])
            record("pysimlin single", lambda: simlin_model.run(analyze_loops=False))
            try:
                from importlib.metadata import version

                details["pysimlin single"] += f" (pysimlin {version('pysimlin')}; analyze_loops=False)"
            except Exception:
                details["pysimlin single"] += " (analyze_loops=False)"

    # ---- ensembles over memory time
    ens = m.run(method="euler", params={"memory time": MEMORY_TIMES})
    ens_final = np.asarray(ens["Knowledge"])[:, -1]
    record("sysdyn ensemble of 1,000", lambda: m.run(method="euler", params={"memory time": MEMORY_TIMES}))

    def sysdyn_singles() -> np.ndarray:
        out = np.empty(N_ENSEMBLE)
        for j, v in enumerate(MEMORY_TIMES):
            out[j] = np.asarray(m.run(method="euler", params={"memory time": float(v)})["Knowledge"])[-1]
        return out

    singles_final = sysdyn_singles()
    record("sysdyn 1,000 single runs", sysdyn_singles)

    simlin_final = None
    if simlin_model is not None:

        def simlin_runs() -> np.ndarray:
            out = np.empty(N_ENSEMBLE)
            for j, v in enumerate(MEMORY_TIMES):
                r = simlin_model.run(overrides={"memory_time": float(v)}, analyze_loops=False)
                out[j] = r.results["knowledge"].iloc[-1]
            return out

        simlin_final = simlin_runs()
        record("pysimlin 1,000 runs", simlin_runs)
        details["pysimlin 1,000 runs"] += " (model.run(overrides={'memory_time': v}))"

    hand_ens = np.array([hand_float(float(v))["Knowledge"][-1] for v in MEMORY_TIMES])

    # ---- the numba back end (method="euler-numba"), compile time measured apart
    numba_ens_final = None
    numba_finals = bench_numba(sd, times, details, finals, notes)
    if numba_finals is not None:
        numba_ens_final, numba_singles_final = numba_finals

    # ---- import time
    try:
        imp, imp_cumulative = import_time()
    except subprocess.CalledProcessError as err:
        imp, imp_cumulative = None, None
        notes.append(f"`import sysdyn` failed in a fresh subprocess: {err}")
    times["import sysdyn"] = imp
    details["import sysdyn"] = "fresh subprocess, best of 5, minus `python -c pass`"
    if imp_cumulative is not None:
        details["import sysdyn"] += f"; -X importtime: {imp_cumulative:.3f} s"

    # ---------------------------------------------------------------- report
    print()
    print("Absolute times (per call)")
    print("-" * 100)
    order = [
        "sysdyn single",
        "hand-written numpy",
        "hand-written float",
        "PySD single",
        "pysimlin single",
        "sysdyn ensemble of 1,000",
        "sysdyn 1,000 single runs",
        "pysimlin 1,000 runs",
        "numba single",
        "numba kernel only",
        "numba ensemble of 1,000",
        "numba 1,000 single runs",
        "numba import",
        "numba compile (single)",
        "numba compile (ensemble)",
        "import sysdyn",
    ]
    for key in order:
        if key in times:
            print(f"{key:<26} {fmt_time(times[key]):>12}   {details.get(key, 'skipped')}")

    def ratio(num: str, den: str) -> float | None:
        a, b = times.get(num), times.get(den)
        return None if a is None or b is None or b == 0 else a / b

    rows = [
        ("PySD / sysdyn (single)", ratio("PySD single", "sysdyn single"), ">= 20", lambda r: r >= 20),
        ("pysimlin / sysdyn (single)", ratio("pysimlin single", "sysdyn single"), ">= 1", lambda r: r >= 1),
        (
            "sysdyn / hand-written numpy",
            ratio("sysdyn single", "hand-written numpy"),
            "<= 3",
            lambda r: r <= 3,
        ),
        ("sysdyn / hand-written float", ratio("sysdyn single", "hand-written float"), "(none)", None),
        (
            "1,000 singles / ensemble",
            ratio("sysdyn 1,000 single runs", "sysdyn ensemble of 1,000"),
            ">= 50",
            lambda r: r >= 50,
        ),
        (
            "1,000 pysimlin / ensemble",
            ratio("pysimlin 1,000 runs", "sysdyn ensemble of 1,000"),
            ">= 10",
            lambda r: r >= 10,
        ),
        ("numba: pure single / numba single", ratio("sysdyn single", "numba single"), "(none)", None),
        ("numba: PySD / numba (single)", ratio("PySD single", "numba single"), ">= 20", lambda r: r >= 20),
        (
            "numba: pysimlin / numba (single)",
            ratio("pysimlin single", "numba single"),
            ">= 1",
            lambda r: r >= 1,
        ),
        ("numba: numba / hand float", ratio("numba single", "hand-written float"), "(none)", None),
        (
            "numba: 1,000 numba singles / ens.",
            ratio("numba 1,000 single runs", "numba ensemble of 1,000"),
            ">= 50",
            lambda r: r >= 50,
        ),
        (
            "numba: 1,000 pure singles / ens.",
            ratio("sysdyn 1,000 single runs", "numba ensemble of 1,000"),
            ">= 50",
            lambda r: r >= 50,
        ),
        (
            "numba: 1,000 pysimlin / ens.",
            ratio("pysimlin 1,000 runs", "numba ensemble of 1,000"),
            ">= 10",
            lambda r: r >= 10,
        ),
    ]
    print()
    print("Ratios (> 1 means the denominator is faster)")
    print("-" * 100)
    print(f"{'ratio':<34} {'value':>10}   {'target':<8} status")
    for label, value, target, check in rows:
        if value is None:
            print(f"{label:<34} {'n/a':>10}   {target:<8} skipped")
            continue
        status = "-" if check is None else ("met" if check(value) else "NOT met")
        print(f"{label:<34} {value:>9.2f}x   {target:<8} {status}")
    if imp is None:
        print(f"{'import sysdyn (seconds)':<34} {'n/a':>10}   {'< 0.5 s':<8} skipped")
    else:
        status = "met" if imp < 0.5 else "NOT met"
        print(f"{'import sysdyn (seconds)':<34} {imp:>9.3f}s   {'< 0.5 s':<8} {status}")

    print()
    print(f"Final Knowledge at t = 50 (expected about {EXPECTED_FINAL})")
    print("-" * 100)
    reference = finals["hand-written float"]
    for name, value in finals.items():
        rel = abs(value - reference) / abs(reference)
        flag = "agrees" if rel < 1e-9 else ("agrees to 1e-6" if rel < 1e-6 else "DIFFERS")
        print(f"{name:<26} {value:.12f}   rel. diff vs hand loop {rel:.1e}  {flag}")
    print()
    print("Ensemble check (final Knowledge over memory time = linspace(6, 24, 1000))")
    print("-" * 100)
    comparisons = [("hand-written loop", hand_ens), ("1,000 sysdyn singles", singles_final)]
    if simlin_final is not None:
        comparisons.append(("1,000 pysimlin runs", simlin_final))
    for name, other in comparisons:
        print(f"sysdyn ensemble vs {name}: max |diff| = {np.max(np.abs(ens_final - other)):.2e}")
    if numba_ens_final is not None:
        for name, other in (("sysdyn ensemble", ens_final), ("1,000 numba singles", numba_singles_final)):
            print(f"numba ensemble vs {name}: max |diff| = {np.max(np.abs(numba_ens_final - other)):.2e}")
    print(f"final Knowledge ranges from {ens_final.min():.4f} (memory time 6) to {ens_final.max():.4f} (24)")

    if notes:
        print()
        for note in notes:
            print("note:", note)


if __name__ == "__main__":
    main()
