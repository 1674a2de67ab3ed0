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

from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np

from ..equations import parse
from ..errors import AlgebraicLoopError, DimensionError
from ..ir import Constant, Flow, ModelDefinition, Stock
from ..names import canonical
from .evaluate import Evaluator
from .finding import LoopList, find_cycles
from .polarity import SIGN_TEXT, numeric_polarity, references, symbolic_polarity

if TYPE_CHECKING:
    from ..results import Results
    from .cld import CausalLoopDiagram

__all__ = ["model_graph", "find_loops", "to_cld", "definition_of", "check_algebraic_loops"]


def definition_of(model: Any) -> ModelDefinition:
    """The :class:`~sysdyn.ir.ModelDefinition` of a Model (or the definition itself)."""
    definition = getattr(model, "definition", model)
    if not isinstance(definition, ModelDefinition):
        raise TypeError(f"expected a sysdyn.Model or a ModelDefinition, got a {type(model).__name__}")
    return definition


def _value_signs(definition: ModelDefinition, results: Results | None) -> dict[str, int]:
    signs: dict[str, int] = {}
    for v in definition.variables:
        if isinstance(v, Constant) or (not isinstance(v, Stock) and _is_number(v.equation)):
            if _is_number(v.equation):
                value = float(v.equation)
                signs[v.key] = 0 if value == 0 else (1 if value > 0 else -1)
        elif isinstance(v, Stock) and v.non_negative:
            signs[v.key] = 1
        elif isinstance(v, Flow) and v.non_negative:
            signs[v.key] = 1
    if results is not None:
        for key, values in _env(results).items():
            if values.ndim != 1 or not np.all(np.isfinite(values)):
                continue
            if np.all(values == 0):
                signs[key] = 0
            elif np.all(values >= 0):
                signs[key] = 1
            elif np.all(values <= 0):
                signs[key] = -1
    return signs


def _is_number(text: str) -> bool:
    try:
        float(text)
    except (TypeError, ValueError):
        return False
    return True


def _env(results: Results) -> dict[str, np.ndarray]:
    if results.is_ensemble:
        raise ValueError("loop analysis needs the results of a single run, not of an ensemble")
    env = {canonical(n): np.asarray(results[n], dtype=float) for n in results.names}
    env = {k: v for k, v in env.items() if v.ndim == 1}
    env["time"] = np.asarray(results.time, dtype=float)
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
        Nodes are canonical keys with ``label`` and ``kind``; edges have
        ``sign`` (``"+"``, ``"-"``, ``"?"``), ``delay``, ``kind``
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
    graph = nx.DiGraph(name=definition.name)
    trees = {}
    known = {v.key for v in definition.variables}
    tables = {t.key: t for t in definition.lookups}
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
                        graph.add_edge(key, v.key, sign=direction, delay=False, kind="flow", how="structure")
            continue
        tree = parse(v.equation, element=v.name)
        trees[v.key] = tree
        for ref, delayed in references(tree).items():
            if ref in known:
                graph.add_edge(ref, v.key, sign="?", delay=delayed, kind="info", how="symbolic")
    check_algebraic_loops(graph)
    _sign_links(definition, graph, trees, tables, results, run)
    return graph


def _sign_links(definition, graph, trees, tables, results, run) -> None:
    by_key = definition.variables_by_key
    signs = _value_signs(definition, results)
    undecided = []
    for a, b, data in graph.edges(data=True):
        if data["kind"] != "info":
            continue
        s = symbolic_polarity(trees[b], a, signs, tables, getattr(by_key[b], "lookup", None))
        if s in (1, -1):
            data["sign"] = SIGN_TEXT[s]
        else:
            undecided.append((a, b))
    if not undecided:
        return
    on_loops = set()
    for component in nx.strongly_connected_components(graph):
        if len(component) > 1:
            on_loops.update(component)
    needed = [(a, b) for a, b in undecided if a in on_loops and b in on_loops and (a, b) in graph.edges]
    needed = [(a, b) for a, b in needed if graph.has_edge(a, b)]
    if not needed:
        return
    if results is None and run:
        from ..compiler import compile_model

        results = compile_model(definition).run()
        signs = _value_signs(definition, results)
        for a, b in list(needed):
            s = symbolic_polarity(trees[b], a, signs, tables, getattr(by_key[b], "lookup", None))
            if s in (1, -1):
                graph.edges[a, b]["sign"] = SIGN_TEXT[s]
                needed.remove((a, b))
    if results is None:
        return
    env = _env(results)
    specs = definition.sim_specs
    evaluator = Evaluator(tables, dt=specs.dt, start=specs.start, stop=specs.stop)
    for a, b in needed:
        text = numeric_polarity(trees[b], a, env, evaluator, getattr(by_key[b], "lookup", None))
        graph.edges[a, b]["sign"] = text if text in ("+", "-") else "?"
        graph.edges[a, b]["how"] = "numeric"


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
    return find_cycles(graph, length_bound=length_bound, max_loops=max_loops)


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
