"""The inverse of the parser: an expression tree printed back as equation text.

:func:`unparse` writes as few parentheses as the precedence rules of
:mod:`sysdyn.equations.parser` allow, quotes names that are not plain
identifiers, and spells word operators in upper case, so that
``parse(unparse(tree)) == tree`` for every tree the parser makes.  It is
used to rewrite equations as trees (the XMILE reader turns a Vensim file's
``a MOD b`` into ``MODULO(a, b)``) without ever evaluating them.

Examples
--------
>>> from sysdyn.equations import parse
>>> unparse(parse("(a + b) * -c ^ 2 MOD \\"unit cost\\""))
'(a + b) * -c^2 MOD "unit cost"'
>>> unparse(parse("IF x THEN 1 ELSE y[Ann, *]"))
'IF x THEN 1 ELSE y[Ann, *]'
"""

from __future__ import annotations

import re

from .lexer import FORBIDDEN_WORDS, KEYWORDS
from .nodes import BinaryOp, Call, IfThenElse, Name, Node, Number, Star, Subscript, UnaryOp
from .parser import _BINARY_PRECEDENCE

__all__ = ["unparse"]

_RESERVED = KEYWORDS | {"and", "or", "not", "mod"} | FORBIDDEN_WORDS
_IDENTIFIER = re.compile(r"[A-Za-z$][A-Za-z0-9_$]*")
_OPERATOR_TEXT = {"mod": "MOD", "and": "AND", "or": "OR"}
#: Binding strength: IF 0, binary operators 1-6 (as the parser's table), unary 7, ^ 8, atoms 9.
_PRECEDENCE = {**_BINARY_PRECEDENCE, "^": 8}


def _name(text: str) -> str:
    if _IDENTIFIER.fullmatch(text) and text.lower() not in _RESERVED:
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _number(value: float) -> str:
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def _index(node: Node) -> str:
    if isinstance(node, Star):
        return "*" if node.dimension is None else "*:" + _name(node.dimension)
    if isinstance(node, Number):
        return str(int(node.value))
    assert isinstance(node, Name)
    return _name(node.text)


def _precedence(node: Node) -> int:
    if isinstance(node, IfThenElse):
        return 0
    if isinstance(node, BinaryOp):
        return _PRECEDENCE[node.op]
    if isinstance(node, UnaryOp):
        return 7
    return 9


def _exponent_safe(node: Node) -> bool:
    """An exponent printed without parentheses: ``^`` groups to the right and takes signs."""
    if isinstance(node, UnaryOp):
        return _exponent_safe(node.operand)
    return _precedence(node) >= 8


def unparse(node: Node) -> str:
    """Equation text for an expression tree (see the module docstring).

    Examples
    --------
    >>> from sysdyn.equations.nodes import BinaryOp, Call, Name
    >>> unparse(Call("MODULO", (BinaryOp("-", Name("a", "a"), Name("b", "b")), Name("c", "c")), "MODULO"))
    'MODULO(a - b, c)'
    """

    def wrap(child: Node, needed: bool) -> str:
        return f"({unparse(child)})" if needed else unparse(child)

    if isinstance(node, Number):
        return _number(node.value)
    if isinstance(node, Subscript):
        return _name(node.text) + "[" + ", ".join(_index(i) for i in node.indices) + "]"
    if isinstance(node, Name):
        return _name(node.text)
    if isinstance(node, Call):
        return _name(node.text or node.func) + "(" + ", ".join(unparse(a) for a in node.args) + ")"
    if isinstance(node, UnaryOp):
        sign = "NOT " if node.op == "not" else node.op
        return sign + wrap(node.operand, _precedence(node.operand) < 7)
    if isinstance(node, BinaryOp):
        p = _PRECEDENCE[node.op]
        if node.op == "^":
            left = wrap(node.left, _precedence(node.left) <= p)
            return f"{left}^{wrap(node.right, not _exponent_safe(node.right))}"
        left = wrap(node.left, _precedence(node.left) < p)
        right = wrap(node.right, _precedence(node.right) <= p)
        return f"{left} {_OPERATOR_TEXT.get(node.op, node.op)} {right}"
    if isinstance(node, IfThenElse):
        parts = (unparse(node.condition), unparse(node.then), unparse(node.otherwise))
        return "IF {} THEN {} ELSE {}".format(*parts)
    raise TypeError(f"cannot print {type(node).__name__}")  # pragma: no cover - the parser makes no other
