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
from collections.abc import Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np
import pandas as pd

from ..errors import SysdynError
from ..ir import Flow, ModelDefinition
from ..names import canonical
from .evaluate import Evaluator, NotEvaluableError
from .expand import Expansion, expand
from .finding import LoopList, name_cycles
from .stockflow import _env, definition_of, signed_graph, structure

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from ..results import Results

__all__ = ["loop_dominance", "LoopDominance", "link_scores"]


class LoopDominance:
    """Loop scores over time, from :func:`loop_dominance`.

    Attributes
    ----------
    loops : LoopList
        The model's loops; the score columns are their labels (``"R1"``, or
        ``"R2 Reinvestment"`` for a loop given a title, see :meth:`named`).
    loop_scores : pandas.DataFrame
        Relative loop scores (index time, one column per loop): in [-1, 1],
        negative for balancing loops, magnitudes summing to 1 within each
        cycle partition at each time (NaN where no loop is active).
    absolute_loop_scores : pandas.DataFrame
        The loop scores before normalisation (products of link scores).
    link_scores : pandas.DataFrame
        One column per link on a loop, named ``"source -> target"``.
    partitions : list of list of str
        Labels of the loops in each cycle partition (the relative scores of
        one partition sum to 1 in magnitude).
    results : Results
        The run the scores were computed from.

    The data frames are built when first asked for.

    Examples
    --------
    >>> import sysdyn as sd
    >>> m = sd.Model("Decay", stop=2); m.stock("S", 8, outflows=["f"]); m.flow("f", "S / 2")
    >>> ltm = m.run(loop_dominance=True, method="euler")
    >>> ltm
    <LoopDominance: 1 loops over 3 times>
    >>> ltm.link_scores.columns.tolist(), ltm.partitions
    (['f -> S', 'S -> f'], [['B1']])
    """

    def __init__(
        self,
        loops: LoopList,
        time: np.ndarray,
        relative: np.ndarray,
        absolute: np.ndarray,
        links: dict[str, np.ndarray],
        partitions: list[list[str]],
        results: Results,
    ) -> None:
        self.loops = loops
        self.results = results
        self.partitions = partitions
        self._time = time
        self._relative = relative
        self._absolute = absolute
        self._links = links
        self._frames: dict[str, pd.DataFrame] = {}

    def _frame(self, which: str) -> pd.DataFrame:
        if which not in self._frames:
            index = pd.Index(self._time, name="time", copy=False)
            if which == "links":
                frame = pd.DataFrame(self._links, index=index, copy=False)
            else:
                values = self._relative if which == "relative" else self._absolute
                frame = pd.DataFrame(values, index=index, columns=[lp.label for lp in self.loops], copy=False)
            self._frames[which] = frame
        return self._frames[which]

    @property
    def loop_scores(self) -> pd.DataFrame:
        """Relative loop scores: one column per loop, index time."""
        return self._frame("relative")

    @property
    def absolute_loop_scores(self) -> pd.DataFrame:
        """Loop scores before normalisation: one column per loop, index time."""
        return self._frame("absolute")

    @property
    def link_scores(self) -> pd.DataFrame:
        """Link scores: one column per link on a loop, named ``"source -> target"``."""
        return self._frame("links")

    def named(self, titles: Mapping[str, str] | str) -> LoopDominance:
        """The same scores with loops given titles: columns ``"R2 Reinvestment"``... (no new run).

        Parameters
        ----------
        titles : dict or str
            Loop names to titles (``{"R1": "Growth"}``), or a model's
            documentation with a ``Loops:`` block; see
            :meth:`sysdyn.loops.LoopList.named`.

        Returns
        -------
        LoopDominance
            Sharing this one's scores and run; loops without a title keep
            their names as column names.

        Examples
        --------
        >>> import sysdyn as sd
        >>> m = sd.Model("Decay", stop=2); m.stock("S", 8, outflows=["f"]); m.flow("f", "S / 2")
        >>> ltm = m.run(loop_dominance=True, method="euler").named({"B1": "Draining"})
        >>> ltm.loop_scores.columns.tolist(), ltm.partitions, ltm.dominant().tolist()
        (['B1 Draining'], [['B1 Draining']], [None, 'B1 Draining', 'B1 Draining'])
        """
        loops = self.loops.named(titles)
        label = {old.label: new.label for old, new in zip(self.loops, loops, strict=True)}
        partitions = [[label[name] for name in group] for group in self.partitions]
        return LoopDominance(
            loops, self._time, self._relative, self._absolute, self._links, partitions, self.results
        )

    def dominant(self) -> pd.Series:
        """Label of the loop with the largest relative score magnitude at each time (None where undefined).

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
        """Plot the relative loop scores over time, one line per loop (balancing loops below zero).

        Examples
        --------
        >>> import sysdyn as sd
        >>> m = sd.Model("m", stop=3); m.stock("S", 1, inflows=["f"]); m.flow("f", "S")
        >>> ax = loop_dominance(m, method="euler").plot()
        >>> ax.get_ylabel()
        'relative loop score'
        >>> import matplotlib.pyplot as plt; plt.close(ax.figure)
        """
        ax = self.loop_scores.plot(ax=ax, **kwargs)
        ax.set_ylabel("relative loop score")
        ax.axhline(0.0, color="0.6", lw=0.8)
        return ax

    def __repr__(self) -> str:
        return f"<LoopDominance: {len(self.loops)} loops over {len(self._time)} times>"


def link_scores(
    model: Any, results: Results, graph: nx.DiGraph, edges: list[tuple[str, str]]
) -> tuple[dict[tuple[str, str], np.ndarray], list[str]]:
    """LTM link scores of ``edges`` on the saved grid of ``results``; also the links that could not be scored.

    Scores are arrays over the saved times; the first entry (no previous time) is NaN.

    Examples
    --------
    >>> import sysdyn as sd
    >>> m = sd.Model("m", stop=2); m.stock("S", 1, outflows=["f"]); m.flow("f", "S / 2")
    >>> from sysdyn.loops import model_graph
    >>> scores, failed = link_scores(m, m.run(method="euler"), model_graph(m), [("f", "s"), ("s", "f")])
    >>> scores[("f", "s")].tolist(), scores[("s", "f")].tolist(), failed
    ([nan, -1.0, -1.0], [nan, 1.0, 1.0], [])
    """
    definition = definition_of(model)
    found = structure(definition)
    by_key = found.by_key
    env = _env(results)
    n = len(env["time"])
    prev = {k: v[:-1] for k, v in env.items()}
    evaluator = found.evaluator(definition.sim_specs)
    scores: dict[tuple[str, str], np.ndarray] = {}
    failed: list[str] = []
    net: dict[str, np.ndarray] = {}
    base: dict[str, np.ndarray] = {}
    # Differences over time of every series a link needs, in one call on a stacked array.
    needed = sorted({k for e in edges for k in e if k in env})
    row = {k: i for i, k in enumerate(needed)}
    diffs = np.diff(np.stack([env[k] for k in needed]), axis=1) if needed else np.empty((0, n - 1))
    # Links into variables (not into stocks) are scored together once their partial changes are known.
    partials: list[np.ndarray] = []
    pending: list[tuple[tuple[str, str], int, int]] = []

    with np.errstate(all="ignore"):
        for a, b in edges:
            data = graph.edges[a, b]
            if data["kind"] == "flow":
                if b not in net:
                    stock = by_key[b]
                    rate = np.zeros(n)
                    for k in map(canonical, stock.inflows):
                        rate = rate + env[k] if k in env else rate
                    for k in map(canonical, stock.outflows):
                        rate = rate - env[k] if k in env else rate
                    net[b] = np.diff(rate)
                sign = 1.0 if data["sign"] == "+" else -1.0
                dflow = diffs[row[a]]
                out = np.empty(n)
                out[0] = np.nan
                out[1:] = sign * np.abs(dflow / net[b])
                out[1:][dflow == 0] = 0.0
                scores[(a, b)] = out
                continue
            v = by_key[b]
            lookup = getattr(v, "lookup", None)
            uniflow = isinstance(v, Flow) and v.non_negative
            tree = found.compiled(b, evaluator)
            try:
                if b not in base:
                    base[b] = _evaluate(evaluator, tree, lookup, uniflow, prev)
                moved = _evaluate(evaluator, tree, lookup, uniflow, {**prev, a: env[a][1:]})
            except NotEvaluableError:
                failed.append(f"{graph.nodes[a]['label']} -> {graph.nodes[b]['label']}")
                scores[(a, b)] = np.full(n, np.nan)
                continue
            partials.append(moved - base[b])
            pending.append(((a, b), row[b], row[a]))
        if pending:
            partial = np.stack(partials)
            dz = diffs[[p[1] for p in pending]]
            dx = diffs[[p[2] for p in pending]]
            value = np.abs(partial / dz) * np.sign(partial / dx)
            value[(dz == 0) | (dx == 0) | (partial == 0)] = 0.0
            block = np.empty((len(pending), n))
            block[:, 0] = np.nan
            block[:, 1:] = value
            for (edge, _, _), out in zip(pending, block, strict=True):
                scores[edge] = out
    return scores, failed


def _evaluate(evaluator: Evaluator, function, lookup, uniflow: bool, env) -> np.ndarray:
    value = np.asarray(function(env), dtype=float)
    if lookup is not None:
        value = evaluator.lookup(lookup, value)
    if uniflow:
        value = np.maximum(value, 0.0)
    shape = env["time"].shape
    return value if value.shape == shape else np.full(shape, value)


def _relative(absolute: np.ndarray, groups: list[list[int]]) -> np.ndarray:
    """Loop scores over the sum of their magnitudes within each group (cycle partition)."""
    rel = np.full_like(absolute, np.nan)
    with np.errstate(all="ignore"):
        if not np.isinf(absolute).any():
            for cols in groups:
                block = absolute[:, cols]
                total = np.nansum(np.abs(block), axis=1, keepdims=True)
                rel[:, cols] = np.where(total == 0, np.nan, block / total)
            return rel
        for cols in groups:
            block = absolute[:, cols]
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
    titles: Mapping[str, str] | str | None = None,
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
    titles : dict or str, optional
        Titles for the loops: a dict of loop names to titles
        (``{"R1": "Growth"}``) or the model's documentation with a
        ``Loops:`` block (``model.doc`` for the library's models); the score
        columns are then the loops' labels, ``"R1 Growth"``.  See
        :meth:`sysdyn.loops.LoopList.named`.
    length_bound, max_loops
        Bounds on the loop search (as in :func:`sysdyn.loops.find_loops`).
    **run_options
        Passed to the run (``method``, ``dt``, ``params``...).

    Returns
    -------
    LoopDominance
        ``.loop_scores`` (relative), ``.absolute_loop_scores``, ``.link_scores``.

    Raises
    ------
    AlgebraicLoopError
        If the model has an algebraic loop.

    Warns
    -----
    UserWarning
        If some links go through functions that keep a state LTM cannot see
        (``TREND``, the fixed ``DELAY`` pipeline) or draw random numbers
        (``NORMAL``...): their scores, and the scores of loops through them,
        are NaN, and the relative scores of the other loops leave them out.

    Notes
    -----
    Smooths and delays (``SMTH1``, ``SMTH3``, ``SMTHN``, ``DELAY1``, ``DELAY3``,
    ``DELAYN``) keep stocks of their own.  To score links through them the
    model is run with each one written out as its stocks and flows
    (:mod:`sysdyn.loops.expand`; the same equations, so the same trajectory):
    a link ``x -> z`` through a smooth scores the product of the link scores
    along its stages.  ``results`` then also holds those stages as variables.
    The first-order adjustment loop inside each stage is not one of the
    model's loops and is left out of the relative scores.  With ``results=``
    given, the written-out model is run again with the same solver, time grid
    and parameters, and used only if it reproduces them.

    The structure of a model (its causal graph, parsed equations and loops) is
    worked out once and cached, so scoring a model again, e.g. after each run
    of a sweep, costs little more than the run.

    Examples
    --------
    >>> import sysdyn as sd
    >>> m = sd.Model("Decay", stop=4); m.stock("S", 8, outflows=["f"]); m.flow("f", "S / 2")
    >>> loop_dominance(m, method="rk4").loop_scores["B1"].tolist()
    [nan, -1.0, -1.0, -1.0, -1.0]

    With the loops' titles from a library model's documentation:

    >>> growth = sd.models.load("limits_to_growth")
    >>> loop_dominance(growth, titles=growth.doc, method="euler").loop_scores.columns.tolist()
    ['R1 Growth', 'B1 Limit']
    """
    definition = definition_of(model)
    found = structure(definition)  # raises AlgebraicLoopError before any run
    written = _written_out(
        definition.variables, definition.lookups, definition.dimensions, definition.sim_specs, definition.name
    )
    if results is None:
        if written is not None:
            results = written.compiled.run(**run_options)
        else:
            from ..compiler import compile_model

            compiled = model.compile() if hasattr(model, "compile") else compile_model(definition)
            results = compiled.run(**run_options)
    elif run_options:
        raise TypeError(f"run options {sorted(run_options)} make no sense with `results=` given")
    elif written is not None:
        rerun = _rerun(written, results)
        if rerun is None:
            warnings.warn(
                "the model has smooths or delays, whose inner stocks `results=` does not hold, and a run of "
                "the model with them written out did not reproduce these results; links through them get "
                "NaN: call loop_dominance(model, method=..., ...) to run and score the model in one go",
                UserWarning,
                stacklevel=2,
            )
            written = None
        else:
            results = rerun
    graph = signed_graph(definition, found, results, run=False)
    oriented, capped = found.cycles(length_bound, max_loops)
    loops = name_cycles(graph, oriented, capped=capped, max_loops=max_loops, stacklevel=2)
    if titles is not None:
        loops = loops.named(titles)
    edges = sorted({e for lp in loops for e in lp.edges})
    if written is None:
        scores, failed = link_scores(definition, results, graph, edges)
    else:
        scores, failed = _through_stages(written, results, edges)
    if failed:
        warnings.warn(
            "Loops That Matter cannot score links through functions with memory or random draws; "
            f"these links and the loops through them get NaN (and are left out of the relative scores "
            f"of the other loops): {', '.join(failed)}",
            UserWarning,
            stacklevel=2,
        )
    time = np.asarray(results.time, dtype=float)
    absolute = np.ones((len(time), len(loops)))
    with np.errstate(all="ignore"):
        for j, lp in enumerate(loops):
            for e in lp.edges:
                absolute[:, j] *= scores[e]
    groups: dict[int, list[int]] = {}
    for j, lp in enumerate(loops):
        groups.setdefault(found.partition[lp.keys[0]], []).append(j)
    relative = _relative(absolute, list(groups.values()))
    labels = {n: graph.nodes[n]["label"] for n in graph.nodes}
    links = {f"{labels[a]} -> {labels[b]}": scores[(a, b)] for a, b in edges}
    partitions = [[loops[j].label for j in cols] for cols in groups.values()]
    return LoopDominance(loops, time, relative, absolute, links, partitions, results)


class _WrittenOut:
    """A model with its smooths and delays written out (:mod:`sysdyn.loops.expand`), compiled."""

    def __init__(self, expansion: Expansion) -> None:
        from ..compiler import compile_model

        self.expansion = expansion
        self.definition = expansion.definition
        self.compiled = compile_model(self.definition)
        self.structure = structure(self.definition)
        self._paths: dict[tuple[str, str], list[tuple[str, ...]]] = {}

    def paths(self, a: str, b: str) -> list[tuple[str, ...]]:
        """The paths from ``a`` to ``b`` in the written-out model whose inner variables are all added ones."""
        if (a, b) not in self._paths:
            graph = self.structure.graph
            inner = self.expansion.internal
            found = [(a, b)] if graph.has_edge(a, b) else []
            stack = [(a, (a,))]
            while stack:
                node, path = stack.pop()
                for nxt in graph.successors(node):
                    if nxt in inner and nxt not in path:
                        stack.append((nxt, (*path, nxt)))
                    elif nxt == b and len(path) > 1:
                        found.append((*path, b))
            self._paths[(a, b)] = found
        return self._paths[(a, b)]


@lru_cache(maxsize=16)
def _written_out(variables, lookups, dimensions, sim_specs, name) -> _WrittenOut | None:
    definition = ModelDefinition(
        name, variables=variables, lookups=lookups, dimensions=dimensions, sim_specs=sim_specs
    )
    expansion = expand(definition)
    return _WrittenOut(expansion) if expansion.changed else None


def _rerun(written: _WrittenOut, results: Results) -> Results | None:
    """A run of the written-out model reproducing ``results`` (same solver, grid, parameters), or None."""
    time = np.asarray(results.time, dtype=float)
    options: dict[str, Any] = {"method": results.method or None, "params": dict(results.params) or None}
    options.update(start=float(time[0]), stop=float(time[-1]))
    if len(time) > 1:
        options["saveper"] = float(time[1] - time[0])
    try:
        again = written.compiled.run(**{k: v for k, v in options.items() if v is not None})
    except (SysdynError, ValueError):  # cannot run it that way: cannot reproduce
        return None
    if again.time.shape != time.shape or not np.allclose(again.time, time):
        return None
    for name in results.names:
        a, b = np.asarray(results[name], dtype=float), np.asarray(again[name], dtype=float)
        if a.shape != b.shape or not np.allclose(a, b, rtol=1e-9, atol=1e-12, equal_nan=True):
            return None
    return again


def _through_stages(written: _WrittenOut, results: Results, edges):
    """Scores of the original model's links, from the written-out model: a link through a smooth or
    delay scores the product of the link scores along the stages, summed over parallel ways."""
    graph = signed_graph(written.definition, written.structure, results, run=False)
    paths = {e: written.paths(*e) for e in edges}
    needed = sorted({(p[i], p[i + 1]) for ways in paths.values() for p in ways for i in range(len(p) - 1)})
    inner, failed = link_scores(written.definition, results, graph, needed)
    n = len(results.time)
    scores = {}
    with np.errstate(all="ignore"):
        for e, ways in paths.items():
            total = np.zeros(n)
            for p in ways:
                product = np.ones(n)
                for i in range(len(p) - 1):
                    product = product * inner[(p[i], p[i + 1])]
                total = total + product
            total[0] = np.nan
            scores[e] = total if ways else np.full(n, np.nan)
    return scores, failed
