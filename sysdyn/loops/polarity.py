"""The polarity of a link in a stock-and-flow model, read from its equation.

The polarity of ``x -> z`` is the sign of the partial derivative of ``z``'s
equation with respect to ``x``.  :func:`symbolic_polarity` works it out from
the expression tree where it is determinate: sums and differences, products
and quotients whose other factor has a known sign, powers, monotone
functions (``EXP``, ``LN``, ``SQRT``...), ``MIN``/``MAX``, graphical
functions that are monotone over their points, smooths and delays (which pass
their input's sign on), and ``IF THEN ELSE`` with a condition that does not
depend on ``x``.  Where it is not, :func:`numeric_polarity` evaluates the
equation along a run with ``x`` nudged up and down (central finite
differences) and reports ``"?"`` (unknown) when the sign changes during the run.

Signs are ``+1``, ``-1``, ``0`` (no effect) or ``None`` (not determinate).
The sign of a *value* is ``+1`` for "never negative", ``-1`` for "never
positive" and ``0`` for "always zero".

Examples
--------
>>> from sysdyn.equations import parse
>>> symbolic_polarity(parse("births - deaths"), "deaths")
-1
>>> symbolic_polarity(parse("r * P * (1 - P / K)"), "k", {"r": 1, "p": 1})
1
>>> symbolic_polarity(parse("r * P * (1 - P / K)"), "p", {"r": 1, "k": 1}) is None
True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import numpy as np

from ..compiler.functions import ALIASES
from ..equations.nodes import BinaryOp, Call, IfThenElse, Name, Node, Number, Subscript, UnaryOp, names_in
from ..ir import GraphicalFunction
from ..names import canonical
from .evaluate import Evaluator, NotEvaluableError

__all__ = [
    "symbolic_polarity",
    "numeric_polarity",
    "value_sign",
    "table_direction",
    "references",
    "SIGN_TEXT",
]

Sign = int | None
#: Text form of a sign.
SIGN_TEXT = {1: "+", -1: "-", 0: "0", None: "?"}

_INCREASING = {"EXP", "LN", "LOG10", "SQRT", "ARCTAN", "ARCSIN", "INT", "ROUND"}
_PASS_INPUT = {"SMTH1", "SMTH3", "SMTHN", "DELAY1", "DELAY3", "DELAYN", "DELAY"}
_NONNEGATIVE = {"EXP", "SQRT", "ABS"}


def _combine(signs: list[Sign]) -> Sign:
    """Sign of a sum of terms of the given signs."""
    live = [s for s in signs if s != 0]
    if not live:
        return 0
    if any(s is None for s in live):
        return None
    return live[0] if all(s == live[0] for s in live) else None


def _mul(a: Sign, b: Sign) -> Sign:
    if a == 0 or b == 0:
        return 0
    if a is None or b is None:
        return None
    return a * b


def _neg(a: Sign) -> Sign:
    return None if a is None else -a


def table_direction(table: GraphicalFunction) -> Sign:
    """+1 if a graphical function never falls, -1 if it never rises, 0 if flat, None otherwise.

    Examples
    --------
    >>> table_direction(GraphicalFunction("g", (0.0, 1.0, 2.0), (1.0, 0.5, 0.5)))
    -1
    """
    dy = np.diff(np.asarray(table.y, dtype=float))
    if np.all(dy == 0):
        return 0
    if np.all(dy >= 0):
        return 1
    if np.all(dy <= 0):
        return -1
    return None


def _table_sign(table: GraphicalFunction) -> Sign:
    y = np.asarray(table.y, dtype=float)
    if np.all(y == 0):
        return 0
    if np.all(y >= 0):
        return 1
    if np.all(y <= 0):
        return -1
    return None


def _func(node: Call) -> str:
    return ALIASES.get(node.func, node.func)


def _table_of(node: Call, tables: Mapping[str, GraphicalFunction]) -> tuple[GraphicalFunction, Node] | None:
    key = canonical(node.func)
    if key in tables and _func(node) != "LOOKUP" and node.args:
        return tables[key], node.args[0]
    if _func(node) == "LOOKUP" and len(node.args) == 2 and getattr(node.args[0], "name", None) in tables:
        return tables[node.args[0].name], node.args[1]  # type: ignore[union-attr]
    return None


def value_sign(
    node: Node, signs: Mapping[str, int] | None = None, tables: Mapping[str, GraphicalFunction] | None = None
) -> Sign:
    """The sign of an expression's value, from the known signs of the names in it.

    Examples
    --------
    >>> from sysdyn.equations import parse
    >>> value_sign(parse("a * EXP(b) / 2"), {"a": -1})
    -1
    """
    signs = signs or {}
    tables = tables or {}
    vs = lambda n: value_sign(n, signs, tables)  # noqa: E731
    if isinstance(node, Number):
        return 0 if node.value == 0 else (1 if node.value > 0 else -1)
    if isinstance(node, Name):
        return signs.get(node.name, 1 if node.name in ("time", "dt", "pi") else None)
    if isinstance(node, UnaryOp):
        return _neg(vs(node.operand)) if node.op == "-" else (vs(node.operand) if node.op == "+" else 1)
    if isinstance(node, BinaryOp):
        a, b = vs(node.left), vs(node.right)
        if node.op == "+":
            return _combine([a, b])
        if node.op == "-":
            return _combine([a, _neg(b)])
        if node.op == "*":
            return _mul(a, b)
        if node.op == "/":
            return None if b == 0 else _mul(a, b)
        if node.op == "^":
            if a == 1:
                return 1
            right = node.right
            if isinstance(right, Number) and right.value % 2 == 0:
                return 1
            return None
        return 1 if node.op in ("=", "<>", "<", "<=", ">", ">=", "and", "or") else None
    if isinstance(node, IfThenElse):
        return _combine([vs(node.then), vs(node.otherwise)]) if vs(node.then) == vs(node.otherwise) else None
    if isinstance(node, Call):
        found = _table_of(node, tables)
        if found is not None:
            return _table_sign(found[0])
        func = _func(node)
        if func in _NONNEGATIVE:
            return 1
        if func in ("MIN", "MAX"):
            args = [vs(a) for a in node.args]
            if all(s == args[0] for s in args):
                return args[0]
            if func == "MAX" and 1 in args:
                return 1
            if func == "MIN" and -1 in args:
                return -1
            return None
        if func in _PASS_INPUT:
            args = [vs(node.args[0])] + (
                [vs(node.args[-1])] if len(node.args) > (3 if func.endswith("N") else 2) else []
            )
            return args[0] if all(s == args[0] for s in args) else None
        if func == "IF THEN ELSE" and len(node.args) == 3:
            return vs(IfThenElse(*node.args))
    return None


def _mono(node: Node, x: str, signs: Mapping[str, int], tables: Mapping[str, GraphicalFunction]) -> Sign:
    if x not in names_in(node):
        return 0
    m = lambda n: _mono(n, x, signs, tables)  # noqa: E731
    vs = lambda n: value_sign(n, signs, tables)  # noqa: E731
    if isinstance(node, Name):
        return 1 if node.name == x else 0
    if isinstance(node, Subscript):
        return 1 if node.name == x else 0
    if isinstance(node, UnaryOp):
        return _neg(m(node.operand)) if node.op == "-" else (m(node.operand) if node.op == "+" else None)
    if isinstance(node, BinaryOp):
        a, b = node.left, node.right
        if node.op == "+":
            return _combine([m(a), m(b)])
        if node.op == "-":
            return _combine([m(a), _neg(m(b))])
        if node.op == "*":
            return _combine([_mul(m(a), vs(b)), _mul(vs(a), m(b))])
        if node.op == "/":
            sb = vs(b)
            if sb == 0:
                return None
            return _combine([_mul(m(a), sb), _mul(_neg(m(b)), vs(a))])
        if node.op == "^":
            return _power(node, m(a), m(b), vs(a))
        return None  # comparisons and logic: steps, not slopes
    if isinstance(node, IfThenElse):
        if m(node.condition) != 0:
            return None
        return _combine([m(node.then), m(node.otherwise)])
    if isinstance(node, Call):
        return _call_mono(node, m, vs, tables)
    return None


def _power(node: BinaryOp, ma: Sign, mb: Sign, sa: Sign) -> Sign:
    if mb == 0:
        if not isinstance(node.right, Number):
            return None
        n = node.right.value
        if n == 0:
            return 0
        sn = 1 if n > 0 else -1
        if sa == 1:
            return _mul(ma, sn)
        if float(n).is_integer():
            return _mul(ma, sn) if int(n) % 2 == 1 else _mul(_mul(ma, sa), sn)
        return None
    if ma == 0 and isinstance(node.left, Number) and node.left.value > 0:
        base = node.left.value
        return _mul(mb, 0 if base == 1 else (1 if math.log(base) > 0 else -1))
    return None


def _call_mono(node: Call, m: Callable, vs: Callable, tables: Mapping[str, GraphicalFunction]) -> Sign:
    found = _table_of(node, tables)
    if found is not None:
        table, arg = found
        return _mul(table_direction(table), m(arg))
    func = _func(node)
    args = node.args
    rest = lambda lo: _combine([None if m(a) != 0 else 0 for a in args[lo:]])  # noqa: E731
    if func in _INCREASING or (func == "LOG" and len(args) == 1):
        return m(args[0])
    if func == "LOG":
        base = args[1]
        return m(args[0]) if isinstance(base, Number) and base.value > 1 and m(base) == 0 else None
    if func == "ARCCOS":
        return _neg(m(args[0]))
    if func == "ABS":
        return _mul(m(args[0]), vs(args[0]))
    if func in ("MIN", "MAX"):
        return _combine([m(a) for a in args])
    if func == "SAFEDIV":
        sb = vs(args[1])
        if sb is None or sb == 0:
            by_divisor = 0 if m(args[1]) == 0 else None
        else:
            by_divisor = _mul(_neg(m(args[1])), vs(args[0]))
        terms = [_mul(m(args[0]), sb), by_divisor]
        if len(args) == 3:
            terms.append(m(args[2]))
        return _combine(terms)
    if func == "IF THEN ELSE" and len(args) == 3:
        if m(args[0]) != 0:
            return None
        return _combine([m(args[1]), m(args[2])])
    if func in _PASS_INPUT:
        return _combine([m(args[0]), rest(1)])
    if func == "INIT":
        return 0
    if func in ("STEP", "PULSE", "RAMP"):
        return _combine([m(args[0]), rest(1)])
    if func == "NORMAL":
        return _combine([m(args[0]), rest(1)])
    if func in ("RANDOM", "UNIFORM"):
        return _combine([m(args[0]), m(args[1]), rest(2)])
    return None


def symbolic_polarity(
    tree: Node,
    name: str,
    signs: Mapping[str, int] | None = None,
    tables: Mapping[str, GraphicalFunction] | None = None,
    lookup: GraphicalFunction | None = None,
) -> Sign:
    """The sign of d(tree)/d(name) where it is determinate from the tree, else None.

    Parameters
    ----------
    tree : Node
        The equation of the dependent variable.
    name : str
        The input (any spelling).
    signs : mapping of str to int, optional
        Known value signs of other names (canonical keys): ``+1`` never negative,
        ``-1`` never positive, ``0`` always zero.
    tables : mapping of str to GraphicalFunction, optional
        Graphical functions the equation may call by name.
    lookup : GraphicalFunction, optional
        The variable's own graphical function, applied to the equation's value.

    Examples
    --------
    >>> from sysdyn.equations import parse
    >>> symbolic_polarity(parse("Staff * productivity"), "staff", {"productivity": 1})
    1
    >>> symbolic_polarity(parse("gap / adjustment_time"), "adjustment time", {"gap": -1})
    1
    >>> symbolic_polarity(parse("IF x > 1 THEN 1 ELSE 0"), "x") is None
    True
    """
    x = canonical(name)
    sign = _mono(tree, x, signs or {}, tables or {})
    if lookup is not None:
        sign = _mul(table_direction(lookup), sign)
    return sign


def references(tree: Node) -> dict[str, bool]:
    """Names an equation depends on at run time, each with whether the dependence is delayed.

    A name used only inside a smooth or delay (``SMTH1``, ``DELAY3``...) is
    delayed; one used only inside ``INIT`` is no run-time dependence at all.

    Examples
    --------
    >>> from sysdyn.equations import parse
    >>> references(parse("SMTH1(x, t) + y * INIT(z)"))
    {'x': True, 't': True, 'y': False}
    """
    found: dict[str, bool] = {}

    def visit(node: Node, delayed: bool) -> None:
        if isinstance(node, Name | Subscript):
            found[node.name] = found.get(node.name, True) and delayed
            return
        if isinstance(node, Call):
            func = _func(node)
            if func == "INIT":
                return
            if func in _PASS_INPUT or func == "TREND":
                for arg in node.args:
                    visit(arg, True)
                return
        for child in node.children():
            visit(child, delayed)

    visit(tree, False)
    return found


def numeric_polarity(
    tree: Node,
    name: str,
    env: Mapping[str, np.ndarray],
    evaluator: Evaluator,
    lookup: GraphicalFunction | None = None,
    *,
    rel_step: float = 1e-6,
) -> str:
    """The sign of d(tree)/d(name) along a run: central differences of the equation at every saved time.

    Returns ``"+"`` or ``"-"`` when the sign never changes (points where the
    derivative is zero are skipped), ``"?"`` when it changes or cannot be
    computed, and ``"0"`` when the input has no effect anywhere on the run.

    Examples
    --------
    >>> import numpy as np
    >>> from sysdyn.equations import parse
    >>> P = np.linspace(10.0, 90.0, 9)
    >>> env = {"p": P, "r": np.full(9, 0.1), "k": np.full(9, 100.0)}
    >>> numeric_polarity(parse("r * P * (1 - P / K)"), "P", env, Evaluator())
    '?'
    >>> numeric_polarity(parse("r * P * (1 - P / K)"), "P", {**env, "p": P / 4}, Evaluator())
    '+'
    """
    key = canonical(name)
    if key not in env:
        return "?"
    x = np.asarray(env[key], dtype=float)
    scale = float(np.nanmean(np.abs(x))) if x.size else 0.0
    h = rel_step * (np.abs(x) + scale) + 1e-12
    try:
        up = evaluator.evaluate(tree, {**env, key: x + h})
        down = evaluator.evaluate(tree, {**env, key: x - h})
        if lookup is not None:
            up, down = evaluator.lookup(lookup, up), evaluator.lookup(lookup, down)
    except NotEvaluableError:
        return "?"
    diff = np.broadcast_to(up - down, x.shape)
    level = np.abs(up) + np.abs(down)
    tol = 1e-9 * (np.broadcast_to(level, x.shape) + 1e-12)
    finite = np.isfinite(diff)
    pos = bool(np.any(finite & (diff > tol)))
    neg = bool(np.any(finite & (diff < -tol)))
    if not np.all(finite):
        return "?"
    if pos and neg:
        return "?"
    if pos:
        return "+"
    if neg:
        return "-"
    return "0"
