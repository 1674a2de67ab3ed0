"""Dimensional analysis of a model's equations.

:func:`check_units` walks the expression tree of every equation and works
out the units of each sub-expression from the declared units of the
variables it names, then compares:

* the units of each equation with the units declared for its variable (a
  stock's equation is its initial value, in the stock's units);
* the two sides of ``+``, ``-``, comparisons, ``MOD``, and the arguments of
  ``MIN``, ``MAX``, the branches of ``IF ... THEN ... ELSE``, which must agree;
* each flow with every stock it fills or drains: a flow is in stock units per
  time unit (the model's ``time_units``); Vensim's control variables
  (``INITIAL TIME``, ``FINAL TIME``, ``TIME STEP``, ``SAVEPER``), where a
  file keeps them as variables, are in the time units;
* arguments with required units: ``EXP``, ``LN``, ``SIN``... take dimensionless
  arguments, a delay or smoothing time is a time.

Conventions
-----------
*Unknown units are unchecked, never an error.*  A variable without units
(``units=""``) has unknown units, and so has every expression built from
it, except where the other operand of ``+``, ``MIN``... fixes the result.
An equation whose units come out unknown is not compared with anything.

*Numbers are polymorphic* (the Vensim and Stella convention): a bare number
in an equation takes whatever units are needed, so ``Staff + 1``,
``MAX(0, gap)`` and ``Knowledge / 12`` (the 12 a time) all check.  An
expression that multiplies or divides by a number is therefore unchecked
on its own; it still has to agree with the other side of a ``+``.  With
``numbers="dimensionless"`` a number is dimensionless in ``*``, ``/`` and
``^`` (it still adapts in sums, comparisons, ``MIN``/``MAX`` and branches),
which finds more missing conversion factors at the price of flagging
``Knowledge / 12``.

*Names of time*: ``TIME``, ``DT``, ``STARTTIME``, ``STOPTIME`` (and Vensim's
``INITIAL TIME``...) are in the model's time units; ``PI`` and dimension
names used as values (the element index) are dimensionless.

*Functions* (the catalogue of :mod:`sysdyn.compiler.functions`):

- ``EXP``, ``LN``, ``LOG10``, ``LOG``, ``SIN``, ``COS``, ``TAN``, ``ARCSIN``,
  ``ARCCOS``, ``ARCTAN``: dimensionless arguments, dimensionless result.
- ``ABS``, ``INT``, ``INTEGER``, ``ROUND``, ``INIT``: the argument's units.
- ``SIGN``, ``SIZE``, ``DEGREE`` (``IN_``/``OUT_`` too): dimensionless.
- ``SQRT``: the argument's units to the power 1/2.
- ``MIN``, ``MAX`` (of several arguments or of an array), ``MODULO``: the
  arguments' units, which must agree.
- ``SAFEDIV(a, b[, c])`` (Vensim's ``ZIDZ``): ``a/b``; ``c`` in the units of ``a/b``.
- ``SUM``, ``MEAN``, ``STDDEV`` of an array: the elements' units; ``PROD``:
  dimensionless if its argument is, else unknown.
- ``STEP(height, start)``: the height's units; ``start`` a time.
- ``PULSE(volume[, first, interval])``: volume per time unit (the pulse is
  volume/DT for one DT); ``first`` and ``interval`` times.
- ``RAMP(slope[, start, end])``: slope times time; ``start`` and ``end`` times.
- ``SMTH1``, ``SMTH3``, ``DELAY1``, ``DELAY3``, ``DELAY`` ``(input, delay[,
  initial])`` and ``SMTHN``, ``DELAYN`` ``(input, delay, n[, initial])``: the
  input's units; ``delay`` a time, ``n`` dimensionless, ``initial`` in the
  input's units.
- ``TREND(input, time[, initial])``: 1/time; ``initial`` too.
- ``RANDOM``, ``UNIFORM``, ``NORMAL``, ``LOGNORMAL``, ``TRIANGULAR``,
  ``EXPRND``, ``POISSON``: the units of the distribution's parameters, which
  must agree (a trailing seed is not checked).
- ``NEIGHBOR_SUM``, ``_MEAN``, ``_MAX``, ``_MIN``, ``DIFFUSION`` (``IN_``/``OUT_``
  too), ``OWN``: the units of their expression (edge weights count as
  dimensionless).
- ``LOOKUP(table, x)`` and ``table(x)``: the table's units (sysdyn keeps one
  units string per graphical function: its output's).

The input of a graphical function is not checked (sysdyn keeps one units
string per table, the output's), nor the equation of a variable that has a
table (that equation is the table's input).  ``NODE_DATA``, a function of
unknown units behaviour, and a name the model does not define have
unknown units: they are left to the compiler's own checks, as are
equations that do not parse.

Examples
--------
>>> import sysdyn as sd
>>> m = sd.Model("Decay", time_units="months")
>>> m.stock("Knowledge", 100, outflows=["Forgetting"], units="ideas")
>>> m.flow("Forgetting", "Knowledge / memory_time", units="ideas")
>>> m.constant("memory time", 12, units="months")
>>> for issue in check_units(m):
...     print(issue)
in `Forgetting` (equation: 'Knowledge / memory_time'): the equation gives ideas/month
    but `Forgetting` is declared in ideas
in `Forgetting` (equation: 'Knowledge / memory_time'): `Forgetting` drains the stock
    `Knowledge` (in ideas) so it must be in ideas/month (stock units per time unit, month),
    but it is in ideas
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Literal

from ..compiler.functions import ALIASES, CONSTANT_NAMES
from ..equations import parse
from ..equations.nodes import BinaryOp, Call, IfThenElse, Name, Node, Number, Subscript, UnaryOp
from ..equations.printer import unparse
from ..errors import SysdynError, UnitMismatchError
from ..ir import Aux, Flow, GraphicalFunction, ModelDefinition, Stock, Variable
from ..names import canonical
from .parse import DIMENSIONLESS, Units, UnitSyntaxError, parse_units, synonym_table

if TYPE_CHECKING:
    from ..model import Model

__all__ = ["UnitIssue", "UnitMismatchError", "check_units", "validate_units"]

NumbersRule = Literal["polymorphic", "dimensionless"]
Synonyms = Mapping[str, str] | Iterable[Iterable[str]] | None


class _Polymorphic:
    """Units of a bare number: whatever the context needs."""

    _instance: _Polymorphic | None = None

    def __new__(cls) -> _Polymorphic:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "ANY"


ANY = _Polymorphic()
#: Units of an expression: known, ``ANY`` (a number's: adapts) or ``None`` (unknown: unchecked).
Found = Units | _Polymorphic | None

_TIME_NAMES = frozenset(CONSTANT_NAMES - {"pi"})
#: Vensim's control variables, which some files keep as variables: in the model's time units.
_CONTROL_NAMES = frozenset({"initial time", "final time", "time step", "saveper"})
_COMPARISONS = frozenset({"=", "<>", "<", "<=", ">", ">="})
_DIMENSIONLESS_MATH = frozenset(
    {"EXP", "LN", "LOG10", "LOG", "SIN", "COS", "TAN", "ARCSIN", "ARCCOS", "ARCTAN"}
)
_SAME_UNITS = frozenset({"ABS", "INT", "INTEGER", "ROUND", "INIT", "SUM", "MEAN", "STDDEV", "OWN"})
_DIMENSIONLESS_RESULT = frozenset({"SIGN", "SIZE", "DEGREE", "IN DEGREE", "OUT DEGREE"})
_SMOOTHS = frozenset({"SMTH1", "SMTH3", "DELAY1", "DELAY3", "DELAY", "SMTHN", "DELAYN"})
_NETWORK_VALUE = frozenset(
    f"{way}{op}"
    for way in ("", "IN ", "OUT ")
    for op in ("NEIGHBOR SUM", "NEIGHBOR MEAN", "NEIGHBOR MAX", "NEIGHBOR MIN", "DIFFUSION")
)
#: Number of parameters of each distribution (the arguments after them are seeds).
_DISTRIBUTIONS = {
    "RANDOM": 2,
    "UNIFORM": 2,
    "NORMAL": 2,
    "LOGNORMAL": 2,
    "TRIANGULAR": 3,
    "EXPRND": 1,
    "POISSON": 1,
}


@dataclass(frozen=True)
class UnitIssue:
    """One units problem of a model.

    Attributes
    ----------
    variable : str
        The element whose equation has the problem (``"x[Ann]"`` for one
        element's equation of an arrayed variable).
    equation : str
        The equation text (a stock's: its initial value).
    expected, found : str
        The units that were needed and the units there are, written
        readably (``"people/month"`` and ``"people"``).
    message : str
        What is wrong, naming the sub-expression or stock concerned.

    Examples
    --------
    >>> issue = UnitIssue("Hiring", "Staff", "people/month", "people", "the units differ")
    >>> str(issue)
    "in `Hiring` (equation: 'Staff'): the units differ"
    """

    variable: str
    equation: str
    expected: str
    found: str
    message: str

    def __str__(self) -> str:
        if not self.equation:
            return f"in `{self.variable}`: {self.message}"
        return f"in `{self.variable}` (equation: {self.equation!r}): {self.message}"


def check_units(
    model: Model | ModelDefinition,
    *,
    numbers: NumbersRule = "polymorphic",
    synonyms: Synonyms = None,
) -> list[UnitIssue]:
    """Check the units of every equation of a model, and of each flow against its stocks.

    Parameters
    ----------
    model : Model or ModelDefinition
        The model (a :class:`sysdyn.Model`, or its frozen definition, as
        :func:`sysdyn.read_xmile` and :meth:`sysdyn.Model.definition` give).
    numbers : {"polymorphic", "dimensionless"}
        How a bare number counts in ``*``, ``/`` and ``^``: as whatever units
        are needed (Vensim's and Stella's convention, the default) or as
        dimensionless (stricter).  See the module docstring.
    synonyms : mapping or iterable of groups, optional
        Unit spellings to treat as one beyond the built-in table
        (:data:`sysdyn.units.SYNONYMS`): ``[("widget", "widgets")]``.

    Returns
    -------
    list of UnitIssue
        The problems (units that cannot be read, then equations, in the
        order of the model's variables, then flows against their stocks);
        empty when the units are consistent (or unknown).

    See Also
    --------
    validate_units : raise :class:`UnitMismatchError` instead.
    sysdyn.units.parse_units : how unit expressions are read.

    Examples
    --------
    >>> import sysdyn as sd
    >>> m = sd.Model("m", time_units="month")
    >>> m.constant("Staff", 4, units="people")
    >>> m.constant("Delay", 2, units="months")
    >>> m.aux("Total", "Staff + Delay", units="people")
    >>> [issue.message for issue in check_units(m)]
    ['`Staff + Delay` adds people and month: both sides of `+` must have the same units']
    >>> m.aux("Total", "Staff + 1", units="persons")
    >>> check_units(m)
    []
    """
    if numbers not in ("polymorphic", "dimensionless"):
        raise ValueError(f"`numbers` must be 'polymorphic' or 'dimensionless' (got {numbers!r})")
    definition = model if isinstance(model, ModelDefinition) else model.definition
    return _Checker(definition, numbers, synonym_table(synonyms)).run()


def validate_units(
    model: Model | ModelDefinition,
    *,
    numbers: NumbersRule = "polymorphic",
    synonyms: Synonyms = None,
) -> None:
    """Raise :class:`UnitMismatchError` listing every units problem of a model, if there is one.

    Takes the same arguments as :func:`check_units`.

    Raises
    ------
    UnitMismatchError
        With one line per :class:`UnitIssue`.

    Examples
    --------
    >>> import sysdyn as sd
    >>> m = sd.Model("m")
    >>> m.constant("Rate", 0.1, units="1/year")
    >>> m.aux("Growth factor", "EXP(Rate)", units="dmnl")
    >>> try:
    ...     validate_units(m)
    ... except UnitMismatchError as err:
    ...     print(err)
    1 unit mismatch:
      in `Growth factor` (equation: 'EXP(Rate)'): the argument of EXP must be dimensionless
      (`Rate` is in 1/year)
    >>> m.aux("Growth factor", "EXP(Rate * 2)", units="dmnl")   # the 2 may be years
    >>> validate_units(m)
    """
    issues = check_units(model, numbers=numbers, synonyms=synonyms)
    if issues:
        raise UnitMismatchError(issues)


def _equation_text(variable: Variable) -> str:
    """The equation of a variable, or its element equations joined by ``; ``."""
    return variable.equation or "; ".join(eq for _, eq in variable.element_equations)


def _text(found: Found) -> str:
    if found is None:
        return "unknown units"
    if found is ANY:
        return "any units"
    return str(found)


class _Checker:
    """One pass over a model definition; collects :class:`UnitIssue` objects."""

    def __init__(self, definition: ModelDefinition, numbers: NumbersRule, table: Mapping[str, str]):
        self.definition = definition
        self.strict_numbers = numbers == "dimensionless"
        self.table = table
        self.issues: list[UnitIssue] = []
        self.variables = definition.variables_by_key
        self.lookups: dict[str, GraphicalFunction] = {g.key: g for g in definition.lookups}
        self.dimensions = {d.key for d in definition.dimensions}
        self.declared: dict[str, Found] = {}
        self.lookup_units: dict[str, Found] = {}
        self.where = ("", "")  # (variable label, equation) of the equation being checked
        self.time = self._read(definition.sim_specs.time_units, "sim_specs", "")
        self.handlers: dict[str, Callable[[Call], Found]] = {
            **dict.fromkeys(_DIMENSIONLESS_MATH, self._dimensionless_math),
            **dict.fromkeys(_SAME_UNITS, self._same_as_argument),
            **dict.fromkeys(_DIMENSIONLESS_RESULT, self._dimensionless_result),
            **dict.fromkeys(_SMOOTHS, self._smooth),
            **dict.fromkeys(_NETWORK_VALUE, self._network),
            **dict.fromkeys(_DISTRIBUTIONS, self._distribution),
            "SQRT": self._sqrt,
            "MIN": self._same_arguments,
            "MAX": self._same_arguments,
            "MODULO": self._same_arguments,
            "SAFEDIV": self._safediv,
            "IF THEN ELSE": self._if_function,
            "LOOKUP": self._lookup_call,
            "PROD": self._prod,
            "STEP": self._step,
            "PULSE": self._pulse,
            "RAMP": self._ramp,
            "TREND": self._trend,
        }

    # ------------------------------------------------------------------ driving
    def run(self) -> list[UnitIssue]:
        for variable in self.definition.variables:
            self.declared[variable.key] = self._read(variable.units, variable.name, _equation_text(variable))
        for variable in self.definition.variables:
            for label, equation in self._equations(variable):
                self._check_equation(variable, label, equation)
        for variable in self.definition.variables:
            if isinstance(variable, Stock):
                self._check_flows(variable)
            elif variable.key in _CONTROL_NAMES:
                self._check_control(variable)
        return self.issues

    def _read(self, text: str | None, element: str, equation: str) -> Found:
        """Parse declared units; units that cannot be read are an issue, and unknown."""
        try:
            return parse_units(text, synonyms=self.table)
        except UnitSyntaxError as err:
            self.issues.append(
                UnitIssue(
                    element, equation, "a unit expression", repr(text), f"{err.message}; it is not checked"
                )
            )
            return None

    @staticmethod
    def _equations(variable: Variable) -> list[tuple[str, str]]:
        if variable.element_equations:
            return [(f"{variable.name}[{', '.join(e)}]", eq) for e, eq in variable.element_equations]
        return [(variable.name, variable.equation)] if variable.equation.strip() else []

    def _issue(self, expected: Found, found: Found, message: str) -> None:
        label, equation = self.where
        self.issues.append(UnitIssue(label, equation, _text(expected), _text(found), message))

    def _check_equation(self, variable: Variable, label: str, equation: str) -> None:
        try:
            tree = parse(equation, element=variable.name)
        except SysdynError:
            return  # the compiler reports what does not parse
        self.where = (label, equation)
        found = self.units(tree)
        declared = self.declared.get(variable.key)
        if isinstance(variable, (Aux, Flow)) and variable.lookup is not None:
            return  # the equation is the table's input, whose units are not known
        if not isinstance(declared, Units) or not isinstance(found, Units) or found == declared:
            return
        if isinstance(variable, Stock):
            message = f"the initial value is in {found} but the stock `{variable.name}` is in {declared}"
        else:
            message = f"the equation gives {found} but `{variable.name}` is declared in {declared}"
        self._issue(declared, found, message)

    def _check_flows(self, stock: Stock) -> None:
        units = self.declared.get(stock.key)
        if not isinstance(units, Units) or not isinstance(self.time, Units):
            return
        needed = units / self.time
        for verb, names in (("fills", stock.inflows), ("drains", stock.outflows)):
            for name in names:
                flow = self.variables.get(canonical(name))
                if flow is None:
                    continue  # a dangling flow is a structure error, reported by the compiler
                found = self._flow_units(flow)
                if isinstance(found, Units) and found != needed:
                    self.where = (flow.name, _equation_text(flow))
                    self._issue(
                        needed,
                        found,
                        f"`{flow.name}` {verb} the stock `{stock.name}` (in {units}) so it must be in "
                        f"{needed} (stock units per time unit, {self.time}), but it is in {found}",
                    )

    def _check_control(self, variable: Variable) -> None:
        """Vensim's control variables (``TIME STEP``...) are in the model's time units."""
        units = self.declared.get(variable.key)
        if isinstance(units, Units) and isinstance(self.time, Units) and units != self.time:
            self.where = (variable.name, variable.equation)
            self._issue(
                self.time,
                units,
                f"`{variable.name}` sets the simulation's time, so it must be in the model's time units "
                f"({self.time}), but it is declared in {units}",
            )

    def _flow_units(self, flow: Variable) -> Found:
        """Declared units of a flow or, without them, the units its equation gives."""
        declared = self.declared.get(flow.key)
        if declared is not None or flow.element_equations or getattr(flow, "lookup", None) is not None:
            return declared
        saved, count = self.where, len(self.issues)
        try:
            self.where = (flow.name, flow.equation)
            found = self.units(parse(flow.equation, element=flow.name))
        except SysdynError:
            found = None
        finally:
            self.where = saved
            del self.issues[count:]  # already reported when the equation was checked
        return found

    # --------------------------------------------------------------- expressions
    def units(self, node: Node) -> Found:
        """Units of an expression; records issues found inside it."""
        if isinstance(node, Number):
            return ANY
        if isinstance(node, Subscript):
            return self.declared.get(node.name)
        if isinstance(node, Name):
            return self._name(node)
        if isinstance(node, UnaryOp):
            inner = self.units(node.operand)
            return DIMENSIONLESS if node.op == "not" else inner
        if isinstance(node, BinaryOp):
            return self._binary(node)
        if isinstance(node, IfThenElse):
            self.units(node.condition)
            return self._same((node.then, node.otherwise), "the THEN and ELSE branches of", node)
        if isinstance(node, Call):
            return self._call(node)
        return None  # Star outside a subscript: not reachable from the parser

    def _name(self, node: Name) -> Found:
        if node.name in self.variables:
            return self.declared.get(node.name)
        if node.name in _TIME_NAMES:
            return self.time
        if node.name == "pi" or node.name in self.dimensions:
            return DIMENSIONLESS
        return None

    def _binary(self, node: BinaryOp) -> Found:
        op = node.op
        if op in ("+", "-", "mod") or op in _COMPARISONS:
            what = {"+": "adds", "-": "subtracts", "mod": "takes MOD of"}.get(op, "compares")
            result = self._same((node.left, node.right), what, node)
            return DIMENSIONLESS if op in _COMPARISONS else result
        if op in ("and", "or"):
            self.units(node.left)
            self.units(node.right)
            return DIMENSIONLESS
        left, right = self.units(node.left), self.units(node.right)
        if op == "^":
            return self._power(node, left, right)
        if left is None or right is None:
            return None
        if left is ANY or right is ANY:
            if not self.strict_numbers or (left is ANY and right is ANY):
                return ANY
            left = DIMENSIONLESS if left is ANY else left
            right = DIMENSIONLESS if right is ANY else right
        assert isinstance(left, Units) and isinstance(right, Units)
        return left * right if op == "*" else left / right

    def _power(self, node: BinaryOp, base: Found, exponent: Found) -> Found:
        if isinstance(exponent, Units) and not exponent.is_dimensionless:
            self._issue(
                DIMENSIONLESS,
                exponent,
                f"the exponent of `{unparse(node)}` must be dimensionless (`{unparse(node.right)}` "
                f"is in {exponent})",
            )
        if base is None or (base is ANY and not self.strict_numbers):
            return base
        if base is ANY or (isinstance(base, Units) and base.is_dimensionless):
            return DIMENSIONLESS
        assert isinstance(base, Units)
        value = _constant(node.right)
        if value is None or not math.isfinite(value):
            return None  # a dimensional base to a variable power: units unknown
        power = Fraction(value).limit_denominator(1000)
        if not math.isclose(float(power), value, abs_tol=1e-9):
            return None
        return base**power

    def _same(self, nodes: Sequence[Node], what: str, where: Node) -> Found:
        """Units shared by ``nodes`` (a sum, a comparison, MIN...); an issue when they differ."""
        found = [self.units(n) for n in nodes]
        known = [(n, u) for n, u in zip(nodes, found, strict=True) if isinstance(u, Units)]
        for node, units in known[1:]:
            first_node, first = known[0]
            if units != first:
                if len(nodes) == 2 and isinstance(where, BinaryOp):
                    message = (
                        f"`{unparse(where)}` {what} {first} and {units}: both sides of "
                        f"`{where.op.upper() if where.op == 'mod' else where.op}` must have the same units"
                    )
                else:
                    message = (
                        f"{what} `{unparse(where)}` must have the same units, but "
                        f"`{unparse(first_node)}` is in {first} and `{unparse(node)}` in {units}"
                    )
                self._issue(first, units, message)
                return None  # stop here: one mismatch, one issue
        if known:
            return known[0][1]
        return None if any(u is None for u in found) else ANY

    def _expect(self, node: Node, needed: Found, role: str, call: Call) -> Found:
        """Units of ``node``, with an issue if they are known and not ``needed``."""
        found = self.units(node)
        if isinstance(found, Units) and isinstance(needed, Units) and found != needed:
            self._issue(
                needed,
                found,
                f"{role} of {_func_text(call)} must be in {needed} (`{unparse(node)}` is in {found})"
                if not needed.is_dimensionless
                else f"{role} of {_func_text(call)} must be dimensionless (`{unparse(node)}` is in {found})",
            )
        return found

    def _expect_time(self, node: Node, role: str, call: Call) -> None:
        self._expect(node, self.time, role, call)

    # ------------------------------------------------------------------ functions
    def _call(self, node: Call) -> Found:
        name = node.func.replace("_", " ")
        name = ALIASES.get(name, ALIASES.get(node.func, name))
        handler = self.handlers.get(name)
        if handler is not None:
            return handler(node)
        key = canonical(node.func)
        for arg in node.args:
            self.units(arg)
        if key in self.lookups:
            return self.declared_lookup(self.lookups[key])
        variable = self.variables.get(key)
        if variable is not None and getattr(variable, "lookup", None) is not None:
            return self.declared.get(key)  # a variable's table called as a function
        return None  # unknown behaviour: unchecked

    def declared_lookup(self, table: GraphicalFunction) -> Found:
        if table.key not in self.lookup_units:
            self.lookup_units[table.key] = self._read(table.units, table.name, "")
        return self.lookup_units[table.key]

    def _dimensionless_math(self, node: Call) -> Found:
        for i, arg in enumerate(node.args):
            self._expect(arg, DIMENSIONLESS, _ordinal(i, len(node.args)), node)
        return DIMENSIONLESS

    def _same_as_argument(self, node: Call) -> Found:
        found = [self.units(a) for a in node.args]
        return found[0] if found else None

    def _dimensionless_result(self, node: Call) -> Found:
        for arg in node.args:
            if not (isinstance(arg, Name) and arg.name in self.dimensions):
                self.units(arg)
        return DIMENSIONLESS

    def _sqrt(self, node: Call) -> Found:
        found = self._same_as_argument(node)
        if isinstance(found, Units):
            return found ** Fraction(1, 2)
        return found

    def _same_arguments(self, node: Call) -> Found:
        return self._same(node.args, "the arguments of", node)

    def _if_function(self, node: Call) -> Found:
        if len(node.args) != 3:
            return self._unchecked(node)
        self.units(node.args[0])
        return self._same(node.args[1:], "the THEN and ELSE branches of", node)

    def _safediv(self, node: Call) -> Found:
        if len(node.args) < 2:
            return self._unchecked(node)
        quotient = self._binary(BinaryOp("/", node.args[0], node.args[1]))
        if len(node.args) > 2:
            fallback = self.units(node.args[2])
            if isinstance(quotient, Units) and isinstance(fallback, Units) and quotient != fallback:
                self._issue(
                    quotient,
                    fallback,
                    f"the third argument of {_func_text(node)} is the value where the divisor is 0, so it "
                    f"must be in {quotient} like the quotient (`{unparse(node.args[2])}` is in {fallback})",
                )
                return None
            if quotient is None or quotient is ANY:
                return fallback if isinstance(fallback, Units) else quotient
        return quotient

    def _lookup_call(self, node: Call) -> Found:
        if len(node.args) != 2:
            return self._unchecked(node)
        self.units(node.args[1])
        table = node.args[0]
        if isinstance(table, Name) and table.name in self.lookups:
            return self.declared_lookup(self.lookups[table.name])
        if isinstance(table, Name) and table.name in self.variables:
            return self.declared.get(table.name)
        return None

    def _prod(self, node: Call) -> Found:
        found = self._same_as_argument(node)
        if found is ANY or (isinstance(found, Units) and found.is_dimensionless):
            return found
        return None

    def _step(self, node: Call) -> Found:
        if len(node.args) != 2:
            return self._unchecked(node)
        self._expect_time(node.args[1], "the start time (second argument)", node)
        return self.units(node.args[0])

    def _pulse(self, node: Call) -> Found:
        if not node.args:
            return None
        roles = ("the first pulse time (second", "the interval (third")
        for role, arg in zip(roles, node.args[1:3], strict=False):
            self._expect_time(arg, f"{role} argument)", node)
        volume = self.units(node.args[0])
        return _per_time(volume, self.time, self.strict_numbers)

    def _ramp(self, node: Call) -> Found:
        if not node.args:
            return None
        for role, arg in zip(("the start time (second", "the end time (third"), node.args[1:3], strict=False):
            self._expect_time(arg, f"{role} argument)", node)
        slope = self.units(node.args[0])
        if slope is None or self.time is None or (slope is ANY and not self.strict_numbers):
            return None if slope is None or self.time is None else ANY
        base = DIMENSIONLESS if slope is ANY else slope
        assert isinstance(base, Units) and isinstance(self.time, Units)
        return base * self.time

    def _smooth(self, node: Call) -> Found:
        if len(node.args) < 2:
            return self._unchecked(node)
        name = node.func.replace("_", " ")
        self._expect_time(node.args[1], "the delay time (second argument)", node)
        has_order = ALIASES.get(name, name) in ("SMTHN", "DELAYN")
        rest = node.args[2:]
        if has_order and rest:
            self._expect(rest[0], DIMENSIONLESS, "the order (third argument)", node)
            rest = rest[1:]
        if rest:
            return self._same((node.args[0], rest[0]), "the input and the initial value of", node)
        return self.units(node.args[0])

    def _trend(self, node: Call) -> Found:
        if len(node.args) < 2:
            return self._unchecked(node)
        self.units(node.args[0])
        self._expect_time(node.args[1], "the averaging time (second argument)", node)
        rate = DIMENSIONLESS / self.time if isinstance(self.time, Units) else None
        if len(node.args) > 2:
            self._expect(node.args[2], rate, "the initial trend (third argument)", node)
        return rate

    def _distribution(self, node: Call) -> Found:
        name = ALIASES.get(node.func.replace("_", " "), node.func.replace("_", " "))
        count = _DISTRIBUTIONS.get(name, 1)
        params, seeds = node.args[:count], node.args[count:]
        for seed in seeds:
            self.units(seed)
        if len(params) == 1:
            return self.units(params[0])
        return self._same(params, "the parameters of", node)

    def _network(self, node: Call) -> Found:
        if not node.args:
            return None
        return self.units(node.args[0])  # a second argument names the network

    def _unchecked(self, node: Call) -> Found:
        for arg in node.args:
            self.units(arg)
        return None


_ORDINALS = ("first", "second", "third", "fourth")


def _ordinal(index: int, count: int) -> str:
    return "the argument" if count == 1 else f"the {_ORDINALS[min(index, 3)]} argument"


def _func_text(node: Call) -> str:
    return (node.text or node.func).upper()


def _per_time(found: Found, time: Found, strict: bool) -> Found:
    if found is None or time is None:
        return None
    if found is ANY and not strict:
        return ANY
    base = DIMENSIONLESS if found is ANY else found
    assert isinstance(base, Units) and isinstance(time, Units)
    return base / time


def _constant(node: Node) -> float | None:
    """The value of a numbers-only expression (an exponent), or ``None``."""
    if isinstance(node, Number):
        return node.value
    if isinstance(node, UnaryOp) and node.op in "+-":
        inner = _constant(node.operand)
        return None if inner is None else (-inner if node.op == "-" else inner)
    if isinstance(node, BinaryOp) and node.op in ("+", "-", "*", "/"):
        left, right = _constant(node.left), _constant(node.right)
        if left is None or right is None:
            return None
        if node.op == "/":
            return None if right == 0 else left / right
        return {"+": left + right, "-": left - right, "*": left * right}[node.op]
    return None
