"""Network dimensions written as plain XMILE arrays, with a dense adjacency matrix.

XMILE has no networks, so :func:`~sysdyn.xmile.write_xmile` calls
:func:`arrays_definition` for a model with a network dimension (made by
:meth:`sysdyn.Model.network`): it returns an ordinary arrayed
:class:`~sysdyn.ir.ModelDefinition` with the same run, which Stella opens.
For a network ``team``:

- ``team`` becomes an ordinary dimension whose elements are the node
  labels, made valid XMILE element names (``3`` -> ``n3``, ``"ann smith"`` ->
  ``ann_smith``, ``(1, 2)`` -> ``n1_2``), distinct and different from every
  dimension name; a second dimension ``team peer`` has the same elements;
- ``team adjacency[team, team peer]`` holds the edge weights, row ``i`` the
  edges ``i -> j`` (:mod:`sysdyn.network.operators`: the successors); for the
  ``IN_`` operators of a directed network ``team in adjacency`` holds the
  transpose (row ``i``: the edges ``j -> i``).  ``team links`` (and ``team
  in links``) hold 1 for each edge, for ``DEGREE``, ``MAX`` and ``MIN``,
  when some weight is not 1;
- a variable ``X[team]`` read at the neighbours gets a copy ``X peer[team
  peer]``, one equation per element (``X peer[ann] = X[ann]``): XMILE 1.0
  only lets an apply-to-all equation name its own dimensions, so a copy over
  the second dimension is written element by element;
- ``NODE_DATA(team)`` becomes the numbers themselves, one per element (or a
  constant ``X node data[team]`` when the equation does more than read them).

Each operator is rewritten in the expression tree (never as text), with
``row`` for ``team_adjacency[team, *]``, ``links`` for ``team_links[team,
*]`` and ``F`` for the argument read at the neighbours: ``X_peer[*]`` for
``X``, while ``OWN(Y)`` is ``Y[team]``:

=====================================  ==========================================================
``NEIGHBOR_SUM(x)``                    ``SUM(row * F)``
``NEIGHBOR_MEAN(x)``                   ``SUM(row * F) * SAFEDIV(1, SUM(row))`` (0 without edges)
``NEIGHBOR_MAX(x)``                    ``IF SUM(links) = 0 THEN 0 ELSE MAX(links * F + (1 - links) * L)``
``NEIGHBOR_MIN(x)``                    the same with ``MIN`` and ``MAX`` exchanged
``DIFFUSION(x)``                       ``SUM(row * F) - SUM(row) * x[team]``
``DEGREE(team)``                       ``SUM(links)``
=====================================  ==========================================================

These are the engine's definitions (:mod:`sysdyn.network.operators`):
weighted sums and means, a mean over no edges is 0, ``MAX`` and ``MIN`` are
unweighted and 0 for a node without neighbours, diffusion is minus the
weighted Laplacian, and the degree counts edges.  ``L`` is a helper ``X
lowest[team] = MIN(F)``: a non-neighbour counts as the lowest value of all
nodes, never above the largest neighbour, so the result is exactly the
engine's (a value that is the same for every neighbour is written as it is).
When the argument is more than arithmetic on variables (it calls a
function, as ``MAX(Knowledge - OWN(Knowledge), 0)`` does, or holds an
``IF``), its value on every pair of nodes is an apply-to-all helper ``X
edges[team, team peer]`` and ``F`` is ``X_edges[team, *]``, so that no
function is applied to a slice inside an array builtin.  Only the order of
the additions in a sum differs from the engine's, so a run of the written
model matches the network model's to rounding (about 1e-15).

Not written (an :class:`~sysdyn.xmile.safety.XmileError` says why): a
network whose graph changes during the run or that holds one graph per run,
a network of more than :data:`MAX_NODES` nodes (the dense matrix would be
too big: keep such a model in Python), an operator in an equation that is
not over its network or in a per-element equation, an operator inside the
argument of another one, and a network dimension used as a number inside
an operator's argument.

Examples
--------
>>> import networkx as nx, sysdyn as sd
>>> m = sd.Model("Averaging", stop=4, dt=0.5, method="euler")
>>> team = m.network("team", nx.path_graph(["ann", "bo", "cy"]))
>>> m.stock("Opinion[team]", initial=[0, 0, 9], inflows=["Persuasion[team]"])
>>> m.flow("Persuasion[team]", "0.5 * DIFFUSION(Opinion)")
>>> plain = arrays_definition(m.definition)
>>> [d.name for d in plain.dimensions]
['team', 'team peer']
>>> next(v.equation for v in plain.variables if v.name == "Persuasion")
'0.5 * (SUM(team_adjacency[team, *] * Opinion_peer[*]) - SUM(team_adjacency[team, *]) * Opinion[team])'
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from ..compiler.functions import ALIASES
from ..compiler.network_ops import OPERATORS
from ..equations import parse
from ..equations.lexer import FORBIDDEN_WORDS, KEYWORDS
from ..equations.nodes import (
    BinaryOp,
    Call,
    IfThenElse,
    Name,
    Node,
    Number,
    Star,
    Subscript,
    map_children,
    walk,
)
from ..equations.printer import unparse
from ..errors import SysdynError
from ..ir import Aux, Constant, Dimension, ModelDefinition, Variable
from ..names import canonical
from .safety import XmileError

__all__ = ["arrays_definition", "has_networks", "element_names", "MAX_NODES"]

#: The largest network written as an adjacency matrix (its ``n * n`` entries are written one by one).
MAX_NODES = 500

_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_RESERVED = KEYWORDS | FORBIDDEN_WORDS | {"and", "or", "not", "mod"}


def has_networks(definition: ModelDefinition) -> bool:
    """Whether ``definition`` has a network dimension (so :func:`arrays_definition` is needed).

    Examples
    --------
    >>> import networkx as nx, sysdyn as sd
    >>> m = sd.Model("m"); has_networks(m.definition)
    False
    >>> team = m.network("team", nx.path_graph(2)); has_networks(m.definition)
    True
    """
    return any(getattr(d, "is_network", False) for d in definition.dimensions)


def element_names(labels: Iterable[Any], taken: Iterable[str] = ()) -> tuple[str, ...]:
    """XMILE element names for node ``labels``: identifiers, distinct, none of them in ``taken``.

    A name starts with a letter (``n`` is put in front of one that would not:
    an element named ``3`` would read as the third element, and before a word
    of the language such as ``if``), other characters than letters, digits and
    ``_`` become ``_``, and a name already used gets ``_2``, ``_3``... (names
    are compared as :func:`sysdyn.names.canonical` keys).

    Examples
    --------
    >>> element_names((0, 1, "ann smith", (1, 2), "n0", "IF"))
    ('n0', 'n1', 'ann_smith', 'n1_2', 'n0_2', 'n_IF')
    >>> element_names(("team",), taken={"team"})
    ('team_2',)
    """
    used = {canonical(t) for t in taken}
    names = []
    for label in labels:
        text = label if isinstance(label, str) else str(label)
        base = re.sub(r"[^A-Za-z0-9_]+", "_", text).strip("_") or "node"
        if not ("a" <= base[0].lower() <= "z"):
            base = "n" + base
        elif base.lower() in _RESERVED:
            base = "n_" + base
        name, k = base, 2
        while canonical(name) in used:
            name, k = f"{base}_{k}", k + 1
        used.add(canonical(name))
        names.append(name)
    return tuple(names)


def _text(name: str) -> str:
    """How an equation spells ``name`` (spaces as underscores when that makes an identifier)."""
    underscored = re.sub(r"\s+", "_", name.strip())
    return underscored if _IDENTIFIER.fullmatch(underscored) else name


def _name(name: str) -> Name:
    return Name(canonical(name), _text(name))


def _sub(name: str, *indices: Node) -> Subscript:
    return Subscript(canonical(name), _text(name), tuple(indices))


def _call(func: str, *args: Node) -> Call:
    return Call(func, args, func)


def _number(value: float) -> str:
    value = float(value)
    if not np.isfinite(value):
        raise XmileError(f"cannot write the non-finite number {value!r} to XMILE")
    return str(int(value)) if value == int(value) and abs(value) < 1e15 else repr(value)


def _function(node: Node) -> str | None:
    if isinstance(node, Call):
        func = ALIASES.get(node.func, node.func)
        if func in OPERATORS:
            return func
    return None


@dataclass
class _Network:
    """One network dimension and what is written for it."""

    dim: Any  # NetworkDimension
    names: tuple[str, ...]
    peer: str
    matrices: dict[tuple[str, str], str] = field(default_factory=dict)  # (way, "weights"/"links") -> name

    @property
    def key(self) -> str:
        return canonical(self.dim.name)

    def element(self, index: Node, where: str) -> Node:
        """An element subscript of this network (a name or a number as sysdyn reads it) as a new name."""
        if isinstance(index, Number):
            position = self.dim.number_to_position(int(index.value))
            if position is None:  # pragma: no cover - the model compiled, so the node exists
                raise XmileError(f"{int(index.value)} is not a node of `{self.dim.name}`", element=where)
            return _name(self.names[position])
        if isinstance(index, Name) and index.name in self.dim.element_keys:
            return _name(self.names[self.dim.element_keys.index(index.name)])
        return index


class _Exporter:
    def __init__(self, definition: ModelDefinition, max_nodes: int):
        self.definition = definition
        self.dims = {canonical(d.name): d for d in definition.dimensions}
        self.var_dims = {v.key: tuple(canonical(d) for d in v.dimensions) for v in definition.variables}
        self.taken = {*self.dims, *self.var_dims, *(canonical(lk.name) for lk in definition.lookups)}
        self.networks: dict[str, _Network] = {}
        self.extra: list[Variable] = []
        self.peers: dict[tuple[str, str], str] = {}
        self.edges: dict[tuple[str, str], str] = {}
        dim_keys = set(self.dims)
        for key, dim in self.dims.items():
            if not getattr(dim, "is_network", False):
                continue
            self._check(dim, max_nodes)
            names = element_names(dim.nodes, dim_keys)
            peer = self._new_name(f"{dim.name} peer")
            self.networks[key] = _Network(dim, names, peer)

    # -- names and checks ----------------------------------------------------------------------------
    def _new_name(self, wanted: str) -> str:
        name, k = wanted, 2
        while canonical(name) in self.taken:
            name, k = f"{wanted} {k}", k + 1
        self.taken.add(canonical(name))
        return name

    @staticmethod
    def _check(dim: Any, max_nodes: int) -> None:
        if dim.schedule:
            times = ", ".join(f"{t:g}" for t, _g in dim.schedule)
            raise XmileError(
                f"the network `{dim.name}` changes during the run (at time {times}); XMILE has no graphs "
                "that change, so it cannot be written as one adjacency matrix: keep this model in Python, "
                "or write one model per graph"
            )
        if dim.ensemble:
            raise XmileError(
                f"the network `{dim.name}` holds {len(dim.ensemble)} graphs, one per run; an XMILE model has "
                "one graph: write each run's model on its own (Model.network with that graph)"
            )
        if dim.size > max_nodes:
            raise XmileError(
                f"the network `{dim.name}` has {dim.size} nodes: written for XMILE as a dense "
                f"{dim.size} x {dim.size} adjacency matrix ({dim.size**2:,} numbers, each its own element "
                f"equation) it would be too big (the limit is {max_nodes} nodes); keep this model in Python"
            )

    def error(self, message: str, host: Variable) -> XmileError:
        return XmileError(message, element=host.name, equation=host.equation or None)

    # -- generated variables -------------------------------------------------------------------------
    def matrix(self, net: _Network, way: str, what: str) -> str:
        """The name of the constant holding ``net``'s weights or links for the operators of ``way``."""
        adj = net.dim.adjacency
        way = way if adj.directed else "out"
        mat = adj.matrix if way == "out" else adj.matrix.T.tocsr()  # duplicates are summed already
        if what == "links" and np.all(mat.data == 1.0):
            what = "weights"  # every weight is 1: the weights are the links
        found = net.matrices.get((way, what))
        if found is not None:
            return found
        prefix = f"{net.dim.name} in" if way == "in" else net.dim.name
        name = self._new_name(f"{prefix} {'adjacency' if what == 'weights' else 'links'}")
        dense = np.zeros((net.dim.size, net.dim.size))
        rows = np.repeat(np.arange(net.dim.size), np.diff(mat.indptr))
        dense[rows, mat.indices] = mat.data if what == "weights" else 1.0
        text = {0.0: "0", 1.0: "1"}
        equations = tuple(
            ((a, b), text.get(dense[i, j]) or _number(dense[i, j]))
            for i, a in enumerate(net.names)
            for j, b in enumerate(net.names)
        )
        edge = "i -> j" if way == "out" else "j -> i"
        doc = (
            f"The weight of the edge {edge} of the network `{net.dim.name}` (0: no edge), row i, column j."
            if what == "weights"
            else f"1 where the network `{net.dim.name}` has an edge {edge}, row i, column j; else 0."
        )
        self.extra.append(
            Constant(name, "", (net.dim.name, net.peer), equations, units="dmnl", doc=doc + _NOTE)
        )
        net.matrices[(way, what)] = name
        return name

    def peer_copy(self, var: Variable, net: _Network) -> str:
        """The name of ``var``'s copy over the peer dimension of ``net`` (made on first use)."""
        found = self.peers.get((var.key, net.key))
        if found is not None:
            return found
        name = self._new_name(f"{var.name} peer")
        dims = tuple(net.peer if canonical(d) == net.key else d for d in var.dimensions)
        axes = [
            net.names if canonical(d) == net.key else self.dims[canonical(d)].elements for d in var.dimensions
        ]
        equations = tuple(
            (labels, unparse(_sub(var.name, *(_name(x) for x in labels))))
            for labels in itertools.product(*axes)
        )
        doc = f"`{var.name}` over `{net.peer}`, to be read at the other end of each edge of `{net.dim.name}`."
        self.extra.append(Aux(name, "", dims, equations, units=var.units, doc=doc + _NOTE))
        self.peers[(var.key, net.key)] = name
        return name

    # -- rewriting -----------------------------------------------------------------------------------
    def variable(self, var: Variable) -> Variable:
        dims = self.var_dims[var.key]
        changes: dict[str, Any] = {}
        if var.element_equations:
            pairs = []
            for labels, equation in var.element_equations:
                new = tuple(self._label(label, d, var) for label, d in zip(labels, dims, strict=True))
                pairs.append((new, self.equation(equation, var, None)))
            changes["element_equations"] = tuple(pairs)
        elif var.equation:
            data = self._node_data_only(var, dims)
            if data is not None:
                changes["equation"], changes["element_equations"] = "", data
            else:
                changes["equation"] = self.equation(var.equation, var, dims)
        return replace(var, **changes) if changes else var

    def _label(self, label: str, dim: str, var: Variable) -> str:
        net = self.networks.get(dim)
        if net is None:
            return label
        key = canonical(label)
        if key not in net.dim.element_keys:  # pragma: no cover - the model compiled
            raise self.error(f"`{label}` is not a node of `{net.dim.name}`", var)
        return net.names[net.dim.element_keys.index(key)]

    def _node_data_only(self, var: Variable, dims: tuple[str, ...]) -> tuple | None:
        """Per-element numbers for ``X[team] = NODE_DATA(team)``, or None for any other equation."""
        try:
            tree = parse(var.equation)
        except SysdynError:
            return None
        if _function(tree) != "NODE DATA" or len(dims) != 1 or dims[0] not in self.networks:
            return None
        arg = tree.args[0]  # type: ignore[attr-defined]
        net = self.networks[dims[0]]
        values = net.dim.data(var.key)
        if not isinstance(arg, Name) or arg.name != net.key or values is None:
            return None
        return tuple(((name,), _number(v)) for name, v in zip(net.names, values, strict=True))

    def equation(self, text: str, var: Variable, host: tuple[str, ...] | None) -> str:
        """``text`` rewritten for plain arrays (``host``: the dimensions of an apply-to-all equation)."""
        if not self.networks:
            return text
        try:
            tree = parse(text)
        except SysdynError:
            return text  # the reader reports it
        new = self.rewrite(tree, var, host)
        return text if new == tree else unparse(new)

    def rewrite(self, node: Node, var: Variable, host: tuple[str, ...] | None) -> Node:
        func = _function(node)
        if func is not None:
            if host is None:
                raise self.error(
                    f"{func.replace(' ', '_')} in the equation of one element cannot be written to XMILE; "
                    "use it in an equation for all nodes",
                    var,
                )
            return self.operator(node, func, var, host)  # type: ignore[arg-type]
        if isinstance(node, Subscript):
            return self.remap(node)
        return map_children(node, lambda child: self.rewrite(child, var, host))

    def remap(self, node: Subscript) -> Subscript:
        """``node`` with the element names (and node numbers) of network dimensions as written."""
        dims = self.var_dims.get(node.name, ())
        if len(dims) != len(node.indices):
            return node
        indices = tuple(
            self.networks[d].element(i, node.text) if d in self.networks else i
            for i, d in zip(node.indices, dims, strict=True)
        )
        return replace(node, indices=indices) if indices != node.indices else node

    # -- operators -----------------------------------------------------------------------------------
    def _network_of(self, arg: Node, name: Node | None, func: str, var: Variable) -> _Network:
        if name is not None:
            if isinstance(name, Name) and name.name in self.networks:
                return self.networks[name.name]
            raise self.error(f"the last argument of {func.replace(' ', '_')} must name a network", var)
        found = {d for d in self._varies_over(arg) if d in self.networks}
        if len(found) != 1:
            raise self.error(
                f"cannot tell which network {func.replace(' ', '_')} works over; "
                "name it as its last argument",
                var,
            )
        return self.networks[found.pop()]

    def _varies_over(self, node: Node) -> set[str]:
        found: set[str] = set()
        for item in walk(node):
            if isinstance(item, Name) and not isinstance(item, Subscript):
                found.update(self.var_dims.get(item.name, ()))
                if item.name in self.networks:
                    found.add(item.name)
            elif isinstance(item, Subscript):
                found.update(i.name for i in item.indices if isinstance(i, Name) and i.name in self.dims)
        return found

    def operator(self, node: Call, func: str, var: Variable, host: tuple[str, ...]) -> Node:
        kind, way, how = OPERATORS[func]
        shown = func.replace(" ", "_")
        if kind == "own":
            raise self.error("OWN(x) is only allowed directly inside a NEIGHBOR_ function", var)
        if kind == "data":
            net = self._network_of(node.args[0], node.args[0], func, var)
            return self._node_data(net, var, host)
        if kind == "degree":
            net = self._network_of(node.args[0], node.args[0], func, var)
        else:
            net = self._network_of(node.args[0], node.args[1] if len(node.args) > 1 else None, func, var)
        if net.key not in host:
            raise self.error(
                f"{shown} over `{net.dim.name}` is in an equation that is not over `{net.dim.name}`; "
                f"XMILE needs it in a variable over the network (such as X[{net.dim.name}] = {shown}(...)), "
                "which this equation can then use",
                var,
            )
        row = _name(net.dim.name)
        links = _sub(self.matrix(net, way, "links"), row, Star())
        degree = _call("SUM", links)
        if kind == "degree":
            return degree
        weights = _sub(self.matrix(net, way, "weights"), row, Star())
        arg = node.args[0]
        owner = None if how == "diffusion" else func  # OWN belongs to the NEIGHBOR_ functions
        if _inline(arg):
            values = self.peer(arg, net, var, host, Star(), owner=owner)
        else:
            values = self._edges(arg, net, var, host, func, owner)
        if how == "diffusion":
            return BinaryOp(
                "-",
                _call("SUM", BinaryOp("*", weights, values)),
                BinaryOp("*", _call("SUM", weights), self.own(arg, var, host)),
            )
        if how == "sum":
            return _call("SUM", BinaryOp("*", weights, values))
        if how == "mean":
            inverse = _call("SAFEDIV", Number(1.0), _call("SUM", weights))
            return BinaryOp("*", _call("SUM", BinaryOp("*", weights, values)), inverse)
        no_edges = BinaryOp("=", degree, Number(0.0))
        if not any(isinstance(n, Star) for n in walk(values)):  # the same for every neighbour
            return IfThenElse(no_edges, Number(0.0), values)
        outer, inner = ("MAX", "MIN") if how == "max" else ("MIN", "MAX")
        bound = self._bound(_call(inner, values), var, host, func)
        masked = BinaryOp(
            "+",
            BinaryOp("*", links, values),
            BinaryOp("*", BinaryOp("-", Number(1.0), links), bound),
        )
        return IfThenElse(no_edges, Number(0.0), _call(outer, masked))

    def _edges(
        self, arg: Node, net: _Network, var: Variable, host: tuple[str, ...], func: str, owner: str | None
    ) -> Node:
        """A reference to a helper over (network, peer, other host dims) holding ``arg`` on each pair."""
        others = [d for d in host if d != net.key]
        key = (var.key, unparse(arg) + " @ " + func)
        name = self.edges.get(key)
        if name is None:
            name = self._new_name(f"{var.name} edges")
            equation = unparse(self.peer(arg, net, var, host, _name(net.peer), owner=owner))
            dims = (net.dim.name, net.peer, *(self.dims[d].name for d in others))
            doc = (
                f"The argument of {func.replace(' ', '_')} in `{var.name}` for each pair of nodes of "
                f"`{net.dim.name}` (the node, then its neighbour in `{net.peer}`)."
            )
            self.extra.append(Aux(name, equation, dims, units="", doc=doc + _NOTE))
            self.edges[key] = name
        return _sub(name, _name(net.dim.name), Star(), *(_name(self.dims[d].name) for d in others))

    def _bound(self, reduction: Call, var: Variable, host: tuple[str, ...], func: str) -> Node:
        """A helper over ``host`` holding ``reduction`` (the value non-neighbours take in a MAX or MIN)."""
        which = "lowest" if reduction.func == "MIN" else "highest"
        name = self._new_name(f"{var.name} {which}")
        doc = (
            f"The {which} value the argument of {func.replace(' ', '_')} in `{var.name}` takes over all "
            "nodes: what the nodes that are not neighbours count for."
        )
        dims = tuple(self.dims[d].name for d in host)
        self.extra.append(Aux(name, unparse(reduction), dims, units="", doc=doc + _NOTE))
        return _sub(name, *(_name(d) for d in dims))

    def _node_data(self, net: _Network, var: Variable, host: tuple[str, ...]) -> Node:
        values = net.dim.data(var.key)
        if values is None or net.key not in host:  # pragma: no cover - the model compiled
            raise self.error(f"`{var.name}` has no node data on `{net.dim.name}`", var)
        name = self._new_name(f"{var.name} node data")
        equations = tuple(((n,), _number(v)) for n, v in zip(net.names, values, strict=True))
        doc = f"The values of `{var.name}` given per node of `{net.dim.name}` (NODE_DATA)."
        self.extra.append(Constant(name, "", (net.dim.name,), equations, units=var.units, doc=doc + _NOTE))
        return _sub(name, _name(net.dim.name))

    def own(self, node: Node, var: Variable, host: tuple[str, ...]) -> Node:
        """``node`` read at the node itself, every arrayed reference with explicit subscripts."""
        if _function(node) is not None:
            return self.rewrite(node, var, host)
        if isinstance(node, Subscript):
            return self.remap(node)
        if isinstance(node, Name):
            dims = self.var_dims.get(node.name)
            if not dims:
                return node
            if not set(dims) <= set(host):
                raise self.error(f"`{node.text}` has a dimension that the equation has not", var)
            return _sub(node.text, *(_name(self.dims[d].name) for d in dims))
        return map_children(node, lambda child: self.own(child, var, host))

    def peer(
        self, node: Node, net: _Network, var: Variable, host: tuple[str, ...], index: Node, owner: str | None
    ) -> Node:
        """``node`` read at the neighbour: references over ``net`` go to peer copies indexed by ``index``."""
        func = _function(node)
        if func == "OWN" and owner is not None:
            return self.own(node.args[0], var, host)  # type: ignore[attr-defined]
        if func is not None:
            raise self.error(
                f"{func.replace(' ', '_')} inside the argument of "
                f"{str(owner or 'DIFFUSION').replace(' ', '_')} cannot be written to XMILE; compute it in a "
                "variable of its own and use that",
                var,
            )
        if isinstance(node, Subscript):
            return self._peer_subscript(node, net, var, host, index)
        if isinstance(node, Name):
            if node.name == net.key:
                raise self.error(
                    f"the network dimension `{net.dim.name}` used as a number inside a network operator "
                    "cannot be written to XMILE; make it a variable first (X[team] = team)",
                    var,
                )
            dims = self.var_dims.get(node.name)
            if not dims:
                return node
            if net.key not in dims:
                return self.own(node, var, host)
            if not set(dims) <= set(host):
                raise self.error(f"`{node.text}` has a dimension that the equation has not", var)
            copy = self.peer_copy(self._variable(node.name), net)
            return _sub(copy, *(index if d == net.key else _name(self.dims[d].name) for d in dims))
        return map_children(node, lambda child: self.peer(child, net, var, host, index, owner))

    def _peer_subscript(
        self, node: Subscript, net: _Network, var: Variable, host: tuple[str, ...], index: Node
    ) -> Node:
        node = self.remap(node)
        dims = self.var_dims.get(node.name, ())
        at = [i for i, x in enumerate(node.indices) if isinstance(x, Name) and x.name == net.key]
        if not at or len(dims) != len(node.indices):
            return node
        if any(dims[i] != net.key for i in at):
            raise self.error(f"`{node.text}`: `{net.dim.name}` stands for another dimension", var)
        copy = self.peer_copy(self._variable(node.name), net)
        return _sub(copy, *(index if i in at else x for i, x in enumerate(node.indices)))

    def _variable(self, key: str) -> Variable:
        return next(v for v in self.definition.variables if v.key == key)

    # -- the whole model -----------------------------------------------------------------------------
    def definition_out(self) -> ModelDefinition:
        variables = tuple(self.variable(v) for v in self.definition.variables)
        dimensions: list[Dimension] = []
        for dim in self.definition.dimensions:
            net = self.networks.get(canonical(dim.name))
            if net is None:
                dimensions.append(dim)
                continue
            dimensions.append(Dimension(dim.name, net.names, dim.doc))
            doc = f"The nodes of `{dim.name}` again, to index the neighbour in its adjacency matrix."
            dimensions.append(Dimension(net.peer, net.names, doc))
        return replace(self.definition, variables=(*variables, *self.extra), dimensions=tuple(dimensions))


_NOTE = " (Written by sysdyn for a network, which XMILE has not.)"


def _inline(arg: Node) -> bool:
    """Whether ``arg`` is only arithmetic on values, so it can be read at the neighbours inside ``SUM``."""
    for node in walk(arg):
        if isinstance(node, Call):
            if _function(node) == "OWN" and _inline_own(node.args[0]):
                continue
            return False
        if isinstance(node, (IfThenElse, Star)):
            return False
    return True


def _inline_own(arg: Node) -> bool:
    return not any(isinstance(n, (Call, IfThenElse, Star)) for n in walk(arg))


def arrays_definition(definition: ModelDefinition, *, max_nodes: int = MAX_NODES) -> ModelDefinition:
    """``definition`` with its network dimensions written as plain arrays and an adjacency matrix.

    Parameters
    ----------
    definition : ModelDefinition
        A model definition, with or without network dimensions.
    max_nodes : int
        The largest network to write (its adjacency matrix has ``n * n`` entries).

    Returns
    -------
    ModelDefinition
        The same model over ordinary dimensions (see the module docstring);
        ``definition`` itself when it has no network.

    Raises
    ------
    XmileError
        For a network that changes during the run, holds one graph per run,
        or has more than ``max_nodes`` nodes, and for an operator used where
        XMILE arrays cannot say it (see the module docstring).

    Examples
    --------
    >>> import networkx as nx, sysdyn as sd
    >>> m = sd.Model("m", stop=2, method="euler")
    >>> team = m.network("team", nx.DiGraph([(1, 2), (2, 3)]))
    >>> m.stock("K[team]", initial={1: 5}, inflows=["Learning[team]"])
    >>> m.flow("Learning[team]", "IN_NEIGHBOR_MEAN(K)")
    >>> plain = arrays_definition(m.definition)
    >>> plain.dimensions[0].elements, [v.name for v in plain.variables]
    (('n1', 'n2', 'n3'), ['K', 'Learning', 'team in adjacency', 'K peer'])
    >>> plain.variables[1].equation
    'SUM(team_in_adjacency[team, *] * K_peer[*]) * SAFEDIV(1, SUM(team_in_adjacency[team, *]))'
    >>> import numpy as np
    >>> back = sd.read_xmile(sd.write_xmile(m))
    >>> bool(np.allclose(back.run()["K"], m.run()["K"], rtol=1e-12))
    True
    """
    if not has_networks(definition):
        return definition
    return _Exporter(definition, max_nodes).definition_out()
