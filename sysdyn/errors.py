"""The exception hierarchy of sysdyn.

Every error sysdyn raises on purpose is a :class:`SysdynError`. Each subclass
names one kind of mistake, and each message names the model element, the
equation and what is wrong, so that a user can fix the model without reading
a traceback.

Examples
--------
>>> import sysdyn as sd
>>> m = sd.Model("demo")
>>> m.aux("a", "b + 1")
>>> try:
...     m.compile()
... except sd.UnknownNameError as err:
...     print(err.element)
a
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .units import UnitIssue

__all__ = [
    "SysdynError",
    "EquationSyntaxError",
    "ForbiddenExpressionError",
    "UnknownNameError",
    "UnknownFunctionError",
    "FunctionArgumentError",
    "DuplicateNameError",
    "AlgebraicLoopError",
    "DimensionError",
    "LookupDefinitionError",
    "ModelStructureError",
    "MissingInitialValueError",
    "SimulationError",
    "NonFiniteValueError",
    "SolverError",
    "ParameterError",
    "UnitMismatchError",
]


class SysdynError(Exception):
    """Base class of every error sysdyn raises on purpose.

    Parameters
    ----------
    message : str
        What went wrong and, where possible, how to fix it.
    element : str, optional
        The model element (stock, flow, auxiliary...) the error is about.
    equation : str, optional
        The equation text the error is about.

    Examples
    --------
    >>> err = SysdynError("something is wrong", element="Knowledge")
    >>> err.element
    'Knowledge'
    """

    def __init__(self, message: str, *, element: str | None = None, equation: str | None = None):
        self.element = element
        self.equation = equation
        self.message = message
        super().__init__(self._render())

    def _render(self) -> str:
        parts = []
        if self.element is not None:
            parts.append(f"in `{self.element}`")
        if self.equation is not None:
            parts.append(f"(equation: {self.equation!r})")
        prefix = " ".join(parts)
        return f"{prefix}: {self.message}" if prefix else self.message


class EquationSyntaxError(SysdynError):
    """An equation does not follow the grammar of the expression language.

    ``position`` is the 0-based character offset of the problem.
    """

    def __init__(self, message: str, *, position: int | None = None, **kwargs):
        self.position = position
        super().__init__(message, **kwargs)

    def _render(self) -> str:
        base = super()._render()
        if self.equation is not None and self.position is not None:
            pointer = " " * self.position + "^"
            base = f"{base}\n    {self.equation}\n    {pointer}"
        return base


class ForbiddenExpressionError(EquationSyntaxError):
    """An equation tries something the expression language does not allow.

    Attribute access, dunder names, ``lambda``, ``import`` and other
    programming-language constructs are rejected: equations are data,
    never code.
    """


class UnknownNameError(SysdynError):
    """An equation refers to a name the model does not define."""

    def __init__(self, message: str, *, name: str, suggestion: str | None = None, **kwargs):
        self.name = name
        self.suggestion = suggestion
        super().__init__(message, **kwargs)


class UnknownFunctionError(SysdynError):
    """An equation calls a function that is neither a builtin nor a lookup."""

    def __init__(self, message: str, *, name: str, suggestion: str | None = None, **kwargs):
        self.name = name
        self.suggestion = suggestion
        super().__init__(message, **kwargs)


class FunctionArgumentError(SysdynError):
    """A builtin function got the wrong number or kind of arguments."""


class DuplicateNameError(SysdynError):
    """Two model elements have the same (normalised) name."""


class AlgebraicLoopError(SysdynError):
    """Variables depend on each other without a stock in between.

    ``cycle`` lists the variables of the loop in order, first repeated last.
    """

    def __init__(self, message: str, *, cycle: list[str], **kwargs):
        self.cycle = cycle
        super().__init__(message, **kwargs)


class DimensionError(SysdynError):
    """Array dimensions do not agree, or a subscript is not valid."""


class LookupDefinitionError(SysdynError):
    """A graphical function (lookup) is malformed."""


class ModelStructureError(SysdynError):
    """The stock-and-flow structure is inconsistent (e.g. a dangling flow)."""


class MissingInitialValueError(ModelStructureError):
    """A stock has no initial value."""


class SimulationError(SysdynError):
    """A run could not be completed."""


class NonFiniteValueError(SimulationError):
    """A variable became NaN or infinite during a run.

    Attributes ``variable``, ``time`` and ``run`` (index in an ensemble,
    ``None`` for a single run) say where.
    """

    def __init__(self, message: str, *, variable: str, time: float, run: int | None = None, **kwargs):
        self.variable = variable
        self.time = time
        self.run = run
        super().__init__(message, **kwargs)


class SolverError(SimulationError):
    """A solver is unknown, misconfigured, or failed."""


class ParameterError(SysdynError):
    """A parameter override passed to ``run`` is not valid."""


class UnitMismatchError(SysdynError):
    """A model's equations are not dimensionally consistent (see :mod:`sysdyn.units`).

    ``issues`` holds the :class:`sysdyn.units.UnitIssue` list; the message
    lists them one per line, each naming the element, its equation, the
    units expected and the units found.

    Examples
    --------
    >>> from sysdyn.units import UnitIssue
    >>> err = UnitMismatchError([UnitIssue("a", "b", "people", "months", "the units differ")])
    >>> print(err)
    1 unit mismatch:
      in `a` (equation: 'b'): the units differ
    >>> err.element
    'a'
    """

    def __init__(self, issues: Sequence[UnitIssue]):
        self.issues = tuple(issues)
        count = len(self.issues)
        lines = [f"{count} unit mismatch{'es' if count != 1 else ''}:"]
        lines += [f"  {issue}" for issue in self.issues]
        first = self.issues[0] if self.issues else None
        super().__init__("\n".join(lines), element=first.variable if first else None)

    def _render(self) -> str:
        return self.message
