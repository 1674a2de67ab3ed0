"""Loop dominance with the Loops That Matter method (LTM) [1]_.

For each link ``x -> z`` between two saved times the *link score* says how
much of the change in ``z`` the change in ``x`` accounts for, with the
link's polarity:

- into an auxiliary or a flow ``z = f(x, y, ...)``:
  ``|Δx(z) / Δz| * sign(Δx(z) / Δx)``, where ``Δx(z) = f(x_t, y_t-1, ...) - f(x_t-1, y_t-1, ...)``
  is the change of ``z`` if only ``x`` had changed (``0`` where ``Δz`` or ``Δx`` is zero);
- from a flow into a stock: ``±|Δflow / Δnet flow|`` (``+`` for an inflow,
  ``-`` for an outflow), the aggregation-invariant form of Schoenberg,
  Hayward & Eberlein (2023) [2]_: the change of the flow over the change of the
  stock's net rate, i.e. its acceleration.

A *loop score* is the product of its link scores, and the *relative loop
score* divides it by the sum of the absolute loop scores of all loops in
the same cycle partition (strongly connected part of the model), so the
magnitudes sum to 1 at each time.  Scores are computed on a run's saved
grid, so they work for Euler, RK4 and SciPy's adaptive solvers alike; with
adaptive solvers they measure the change between saved points.

References
----------
.. [1] Schoenberg, W., Davidsen, P. and Eberlein, R. (2020). Understanding model behavior
   using the Loops that Matter method. System Dynamics Review 36(2), 158-190.
.. [2] Schoenberg, W., Hayward, J. and Eberlein, R. (2023). Improving Loops that Matter.
   System Dynamics Review 39(2), 140-151.

Examples
--------
>>> import sysdyn as sd
>>> m = sd.Model("Logistic", stop=60, dt=0.25)
>>> m.stock("Population", 10, inflows=["births"], outflows=["deaths"])
>>> m.flow("births", "r * Population")
>>> m.flow("deaths", "r * Population * Population / capacity")
>>> m.constant("r", 0.2); m.constant("capacity", 1000)
>>> ltm = loop_dominance(m, method="euler")
>>> ltm.loop_scores.loc[10.0].round(3).to_dict()
{'R1': 0.885, 'B1': -0.115}
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np
import pandas as pd

from ..equations import parse
from ..ir import Flow
from .evaluate import Evaluator, NotEvaluableError
from .finding import LoopList, find_cycles
from .stockflow import _env, definition_of, model_graph

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from ..results import Results

__all__ = ["loop_dominance", "LoopDominance", "link_scores"]


class LoopDominance:
    """Loop scores over time, from :func:`loop_dominance`.

    Attributes
    ----------
    loops : LoopList
        The model's loops (names match the score columns).
    loop_scores : pandas.DataFrame
        Relative loop scores (index time, one column per loop): in [-1, 1],
        negative for balancing loops, magnitudes summing to 1 within each
        cycle partition at each time (NaN where no loop is active).
    absolute_loop_scores : pandas.DataFrame
        The loop scores before normalisation (products of link scores).
    link_scores : pandas.DataFrame
        One column per link on a loop, named ``"source -> target"``.
    results : Results
        The run the scores were computed from.
    """

    def __init__(self, loops: LoopList, loop_scores, absolute, links, results) -> None:
        self.loops = loops
        self.loop_scores = loop_scores
        self.absolute_loop_scores = absolute
        self.link_scores = links
        self.results = results

    def dominant(self) -> pd.Series:
        """Name of the loop with the largest relative score magnitude at each time (None where undefined).

        Examples
        --------
        >>> import sysdyn as sd
        >>> m = sd.Model("m", stop=3); m.stock("S", 1, inflows=["f"]); m.flow("f", "S")
        >>> loop_dominance(m, method="euler").dominant().tolist()
        [None, 'R1', 'R1', 'R1']
        """
        scores = self.loop_scores.abs()
        defined = scores.notna().any(axis=1)
        names = scores.fillna(-1.0).idxmax(axis=1).astype(object)
        return names.where(defined, None)

    def plot(self, ax: Axes | None = None, **kwargs: Any) -> Axes:
        """Plot the relative loop scores over time."""
        ax = self.loop_scores.plot(ax=ax, **kwargs)
        ax.set_ylabel("relative loop score")
        ax.axhline(0.0, color="0.6", lw=0.8)
        return ax

    def __repr__(self) -> str:
        return f"<LoopDominance: {len(self.loops)} loops over {len(self.loop_scores)} times>"


def _value_tree(definition, key: str):
    v = definition.variables_by_key[key]
    return (
        parse(v.equation, element=v.name),
        getattr(v, "lookup", None),
        isinstance(v, Flow) and v.non_negative,
    )


def link_scores(
    model: Any, results: Results, graph: nx.DiGraph, edges: list[tuple[str, str]]
) -> tuple[dict[tuple[str, str], np.ndarray], list[str]]:
    """LTM link scores of ``edges`` on the saved grid of ``results``; also the links that could not be scored.

    Scores are arrays over the saved times; the first entry (no previous time) is NaN.
    """
    definition = definition_of(model)
    env = _env(results)
    n = len(env["time"])
    prev = {k: v[:-1] for k, v in env.items()}
    specs = definition.sim_specs
    evaluator = Evaluator(
        {t.key: t for t in definition.lookups}, dt=specs.dt, start=specs.start, stop=specs.stop
    )
    scores: dict[tuple[str, str], np.ndarray] = {}
    failed: list[str] = []
    cache: dict[str, tuple] = {}
    net: dict[str, np.ndarray] = {}
    for a, b in edges:
        out = np.full(n, np.nan)
        data = graph.edges[a, b]
        if data["kind"] == "flow":
            stock = definition.variables_by_key[b]
            if b not in net:
                rate = sum((env[k] for k in map(_key, stock.inflows) if k in env), np.zeros(n))
                rate = rate - sum((env[k] for k in map(_key, stock.outflows) if k in env), np.zeros(n))
                net[b] = np.diff(rate)
            sign = 1.0 if data["sign"] == "+" else -1.0
            with np.errstate(all="ignore"):
                out[1:] = sign * np.abs(np.diff(env[a]) / net[b])
            out[1:][np.diff(env[a]) == 0] = 0.0
        else:
            if b not in cache:
                cache[b] = _value_tree(definition, b)
            tree, lookup, uniflow = cache[b]
            try:
                base = _evaluate(evaluator, tree, lookup, uniflow, prev)
                moved = _evaluate(evaluator, tree, lookup, uniflow, {**prev, a: env[a][1:]})
            except NotEvaluableError:
                failed.append(f"{graph.nodes[a]['label']} -> {graph.nodes[b]['label']}")
                scores[(a, b)] = out
                continue
            partial = moved - base
            dz = np.diff(env[b])
            dx = np.diff(env[a])
            with np.errstate(all="ignore"):
                value = np.abs(partial / dz) * np.sign(partial / dx)
            value[(dz == 0) | (dx == 0) | (partial == 0)] = 0.0
            out[1:] = value
        scores[(a, b)] = out
    return scores, failed


def _key(name: str) -> str:
    from ..names import canonical

    return canonical(name)


def _evaluate(evaluator: Evaluator, tree, lookup, uniflow: bool, env) -> np.ndarray:
    value = evaluator.evaluate(tree, env)
    if lookup is not None:
        value = evaluator.lookup(lookup, value)
    if uniflow:
        value = np.maximum(value, 0.0)
    return np.broadcast_to(value, env["time"].shape)


def _relative(absolute: np.ndarray, groups: list[list[int]]) -> np.ndarray:
    rel = np.full_like(absolute, np.nan)
    for cols in groups:
        block = absolute[:, cols]
        with np.errstate(all="ignore"):
            infinite = np.isinf(block)
            has_inf = infinite.any(axis=1)
            total = np.nansum(np.abs(np.where(infinite, 0.0, block)), axis=1)
            out = block / total[:, None]
            # where a score is infinite, the infinite ones share the whole weight
            n_inf = infinite.sum(axis=1)
            inf_share = np.where(infinite, np.sign(block) / np.maximum(n_inf, 1)[:, None], 0.0)
            out = np.where(has_inf[:, None], inf_share, out)
            out[(total == 0) & ~has_inf] = np.nan
        rel[:, cols] = out
    return rel


def loop_dominance(
    model: Any,
    results: Results | None = None,
    *,
    length_bound: int | None = None,
    max_loops: int | None = 100_000,
    **run_options: Any,
) -> LoopDominance:
    """Loop scores over time of every feedback loop of a model (Loops That Matter).

    Parameters
    ----------
    model : sysdyn.Model or ModelDefinition
    results : Results, optional
        A single run to analyse; by default the model is run with ``run_options``.
    length_bound, max_loops
        Bounds on the loop search (as in :func:`sysdyn.loops.find_loops`).
    **run_options
        Passed to the run (``method``, ``dt``, ``params``...).

    Returns
    -------
    LoopDominance
        ``.loop_scores`` (relative), ``.absolute_loop_scores``, ``.link_scores``.

    Warns
    -----
    UserWarning
        If some links go through functions with memory or random draws
        (``SMTH1``, ``DELAY3``, ``NORMAL``...): their scores, and the scores
        of loops through them, are NaN.

    Examples
    --------
    >>> import sysdyn as sd
    >>> m = sd.Model("Decay", stop=4); m.stock("S", 8, outflows=["f"]); m.flow("f", "S / 2")
    >>> loop_dominance(m, method="rk4").loop_scores["B1"].tolist()
    [nan, -1.0, -1.0, -1.0, -1.0]
    """
    definition = definition_of(model)
    if results is None:
        from ..compiler import compile_model

        compiled = model.compile() if hasattr(model, "compile") else compile_model(definition)
        results = compiled.run(**run_options)
    elif run_options:
        raise TypeError(f"run options {sorted(run_options)} make no sense with `results=` given")
    graph = model_graph(definition, results, run=False)
    loops = find_cycles(graph, length_bound=length_bound, max_loops=max_loops)
    edges = sorted({e for lp in loops for e in lp.edges})
    scores, failed = link_scores(definition, results, graph, edges)
    if failed:
        warnings.warn(
            "Loops That Matter cannot score links through functions with memory or random draws; "
            f"these links and the loops through them get NaN: {', '.join(failed)}",
            UserWarning,
            stacklevel=2,
        )
    time = np.asarray(results.time, dtype=float)
    absolute = np.ones((len(time), len(loops)))
    for j, lp in enumerate(loops):
        for e in lp.edges:
            absolute[:, j] *= scores[e]
    partition = {}
    for i, component in enumerate(nx.strongly_connected_components(graph)):
        for node in component:
            partition[node] = i
    groups: dict[int, list[int]] = {}
    for j, lp in enumerate(loops):
        groups.setdefault(partition[lp.keys[0]], []).append(j)
    relative = _relative(absolute, list(groups.values()))
    index = pd.Index(time, name="time")
    names = [lp.name for lp in loops]
    labels = {n: graph.nodes[n]["label"] for n in graph.nodes}
    link_frame = pd.DataFrame({f"{labels[a]} -> {labels[b]}": scores[(a, b)] for a, b in edges}, index=index)
    return LoopDominance(
        loops,
        pd.DataFrame(relative, index=index, columns=names),
        pd.DataFrame(absolute, index=index, columns=names),
        link_frame,
        results,
    )
