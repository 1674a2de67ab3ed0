"""Network operators in the compiler: checking and binding them, and printing their code.

The functions are listed in :data:`~sysdyn.compiler.functions.BUILTINS` with
the category ``"network"``; their meaning is documented in
:mod:`sysdyn.network.operators`, which also holds the run-time objects the
generated code calls (``_nw[k]``, one per network dimension).

After array resolution, :func:`bind_network_calls` checks every call and
rewrites it to a fixed form the code generator reads::

    NEIGHBOR_SUM(x)     ->  Call("NEIGHBOR SUM", (x, DimIndex(label), Number(k)[, Name(time)]))
    DEGREE(team)        ->  Call("DEGREE", (DimIndex(label), Number(k)[, Name(time)]))
    NODE_DATA(team)     ->  Call("NODE DATA", (DimIndex(label), Number(k), Number(i)))

where ``label`` is the axis the operator works along (``team``, or
``*team`` inside a reduction), ``k`` the network's index in ``_nw`` and
``i`` the index of the variable's node data.  The ``DimIndex`` makes the
operator's axis visible to :func:`~sysdyn.compiler.arrays.labels_of` even
when its argument does not vary over the network; ``time`` marks operators
of networks that change during a run as time-dependent.

Examples
--------
>>> import networkx as nx, sysdyn as sd
>>> m = sd.Model("m", stop=1); team = m.network("team", nx.path_graph(3))
>>> m.aux("s[team]", "NEIGHBOR_SUM(2 * OWN(team) + team)")
>>> print(m.compile().program("single").source.splitlines()[2].strip())
v0_s = _nw[0].at(tk).op('out').edges('sum', ((2.0 * _nw[0].at(tk).op('out').own(_rt.positions(3)[:], -1)) + \
_nw[0].at(tk).op('out').neighbour(_rt.positions(3)[:], -1)), -1)
"""

from __future__ import annotations

from typing import Any

from ..equations.nodes import Call, Name, Node, Number, map_children
from ..errors import DimensionError, FunctionArgumentError, ParameterError, SysdynError
from ..ir import Dimension
from .arrays import DimIndex, Reduce, labels_of
from .functions import ALIASES

__all__ = [
    "OPERATORS",
    "network_keys",
    "bind_network_calls",
    "network_code",
    "network_runtime",
    "runs_of_networks",
    "network_extras",
]

#: Canonical function name -> (kind, direction, reduction).
OPERATORS: dict[str, tuple[str, str, str]] = {
    **{
        f"{prefix}NEIGHBOR {how.upper()}": ("value", way, how)
        for prefix, way in (("", "out"), ("OUT ", "out"), ("IN ", "in"))
        for how in ("sum", "mean", "max", "min")
    },
    **{
        f"{prefix}DIFFUSION": ("value", way, "diffusion")
        for prefix, way in (("", "out"), ("OUT ", "out"), ("IN ", "in"))
    },
    **{
        f"{prefix}DEGREE": ("degree", way, "")
        for prefix, way in (("", "out"), ("OUT ", "out"), ("IN ", "in"))
    },
    "OWN": ("own", "", ""),
    "NODE DATA": ("data", "", ""),
}


def network_keys(dimensions: dict[str, Dimension]) -> list[str]:
    """Keys of the network dimensions, in model order: the index ``k`` of ``_nw[k]``.

    Examples
    --------
    >>> network_keys({"team": Dimension("team", ("a",))})
    []
    """
    return [key for key, dim in dimensions.items() if getattr(dim, "is_network", False)]


def _function(node: Node) -> str | None:
    if isinstance(node, Call):
        func = ALIASES.get(node.func, node.func)
        if func in OPERATORS:
            return func
    return None


def _has_calls(node: Node) -> bool:
    stack = [node]
    while stack:
        current = stack.pop()
        if _function(current) is not None:
            return True
        stack.extend(current.children())
    return False


class _Binder:
    def __init__(self, dimensions: dict[str, Dimension], host_key: str, host: str, text: str):
        self.dimensions = dimensions
        self.networks = {k: i for i, k in enumerate(network_keys(dimensions))}
        self.host_key, self.host, self.text = host_key, host, text

    def error(self, cls: type[SysdynError], message: str) -> SysdynError:
        return cls(message, element=self.host, equation=self.text or None)

    def network(self, label: str, func: str) -> tuple[Dimension, int]:
        key = label.lstrip("*")
        dim = self.dimensions[key]
        if key not in self.networks:
            made = ", ".join(f"`{self.dimensions[k].name}`" for k in self.networks) or "none in this model"
            raise self.error(
                DimensionError,
                f"{func.replace(' ', '_')} works over a network dimension, but `{dim.name}` is an ordinary "
                f"dimension; make it with Model.network(name, graph) (network dimensions: {made})",
            )
        return dim, self.networks[key]

    def extra(self, dim: Dimension) -> tuple[Node, ...]:
        return (Name("time", "TIME"),) if getattr(dim, "schedule", ()) else ()

    def dimension_argument(self, node: Node, func: str) -> DimIndex:
        if not isinstance(node, DimIndex):
            raise self.error(
                FunctionArgumentError,
                f"the argument of {func.replace(' ', '_')} must be the name of a network dimension, as in "
                f"{func.replace(' ', '_')}(team), in an equation for all of its nodes",
            )
        return node

    def bind(self, node: Node, owner: str | None = None) -> Node:
        func = _function(node)
        if func is None:
            if isinstance(node, Reduce):  # OWN(...) belongs directly to a NEIGHBOR_ function
                return map_children(node, lambda child: self.bind(child, None))
            return map_children(node, lambda child: self.bind(child, owner))
        assert isinstance(node, Call)
        kind, _way, how = OPERATORS[func]
        shown = func.replace(" ", "_")
        if kind == "own":
            if owner is None:
                raise self.error(
                    FunctionArgumentError,
                    "OWN(x) reads a node's own value inside a NEIGHBOR_ function, directly (not inside SUM, "
                    "MEAN...), as in NEIGHBOR_SUM(MAX(Knowledge - OWN(Knowledge), 0))",
                )
            return Call(node.func, (self.bind(node.args[0], None),), node.text)
        if kind == "data":
            index = self.dimension_argument(node.args[0], func)
            dim, k = self.network(index.label, func)
            data = dim.data_index(self.host_key)  # type: ignore[attr-defined]
            if data is None:
                stored = ", ".join(key for key, _v in dim.node_data) or "none"  # type: ignore[attr-defined]
                raise self.error(
                    DimensionError,
                    f"the network `{dim.name}` holds no node data for `{self.host}` (it holds: {stored}); "
                    "NODE_DATA reads the values given per node for this very variable",
                )
            return Call(node.func, (index, Number(float(k)), Number(float(data))), node.text)
        if kind == "degree":
            index = self.dimension_argument(node.args[0], func)
            dim, k = self.network(index.label, func)
            return Call(node.func, (index, Number(float(k)), *self.extra(dim)), node.text)
        # a value operator: NEIGHBOR_SUM(x[, team]), DIFFUSION(x[, team])...
        arg = self.bind(node.args[0], func if how not in ("diffusion",) else None)
        found = [label for label in labels_of(arg) if label.lstrip("*") in self.networks]
        if len(node.args) > 1:
            label = self.dimension_argument(node.args[1], func).label
            if "*" + label in found:
                label = "*" + label
        elif len(found) == 1:
            label = found[0]
        elif found:
            names = " or ".join(f"`{self.dimensions[x.lstrip('*')].name}`" for x in found)
            raise self.error(
                FunctionArgumentError,
                f"the argument of {shown} varies over two networks ({names}); name the one to use as "
                f"a second argument: {shown}(x, {self.dimensions[found[0].lstrip('*')].name})",
            )
        elif labels_of(arg):  # only over ordinary dimensions: say that they are not networks
            self.network(labels_of(arg)[0], func)
            raise AssertionError("unreachable")  # pragma: no cover
        else:
            raise self.error(
                FunctionArgumentError,
                f"{shown} needs an argument that varies over a network dimension (such as {shown}(Knowledge) "
                f"for Knowledge[team]); for a value that does not, name the network: {shown}(1, team)",
            )
        dim, k = self.network(label, func)
        axis = DimIndex(label, dim.size)
        return Call(node.func, (arg, axis, Number(float(k)), *self.extra(dim)), node.text)


def bind_network_calls(
    tree: Node, dimensions: dict[str, Dimension], host_key: str, host: str, text: str
) -> Node:
    """Check the network operators of a resolved equation and put them in the form code generation reads.

    Raises
    ------
    DimensionError
        An operator over a dimension that is not a network, or ``NODE_DATA``
        of a variable without node data.
    FunctionArgumentError
        ``OWN`` outside a ``NEIGHBOR_`` function, an argument that does not say
        which network to use, or ``DEGREE`` of something other than a network.

    Examples
    --------
    >>> import sysdyn as sd
    >>> m = sd.Model("m"); m.dimension("skill", ["a", "b"]); m.aux("x[skill]", "DEGREE(skill)")
    >>> m.compile()
    Traceback (most recent call last):
    ...
    sysdyn.errors.DimensionError: in `x` (equation: 'DEGREE(skill)'): DEGREE works over a network dimension, \
but `skill` is an ordinary dimension; make it with Model.network(name, graph) (network dimensions: none in \
this model)
    """
    if not _has_calls(tree):
        return tree
    return _Binder(dimensions, host_key, host, text).bind(tree)


# -- code generation ---------------------------------------------------------------------------------
def _axis(printer: Any, label: str) -> int:
    """The position of ``label``'s axis counted from the right (the run axis of ensembles included)."""
    target = printer.target
    return target.index(label) - len(target) - (0 if printer.mode == "single" else 1)


def _owns(node: Node) -> bool:
    """Whether ``node`` holds an ``OWN`` that belongs to the operator being printed."""
    stack = [node]
    while stack:
        current = stack.pop()
        func = _function(current)
        if func == "OWN":
            return True
        if func is not None and OPERATORS[func][0] == "value":
            continue  # an OWN in there belongs to the inner operator
        stack.extend(current.children())
    return False


def _edge_printer(printer: Any, label: str, operator: str, axis: int) -> Any:
    """A printer for the argument of a ``NEIGHBOR_`` function that uses ``OWN``: one value per edge."""
    from .codegen import ExpressionPrinter

    class EdgePrinter(ExpressionPrinter):
        def expr(self, node: Node, target: tuple[str, ...] | None = None) -> str:
            if target is not None:
                return plain.expr(node, target)
            if _function(node) == "OWN":
                code = plain.expr(node.args[0])  # type: ignore[attr-defined]
                return f"{operator}.own({code}, {axis})" if label in labels_of(node) else code
            if not _owns(node):
                code = plain.expr(node)
                return f"{operator}.neighbour({code}, {axis})" if label in labels_of(node) else code
            return super().expr(node)

    plain = ExpressionPrinter(printer.mode, printer.idents, printer.tables)
    plain.target, plain.scalar = printer.target, printer.scalar
    edge = EdgePrinter(printer.mode, printer.idents, printer.tables)
    edge.target, edge.scalar = printer.target, printer.scalar
    return edge


def network_code(printer: Any, node: Call, func: str) -> str:
    """Python source for a bound network call (see :func:`bind_network_calls`), for ``printer``'s mode.

    Examples
    --------
    >>> from sysdyn.compiler.codegen import ExpressionPrinter
    >>> p = ExpressionPrinter("ensemble", {"k": "v0_k"}, {})
    >>> p.target = ("team",)
    >>> from sysdyn.compiler.arrays import ArrayRef
    >>> call = Call("NEIGHBOR SUM", (ArrayRef("k", "k", ("team",)), DimIndex("team", 3), Number(0.0)))
    >>> network_code(p, call, "NEIGHBOR SUM")
    "_nw[0].at(tk).op('out').reduce('sum', v0_k, -2)"
    """
    kind, way, how = OPERATORS[func]
    if kind == "data":
        index, k, data = node.args
        return f"_nw[{int(k.value)}].node_data({int(data.value)}, {_axis(printer, index.label)})"  # type: ignore[attr-defined]
    if kind == "degree":
        index, k = node.args[:2]
        operator = f"_nw[{int(k.value)}].at(tk).op({way!r})"  # type: ignore[attr-defined]
        return f"{operator}.node_degree({_axis(printer, index.label)})"  # type: ignore[attr-defined]
    if kind != "value":  # pragma: no cover - bind_network_calls only leaves OWN inside value operators
        raise AssertionError(func)
    arg, index, k = node.args[:3]
    axis = _axis(printer, index.label)  # type: ignore[attr-defined]
    operator = f"_nw[{int(k.value)}].at(tk).op({way!r})"  # type: ignore[attr-defined]
    if how == "diffusion":
        return f"{operator}.diffusion({printer.expr(arg)}, {axis})"
    if not _owns(arg):
        return f"{operator}.reduce({how!r}, {printer.expr(arg)}, {axis})"
    edge = _edge_printer(printer, index.label, operator, axis)  # type: ignore[attr-defined]
    return f"{operator}.edges({how!r}, {edge.expr(arg)}, {axis})"


# -- run time ----------------------------------------------------------------------------------------
def network_runtime(dimensions: dict[str, Dimension]) -> list:
    """The run-time objects of the network dimensions (``_nw`` in generated code), in model order.

    Examples
    --------
    >>> network_runtime({})
    []
    """
    keys = network_keys(dimensions)
    if not keys:
        return []
    from ..network.operators import NetworkRuntime

    return [NetworkRuntime(dimensions[k]) for k in keys]  # type: ignore[arg-type]


def runs_of_networks(compiled: Any, n_runs: int | None) -> int | None:
    """The number of runs, given those the parameters ask for and the networks' graphs per run.

    A network that holds one graph per run makes every run of the model an
    ensemble of that many runs.

    Raises
    ------
    ParameterError
        If ensemble parameters have another number of runs than the networks have graphs.

    Examples
    --------
    >>> import sysdyn as sd
    >>> m = sd.Model("m", stop=1); m.constant("k", 1)
    >>> runs_of_networks(m.compile(), None) is None
    True
    """
    for dim in compiled.dimensions.values():
        graphs = getattr(dim, "n_runs", None)
        if not getattr(dim, "is_network", False) or graphs is None:
            continue
        if n_runs is not None and n_runs != graphs:
            raise ParameterError(
                f"the network `{dim.name}` holds {graphs} graphs, one per run, but `params` give "
                f"{n_runs} runs; give {graphs} values per parameter (or one)"
            )
        n_runs = graphs
    return n_runs


def network_extras(compiled: Any) -> dict:
    """What :class:`~sysdyn.Results` keep about the networks of a model (for drawing them).

    Examples
    --------
    >>> import sysdyn as sd
    >>> m = sd.Model("m", stop=1); m.constant("k", 1)
    >>> network_extras(m.compile())
    {}
    """
    found = {dim.name: dim for dim in compiled.dimensions.values() if getattr(dim, "is_network", False)}
    return {"networks": found} if found else {}
