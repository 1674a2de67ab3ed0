"""The expression tree that equations are parsed into.

Every node is a frozen dataclass.  Names are stored in canonical form (see
:func:`sysdyn.names.canonical`) beside the text the user wrote, so the
compiler can resolve them and error messages can quote them.  Function
names are stored upper case.

Examples
--------
>>> from sysdyn.equations import parse
>>> parse("2 * x")
BinaryOp(op='*', left=Number(value=2.0), right=Name(name='x', text='x'))
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields, replace

__all__ = [
    "map_children",
    "Node",
    "Number",
    "Name",
    "Subscript",
    "Star",
    "UnaryOp",
    "BinaryOp",
    "Call",
    "IfThenElse",
    "walk",
    "names_in",
    "BINARY_OPERATORS",
    "UNARY_OPERATORS",
]

#: Binary operators of the language, in the spelling the tree uses.
BINARY_OPERATORS = frozenset({"+", "-", "*", "/", "^", "mod", "=", "<>", "<", "<=", ">", ">=", "and", "or"})
#: Unary operators of the language.
UNARY_OPERATORS = frozenset({"-", "+", "not"})


@dataclass(frozen=True)
class Node:
    """Base class of expression-tree nodes.

    Examples
    --------
    >>> from sysdyn.equations import parse
    >>> isinstance(parse("a + 1"), Node)
    True
    """

    def children(self) -> tuple[Node, ...]:
        """Return the direct child nodes, in order.

        Examples
        --------
        >>> from sysdyn.equations import parse
        >>> parse("a + 1").children()
        (Name(name='a', text='a'), Number(value=1.0))
        """
        out: list[Node] = []
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Node):
                out.append(value)
            elif isinstance(value, tuple):
                out.extend(v for v in value if isinstance(v, Node))
        return tuple(out)


@dataclass(frozen=True)
class Number(Node):
    """A numeric literal.

    Examples
    --------
    >>> from sysdyn.equations import parse
    >>> parse("3.5")
    Number(value=3.5)
    """

    value: float


@dataclass(frozen=True)
class Name(Node):
    """A reference to a variable, a dimension element or a zero-argument builtin.

    ``name`` is canonical (lower case, single spaces); ``text`` is as written.

    Examples
    --------
    >>> from sysdyn.equations import parse
    >>> parse("Birth_Rate")
    Name(name='birth rate', text='Birth_Rate')
    """

    name: str
    text: str


@dataclass(frozen=True)
class Star(Node):
    """The ``*`` wildcard inside a subscript (``x[*]``), optionally ``*:dim``.

    Examples
    --------
    >>> from sysdyn.equations import parse
    >>> parse("x[*:d]").indices
    (Star(dimension='d'),)
    """

    dimension: str | None = None


@dataclass(frozen=True)
class Subscript(Node):
    """A subscripted reference ``x[i, j]``.

    Each index is a :class:`Name` (a dimension or an element name), a
    :class:`Number` (a 1-based element position) or a :class:`Star`.

    Examples
    --------
    >>> from sysdyn.equations import parse
    >>> parse("x[i, *]")
    Subscript(name='x', text='x', indices=(Name(name='i', text='i'), Star(dimension=None)))
    """

    name: str
    text: str
    indices: tuple[Node, ...]


@dataclass(frozen=True)
class UnaryOp(Node):
    """A unary operation: ``-x``, ``+x`` or ``NOT x`` (op ``'not'``).

    Examples
    --------
    >>> from sysdyn.equations import parse
    >>> parse("NOT a")
    UnaryOp(op='not', operand=Name(name='a', text='a'))
    """

    op: str
    operand: Node


@dataclass(frozen=True)
class BinaryOp(Node):
    """A binary operation; ``op`` is one of :data:`BINARY_OPERATORS`.

    Examples
    --------
    >>> from sysdyn.equations import parse
    >>> parse("a ^ 2")
    BinaryOp(op='^', left=Name(name='a', text='a'), right=Number(value=2.0))
    """

    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Call(Node):
    """A function call; ``func`` is the upper-case canonical function name.

    A call of a graphical function (lookup) defined in the model has the
    lookup's name here; the compiler tells the two apart.

    Examples
    --------
    >>> from sysdyn.equations import parse
    >>> parse("max(a, 1)")
    Call(func='MAX', args=(Name(name='a', text='a'), Number(value=1.0)), text='max')
    """

    func: str
    args: tuple[Node, ...]
    text: str = ""


@dataclass(frozen=True)
class IfThenElse(Node):
    """``IF cond THEN a ELSE b``.

    Examples
    --------
    >>> from sysdyn.equations import parse
    >>> parse("IF t > 5 THEN 1 ELSE 0")
    IfThenElse(condition=BinaryOp(op='>', left=Name(name='t', text='t'), right=Number(value=5.0)),
               then=Number(value=1.0), otherwise=Number(value=0.0))
    """

    condition: Node
    then: Node
    otherwise: Node


def map_children(node: Node, fn: Callable[[Node], Node]) -> Node:
    """``node`` with ``fn`` applied to each direct child (the same object if ``fn`` changed none).

    The one way the tree is rebuilt bottom-up: rewriters recurse by passing
    themselves as ``fn``, then look at the rebuilt node.

    Examples
    --------
    >>> from sysdyn.equations import parse
    >>> double = lambda n: Number(2 * n.value) if isinstance(n, Number) else map_children(n, double)
    >>> double(parse("MAX(a, 1) + 3")).right
    Number(value=6.0)
    >>> double(parse("MAX(a, 1) + 3")).left.args[1]
    Number(value=2.0)
    >>> tree = parse("a + b"); map_children(tree, lambda n: n) is tree
    True
    """
    changes: dict[str, object] = {}
    for f in fields(node):
        value = getattr(node, f.name)
        if isinstance(value, Node):
            new = fn(value)
            if new is not value:
                changes[f.name] = new
        elif isinstance(value, tuple) and any(isinstance(v, Node) for v in value):
            items = tuple(fn(v) if isinstance(v, Node) else v for v in value)
            if any(a is not b for a, b in zip(items, value, strict=True)):
                changes[f.name] = items
    return replace(node, **changes) if changes else node


def walk(node: Node) -> Iterator[Node]:
    """Yield ``node`` and all its descendants, depth first.

    Examples
    --------
    >>> from sysdyn.equations import parse
    >>> [type(n).__name__ for n in walk(parse("a + 1"))]
    ['BinaryOp', 'Name', 'Number']
    """
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.children()))


def names_in(node: Node) -> set[str]:
    """Return the canonical names referenced by ``node`` (variables and subscripted variables).

    Subscript indices are not included: they are dimensions or elements.

    Examples
    --------
    >>> from sysdyn.equations import parse
    >>> sorted(names_in(parse("a * b[d1] + MAX(c, 1)")))
    ['a', 'b', 'c']
    """
    found: set[str] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, Name):
            found.add(current.name)
        elif isinstance(current, Subscript):
            found.add(current.name)
            continue  # indices are dimensions/elements
        stack.extend(current.children())
    return found
