"""Spell equations with the functions and operators Stella knows, for :func:`~sysdyn.xmile.write_xmile`.

sysdyn's equation language accepts more than XMILE: Vensim's names
(``INTEGER``, ``MODULO``, ``SMOOTH``, ``ZIDZ``...), a few functions of its own
(``LOG(x, base)``, ``SIGN``, ``UNIFORM``, a third argument of ``RAMP``) and
C-style operators (``==``, ``!=``, ``&&``, ``||``, ``%``, ``!``).  A file
written for Stella may only use names from the XMILE 1.0 function list
(section 3.5) and Stella's own builtins, so :func:`stella_equation` rewrites
the others, as expression trees, into equivalents with the same value:

=====================================  ======================================================
sysdyn                                 written as
=====================================  ======================================================
``SMOOTH``, ``SMOOTH3``, ``SMOOTHN``   ``SMTH1``, ``SMTH3``, ``SMTHN``
``DELAY FIXED``                        ``DELAY``
``ARCSINE`` ... ``ZIDZ``, ``INITIAL``  ``ARCSIN`` ... ``SAFEDIV``, ``INIT``
``UNIFORM(a, b)``                      ``RANDOM(a, b)``
``INTEGER(x)`` (toward zero)           ``IF x < 0 THEN -INT(-x) ELSE INT(x)``
``MODULO(a, b)`` (sign of ``a``)       ``IF a < 0 THEN -((-a) MOD ABS(b)) ELSE a MOD ABS(b)``
``LOG(x)``, ``LOG(x, b)``              ``LOG10(x)``, ``LN(x) / LN(b)``
``SIGN(x)``                            ``IF x > 0 THEN 1 ELSE IF x < 0 THEN -1 ELSE 0``
``RAMP(s, a, e)``                      ``IF TIME <= a THEN 0 ELSE s * (MIN(TIME, e) - a)``
``IF_THEN_ELSE(c, a, b)``              ``IF c THEN a ELSE b``
``==  !=  &&  ||  %  !``               ``=  <>  AND  OR  MOD  NOT``
=====================================  ======================================================

XMILE's ``INT`` is the floor and its ``MOD`` the floored modulus (section
3.3.1), so Vensim's truncating ``INTEGER`` and ``MODULO`` cannot simply be
renamed; the rewrites above give the same numbers (the floating-point
operations are exact).  An equation that needs none of this is written
exactly as it is, comments included.  The network operators
(``NEIGHBOR_SUM``...) have no XMILE function: :func:`stella_equation` refuses
them with an :class:`~sysdyn.xmile.safety.XmileError`, and the writer first
turns a network into arrays with an adjacency matrix
(:mod:`sysdyn.xmile.network_export`).

Examples
--------
>>> stella_equation("INTEGER(x / 2) + MODULO(Stock, 3)")
'(IF x / 2 < 0 THEN -INT(-(x / 2)) ELSE INT(x / 2)) + (IF Stock < 0 THEN -(-Stock MOD ABS(3)) \
ELSE Stock MOD ABS(3))'
>>> stella_equation("SMOOTH(input, 3) {kept as written when nothing changes}")
'SMTH1(input, 3)'
>>> stella_equation("SMTH1(input, 3) {kept}")
'SMTH1(input, 3) {kept}'
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import pairwise

from ..compiler.functions import ALIASES, BUILTINS
from ..equations import IF_THEN_ELSE_FUNCTION, parse
from ..equations.lexer import tokenize
from ..equations.nodes import (
    BinaryOp,
    Call,
    IfThenElse,
    Name,
    Node,
    Number,
    Subscript,
    UnaryOp,
    map_children,
    walk,
)
from ..equations.printer import unparse
from ..errors import SysdynError
from ..names import canonical
from .modules import quote_qualified
from .safety import XmileError

__all__ = ["stella_equation", "STELLA_FUNCTIONS", "REWRITTEN_FUNCTIONS"]

#: Functions written as they are: XMILE 1.0 builtins (section 3.5 and the array functions of 3.7.1)
#: and the Stella builtins sysdyn shares (ROUND, PROD, TRIANGULAR).
STELLA_FUNCTIONS = frozenset(
    {
        "ABS", "ARCCOS", "ARCSIN", "ARCTAN", "COS", "EXP", "INT", "LN", "LOG10", "MAX", "MIN", "SIN",
        "SQRT", "TAN", "ROUND", "SAFEDIV", "LOOKUP", "SUM", "MEAN", "STDDEV", "PROD", "SIZE",
        "STEP", "PULSE", "RAMP", "SMTH1", "SMTH3", "SMTHN", "DELAY1", "DELAY3", "DELAYN", "TREND",
        "DELAY", "INIT", "RANDOM", "NORMAL", "LOGNORMAL", "EXPRND", "POISSON", "TRIANGULAR",
    }
)  # fmt: skip

#: sysdyn functions (and alternative spellings) that are written as something else; see the module docstring.
REWRITTEN_FUNCTIONS = frozenset({"INTEGER", "MODULO", "LOG", "SIGN", "UNIFORM", "IF THEN ELSE", *ALIASES})

#: Operator spellings of sysdyn that XMILE does not have.
_FOREIGN_OPERATORS = frozenset({"==", "!=", "&&", "||", "%", "!"})


def _scan(text: str) -> tuple[bool, bool]:
    """Whether ``text`` uses an operator spelling Stella does not know, and whether it calls a function."""
    try:
        tokens = tokenize(text)
    except SysdynError:  # written as it is; the reader reports it with the variable's name
        return False, False
    foreign = any(t.kind == "op" and t.text in _FOREIGN_OPERATORS for t in tokens)
    called = [canonical(str(t.value)) for t, n in pairwise(tokens) if t.kind == "name" and n.kind == "("]
    # the function form of IF parses to the same tree as the statement, so it is caught by name
    return foreign or IF_THEN_ELSE_FUNCTION.lower() in called, bool(called)


def _call(func: str, *args: Node) -> Call:
    return Call(func, args, func)


def _negative(node: Node) -> Node:
    return UnaryOp("-", node)


def _rewrite_call(node: Call, element: str | None) -> Node:
    func = ALIASES.get(node.func, node.func)
    args = node.args
    if func == "INTEGER":
        (x,) = args
        return IfThenElse(
            BinaryOp("<", x, Number(0.0)), _negative(_call("INT", _negative(x))), _call("INT", x)
        )
    if func == "MODULO":
        a, b = args
        divisor = _call("ABS", b)
        return IfThenElse(
            BinaryOp("<", a, Number(0.0)),
            _negative(BinaryOp("mod", _negative(a), divisor)),
            BinaryOp("mod", a, divisor),
        )
    if func == "LOG":
        if len(args) == 1:
            return _call("LOG10", args[0])
        return BinaryOp("/", _call("LN", args[0]), _call("LN", args[1]))
    if func == "SIGN":
        (x,) = args
        return IfThenElse(
            BinaryOp(">", x, Number(0.0)),
            Number(1.0),
            IfThenElse(BinaryOp("<", x, Number(0.0)), _negative(Number(1.0)), Number(0.0)),
        )
    if func == "UNIFORM":
        return Call("RANDOM", args, "RANDOM")
    if func == "RAMP" and len(args) == 3:
        slope, start, end = args
        time = Name("time", "TIME")
        return IfThenElse(
            BinaryOp("<=", time, start),
            Number(0.0),
            BinaryOp("*", slope, BinaryOp("-", _call("MIN", time, end), start)),
        )
    spec = BUILTINS.get(func)
    if spec is not None and func not in STELLA_FUNCTIONS:
        raise XmileError(
            f"`{node.text or node.func}` has no XMILE equivalent, so the model cannot be written for Stella",
            element=element,
        )
    if func != node.func:  # an alternative spelling: the XMILE name
        return Call(func, args, func)
    return node


def _rewrite(node: Node, element: str | None) -> Node:
    node = map_children(node, lambda child: _rewrite(child, element))
    if isinstance(node, Call):
        return _rewrite_call(node, element)
    return node


def stella_equation(text: str, *, element: str | None = None, modules: Iterable[str] = ()) -> str:
    """Return ``text`` spelled with the functions and operators Stella knows.

    Parameters
    ----------
    text : str
        An equation in sysdyn's language.
    element : str, optional
        The variable it belongs to, named in errors.
    modules : iterable of str
        Names of the module instances of the model the equation is in: their
        variables may be named ``module.variable`` in it, and stay so.

    Returns
    -------
    str
        ``text`` itself when it only uses XMILE and Stella spellings (or does
        not parse: the reader reports that); otherwise the rewritten tree
        printed back (see the module docstring).

    Raises
    ------
    XmileError
        The equation calls a function XMILE cannot express (a network operator).

    Examples
    --------
    >>> stella_equation("IF_THEN_ELSE(a == 1 && !b, LOG(x, 2), ZIDZ(x, y))")
    'IF a = 1 AND NOT b THEN LN(x) / LN(2) ELSE SAFEDIV(x, y)'
    >>> stella_equation("RAMP(2, 3, 6)")
    'IF TIME <= 3 THEN 0 ELSE 2 * (MIN(TIME, 6) - 3)'
    >>> stella_equation("INTEGER(hares.density)", modules=["hares"])
    'IF hares.density < 0 THEN -INT(-hares.density) ELSE INT(hares.density)'
    """
    modules = list(modules)
    quoted = quote_qualified(text, modules)
    foreign, calls = _scan(quoted)
    if not (foreign or calls):
        return text
    try:
        tree = parse(quoted)
    except SysdynError:
        return text
    rewritten = _rewrite(tree, element)
    if rewritten == tree and not foreign:
        return text
    out = unparse(rewritten)
    heads = {canonical(m) for m in modules}
    for node in walk(rewritten):  # qualified names are written as they were, unquoted
        if isinstance(node, (Name, Subscript)) and canonical(node.text.split(".", 1)[0]) in heads:
            out = out.replace(f'"{node.text}"', node.text)
    return out
