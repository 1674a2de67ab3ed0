"""The causal structure of a stock-and-flow model: its signed graph, loops and CLD.

Every variable is a node.  A variable's equation referring to another makes
a link ``referenced -> variable``; every flow links to its stocks (``+`` into
the stock it fills, ``-`` into the one it drains).  Link polarity comes from
the equations (:mod:`sysdyn.loops.polarity`): symbolically where it is
determinate, otherwise numerically along a run of the model.

Examples
--------
>>> import sysdyn as sd
>>> m = sd.Model("Logistic", stop=60, dt=0.25)
>>> m.stock("Population", 10, inflows=["births"], outflows=["deaths"])
>>> m.flow("births", "r * Population")
>>> m.flow("deaths", "r * Population * Population / capacity")
>>> m.constant("r", 0.2); m.constant("capacity", 1000)
>>> find_loops(m)
[Loop R1: Population -> births -> Population (reinforcing),
 Loop B1: Population -> deaths -> Population (balancing)]
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np

from ..equations import parse
from ..equations.nodes import names_in
from ..errors import AlgebraicLoopError, DimensionError
from ..ir import Constant, Flow, ModelDefinition, Stock
from ..names import canonical
from .evaluate import Evaluator
from .finding import LoopAnalysisError, LoopList, enumerate_cycles, name_cycles
from .polarity import SIGN_TEXT, numeric_polarity, references, symbolic_polarity

if TYPE_CHECKING:
    from ..results import Results
    from .cld import CausalLoopDiagram

__all__ = [
    "model_graph",
    "find_loops",
    "to_cld",
    "definition_of",
    "check_algebraic_loops",
    "LoopAnalysisError",
]


def definition_of(model: Any) -> ModelDefinition:
    """The :class:`~sysdyn.ir.ModelDefinition` of a Model (or the definition itself).

    Examples
    --------
    >>> import sysdyn as sd
    >>> m = sd.Model("m"); m.constant("k", 1)
    >>> definition_of(m) == m.definition, definition_of(m.definition) == m.definition
    (True, True)
    """
    definition = getattr(model, "definition", model)
    if not isinstance(definition, ModelDefinition):
        raise TypeError(f"expected a sysdyn.Model or a ModelDefinition, got a {type(model).__name__}")
    return definition


def _static_signs(definition: ModelDefinition) -> dict[str, int]:
    """Value signs known from the definition alone: constant numbers, non-negative stocks and flows."""
    signs: dict[str, int] = {}
    for v in definition.variables:
        if isinstance(v, Constant) or (not isinstance(v, Stock) and _is_number(v.equation)):
            if _is_number(v.equation):
                value = float(v.equation)
                signs[v.key] = 0 if value == 0 else (1 if value > 0 else -1)
        elif isinstance(v, Stock | Flow) and v.non_negative:
            signs[v.key] = 1
    return signs


def _value_signs(found: _Structure, results: Results | None) -> dict[str, int]:
    """Value signs from the definition, and from a run where given (the signs the values kept along it)."""
    signs = dict(found.static_signs)
    if results is not None:
        env = _env(results)
        for key in found.sign_names:
            values = env.get(key)
            if values is None or key in found.static_signs:
                continue
            low, high = float(np.min(values)), float(np.max(values))
            if not (np.isfinite(low) and np.isfinite(high)):
                continue
            if low == 0 and high == 0:
                signs[key] = 0
            elif low >= 0:
                signs[key] = 1
            elif high <= 0:
                signs[key] = -1
    return signs


def _is_number(text: str) -> bool:
    try:
        float(text)
    except (TypeError, ValueError):
        return False
    return True


_LAST_ENV: list = [None, None]  # the last results seen and their values by canonical key


def _env(results: Results) -> dict[str, np.ndarray]:
    """The 1-D series of a single run, keyed by canonical name, with ``time`` (memoised for the last run)."""
    if _LAST_ENV[0] is results:
        return _LAST_ENV[1]
    if results.is_ensemble:
        raise LoopAnalysisError(
            f"loop analysis needs the results of a single run, not of an ensemble of {results.n_runs} runs; "
            "pick one with `results.run(i)` or run without array-valued `params`"
        )
    env = {}
    for n in results.names:
        values = np.asarray(results[n], dtype=float)
        if values.ndim == 1:
            env[canonical(n)] = values
    env["time"] = np.asarray(results.time, dtype=float)
    _LAST_ENV[:] = [results, env]
    return env


def check_algebraic_loops(graph: nx.DiGraph) -> None:
    """Raise :class:`~sysdyn.AlgebraicLoopError` if variables depend on each other with no stock between.

    Examples
    --------
    >>> g = nx.DiGraph([("a", "b", {"delay": False}), ("b", "a", {"delay": False})])
    >>> try:
    ...     check_algebraic_loops(g)
    ... except AlgebraicLoopError as err:
    ...     print(err.cycle)
    ['a', 'b', 'a']
    """
    instant = nx.DiGraph()
    instant.add_nodes_from(n for n, d in graph.nodes(data=True) if d.get("kind") != "stock")
    instant.add_edges_from(
        (a, b) for a, b, d in graph.edges(data=True) if a in instant and b in instant and not d.get("delay")
    )
    try:
        cycle = nx.find_cycle(instant)
    except nx.NetworkXNoCycle:
        return
    keys = [a for a, _ in cycle]
    start = keys.index(min(keys))
    keys = keys[start:] + keys[:start]
    shown = [str(graph.nodes[k].get("label", k)) for k in (*keys, keys[0])]
    raise AlgebraicLoopError(
        f"algebraic loop: `{shown[0]}` depends on itself without a stock in between: {' -> '.join(shown)}. "
        "Break the loop with a stock (or a SMTH1/DELAY1) somewhere along it.",
        cycle=shown,
        element=shown[0],
    )


class _Structure:
    """What a model's loop analysis needs that depends on its definition alone (cached)."""

    def __init__(self, definition: ModelDefinition) -> None:
        graph = nx.DiGraph(name=definition.name)
        trees = {}
        known = {v.key for v in definition.variables}
        for v in definition.variables:
            if v.dimensions or v.element_equations:
                raise DimensionError("loop analysis does not handle arrayed variables yet", element=v.name)
            graph.add_node(v.key, label=v.name, kind=v.kind)
        for v in definition.variables:
            if isinstance(v, Stock):
                for direction, names in (("+", v.inflows), ("-", v.outflows)):
                    for flow in names:
                        key = canonical(flow)
                        if key in known:
                            graph.add_edge(
                                key, v.key, sign=direction, delay=False, kind="flow", how="structure"
                            )
                continue
            tree = parse(v.equation, element=v.name)
            trees[v.key] = tree
            for ref, delayed in references(tree).items():
                if ref in known:
                    graph.add_edge(ref, v.key, sign="?", delay=delayed, kind="info", how="symbolic")
        check_algebraic_loops(graph)
        self.graph = graph
        self.trees = trees
        self.names = {k: tuple(sorted(names_in(t))) for k, t in trees.items()}
        self.tables = {t.key: t for t in definition.lookups}
        self.partition: dict[str, int] = {}
        for i, component in enumerate(nx.strongly_connected_components(graph)):
            for node in component:
                self.partition[node] = i
        sizes: dict[int, int] = {}
        for i in self.partition.values():
            sizes[i] = sizes.get(i, 0) + 1
        self.on_loops = {n for n, i in self.partition.items() if sizes[i] > 1 or graph.has_edge(n, n)}
        self.by_key = definition.variables_by_key
        self.static_signs = _static_signs(definition)
        self.sign_names = tuple(sorted(set().union(*self.names.values()) & set(self.by_key))) if trees else ()
        self._symbolic: dict[tuple, int | None] = {}
        self._signed: dict[tuple, tuple[nx.DiGraph, list]] = {}
        self._evaluators: dict[tuple, Evaluator] = {}
        self._compiled: dict[tuple, Any] = {}
        self._cycles: dict[tuple, tuple[list[tuple[str, ...]], bool]] = {}

    def symbolic(self, a: str, b: str, signs: dict[str, int], lookup) -> int | None:  # memoised
        """Symbolic polarity of ``a -> b`` given the value signs of the names in ``b``'s equation."""
        key = (a, b, tuple(signs.get(n) for n in self.names[b]))
        if key not in self._symbolic:
            self._symbolic[key] = symbolic_polarity(self.trees[b], a, signs, self.tables, lookup)
        return self._symbolic[key]

    def evaluator(self, specs) -> Evaluator:
        """An :class:`Evaluator` of the model's equations for these sim specs (memoised)."""
        key = (specs.dt, specs.start, specs.stop)
        if key not in self._evaluators:
            self._evaluators[key] = Evaluator(self.tables, dt=specs.dt, start=specs.start, stop=specs.stop)
        return self._evaluators[key]

    def compiled(self, key: str, evaluator: Evaluator):
        """``key``'s equation as a function of an environment of values (memoised per evaluator)."""
        memo = (key, id(evaluator))
        if memo not in self._compiled:
            self._compiled[memo] = evaluator.compile(self.trees[key])
        return self._compiled[memo]

    def cycles(self, length_bound: int | None, max_loops: int | None) -> tuple[list[tuple[str, ...]], bool]:
        """The graph's oriented, sorted cycles (memoised per bound and cap)."""
        key = (length_bound, max_loops)
        if key not in self._cycles:
            self._cycles[key] = enumerate_cycles(self.graph, length_bound=length_bound, max_loops=max_loops)
        return self._cycles[key]


@lru_cache(maxsize=32)
def _structure_of(variables: tuple, lookups: tuple, name: str) -> _Structure:
    return _Structure(ModelDefinition(name, variables=variables, lookups=lookups))


def structure(model: Any) -> _Structure:
    """The cached structure of a model (its unsigned causal graph, parsed equations and partitions)."""
    definition = definition_of(model)
    return _structure_of(definition.variables, definition.lookups, definition.name)


def model_graph(model: Any, results: Results | None = None, *, run: bool = True) -> nx.DiGraph:
    """The signed causal graph of a stock-and-flow model.

    Parameters
    ----------
    model : sysdyn.Model or ModelDefinition
    results : Results, optional
        A single run of the model, used for the signs of links that the
        equations alone do not settle.
    run : bool
        If True and some link on a feedback loop has a polarity the equations
        do not settle, run the model (its default solver) to settle it.

    Returns
    -------
    networkx.DiGraph
        A new graph.  Nodes are canonical keys with ``label`` and ``kind``;
        edges have ``sign`` (``"+"``, ``"-"``, ``"?"``), ``delay``, ``kind``
        (``"info"`` or ``"flow"``) and ``how`` (``"symbolic"``, ``"numeric"``
        or ``"structure"``).

    Raises
    ------
    AlgebraicLoopError
        If variables depend on each other without a stock in between.

    Examples
    --------
    >>> import sysdyn as sd
    >>> m = sd.Model("m"); m.stock("S", 1, outflows=["f"]); m.flow("f", "S / tau"); m.constant("tau", 2)
    >>> sorted(model_graph(m).edges(data="sign"))
    [('f', 's', '-'), ('s', 'f', '+'), ('tau', 'f', '?')]
    """
    definition = definition_of(model)
    return signed_graph(definition, structure(definition), results, run=run).copy()


def _symbolic_pass(found: _Structure, key: tuple, signs: dict[str, int]) -> tuple[nx.DiGraph, list]:
    """The graph signed from the equations given value ``signs``, and the links on loops left unsettled."""
    if key not in found._signed:
        decided: dict[tuple[str, str], str] = {}
        undecided = []
        for a, b, data in found.graph.edges(data=True):
            if data["kind"] != "info":
                continue
            s = found.symbolic(a, b, signs, getattr(found.by_key[b], "lookup", None))
            if s in (1, -1):
                decided[(a, b)] = SIGN_TEXT[s]
            else:
                undecided.append((a, b))
        graph = found.graph.copy()
        for e, sign in decided.items():
            graph.edges[e]["sign"] = sign
        part = found.partition
        needed = [(a, b) for a, b in undecided if part[a] == part[b] and a in found.on_loops]
        found._signed[key] = (graph, needed)
    return found._signed[key]


def signed_graph(
    definition: ModelDefinition, found: _Structure, results: Results | None, *, run: bool
) -> nx.DiGraph:
    """The signed graph, shared when the equations settle every sign on a loop (do not change it)."""
    by_key = found.by_key
    # the definition alone settles most signs; a run's value signs can only settle more, never flip one
    signs = found.static_signs
    graph, needed = _symbolic_pass(found, ("static",), signs)
    if needed:
        signs = _value_signs(found, results)
        graph, needed = _symbolic_pass(found, tuple(signs.get(n) for n in found.sign_names), signs)
    if not needed:
        return graph
    graph = graph.copy()
    needed = list(needed)
    if results is None and run:
        from ..compiler import compile_model

        results = compile_model(definition).run()
        signs = _value_signs(found, results)
        for a, b in list(needed):
            s = found.symbolic(a, b, signs, getattr(by_key[b], "lookup", None))
            if s in (1, -1):
                graph.edges[a, b]["sign"] = SIGN_TEXT[s]
                needed.remove((a, b))
    if results is None:
        return graph
    env = _env(results)
    specs = definition.sim_specs
    evaluator = Evaluator(found.tables, dt=specs.dt, start=specs.start, stop=specs.stop)
    for a, b in needed:
        text = numeric_polarity(found.trees[b], a, env, evaluator, getattr(by_key[b], "lookup", None))
        graph.edges[a, b]["sign"] = text if text in ("+", "-") else "?"
        graph.edges[a, b]["how"] = "numeric"
    return graph


def find_loops(
    model: Any,
    results: Results | None = None,
    *,
    run: bool = True,
    length_bound: int | None = None,
    max_loops: int | None = 100_000,
) -> LoopList:
    """The feedback loops of a stock-and-flow model, with polarities from its equations.

    Parameters
    ----------
    model : sysdyn.Model or ModelDefinition
    results : Results, optional
        A run used to settle link polarities the equations leave open.
    run : bool
        Run the model to settle them if needed and no ``results`` are given.
    length_bound, max_loops
        As in :func:`sysdyn.loops.finding.find_cycles`.

    Raises
    ------
    AlgebraicLoopError
        If the model has an algebraic loop.

    Examples
    --------
    >>> import sysdyn as sd
    >>> m = sd.Model("Bathtub"); m.stock("Water", 5, outflows=["drain"]); m.flow("drain", "Water / 4")
    >>> find_loops(m)
    [Loop B1: Water -> drain -> Water (balancing)]
    """
    graph = model_graph(model, results, run=run)
    oriented, capped = structure(model).cycles(length_bound, max_loops)
    return name_cycles(graph, oriented, capped=capped, max_loops=max_loops, stacklevel=3)


def to_cld(
    model: Any, results: Results | None = None, *, run: bool = True, include_constants: bool = False
) -> CausalLoopDiagram:
    """The causal loop diagram behind a stock-and-flow model.

    Constants are left out unless ``include_constants``; variables keep their
    kind (``stock``, ``flow``, ``aux``...) and the diagram's links their
    polarity and delay marks (smooths and delays are delayed links).

    Examples
    --------
    >>> import sysdyn as sd
    >>> m = sd.Model("Bathtub"); m.stock("Water", 5, outflows=["drain"]); m.flow("drain", "Water / 4")
    >>> cld = to_cld(m)
    >>> cld.variables, cld.kind("Water")
    (('Water', 'drain'), 'stock')
    """
    from .cld import CausalLoopDiagram

    graph = model_graph(model, results, run=run)
    definition = definition_of(model)
    cld = CausalLoopDiagram(definition.name, doc=definition.doc)
    keep = [n for n, d in graph.nodes(data=True) if include_constants or d["kind"] != "constant"]
    for n in keep:
        v = definition.variables_by_key[n]
        cld.variable(v.name, note=v.doc, kind=v.kind)
    for a, b, data in graph.edges(data=True):
        if a in keep and b in keep:
            cld.link(graph.nodes[a]["label"], graph.nodes[b]["label"], data["sign"], delay=data["delay"])
    return cld
