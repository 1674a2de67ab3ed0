"""The model builder users write to.

A :class:`Model` collects stocks, flows, auxiliaries, constants, lookups
and dimensions.  Its :attr:`Model.definition` is a frozen
:class:`~sysdyn.ir.ModelDefinition`; :meth:`Model.compile` turns that into
an immutable :class:`~sysdyn.compiler.CompiledModel` (cached until the
model changes) and :meth:`Model.run` simulates it.  Running never changes
the model: parameter overrides are passed per run.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Literal, overload

from .errors import DimensionError, ModelStructureError, SysdynError
from .ir import (
    Aux,
    Constant,
    Dimension,
    Flow,
    GraphicalFunction,
    ModelDefinition,
    SimSpecs,
    Stock,
    Variable,
)
from .names import canonical

if TYPE_CHECKING:
    from .compiler import CompiledModel
    from .loops import LoopDominance
    from .results import Results
    from .units import UnitIssue

__all__ = ["Model"]

_SUBSCRIPTED = re.compile(r"^\s*(?P<name>[^\[\]]+?)\s*\[(?P<dims>[^\[\]]*)\]\s*$")


def _equation_text(value: Any, what: str, element: str) -> str:
    """Turn a number or an equation string into equation text."""
    if isinstance(value, bool):
        raise ModelStructureError(
            f"{what} must be a number or an equation string (got a bool)", element=element
        )
    if isinstance(value, (int, float)):
        return repr(float(value))
    if hasattr(value, "item") and getattr(value, "ndim", None) == 0:  # numpy scalar
        return repr(float(value.item()))
    if isinstance(value, str):
        if not value.strip():
            raise ModelStructureError(f"{what} is empty", element=element)
        return value
    raise ModelStructureError(
        f"{what} must be a number or an equation string (got {value!r} that is a {type(value).__name__})",
        element=element,
    )


def _split_name(name: str, dimensions: Sequence[str] | None) -> tuple[str, tuple[str, ...]]:
    """Split ``"Knowledge[team]"`` into ``("Knowledge", ("team",))``."""
    if not isinstance(name, str) or not name.strip():
        raise ModelStructureError(f"a name must be a non-empty string (got {name!r})")
    match = _SUBSCRIPTED.match(name)
    if match:
        dims = tuple(d.strip() for d in match["dims"].split(",") if d.strip())
        if dimensions is not None and tuple(dimensions) != dims:
            raise DimensionError(
                f"the name says dimensions {list(dims)} but `dimensions` says {list(dimensions)}",
                element=name,
            )
        return match["name"].strip(), dims
    return name.strip(), tuple(dimensions or ())


class Model:
    """A stock-and-flow model under construction.

    Parameters
    ----------
    name : str
        Title of the model.
    start, stop, dt : float
        Simulation time span and time step (``dt`` is the step of the
        fixed-step solvers and the default save interval).
    saveper : float, optional
        Interval at which results are saved; defaults to ``dt``.
    method : str
        Default solver (see :func:`sysdyn.solvers.available`).
    time_units : str
        Units of time, used in plots and results.
    doc : str
        Documentation of the model.

    Examples
    --------
    >>> import sysdyn as sd
    >>> m = sd.Model("Decay", stop=10, dt=0.5)
    >>> m.stock("Knowledge", initial=100, outflows=["Forgetting"])
    >>> m.flow("Forgetting", "Knowledge / memory_time")
    >>> m.constant("memory time", 5)
    >>> res = m.run(method="euler")
    >>> round(float(res["Knowledge"][-1]), 3)
    12.158
    """

    def __init__(
        self,
        name: str = "model",
        *,
        start: float = 0.0,
        stop: float = 100.0,
        dt: float = 1.0,
        saveper: float | None = None,
        method: str = "RK45",
        time_units: str = "",
        doc: str = "",
    ) -> None:
        self.name = name
        self.doc = doc
        self.sim_specs = SimSpecs(
            start=float(start),
            stop=float(stop),
            dt=float(dt),
            saveper=None if saveper is None else float(saveper),
            method=method,
            time_units=time_units,
        )
        self._variables: dict[str, Variable] = {}
        self._lookups: dict[str, GraphicalFunction] = {}
        self._dimensions: dict[str, Dimension] = {}
        self._compiled: CompiledModel | None = None

    # ----------------------------------------------------------------- building
    def _add(self, variable: Variable) -> None:
        key = variable.key
        if key in self._lookups:
            raise ModelStructureError(
                f"`{variable.name}` is already the name of a lookup", element=variable.name
            )
        self._variables[key] = variable  # re-defining replaces (handy when re-running notebook cells)
        self._compiled = None

    def _element_equations(self, value: Mapping, dims: tuple[str, ...], what: str, element: str):
        pairs = []
        for elements, eq in value.items():
            elems = elements if isinstance(elements, tuple) else (elements,)
            if len(elems) != len(dims):
                raise DimensionError(
                    f"{what} for element {elements!r} names {len(elems)} element(s), "
                    f"but the variable has {len(dims)} dimension(s) {list(dims)}",
                    element=element,
                )
            pairs.append((tuple(str(e) for e in elems), _equation_text(eq, what, element)))
        return tuple(pairs)

    def _equations(self, value: Any, dims: tuple[str, ...], what: str, element: str) -> dict[str, Any]:
        if value is None:
            return {"equation": ""}
        stored = self._node_values(value, dims, element)
        if stored is not None:
            return {"equation": stored}
        if isinstance(value, Mapping):
            if not dims:
                raise DimensionError(
                    f"{what} is given per element, but the variable has no dimensions", element=element
                )
            return {"element_equations": self._element_equations(value, dims, what, element)}
        if not isinstance(value, (str, int, float)) and hasattr(value, "__len__") and dims:
            return {"element_equations": self._sequence_equations(value, dims, what, element)}
        return {"equation": _equation_text(value, what, element)}

    def _node_values(self, value: Any, dims: tuple[str, ...], element: str) -> str | None:
        """Numbers per node of a network are kept as one array on it (see :meth:`network`)."""
        dim = self._dimensions.get(canonical(dims[0])) if len(dims) == 1 else None
        if not getattr(dim, "is_network", False):
            return None
        from .network.dimension import store_node_values

        stored = store_node_values(dim, element, value)  # type: ignore[arg-type]
        if stored is None:
            return None
        self._dimensions[dim.key], equation = stored  # type: ignore[union-attr]
        return equation

    def _sequence_equations(self, values: Any, dims: tuple[str, ...], what: str, element: str):
        import numpy as np

        arr = np.asarray(values, dtype=float)
        try:
            shape = tuple(self._dimensions[canonical(d)].size for d in dims)
        except KeyError as err:
            raise DimensionError(f"unknown dimension {err.args[0]!r}", element=element) from None
        if arr.shape != shape:
            raise DimensionError(
                f"{what} has shape {arr.shape}, but the dimensions {list(dims)} give {shape}", element=element
            )
        element_lists = [self._dimensions[canonical(d)].elements for d in dims]
        pairs = []
        for index in np.ndindex(*shape):
            pairs.append((tuple(element_lists[i][j] for i, j in enumerate(index)), repr(float(arr[index]))))
        return tuple(pairs)

    def stock(
        self,
        name: str,
        initial: Any,
        inflows: Iterable[str] = (),
        outflows: Iterable[str] = (),
        *,
        non_negative: bool = False,
        units: str = "",
        doc: str = "",
        dimensions: Sequence[str] | None = None,
    ) -> None:
        """Add a stock.

        Parameters
        ----------
        name : str
            Name; ``"Knowledge[team]"`` declares an arrayed stock.
        initial : float, str, array or mapping
            Initial value: a number, an equation, an array over the
            dimensions, or a mapping from element (tuple) to value/equation.
        inflows, outflows : iterable of str
            Names of the flows that fill and drain it.
        non_negative : bool
            Cut outflows back so the stock never goes below zero.

        Examples
        --------
        >>> m = Model("m")
        >>> m.stock("Trust", initial=1, inflows=["Building"], non_negative=True)
        >>> m.definition.variable("trust").non_negative
        True
        """
        base, dims = _split_name(name, dimensions)
        self._add(
            Stock(
                base,
                dimensions=dims,
                inflows=tuple(_split_name(f, None)[0] for f in _as_names(inflows, "inflows", base)),
                outflows=tuple(_split_name(f, None)[0] for f in _as_names(outflows, "outflows", base)),
                non_negative=bool(non_negative),
                units=units,
                doc=doc,
                **self._equations(initial, dims, "the initial value", base),
            )
        )

    def flow(
        self,
        name: str,
        equation: Any,
        *,
        non_negative: bool = False,
        units: str = "",
        doc: str = "",
        dimensions: Sequence[str] | None = None,
        lookup: tuple[Sequence[float], Sequence[float]] | GraphicalFunction | None = None,
        lookup_kind: str = "continuous",
    ) -> None:
        """Add a flow; ``non_negative=True`` makes it a uniflow.

        With ``lookup=(x, y)`` the flow is the graphical function of its
        equation's value (as an auxiliary can be).

        Examples
        --------
        >>> m = Model("m")
        >>> m.flow("Learning", "0.5 * Staff", units="ideas/month")
        >>> m.definition.variable("learning").units
        'ideas/month'
        >>> m.flow("Hiring", "TIME", lookup=([0, 10], [0, 5]))
        >>> m.definition.variable("hiring").lookup.y
        (0.0, 5.0)
        """
        base, dims = _split_name(name, dimensions)
        table = None
        if lookup is not None:
            table = lookup if isinstance(lookup, GraphicalFunction) else _graphical(base, lookup, lookup_kind)
        self._add(
            Flow(
                base,
                dimensions=dims,
                non_negative=bool(non_negative),
                units=units,
                doc=doc,
                lookup=table,
                **self._equations(equation, dims, "the equation", base),
            )
        )

    def aux(
        self,
        name: str,
        equation: Any,
        *,
        units: str = "",
        doc: str = "",
        dimensions: Sequence[str] | None = None,
        lookup: tuple[Sequence[float], Sequence[float]] | GraphicalFunction | None = None,
        lookup_kind: str = "continuous",
    ) -> None:
        """Add an auxiliary (converter).

        With ``lookup=(x, y)`` the auxiliary is the graphical function of its
        equation's value.

        Examples
        --------
        >>> m = Model("m")
        >>> m.aux("Effect of trust", "Trust", lookup=([0, 1, 2], [0, 0.8, 1]))
        >>> m.definition.variable("effect of trust").lookup.y
        (0.0, 0.8, 1.0)
        """
        base, dims = _split_name(name, dimensions)
        table = None
        if lookup is not None:
            table = lookup if isinstance(lookup, GraphicalFunction) else _graphical(base, lookup, lookup_kind)
        self._add(
            Aux(
                base,
                dimensions=dims,
                units=units,
                doc=doc,
                lookup=table,
                **self._equations(equation, dims, "the equation", base),
            )
        )

    def constant(
        self,
        name: str,
        value: Any,
        *,
        units: str = "",
        doc: str = "",
        dimensions: Sequence[str] | None = None,
    ) -> None:
        """Add a constant (a parameter that ``run(params=...)`` can override).

        Examples
        --------
        >>> m = Model("m")
        >>> m.constant("memory time", 12, units="months")
        >>> m.definition.variable("memory_time").equation
        '12.0'
        """
        base, dims = _split_name(name, dimensions)
        self._add(
            Constant(
                base, dimensions=dims, units=units, doc=doc, **self._equations(value, dims, "the value", base)
            )
        )

    def lookup(
        self,
        name: str,
        x: Sequence[float],
        y: Sequence[float],
        *,
        kind: str = "continuous",
        units: str = "",
        doc: str = "",
    ) -> None:
        """Add a stand-alone graphical function, called in equations as ``name(x)``.

        Examples
        --------
        >>> m = Model("m", stop=1)
        >>> m.lookup("effect", [0, 10], [0, 1])
        >>> m.aux("e", "effect(5)")
        >>> float(m.run(method="euler")["e"][0])
        0.5
        """
        table = _graphical(name, (x, y), kind, units=units, doc=doc)
        if table.key in self._variables:
            raise ModelStructureError(f"`{name}` is already the name of a variable", element=name)
        self._lookups[table.key] = table
        self._compiled = None

    def dimension(self, name: str, elements: int | Iterable[Any], *, doc: str = "") -> None:
        """Add a dimension; ``elements`` is a count (elements ``1..n``) or the element names.

        Examples
        --------
        >>> m = Model("m")
        >>> m.dimension("Team", ["Ann", "Bo", "Cy"])
        >>> m.definition.dimension("team").size
        3
        """
        if isinstance(elements, int):
            if elements < 1:
                raise DimensionError(f"a dimension needs at least one element (got {elements})", element=name)
            labels: tuple[str, ...] = tuple(str(i) for i in range(1, elements + 1))
        else:
            labels = tuple(str(e) for e in elements)
        self._dimensions[canonical(name)] = Dimension(name, labels, doc=doc)
        self._compiled = None

    def network(
        self,
        name: str,
        graph: Any,
        *,
        weight: str | None = "weight",
        nodes: Sequence[Any] | None = None,
        directed: bool | None = None,
        node_attributes: Iterable[str] | Mapping[str, Any] = (),
        changes: Iterable[tuple[float, Any]] = (),
        doc: str = "",
    ):
        """Add a dimension whose elements are the nodes of a network, and return it.

        Variables over it (``"Knowledge[team]"``) have one value per node, and
        their equations can use the network's edges: ``NEIGHBOR_SUM(x)``,
        ``NEIGHBOR_MEAN``, ``NEIGHBOR_MAX``, ``NEIGHBOR_MIN``, ``DIFFUSION(x)``,
        ``DEGREE(team)``, with ``IN_``/``OUT_`` variants for directed graphs and
        ``OWN(x)`` for edge-wise terms (see :mod:`sysdyn.network.operators`).
        Per-node numbers given to a variable over the network (an array, or a
        mapping from node to number; nodes left out get 0) are kept as one
        array on the network; ``x[5]`` in an equation is node ``5`` when the
        nodes are integers.

        Parameters
        ----------
        name : str
            Name of the dimension.
        graph : networkx.Graph or DiGraph, scipy.sparse matrix, edge arrays or NetworkAdjacency
            The network (see :func:`sysdyn.network.as_adjacency`): nodes of
            any hashable type, edge weights from the ``weight`` attribute.
        weight : str or None
            Edge attribute of a networkx graph holding the weights (missing: 1);
            ``None`` weighs every edge 1.
        nodes : sequence, optional
            The nodes and their order (networkx), or the labels of a matrix's
            rows or of the positions in edge arrays.
        directed : bool, optional
            For matrices and edge arrays (see :func:`~sysdyn.network.as_adjacency`).
        node_attributes : iterable of str or mapping of str to values
            Numeric node attributes of a networkx graph to make constants over
            the network (``expertise[team]`` from ``G.nodes[n]["expertise"]``),
            or a mapping from a constant's name to one value per node.
        changes : iterable of (time, graph)
            Graphs over the same nodes that replace the network from ``time``
            on (a node a later graph leaves out loses its edges); put the
            times on the ``dt`` grid.
        doc : str
            Documentation.

        Returns
        -------
        sysdyn.network.dimension.NetworkDimension

        Raises
        ------
        sysdyn.network.NetworkError
            For a graph that cannot be read, or a node attribute missing on some nodes.

        Examples
        --------
        >>> import networkx as nx
        >>> G = nx.star_graph(3)
        >>> for n in G: G.nodes[n]["expertise"] = 2.0 if n == 0 else 1.0
        >>> m = Model("Mentoring", stop=10, dt=0.25)
        >>> team = m.network("team", G, node_attributes=["expertise"])
        >>> m.stock("Knowledge[team]", initial={0: 10}, inflows=["Learning[team]"])
        >>> m.flow("Learning[team]", "0.1 * expertise * NEIGHBOR_SUM(MAX(Knowledge - OWN(Knowledge), 0))")
        >>> res = m.run()
        >>> res["Knowledge"].shape, bool(res["Knowledge[3]"][-1] > 4)
        ((41, 4), True)
        """
        from .network.dimension import network_dimension, node_data_equation

        if isinstance(node_attributes, str):
            node_attributes = [node_attributes]
        if not isinstance(node_attributes, Mapping):
            node_attributes = list(node_attributes)
        dim = network_dimension(
            name,
            graph,
            weight=weight,
            nodes=nodes,
            directed=directed,
            node_attributes=node_attributes,
            changes=changes,
            doc=doc,
        )
        old = self._dimensions.get(dim.key)
        if getattr(old, "is_network", False) and old.nodes == dim.nodes:  # type: ignore[union-attr]
            for key, values in old.node_data:  # type: ignore[union-attr]
                if dim.data_index(key) is None:  # keep per-node values given to variables before
                    dim = dim.with_data(key, values.values)
        self._dimensions[dim.key] = dim
        self._compiled = None
        for attr in node_attributes:
            self._add(Constant(str(attr), node_data_equation(name), dimensions=(name,), doc="node attribute"))
        return dim

    def remove(self, name: str) -> None:
        """Remove a variable, lookup or dimension by name.

        Examples
        --------
        >>> m = Model("m"); m.constant("k", 1); m.remove("K")
        >>> m.definition.variables
        ()
        """
        key = canonical(name)
        for table in (self._variables, self._lookups, self._dimensions):
            if key in table:
                del table[key]
                self._compiled = None
                return
        raise KeyError(name)

    # ---------------------------------------------------------------- using it
    @property
    def definition(self) -> ModelDefinition:
        """The frozen definition of the model as it stands now."""
        return ModelDefinition(
            self.name,
            variables=tuple(self._variables.values()),
            dimensions=tuple(self._dimensions.values()),
            lookups=tuple(self._lookups.values()),
            sim_specs=self.sim_specs,
            doc=self.doc,
        )

    @classmethod
    def from_definition(cls, definition: ModelDefinition) -> Model:
        """Make a builder holding ``definition`` (e.g. one read from a file).

        Examples
        --------
        >>> m = Model("m", stop=5); m.constant("k", 1)
        >>> Model.from_definition(m.definition).definition == m.definition
        True
        """
        model = cls(definition.name, doc=definition.doc)
        model.sim_specs = definition.sim_specs
        model._variables = {v.key: v for v in definition.variables}
        model._lookups = {t.key: t for t in definition.lookups}
        model._dimensions = {d.key: d for d in definition.dimensions}
        return model

    def with_specs(self, **changes: Any) -> Model:
        """Return a copy with changed simulation specs (``start``, ``stop``, ``dt``...).

        Examples
        --------
        >>> Model("m", stop=5).with_specs(stop=20).sim_specs.stop
        20.0
        """
        specs = {
            k: float(v) if k in ("start", "stop", "dt", "saveper") and v is not None else v
            for k, v in changes.items()
        }
        new = Model.from_definition(self.definition)
        new.sim_specs = replace(self.sim_specs, **specs)
        return new

    def compile(self) -> CompiledModel:
        """Compile the model (once; the result is cached until the model changes).

        Returns
        -------
        CompiledModel
            Immutable; its ``run`` method simulates it.

        Examples
        --------
        >>> m = Model("m", stop=1); m.constant("k", 2)
        >>> m.compile() is m.compile()
        True
        """
        if self._compiled is None:
            from .compiler import compile_model

            self._compiled = compile_model(self.definition)
        return self._compiled

    def check_units(
        self,
        *,
        numbers: Literal["polymorphic", "dimensionless"] = "polymorphic",
        synonyms: Any = None,
        raise_error: bool = False,
    ) -> list[UnitIssue]:
        """Check that the equations are dimensionally consistent (see :mod:`sysdyn.units`).

        Parameters
        ----------
        numbers : {"polymorphic", "dimensionless"}
            A bare number takes whatever units are needed (Vensim's and
            Stella's convention), or counts as dimensionless in ``*``, ``/``, ``^``.
        synonyms : mapping or iterable of groups, optional
            Unit spellings to treat as one, beyond :data:`sysdyn.units.SYNONYMS`.
        raise_error : bool
            Raise :class:`~sysdyn.errors.UnitMismatchError` (every issue, one
            per line) instead of returning the issues.

        Returns
        -------
        list of UnitIssue
            Each names the variable, its equation, the units expected and found.

        Examples
        --------
        >>> m = Model("m", time_units="months")
        >>> m.stock("Staff", 10, inflows=["Hiring"], units="people")
        >>> m.flow("Hiring", "Staff / hiring_time", units="people/month")
        >>> m.constant("hiring time", 3, units="months")
        >>> m.check_units()
        []
        >>> m.constant("hiring time", 3, units="people")
        >>> [(i.variable, i.expected, i.found) for i in m.check_units()]
        [('Hiring', 'people/month', 'dmnl')]
        """
        from .units import check_units

        issues = check_units(self.definition, numbers=numbers, synonyms=synonyms)
        if issues and raise_error:
            from .errors import UnitMismatchError

            raise UnitMismatchError(issues)
        return issues

    def loops(self, **options: Any):
        """The feedback loops of the model, with polarities from its equations.

        See :func:`sysdyn.loops.find_loops` for ``options`` (``length_bound``,
        ``max_loops``, ``run``).

        Examples
        --------
        >>> m = Model("Tub", stop=5); m.stock("Water", 5, outflows=["drain"]); m.flow("drain", "Water / 4")
        >>> [loop.name for loop in m.loops()]
        ['B1']
        """
        from .loops import find_loops

        return find_loops(self, **options)

    def to_cld(self, **options: Any):
        """The causal loop diagram behind the model (see :func:`sysdyn.loops.to_cld`).

        Examples
        --------
        >>> m = Model("Tub", stop=5); m.stock("Water", 5, outflows=["drain"]); m.flow("drain", "Water / 4")
        >>> len(m.to_cld().loops())
        1
        """
        from .loops import to_cld

        return to_cld(self, **options)

    @overload
    def run(
        self, method: str | None = None, *, loop_dominance: Literal[False] = False, **options: Any
    ) -> Results: ...

    @overload
    def run(
        self, method: str | None = None, *, loop_dominance: Literal[True], **options: Any
    ) -> LoopDominance: ...

    def run(
        self, method: str | None = None, *, loop_dominance: bool = False, **options: Any
    ) -> Results | LoopDominance:
        """Compile (if needed) and simulate the model.

        Parameters
        ----------
        method : str, optional
            Solver name: ``"euler"``, ``"rk4"`` or a SciPy ``solve_ivp``
            method (``"RK45"``, ``"RK23"``, ``"DOP853"``, ``"Radau"``,
            ``"BDF"``, ``"LSODA"``).  Defaults to the model's method.
        **options
            Passed to :meth:`sysdyn.compiler.CompiledModel.run`: ``params``,
            ``start``, ``stop``, ``dt``, ``saveper``, ``rtol``, ``atol``,
            ``max_step``, ``seed``.
        loop_dominance : bool
            Also score the model's feedback loops over the run (Loops That
            Matter) and return a :class:`sysdyn.loops.LoopDominance`, whose
            ``loop_scores`` is a DataFrame and ``results`` the run.

        Examples
        --------
        >>> import numpy as np
        >>> m = Model("m", stop=2, dt=1)
        >>> m.stock("S", 1, inflows=["f"]); m.flow("f", "k * S"); m.constant("k", 1)
        >>> m.run(method="euler", params={"k": np.array([1.0, 2.0])})["S"]
        array([[1., 2., 4.],
               [1., 3., 9.]])
        """
        if loop_dominance:
            from .loops import loop_dominance as _loop_dominance

            return _loop_dominance(self, method=method, **options)
        return self.compile().run(method=method, **options)

    def __repr__(self) -> str:
        kinds: dict[str, int] = {}
        for v in self._variables.values():
            kinds[v.kind] = kinds.get(v.kind, 0) + 1
        parts = ", ".join(f"{n} {k}{'s' if n != 1 else ''}" for k, n in kinds.items())
        return f"<Model {self.name!r}: {parts or 'empty'}>"


def _as_names(value: Iterable[str], what: str, element: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    names = tuple(value)
    for n in names:
        if not isinstance(n, str):
            raise ModelStructureError(f"{what} must be names (got {n!r})", element=element)
    return names


def _graphical(name: str, points: Any, kind: str, **extra: Any) -> GraphicalFunction:
    try:
        x, y = points
        xs = tuple(float(v) for v in x)
        ys = tuple(float(v) for v in y)
    except (TypeError, ValueError) as err:
        raise SysdynError(f"a lookup needs two sequences of numbers (x, y): {err}", element=name) from None
    return GraphicalFunction(name, xs, ys, kind=kind, **extra)  # type: ignore[arg-type]
