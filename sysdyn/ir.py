"""The intermediate representation: frozen definitions of a model.

A :class:`~sysdyn.Model` is the builder a user writes to; its
:attr:`~sysdyn.Model.definition` is a :class:`ModelDefinition` made of the
frozen dataclasses below.  The compiler reads only these; nothing here is
ever changed after it is made (use :func:`dataclasses.replace` to get a
changed copy).

Equations are kept as text (a number is kept as its ``repr``); an arrayed
variable has either one apply-to-all equation or one equation per element.

Examples
--------
>>> stock = Stock("Knowledge", "10", inflows=("Learning",))
>>> stock.key, stock.inflows
('knowledge', ('Learning',))
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from .errors import DuplicateNameError, LookupDefinitionError, ModelStructureError
from .names import canonical

__all__ = [
    "Dimension",
    "GraphicalFunction",
    "Variable",
    "Stock",
    "Flow",
    "Aux",
    "Constant",
    "SimSpecs",
    "ModelDefinition",
    "ElementEquations",
]

#: Per-element equations of an arrayed variable: ((element, ...), equation) pairs.
ElementEquations = tuple[tuple[tuple[str, ...], str], ...]
LookupKind = Literal["continuous", "extrapolate", "discrete"]


@dataclass(frozen=True)
class Dimension:
    """A named dimension (XMILE ``<dim>``) and its element names, in order.

    Examples
    --------
    >>> Dimension("Team", ("Ann", "Bo")).size
    2
    """

    name: str
    elements: tuple[str, ...]
    doc: str = ""

    def __post_init__(self) -> None:
        if not self.elements:
            raise ModelStructureError("a dimension needs at least one element", element=self.name)
        keys = [canonical(e) for e in self.elements]
        if len(set(keys)) != len(keys):
            dup = next(k for k in keys if keys.count(k) > 1)
            raise DuplicateNameError(f"element `{dup}` appears twice", element=self.name)

    @property
    def key(self) -> str:
        """Canonical name."""
        return canonical(self.name)

    @property
    def size(self) -> int:
        """Number of elements."""
        return len(self.elements)

    @property
    def element_keys(self) -> tuple[str, ...]:
        """Canonical element names, in order."""
        return tuple(canonical(e) for e in self.elements)


@dataclass(frozen=True)
class GraphicalFunction:
    """A graphical function (lookup table): y as a function of x.

    Parameters
    ----------
    name : str
        Name of a stand-alone lookup (called in equations as ``name(x)``), or
        of the variable the table belongs to.
    x, y : tuple of float
        The points; ``x`` strictly increasing.
    kind : {"continuous", "extrapolate", "discrete"}
        Between points, continuous and extrapolate interpolate linearly and
        discrete holds the value of the point on the left.  Outside the x
        range, continuous and discrete hold the end values and extrapolate
        extends the end segments.

    Examples
    --------
    >>> GraphicalFunction("effect", (0.0, 1.0), (0.0, 2.0)).kind
    'continuous'
    """

    name: str
    x: tuple[float, ...]
    y: tuple[float, ...]
    kind: LookupKind = "continuous"
    units: str = ""
    doc: str = ""

    def __post_init__(self) -> None:
        if self.kind not in ("continuous", "extrapolate", "discrete"):
            raise LookupDefinitionError(
                f"kind must be 'continuous', 'extrapolate' or 'discrete' (got {self.kind!r})",
                element=self.name,
            )
        if len(self.x) != len(self.y):
            raise LookupDefinitionError(
                f"x and y must have the same number of points (got {len(self.x)} x and {len(self.y)} y)",
                element=self.name,
            )
        if len(self.x) == 0:
            raise LookupDefinitionError("a graphical function needs at least one point", element=self.name)
        if not all(math.isfinite(v) for v in (*self.x, *self.y)):
            raise LookupDefinitionError("points must be finite numbers", element=self.name)
        bad = next((i for i in range(1, len(self.x)) if self.x[i] <= self.x[i - 1]), None)
        if bad is not None:
            raise LookupDefinitionError(
                f"x values must be strictly increasing (x[{bad - 1}]={self.x[bad - 1]} "
                f"is followed by x[{bad}]={self.x[bad]})",
                element=self.name,
            )

    @property
    def key(self) -> str:
        """Canonical name."""
        return canonical(self.name)


@dataclass(frozen=True)
class Variable:
    """Fields shared by every model variable.

    ``equation`` is the apply-to-all equation (for a stock: its initial
    value); ``element_equations`` holds per-element equations of an arrayed
    variable instead.

    Examples
    --------
    >>> v = Aux("Work Rate", "effort * 2", units="tasks/day")
    >>> v.key, v.kind
    ('work rate', 'aux')
    """

    name: str
    equation: str = ""
    dimensions: tuple[str, ...] = ()
    element_equations: ElementEquations = ()
    units: str = ""
    doc: str = ""

    @property
    def key(self) -> str:
        """Canonical name."""
        return canonical(self.name)

    @property
    def kind(self) -> str:
        """``'stock'``, ``'flow'``, ``'aux'`` or ``'constant'``."""
        return type(self).__name__.lower()


@dataclass(frozen=True)
class Stock(Variable):
    """A stock (level): integrates its inflows minus its outflows.

    ``equation`` is the initial value.  With ``non_negative`` the stock never
    goes below zero (XMILE's non-negative stock): its outflows, in listed
    order, drain at most what it holds plus what flows in during the DT.

    Examples
    --------
    >>> s = Stock("Tank", "100", outflows=("drain",), non_negative=True)
    >>> s.kind, s.equation, s.outflows
    ('stock', '100', ('drain',))
    """

    inflows: tuple[str, ...] = ()
    outflows: tuple[str, ...] = ()
    non_negative: bool = False


@dataclass(frozen=True)
class Flow(Variable):
    """A flow (rate).  With ``non_negative`` it is a uniflow: never below zero.

    Examples
    --------
    >>> f = Flow("drain", "Tank / 4", non_negative=True)
    >>> f.kind, f.non_negative
    ('flow', True)
    """

    non_negative: bool = False
    lookup: GraphicalFunction | None = None


@dataclass(frozen=True)
class Aux(Variable):
    """An auxiliary (converter).

    With a ``lookup``, the value is the graphical function applied to the
    equation's value (XMILE's ``<gf>`` inside a variable).

    Examples
    --------
    >>> gf = GraphicalFunction("effect", (0.0, 1.0), (1.0, 0.5))
    >>> a = Aux("effect", "Tank / 100", lookup=gf)
    >>> a.kind, a.lookup.y
    ('aux', (1.0, 0.5))
    """

    lookup: GraphicalFunction | None = None


@dataclass(frozen=True)
class Constant(Variable):
    """A constant: an auxiliary whose equation is a number or depends only on constants.

    Examples
    --------
    >>> Constant("Growth Rate", "0.05").kind
    'constant'
    """


@dataclass(frozen=True)
class SimSpecs:
    """Simulation specifications (XMILE ``<sim_specs>``).

    ``method`` is a solver name from :func:`sysdyn.solvers.available`.

    Examples
    --------
    >>> SimSpecs(stop=10, dt=0.5).saveper
    0.5
    """

    start: float = 0.0
    stop: float = 100.0
    dt: float = 1.0
    saveper: float | None = None
    method: str = "RK45"
    time_units: str = ""

    def __post_init__(self) -> None:
        for label in ("start", "stop", "dt"):
            value = getattr(self, label)
            if not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ModelStructureError(f"`{label}` must be a finite number (got {value!r})")
        if self.stop <= self.start:
            raise ModelStructureError(f"`stop` ({self.stop}) must be after `start` ({self.start})")
        if self.dt <= 0:
            raise ModelStructureError(f"`dt` must be positive (got {self.dt})")
        if self.saveper is None:
            object.__setattr__(self, "saveper", float(self.dt))
        elif not (math.isfinite(self.saveper) and self.saveper > 0):
            raise ModelStructureError(f"`saveper` must be positive (got {self.saveper})")


@dataclass(frozen=True)
class ModelDefinition:
    """Everything that defines a model, frozen.

    Examples
    --------
    >>> d = ModelDefinition("m", variables=(Constant("k", "2"),))
    >>> d.variable("K").equation
    '2'
    """

    name: str
    variables: tuple[Variable, ...] = ()
    dimensions: tuple[Dimension, ...] = ()
    lookups: tuple[GraphicalFunction, ...] = ()
    sim_specs: SimSpecs = field(default_factory=SimSpecs)
    doc: str = ""

    def __post_init__(self) -> None:
        seen: dict[str, str] = {}
        for item in (*self.variables, *self.lookups):
            if item.key in seen:
                raise DuplicateNameError(
                    f"the name is used twice (as `{seen[item.key]}` and `{item.name}`); "
                    "names are case-insensitive and treat spaces and underscores alike",
                    element=item.name,
                )
            seen[item.key] = item.name
        dims = [d.key for d in self.dimensions]
        if len(set(dims)) != len(dims):
            raise DuplicateNameError("a dimension name is used twice")

    @property
    def variables_by_key(self) -> Mapping[str, Variable]:
        """Variables keyed by canonical name."""
        return {v.key: v for v in self.variables}

    def variable(self, name: str) -> Variable:
        """Return the variable called ``name`` (any spelling).

        Examples
        --------
        >>> d = ModelDefinition("m", variables=(Constant("Growth Rate", "0.05"),))
        >>> d.variable("growth_rate")
        Constant(name='Growth Rate', equation='0.05', ...)
        """
        return self.variables_by_key[canonical(name)]

    def dimension(self, name: str) -> Dimension:
        """Return the dimension called ``name`` (any spelling).

        Raises :class:`KeyError` if there is none.

        Examples
        --------
        >>> d = ModelDefinition("m", dimensions=(Dimension("Team", ("Ann", "Bo")),))
        >>> d.dimension("team").elements
        ('Ann', 'Bo')
        """
        key = canonical(name)
        for dim in self.dimensions:
            if dim.key == key:
                return dim
        raise KeyError(name)
