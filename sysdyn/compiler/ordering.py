"""Dependency analysis: which variables are static, and in which order to evaluate the rest.

Algebraic loops (auxiliaries or flows that depend on each other without a
stock in between) are reported with the cycle, in order.
"""

from __future__ import annotations

import graphlib

from ..equations.nodes import Call, Name, Node, names_in, walk
from ..errors import AlgebraicLoopError
from .functions import ALIASES, BUILTINS
from .lowering import INTERNAL, CVar

__all__ = ["analyse", "Plan"]


class Plan:
    """Evaluation plan: static variables (computed once), runtime order, init order.

    Made by :func:`analyse`; each attribute is a list of canonical keys.

    Examples
    --------
    >>> from sysdyn import Model
    >>> from sysdyn.compiler.lowering import lower
    >>> m = Model("m"); m.stock("S", 1, inflows=["f"]); m.flow("f", "k * S"); m.constant("k", 2)
    >>> analyse(lower(m.definition).cvars).init
    ['s', 'k', 'f']
    """

    def __init__(self, statics: list[str], runtime: list[str], init: list[str], stocks: list[str]):
        self.statics = statics
        self.runtime = runtime
        self.init = init
        self.stocks = stocks


def _uses_time(node: Node | None) -> bool:
    if node is None:
        return False
    for n in walk(node):
        if isinstance(n, Name) and n.name == "time":
            return True
        if isinstance(n, Call):
            spec = BUILTINS.get(ALIASES.get(n.func, n.func))
            if (spec is not None and spec.category in ("time", "random")) or n.func.startswith(INTERNAL):
                return True
    return False


def _order(graph: dict[str, set[str]], names: dict[str, str], what: str, texts: dict[str, str]) -> list[str]:
    sorter = graphlib.TopologicalSorter(graph)
    try:
        return list(sorter.static_order())
    except graphlib.CycleError as err:
        cycle = list(reversed(err.args[1]))
        shown = [names[k] for k in cycle]
        first = cycle[0]
        raise AlgebraicLoopError(
            f"{what}: `{shown[0]}` depends on itself without a stock in between: {' -> '.join(shown)}. "
            "Break the loop with a stock (or a SMTH1/DELAY1) somewhere along it.",
            cycle=shown,
            element=names[first],
            equation=texts.get(first),
        ) from None


def analyse(cvars: list[CVar]) -> Plan:
    """Classify variables and order them.

    Examples
    --------
    >>> from sysdyn import Model
    >>> from sysdyn.compiler.lowering import lower
    >>> m = Model("m"); m.stock("S", 1, inflows=["f"]); m.flow("f", "k * S"); m.constant("k", 2)
    >>> plan = analyse(lower(m.definition).cvars)
    >>> plan.statics, plan.runtime, plan.stocks
    (['k'], ['f'], ['s'])
    """
    by_key = {v.key: v for v in cvars}
    names = {v.key: v.name for v in cvars}
    texts = {v.key: v.text for v in cvars}
    deps = {v.key: (names_in(v.equation) if v.equation is not None else set()) & by_key.keys() for v in cvars}
    for v in cvars:
        v.deps = deps[v.key]
    stocks = [v.key for v in cvars if v.kind == "stock"]
    # static: not a stock, no time, every dependency static
    static: set[str] = set()
    changed = True
    candidates = [v for v in cvars if v.kind != "stock" and not _uses_time(v.equation)]
    while changed:
        changed = False
        for v in candidates:
            if v.key not in static and deps[v.key] <= static:
                static.add(v.key)
                changed = True
    dynamic = {v.key for v in cvars if v.kind != "stock" and v.key not in static}
    runtime_graph = {k: deps[k] & dynamic for k in dynamic}
    runtime = _order(runtime_graph, names, "algebraic loop", texts)
    init_graph = {v.key: deps[v.key] for v in cvars}
    init = _order(init_graph, names, "algebraic loop among initial values", texts)
    statics = [k for k in init if k in static]
    return Plan(statics, runtime, init, stocks)
