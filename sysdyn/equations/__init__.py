"""Equations: the expression language of sysdyn models.

:func:`parse` turns equation text (XMILE 1.0 / Stella syntax) into an
immutable expression tree made of the node classes re-exported here;
:func:`walk` and :func:`names_in` inspect a tree.

Examples
--------
>>> from sysdyn.equations import parse, names_in
>>> tree = parse("Births - Deaths * (1 + \\"crowding effect\\"(Population))")
>>> sorted(names_in(tree))
['births', 'deaths', 'population']
"""

from __future__ import annotations

from sysdyn.equations.nodes import (
    BINARY_OPERATORS,
    UNARY_OPERATORS,
    BinaryOp,
    Call,
    IfThenElse,
    Name,
    Node,
    Number,
    Star,
    Subscript,
    UnaryOp,
    names_in,
    walk,
)
from sysdyn.equations.parser import IF_THEN_ELSE_FUNCTION, MAX_DEPTH, MAX_LENGTH, parse

__all__ = [
    "parse",
    "Node",
    "Number",
    "Name",
    "Star",
    "Subscript",
    "UnaryOp",
    "BinaryOp",
    "Call",
    "IfThenElse",
    "walk",
    "names_in",
    "BINARY_OPERATORS",
    "UNARY_OPERATORS",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "IF_THEN_ELSE_FUNCTION",
]
