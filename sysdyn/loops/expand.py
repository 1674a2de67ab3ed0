"""Smooths and delays written out as stocks and flows, so Loops That Matter can score links through them.

A link that passes through ``SMTH1``, ``SMTH3``, ``SMTHN``, ``DELAY1``,
``DELAY3`` or ``DELAYN`` cannot be scored from the variables a run saves: the
function keeps stocks of its own.  :func:`expand` writes each such call out as
the chain of stocks and flows it stands for (the same equations the compiler
uses for its internal stocks, :mod:`sysdyn.compiler.lowering`), so a run of
the expanded model follows the same trajectory and saves every stage:

- ``SMTHn(input, time, init)``: ``n`` stocks ``S_j`` (initially ``init``, by
  default the input) each filled by the flow ``(S_j-1 - S_j) / (time / n)``
  with ``S_0 = input``; the value is ``S_n``.
- ``DELAYn(input, time, init)``: ``n`` stocks ``L_j`` (initially
  ``init * time / n``) with inflow ``O_j-1`` (``O_0 = input``) and outflow
  ``O_j = L_j / (time / n)``; the value is ``O_n``.

The added variables are named after the variable that calls the function
(``"Perceived skill smth3 1 stage 2"``).  ``TREND``, the fixed ``DELAY``
pipeline, ``INIT`` and random draws are left as they are.

Examples
--------
>>> import sysdyn as sd
>>> m = sd.Model("m", stop=4); m.stock("S", 1, inflows=["f"]); m.flow("f", "SMTH1(S, 2) * 0.1")
>>> ex = expand(m.definition)
>>> ex.definition.variable("f").equation
'"f smth1 1 stage 1" * 0.1'
>>> sorted(ex.internal)
['f smth1 1 flow 1', 'f smth1 1 stage 1']
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from ..compiler.functions import ALIASES
from ..equations import parse
from ..equations.nodes import BinaryOp, Call, IfThenElse, Name, Node, Number, UnaryOp
from ..equations.printer import unparse
from ..ir import Constant, Flow, ModelDefinition, Stock
from ..names import canonical

__all__ = ["expand", "Expansion", "EXPANDABLE"]

#: The functions :func:`expand` writes out as stocks and flows.
EXPANDABLE = frozenset({"SMTH1", "SMTH3", "SMTHN", "DELAY1", "DELAY3", "DELAYN"})


@dataclass
class Expansion:
    """A model with its smooths and delays written out (from :func:`expand`).

    Attributes
    ----------
    definition : ModelDefinition
        The expanded model.
    internal : set of str
        Canonical keys of the variables :func:`expand` added.

    Examples
    --------
    >>> import sysdyn as sd
    >>> m = sd.Model("m", stop=4); m.stock("S", 1, inflows=["f"]); m.flow("f", "SMTH3(S, 6)")
    >>> ex = expand(m.definition)
    >>> ex.changed, len(ex.internal)  # three stages and their three flows
    (True, 6)
    >>> m.flow("f", "S * 0.1")
    >>> expand(m.definition).changed
    False
    """

    definition: ModelDefinition
    internal: set[str] = field(default_factory=set)

    @property
    def changed(self) -> bool:
        """Whether there was anything to write out."""
        return bool(self.internal)


def expand(definition: ModelDefinition) -> Expansion:
    """Write out every ``SMTH1/3/N`` and ``DELAY1/3/N`` call of a model's auxiliaries and flows.

    Calls whose order (``SMTHN``, ``DELAYN``) is not a constant number are
    left as they are, as are calls in stocks' initial values.

    Examples
    --------
    >>> import sysdyn as sd
    >>> m = sd.Model("m", stop=4); m.stock("S", 1, inflows=["f"]); m.flow("f", "DELAY3(S, 6) / 10")
    >>> ex = expand(m.definition)
    >>> [v.name for v in ex.definition.variables if v.key in ex.internal][:3]
    ['f delay3 1 inflow', 'f delay3 1 stage 1', 'f delay3 1 flow 1']
    >>> ex.definition.variable("f").equation
    '"f delay3 1 flow 3" / 10'
    """
    taken = {v.key for v in definition.variables} | {t.key for t in definition.lookups}
    constants = {v.key: v.equation for v in definition.variables if isinstance(v, Constant)}
    added: list = []
    internal: set[str] = set()
    variables = []
    for v in definition.variables:
        if isinstance(v, Stock) or v.dimensions or v.element_equations:
            variables.append(v)
            continue
        tree = parse(v.equation, element=v.name)
        counter = [0]

        def name_for(label: str, host=v, counter=counter) -> Name:
            text = f"{host.name} {label}"
            key = canonical(text)
            while key in taken:
                text += "'"
                key = canonical(text)
            taken.add(key)
            internal.add(key)
            return Name(key, text)

        def rewrite(node: Node, counter=counter, name_for=name_for) -> Node:
            if isinstance(node, Call):
                args = tuple(rewrite(a) for a in node.args)
                func = ALIASES.get(node.func, node.func)
                if func in EXPANDABLE:
                    out = _write_out(func, args, constants, name_for, counter, added)
                    if out is not None:
                        return out
                return replace(node, args=args)
            if isinstance(node, BinaryOp):
                return replace(node, left=rewrite(node.left), right=rewrite(node.right))
            if isinstance(node, UnaryOp):
                return replace(node, operand=rewrite(node.operand))
            if isinstance(node, IfThenElse):
                return replace(
                    node,
                    condition=rewrite(node.condition),
                    then=rewrite(node.then),
                    otherwise=rewrite(node.otherwise),
                )
            return node

        new = rewrite(tree)
        variables.append(v if new == tree else replace(v, equation=unparse(new)))
    if not added:
        return Expansion(definition)
    expanded = replace(definition, variables=(*variables, *added))
    return Expansion(expanded, internal)


def _order(node: Node, constants: dict[str, str]) -> int | None:
    if isinstance(node, Number):
        value = node.value
    elif isinstance(node, Name) and node.name in constants:
        try:
            value = float(constants[node.name])
        except ValueError:
            return None
    else:
        return None
    return int(value) if value == int(value) and value >= 1 and math.isfinite(value) else None


def _write_out(func: str, args: tuple[Node, ...], constants, name_for, counter, added):
    """Add the stocks and flows of one call; return the node standing for its value."""
    nth = func.endswith("N")
    n = {"1": 1, "3": 3}.get(func[-1]) if not nth else (_order(args[2], constants) if len(args) > 2 else None)
    if n is None:
        return None
    counter[0] += 1
    tag = f"{func.lower()} {counter[0]}"
    source, time = args[0], args[1]
    k = 3 if nth else 2
    init = args[k] if len(args) > k else source
    stage = f"({unparse(time)})" if n == 1 else f"(({unparse(time)}) / {n})"
    if func.startswith("SMTH"):
        previous = unparse(source)
        for j in range(1, n + 1):
            stock, flow = name_for(f"{tag} stage {j}"), name_for(f"{tag} flow {j}")
            added.append(Flow(flow.text, f"({previous} - {unparse(stock)}) / {stage}"))
            added.append(Stock(stock.text, unparse(init), inflows=(flow.text,)))
            previous = unparse(stock)
        return stock
    inflow = name_for(f"{tag} inflow")
    added.append(Flow(inflow.text, unparse(source)))
    for j in range(1, n + 1):
        stock, outflow = name_for(f"{tag} stage {j}"), name_for(f"{tag} flow {j}")
        added.append(
            Stock(
                stock.text, f"({unparse(init)}) * {stage}", inflows=(inflow.text,), outflows=(outflow.text,)
            )
        )
        added.append(Flow(outflow.text, f"{unparse(stock)} / {stage}"))
        inflow = outflow
    return outflow
