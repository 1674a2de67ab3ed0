"""The chunked ensemble runner under sweeps and Monte Carlo.

An experiment is a design (one value per run for each varied parameter)
cut into chunks of ``chunk_size`` runs.  Each chunk is *one* vectorised
call of :meth:`sysdyn.Model.run` with ``params={name: values of the chunk}``,
so memory is bounded by the chunk and the engine's array speed is kept.
Chunks run in this process, or as tasks on Dask (``client=``), and their
results are kept in memory or streamed to a store on disk (``store=``);
with a store, a run that was killed resumes with the chunks still missing.

Arrayed variables (over a dimension or a network) are kept whole: their
results are shaped ``(runs, times, *element axes)``, the chunk budget counts
every element, and the store's manifest records each output's dimensions
and element names.  A varied parameter that is arrayed (a constant defined
over a dimension) takes the run's value in every element; a parameter named
``"memory[Ann]"`` varies that one element, the others keeping their values
in the base model (with the ``fixed`` parameters).

Examples
--------
>>> import numpy as np
>>> from sysdyn.showcase import team_knowledge
>>> ens = run_ensemble(team_knowledge(), {"memory time": np.array([6.0, 12.0, 24.0])},
...                    method="euler", chunk_size=2, outputs=["Knowledge"])
>>> ens["Knowledge"].shape, ens.info["computed"]
((3, 201), [0, 1])
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import socket
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import ParameterError, SimulationError
from ..ir import ModelDefinition
from ..names import canonical, closest
from .progress import progress_bar

__all__ = [
    "RunSpec",
    "ChunkTask",
    "run_chunk",
    "run_ensemble",
    "auto_chunk_size",
    "n_values",
    "element_parameters",
]

# What one chunk's results may take in memory, by default.  Measured on a 10-stock model, 10,000
# Euler runs: chunks of 160 runs (a 64 MiB budget) took 4x longer than chunks of 1,000 (numpy's
# per-call cost dominates small arrays), and 10,000 runs at once were slower again (cache misses).
CHUNK_BUDGET_BYTES = 256 * 2**20
MAX_AUTO_CHUNK = 5000  # beyond a few thousand runs per array, bigger chunks are no faster


@dataclass(frozen=True)
class RunSpec:
    """What every chunk of an experiment shares: the model and how to run it (picklable).

    Examples
    --------
    >>> import pickle
    >>> from sysdyn.showcase import team_knowledge
    >>> spec = RunSpec(team_knowledge().definition, "euler", (), ("knowledge",))
    >>> len(spec.token), pickle.loads(pickle.dumps(spec)).token == spec.token
    (32, True)
    """

    definition: ModelDefinition
    method: str
    options: tuple[tuple[str, Any], ...]
    outputs: tuple[str, ...]
    fixed: tuple[tuple[str, float], ...] = ()
    #: Parameters that are one element of an arrayed variable: ``(name, variable key, index)``.
    elements: tuple[tuple[str, str, tuple[int, ...]], ...] = ()
    #: The base values of those variables: ``(key, shape, values flattened)``.
    bases: tuple[tuple[str, tuple[int, ...], tuple[float, ...]], ...] = ()

    @property
    def token(self) -> str:
        """A hash naming this spec (workers cache the compiled model under it)."""
        text = repr((self.definition, self.method, self.options, self.outputs, self.fixed))
        return hashlib.sha256(text.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class ChunkTask:
    """One chunk: runs ``start`` to ``stop`` (excluded) and their parameter values.

    Examples
    --------
    >>> import numpy as np
    >>> from sysdyn.showcase import team_knowledge
    >>> spec = RunSpec(team_knowledge().definition, "euler", (), ("knowledge",))
    >>> task = ChunkTask(index=1, start=2, stop=4, params={"staff": np.array([6.0, 8.0])})
    >>> run_chunk(spec, task)["knowledge"].shape  # (runs of the chunk, saved times)
    (2, 201)
    """

    index: int
    start: int
    stop: int
    params: dict[str, np.ndarray]
    seed: int | None = None


_MODELS: dict[str, Any] = {}  # per process: spec token -> compiled-and-cached Model


_SUBSCRIPT = re.compile(r"^\s*(?P<name>[^\[\]]+?)\s*\[(?P<elems>[^\[\]]*)\]\s*$")


def element_parameters(compiled: Any, names: Iterable[str]) -> dict[str, tuple[str, tuple[int, ...]]]:
    """The names that are one element of an arrayed variable: ``name -> (variable key, element index)``.

    Examples
    --------
    >>> import sysdyn as sd
    >>> m = sd.Model("m", stop=1); m.dimension("team", ["Ann", "Bo"]); m.constant("k[team]", [1, 2])
    >>> element_parameters(m.compile(), ["k[bo]", "k"])
    {'k[bo]': ('k', (1,))}
    """
    from ..results import VariableInfo
    from .statistics import _indexer

    out: dict[str, tuple[str, tuple[int, ...]]] = {}
    for name in names:
        match = _SUBSCRIPT.match(str(name))
        if canonical(str(name)) in compiled.variables or match is None:
            continue
        key = canonical(match["name"])
        if key not in compiled.variables or not compiled.shape_of(key):
            continue
        info = compiled.variable_info(VariableInfo)[key]
        index, _ = _indexer(info, tuple(e.strip() for e in match["elems"].split(",")))
        out[str(name)] = (key, tuple(int(i) for i in index))
    return out


def _run_params(compiled: Any, spec: RunSpec, params: Mapping[str, Any], n: int) -> dict[str, Any]:
    """Parameters for ``model.run`` of ``n`` runs.

    A per-run value of an arrayed parameter is broadcast to ``(runs, *dims)``
    (the same in every element); per-element parameters fill their element
    of the variable's base values.
    """
    targets = {name: (key, index) for name, key, index in spec.elements}
    blocks = {
        key: np.array(np.broadcast_to(np.reshape(values, shape), (n, *shape)))
        for key, shape, values in spec.bases
    }
    out: dict[str, Any] = {}
    for name, value in params.items():
        if name in targets:
            key, index = targets[name]
            blocks[key][(slice(None), *index)] = value
            continue
        key = canonical(name)
        shape = compiled.shape_of(key) if key in compiled.variables else ()
        arr = np.asarray(value, dtype=float)
        if shape and arr.ndim == 1:
            value = np.broadcast_to(arr.reshape((n,) + (1,) * len(shape)), (n, *shape))
        out[name] = value
    out.update(blocks)
    return out


def run_chunk(spec: RunSpec, task: ChunkTask, model: Any = None) -> dict[str, np.ndarray]:
    """Run one chunk as one ensemble; return ``{output key: (runs, times, *dims) array}``.

    On a Dask worker ``model`` is None and the model is rebuilt from the
    definition once per worker process, then reused for every chunk.

    Examples
    --------
    >>> from sysdyn.showcase import team_knowledge
    >>> m = team_knowledge()
    >>> spec = RunSpec(m.definition, "euler", (), ("knowledge",))
    >>> out = run_chunk(spec, ChunkTask(0, 0, 2, {"staff": np.array([2.0, 4.0])}))
    >>> out["knowledge"].shape
    (2, 201)
    """
    if model is None:
        model = _MODELS.get(spec.token)
        if model is None:
            from ..model import Model

            model = Model.from_definition(spec.definition)
            if len(_MODELS) > 8:
                _MODELS.clear()
            _MODELS[spec.token] = model
    params = _run_params(model.compile(), spec, {**dict(spec.fixed), **task.params}, task.stop - task.start)
    res = model.run(method=spec.method, params=params, seed=task.seed, **dict(spec.options))
    return {k: np.asarray(res[k], dtype=float) for k in spec.outputs}  # views: the sink or store copies


def auto_chunk_size(n_times: int, n_variables: int, budget: int | None = None) -> int:
    """A chunk size whose results fit ``budget`` bytes (the engine holds about three copies).

    ``n_variables`` counts values saved per time step: an arrayed variable
    counts once per element (:func:`n_values`).  ``budget`` defaults to
    :data:`CHUNK_BUDGET_BYTES` (read at each call).

    Examples
    --------
    >>> auto_chunk_size(201, 8)
    5000
    >>> auto_chunk_size(10_001, 50)
    22
    """
    budget = CHUNK_BUDGET_BYTES if budget is None else budget
    per_run = max(1, n_times * n_variables * 8 * 3)
    return int(min(MAX_AUTO_CHUNK, max(1, budget // per_run)))


def n_values(compiled: Any, keys: Iterable[str] | None = None) -> int:
    """Numbers saved per time step and run: one per scalar variable, one per element of an arrayed one.

    Examples
    --------
    >>> import sysdyn as sd
    >>> m = sd.Model("m", stop=1); m.dimension("team", 3)
    >>> m.stock("K[team]", 1, inflows=["f[team]"]); m.flow("f[team]", "K * r"); m.constant("r", 0.1)
    >>> n_values(m.compile())       # K and f have 3 elements each, r one
    7
    """
    keys = compiled.value_keys if keys is None else keys
    return int(sum(math.prod(compiled.shape_of(k)) for k in keys))


def _resolve_outputs(compiled: Any, outputs: str | Iterable[str] | None) -> tuple[str, ...]:
    if outputs is None:
        return tuple(compiled.value_keys)
    names = [outputs] if isinstance(outputs, str) else list(outputs)
    keys = []
    for name in names:
        key = canonical(str(name))
        if key not in compiled.variables and "[" in str(name):
            raise ParameterError(
                f"`outputs` names `{name}`, one element of a variable: outputs keep whole variables; "
                f"keep `{str(name).split('[')[0].strip()}` and select the element from the results "
                f"(ens[{str(name)!r}], summary(..., element=...))"
            )
        if key not in compiled.variables:
            hint = closest(str(name), [v.name for v in compiled.variables.values()])
            raise ParameterError(
                f"`outputs` names `{name}`, which is not a variable of the model"
                + (f"; did you mean `{hint}`?" if hint else "")
            )
        if key not in keys:
            keys.append(key)
    if not keys:
        raise ParameterError("`outputs` is empty: name at least one variable to keep")
    return tuple(keys)


def _digest(*parts: Any) -> str:
    h = hashlib.sha256()
    for part in parts:
        if isinstance(part, np.ndarray):
            h.update(np.ascontiguousarray(part, dtype=float).tobytes())
        else:
            h.update(repr(part).encode())
        h.update(b"\x00")
    return h.hexdigest()


def _chunk_seeds(seed: Any, n_chunks: int, random: bool) -> list[int | None]:
    if not random:
        return [None] * n_chunks
    children = np.random.SeedSequence(seed).spawn(n_chunks)
    return [int(c.generate_state(2, np.uint64)[0] >> np.uint64(1)) for c in children]


def _validate_design(design: Mapping[str, Any]) -> tuple[dict[str, np.ndarray], int]:
    arrays: dict[str, np.ndarray] = {}
    n = None
    for name, values in design.items():
        arr = np.asarray(values, dtype=float)
        if arr.ndim != 1 or len(arr) == 0:
            raise ParameterError(
                f"the design of `{name}` must be a non-empty 1-D array (got shape {arr.shape})"
            )
        if n is not None and len(arr) != n:
            raise ParameterError(f"every parameter needs one value per run: `{name}` has {len(arr)}, not {n}")
        n = len(arr)
        arrays[str(name)] = arr
    if n is None:
        raise ParameterError("the experiment varies no parameter: give at least one")
    return arrays, n


def run_ensemble(
    model: Any,
    design: Mapping[str, Any],
    *,
    fixed: Mapping[str, float] | None = None,
    method: str | None = None,
    chunk_size: int | None = None,
    outputs: str | Sequence[str] | None = None,
    seed: Any = None,
    store: str | os.PathLike | None = None,
    client: Any = None,
    progress: bool | dict | None = None,
    kind: str = "ensemble",
    axes: Mapping[str, np.ndarray] | None = None,
    desc: str = "runs",
    **run_options: Any,
):
    """Run every row of ``design`` in chunks; return an :class:`~sysdyn.scenarios.EnsembleResults`.

    Parameters
    ----------
    model : Model
    design : dict of str to array
        Parameter name -> one value per run (all the same length).
    fixed : dict of str to float, optional
        Parameters set to one value in every run.
    method : str, optional
        Solver (default: the model's).
    chunk_size : int, optional
        Runs per vectorised call; by default as many as fit 256 MiB, counting every
        element of arrayed variables (at most 5,000).
    outputs : str or list of str, optional
        Variables to keep (default: all).  Keeping few bounds memory and store size.
    seed : int, optional
        Seed of the model's random functions; each chunk gets its own stream.
    store : path, optional
        ``*.zarr`` or ``*.parquet`` folder to stream results to; an existing
        store of the same experiment is resumed.
    client : optional
        Where chunks run: ``None`` (this process), ``"local"`` (a new Dask
        ``LocalCluster``), a ``dask.distributed.Client``, a ``LocalCluster``
        or a scheduler address.
    progress : bool or dict, optional
        Progress bar (default: on in a terminal or notebook).
    kind, axes, desc
        How the results are labelled (set by :func:`~sysdyn.sweep` and
        :func:`~sysdyn.monte_carlo`).
    **run_options
        Passed to :meth:`sysdyn.Model.run` (``start``, ``stop``, ``dt``, ``saveper``, ``rtol`` ...).

    Examples
    --------
    >>> from sysdyn.showcase import team_knowledge
    >>> ens = run_ensemble(team_knowledge(), {"Staff": [2, 8]}, method="euler", outputs="Knowledge")
    >>> ens["Knowledge"][:, -1].round(2)
    array([10.71, 32.39])
    """
    from .summaries import EnsembleResults

    arrays, n_runs = _validate_design(design)
    fixed = {str(k): float(v) for k, v in (fixed or {}).items()}
    compiled = model.compile()
    method = method or compiled.definition.sim_specs.method
    keys = _resolve_outputs(compiled, outputs)
    if "params" in run_options or "seed" in run_options:
        raise ParameterError("pass parameters in the design, not as `params=`")
    random = bool(compiled.random_sites)
    if random and seed is None and store is not None:
        raise ParameterError(
            "the model draws random numbers, so a resumable run needs a `seed` (otherwise the resumed "
            "chunks would use other random streams than the first ones)"
        )
    if random and seed is None:
        seed = int(np.random.SeedSequence().entropy % 2**63)
    options = tuple(sorted(run_options.items()))
    spec = RunSpec(
        model.definition,
        method,
        options,
        keys,
        tuple(sorted(fixed.items())),
        *_element_spec(model, compiled, arrays, fixed, method, run_options),
    )
    probe = model.run(
        method=method,
        params=_run_params(compiled, spec, {**fixed, **{k: v[:1] for k, v in arrays.items()}}, 1),
        seed=_chunk_seeds(seed, 1, random)[0],
        **run_options,
    )
    time = np.array(probe.time)
    infos = {k: probe.info_for(k) for k in keys}
    if chunk_size is None:
        chunk_size = auto_chunk_size(len(time), n_values(compiled))
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, (int, np.integer)) or chunk_size < 1:
        raise ParameterError(f"`chunk_size` must be a positive whole number (got {chunk_size!r})")
    chunk_size = int(chunk_size)
    n_chunks = math.ceil(n_runs / chunk_size)
    seeds = _chunk_seeds(seed, n_chunks, random)
    writer = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    sink = _Sink(store, spec, arrays, fixed, n_runs, chunk_size, time, infos, seed if random else None)
    todo = [i for i in range(n_chunks) if i not in sink.done_before]
    tasks = []
    for i in todo:
        a, b = i * chunk_size, min((i + 1) * chunk_size, n_runs)
        tasks.append(ChunkTask(i, a, b, {k: v[a:b] for k, v in arrays.items()}, seeds[i]))
    done_runs = n_runs - sum(t.stop - t.start for t in tasks)
    with progress_bar(n_runs, desc, progress, unit="runs", initial=done_runs) as bar:
        for task, data in _execute(client, spec, tasks, model):
            sink.put(task, data, writer)
            bar.update(task.stop - task.start)
    missing = set(range(n_chunks)) - sink.computed - sink.done_before
    if missing:  # the arrays in memory are not filled in: never hand them out
        raise SimulationError(f"the ensemble lost chunks {sorted(missing)[:10]} of {n_chunks}; run it again")
    info = {
        "computed": sorted(sink.computed),
        "reused": sorted(sink.done_before),
        "n_chunks": n_chunks,
        "chunk_size": chunk_size,
        "writer": writer,
        "store": None if store is None else str(store),
    }
    return EnsembleResults(
        time=time,
        variables=infos,
        design=arrays,
        fixed=fixed,
        source=sink.source(),
        kind=kind,
        axes=axes,
        model_name=compiled.definition.name,
        time_units=probe.time_units,
        method=method,
        info=info,
    )


def _element_spec(
    model: Any,
    compiled: Any,
    arrays: Mapping[str, Any],
    fixed: Mapping[str, float],
    method: str,
    options: dict,
) -> tuple[tuple, tuple]:
    """``RunSpec.elements`` and ``RunSpec.bases`` for the per-element parameters (empty if none)."""
    targets = element_parameters(compiled, [*arrays, *fixed])
    if not targets:
        return (), ()
    given = {canonical(k) for k in [*arrays, *fixed] if k not in targets}
    for name, (key, _) in targets.items():
        if key in given:
            raise ParameterError(
                f"`{name}` is one element of `{compiled.variables[key].name}`, which is given whole too: "
                "give the variable or its elements"
            )
    keys = {key for key, _ in targets.values()}
    plain = {k: v for k, v in fixed.items() if k not in targets}
    base = model.run(method=method, params=plain or None, seed=0, **options)  # the values not varied
    bases = tuple(
        (key, compiled.shape_of(key), tuple(float(x) for x in np.ravel(base[key][0]))) for key in sorted(keys)
    )
    elements = tuple((name, key, index) for name, (key, index) in targets.items())
    return elements, bases


def _execute(client: Any, spec: RunSpec, tasks: list[ChunkTask], model: Any):
    """Yield ``(task, data)`` as chunks finish, here or on Dask."""
    if not tasks:
        return
    if client is None:
        for task in tasks:
            yield task, run_chunk(spec, task, model)
        return
    from .distributed import map_chunks

    yield from map_chunks(client, spec, tasks)


class _Sink:
    """Where finished chunks go: arrays in memory, or a store on disk."""

    def __init__(self, store, spec, arrays, fixed, n_runs, chunk_size, time, infos, seed):
        self.computed: set[int] = set()
        self.keys = spec.outputs
        if store is None:
            self.store = None
            self.done_before: set[int] = set()
            # every chunk is written once before the arrays are read (a failed chunk raises)
            self.data = {k: np.empty((n_runs, len(time), *infos[k].shape)) for k in self.keys}
            return
        from .store import open_store

        fingerprint = {
            "model": _digest(spec.definition),
            "design": _digest(*[x for k in sorted(arrays) for x in (canonical(k), arrays[k])]),
            "run": _digest(spec.method, spec.options, spec.outputs, spec.fixed, seed),
            "chunks": str(chunk_size),
        }
        shapes = {k: list(infos[k].shape) for k in self.keys}
        if any(shapes.values()):  # scalar outputs keep the fingerprint of stores made before arrays
            fingerprint["shapes"] = _digest([(k, infos[k].dimensions, infos[k].elements) for k in self.keys])
        manifest = {
            "fingerprint": fingerprint,
            "n_runs": n_runs,
            "chunk_size": chunk_size,
            "time": [float(t) for t in time],
            "outputs": {k: infos[k].name for k in self.keys},
            "shapes": shapes,
            "dimensions": {k: list(infos[k].dimensions) for k in self.keys if infos[k].dimensions},
            "elements": {k: [list(e) for e in infos[k].elements] for k in self.keys if infos[k].dimensions},
            "params": list(arrays),
            "model": spec.definition.name,
            "method": spec.method,
            "options": json.loads(json.dumps(dict(spec.options), default=str)),
        }
        self.store = open_store(store, manifest)
        self.done_before = self.store.done()
        if self.store.manifest.get("params") == list(arrays):
            _write_design(self.store, arrays)

    def put(self, task: ChunkTask, data: dict[str, np.ndarray], writer: str) -> None:
        if task.index in self.computed:  # a task retried by the scheduler: keep the first
            return
        if self.store is None:
            for k in self.keys:
                self.data[k][task.start : task.stop] = data[k]
        else:
            self.store.write(task.index, data, writer)
        self.computed.add(task.index)

    def source(self):
        return self.data if self.store is None else self.store


def _write_design(store: Any, arrays: dict[str, np.ndarray]) -> None:
    """Keep the design beside the results (``_design.npz``), once."""
    file = store.path / "_design.npz"
    if file.exists():
        return
    tmp = store.path / ".design.tmp.npz"
    np.savez(tmp, **{f"p{i}": v for i, v in enumerate(arrays.values())})
    os.replace(tmp, file)
