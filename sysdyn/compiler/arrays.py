"""Arrays: resolve subscripts into explicit, labelled array operations.

The parser's tree says ``x[team, Ann]`` or ``SUM(x[*])``; the code
generator needs to know which axis of ``x`` is which, which are selected,
which are summed over, and how each lines up with the variable being
defined.  :class:`ArrayResolver` rewrites every reference to an arrayed
variable into an :class:`ArrayRef` whose indices are either an element
position (selected away) or an axis *label*: the canonical name of a
dimension of the variable being defined, or ``"*" + dimension`` for an axis
that a reduction (``SUM``, ``MEAN``...) removes.  Reductions become
:class:`Reduce` nodes that list the labels they remove, per-element
equations become one :class:`Assemble` node, and a dimension name used as a
value (``team`` in ``Knowledge[team] = team * 2``) becomes a
:class:`DimIndex`.

The rules are XMILE's: inside an apply-to-all equation, a reference to an
arrayed variable without subscripts means "the same elements"; its
dimensions must all belong to the variable being defined, unless the
reference sits inside a reduction (then the other dimensions are reduced):
in a scalar ``y``, ``MIN(x[team])``, ``MIN(x)`` and ``MIN(x[*])`` are all the
smallest element of ``x``, and ``MAX(x, 0)`` is the largest of the elements
and 0 (XMILE 1.0 section 3.7.1.3, "Array Built-in Functions").

Examples
--------
>>> from sysdyn.equations import parse
>>> from sysdyn.ir import Dimension
>>> team = Dimension("team", ("Ann", "Bo"))
>>> r = ArrayResolver({"team": team}, {"k": ("team",)}, host="y", text="SUM(k[*])")
>>> r.resolve(parse("SUM(k[*])"), ())
Reduce(func='SUM', arg=ArrayRef(name='k', text='k', indices=('*team',)), labels=('*team',))
"""

from __future__ import annotations

from dataclasses import dataclass

from ..equations.nodes import BinaryOp, Call, IfThenElse, Name, Node, Number, Star, Subscript, UnaryOp
from ..errors import DimensionError
from ..ir import Dimension
from ..names import canonical, closest
from .functions import ALIASES, BUILTINS

__all__ = ["ArrayRef", "Reduce", "Assemble", "DimIndex", "ArrayResolver", "labels_of", "REDUCTIONS"]

#: Reductions over the elements of an array (``MIN``/``MAX`` only with one argument).
REDUCTIONS = frozenset({"SUM", "MEAN", "STDDEV", "PROD", "SIZE", "MIN", "MAX"})


@dataclass(frozen=True)
class ArrayRef(Name):
    """A reference to an arrayed variable, one index per dimension of the variable.

    Each index is an ``int`` (0-based element position: the axis is
    selected away) or a ``str`` label (the axis is kept and lines up with
    the dimension of that label).

    Examples
    --------
    >>> from sysdyn.equations import parse
    >>> from sysdyn.ir import Dimension
    >>> r = ArrayResolver({"team": Dimension("team", ("Ann", "Bo"))}, {"k": ("team",)}, "y", "k[Bo]")
    >>> r.resolve(parse("k[Bo]"), ())
    ArrayRef(name='k', text='k', indices=(1,))
    >>> r.resolve(parse("k"), ("team",))
    ArrayRef(name='k', text='k', indices=('team',))
    """

    indices: tuple[int | str, ...] = ()


@dataclass(frozen=True)
class Reduce(Node):
    """A reduction (``SUM``, ``MEAN``, ``STDDEV``, ``PROD``, ``MIN``, ``MAX``) over ``labels``.

    Examples
    --------
    >>> from sysdyn.equations import parse
    >>> from sysdyn.ir import Dimension
    >>> r = ArrayResolver({"team": Dimension("team", ("Ann", "Bo"))}, {"k": ("team",)}, "y", "MEAN(k)")
    >>> r.resolve(parse("MEAN(k)"), ())
    Reduce(func='MEAN', arg=ArrayRef(name='k', text='k', indices=('*team',)), labels=('*team',))
    """

    func: str
    arg: Node
    labels: tuple[str, ...]


@dataclass(frozen=True)
class Assemble(Node):
    """An arrayed value made of one scalar expression per element (row-major order).

    Examples
    --------
    >>> a = Assemble((2,), (Number(1.0), Number(2.0)), ("team",))
    >>> a.shape, labels_of(a)
    ((2,), ('team',))
    """

    shape: tuple[int, ...]
    elements: tuple[Node, ...]
    labels: tuple[str, ...] = ()  # the dimensions of the variable, in order


@dataclass(frozen=True)
class DimIndex(Node):
    """The 1-based position of the current element along the dimension ``label``.

    Examples
    --------
    >>> from sysdyn.equations import parse
    >>> from sysdyn.ir import Dimension
    >>> r = ArrayResolver({"team": Dimension("team", ("Ann", "Bo"))}, {}, "k", "team * 2")
    >>> r.resolve(parse("team * 2"), ("team",))
    BinaryOp(op='*', left=DimIndex(label='team', size=2), right=Number(value=2.0))
    """

    label: str
    size: int


def labels_of(node: Node) -> tuple[str, ...]:
    """Axis labels of a resolved expression, in order of first appearance.

    Examples
    --------
    >>> labels_of(BinaryOp("*", ArrayRef("a", "a", ("i",)), ArrayRef("b", "b", ("j", "i"))))
    ('i', 'j')
    """
    found: list[str] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ArrayRef):
            found.extend(label for label in current.indices if isinstance(label, str))
            continue
        if isinstance(current, DimIndex):
            found.append(current.label)
            continue
        if isinstance(current, Assemble):
            found.extend(current.labels)
            continue
        if isinstance(current, Reduce):
            found.extend(label for label in labels_of(current.arg) if label not in current.labels)
            continue
        stack.extend(reversed(current.children()))
    return tuple(dict.fromkeys(found))


class ArrayResolver:
    """Resolve the subscripts of one equation.

    Parameters
    ----------
    dimensions : dict
        Canonical dimension key -> :class:`~sysdyn.ir.Dimension`.
    var_dims : dict
        Canonical variable key -> tuple of its canonical dimension keys
        (``()`` for a scalar variable).
    host : str
        Display name of the variable whose equation this is (for messages).
    text : str
        The equation text (for messages).

    Examples
    --------
    >>> from sysdyn.equations import parse
    >>> from sysdyn.ir import Dimension
    >>> r = ArrayResolver({"team": Dimension("team", ("Ann", "Bo"))}, {"k": ("team",)}, "y", "k * 2")
    >>> r.resolve(parse("k * 2"), ("team",))
    BinaryOp(op='*', left=ArrayRef(name='k', text='k', indices=('team',)), right=Number(value=2.0))
    """

    def __init__(
        self, dimensions: dict[str, Dimension], var_dims: dict[str, tuple[str, ...]], host: str, text: str
    ):
        self.dimensions = dimensions
        self.var_dims = var_dims
        self.host = host
        self.text = text
        self._target: tuple[str, ...] = ()  # dimensions of the variable being defined (set by resolve)

    def error(self, message: str) -> DimensionError:
        """A :class:`~sysdyn.DimensionError` about this equation.

        Examples
        --------
        >>> r = ArrayResolver({}, {}, host="y", text="k[Bo]")
        >>> r.error("`k` is not arrayed")
        DimensionError("in `y` (equation: 'k[Bo]'): `k` is not arrayed")
        """
        return DimensionError(message, element=self.host, equation=self.text)

    # ------------------------------------------------------------------ entry
    def resolve(self, node: Node, target: tuple[str, ...], context: dict[str, int] | None = None) -> Node:
        """Rewrite ``node`` for a variable laid out over ``target`` dimensions.

        ``context`` maps dimensions to a fixed element (0-based), for the
        equation of one element of an arrayed variable.

        Examples
        --------
        >>> from sysdyn.equations import parse
        >>> from sysdyn.ir import Dimension
        >>> r = ArrayResolver({"team": Dimension("team", ("Ann", "Bo"))}, {"k": ("team",)}, "y", "k + team")
        >>> r.resolve(parse("k + team"), ("team",), context={"team": 1})
        BinaryOp(op='+', left=ArrayRef(name='k', text='k', indices=(1,)), right=Number(value=2.0))

        A dimension left over in a scalar equation is an error:

        >>> r.resolve(parse("k"), ())
        Traceback (most recent call last):
        ...
        sysdyn.errors.DimensionError: in `y` (equation: 'k + team'): the equation uses dimension `team` ...
        """
        context = context or {}
        self._target = target
        out = self._walk(node, context, in_reduction=False)
        stray = [label for label in labels_of(out) if label not in target]
        if stray:
            raise self._stray(stray[0], target)
        return out

    def _stray(self, label: str, target: tuple[str, ...]) -> DimensionError:
        dim = self.dimensions[label.lstrip("*")].name
        if label.startswith("*"):
            return self.error(f"`*` over `{dim}` is only allowed inside SUM, MEAN, STDDEV, PROD, MIN or MAX")
        where = (
            f"`{self.host}` has dimensions [{', '.join(self.dimensions[d].name for d in target)}]"
            if target
            else f"`{self.host}` is not arrayed"
        )
        return self.error(
            f"the equation uses dimension `{dim}` but {where}; select an element (x[{dim} element]) "
            f"or reduce it (SUM(x[*]))"
        )

    # ------------------------------------------------------------------ walk
    def _walk(self, node: Node, context: dict[str, int], in_reduction: bool) -> Node:
        if isinstance(node, (ArrayRef, Reduce, Assemble, DimIndex)):
            return node  # already resolved
        if isinstance(node, Subscript):
            return self._subscript(node, context)
        if isinstance(node, Name):
            if node.name in self.var_dims:
                dims = self.var_dims[node.name]
                if not dims:
                    return node
                return ArrayRef(node.name, node.text, tuple(context.get(d, d) for d in dims))
            if node.name in self.dimensions:
                if node.name in context:
                    return Number(float(context[node.name] + 1))
                return DimIndex(node.name, self.dimensions[node.name].size)
            return node
        if isinstance(node, Call):
            func = ALIASES.get(node.func, node.func)
            if func in REDUCTIONS and len(node.args) == 1 and func in BUILTINS:
                return self._reduction(func, node, context)
            args = tuple(self._walk(a, context, in_reduction) for a in node.args)
            if func in ("MIN", "MAX"):  # MAX(x, 0): each array argument is reduced first
                args = tuple(self._reduced(func, arg) for arg in args)
            return Call(node.func, args, node.text)
        if isinstance(node, BinaryOp):
            return BinaryOp(
                node.op,
                self._walk(node.left, context, in_reduction),
                self._walk(node.right, context, in_reduction),
            )
        if isinstance(node, UnaryOp):
            return UnaryOp(node.op, self._walk(node.operand, context, in_reduction))
        if isinstance(node, IfThenElse):
            return IfThenElse(
                *(self._walk(n, context, in_reduction) for n in (node.condition, node.then, node.otherwise))
            )
        return node

    def _over_all(self, arg: Node) -> Node:
        """Inside a reduction, axes that are not dimensions of the defined variable are reduced too."""
        free = {label for label in labels_of(arg) if not label.startswith("*") and label not in self._target}
        return _star(arg, free) if free else arg

    def _reduced(self, func: str, arg: Node) -> Node:
        """An argument of a MIN or MAX of several arguments, reduced over the axes it does not share."""
        arg = self._over_all(arg)
        reduced = tuple(label for label in labels_of(arg) if label.startswith("*"))
        return Reduce(func, arg, reduced) if reduced else arg

    def _reduction(self, func: str, node: Call, context: dict[str, int]) -> Node:
        arg = self._over_all(self._walk(node.args[0], context, in_reduction=True))
        labels = labels_of(arg)
        reduced = tuple(label for label in labels if label.startswith("*"))
        if func in ("MIN", "MAX") and not reduced:
            return Call(node.func, (arg,), node.text)  # MIN(x) of one value is x, element-wise
        if func == "SIZE":
            size = 1
            for label in reduced:
                size *= self.dimensions[label[1:]].size
            return Number(float(size))
        if not reduced:
            raise self.error(f"{func} of one value needs an array argument with `*`, such as {func}(x[*])")
        return Reduce(func, arg, reduced)

    def _subscript(self, node: Subscript, context: dict[str, int]) -> Node:
        dims = self.var_dims.get(node.name)
        if dims is None:  # lowering has checked the name; a lookup with [] is not an array
            raise self.error(f"`{node.text}` is not a variable, so it cannot be subscripted")
        if len(node.indices) != len(dims):
            names = ", ".join(self.dimensions[d].name for d in dims)
            raise self.error(
                f"`{node.text}` has {len(dims)} dimension(s) [{names}] but the subscript gives "
                f"{len(node.indices)} index(es)"
            )
        indices = tuple(
            self._index(index, dim, node, context) for index, dim in zip(node.indices, dims, strict=True)
        )
        return ArrayRef(node.name, node.text, indices)

    def _index(self, index: Node, dim: str, node: Subscript, context: dict[str, int]) -> int | str:
        dimension = self.dimensions[dim]
        if isinstance(index, Star):
            if index.dimension is not None and index.dimension != dim:
                raise self.error(
                    f"`*:{index.dimension}` in `{node.text}`: sub-ranges are not supported; "
                    f"use `*` for all of `{dimension.name}`"
                )
            return "*" + dim
        if isinstance(index, Number):
            position = int(index.value)
            to_position = getattr(dimension, "number_to_position", None)
            if to_position is not None:  # a network of integer nodes: x[5] is node 5, not the fifth node
                found = to_position(position)
                if found is None:
                    raise self.error(f"{position} in `{node.text}` is not a node of `{dimension.name}`")
                return found
            if not 1 <= position <= dimension.size:
                raise self.error(
                    f"element number {position} in `{node.text}` is outside `{dimension.name}` "
                    f"(1 to {dimension.size})"
                )
            return position - 1
        assert isinstance(index, Name)
        key = index.name
        if key in self.dimensions:
            if key in context:
                return context[key]
            if key != dim and self.dimensions[key].size != dimension.size:
                raise self.error(
                    f"`{node.text}`: dimension `{self.dimensions[key].name}` ({self.dimensions[key].size} "
                    f"elements) cannot stand for `{dimension.name}` ({dimension.size} elements)"
                )
            return key
        if key in dimension.element_keys:
            return dimension.element_keys.index(key)
        hint = closest(index.text, [*dimension.elements, dimension.name])
        raise self.error(
            f"`{index.text}` in `{node.text}` is neither an element of `{dimension.name}` "
            f"({', '.join(dimension.elements)}) nor a dimension"
            + (f"; did you mean `{hint}`?" if hint else "")
        )


def _star(node: Node, labels: set[str]) -> Node:
    """``node`` with the axes ``labels`` turned into reduced axes (``"team"`` -> ``"*team"``)."""
    if isinstance(node, ArrayRef):
        indices = tuple(f"*{i}" if isinstance(i, str) and i in labels else i for i in node.indices)
        return ArrayRef(node.name, node.text, indices)
    if isinstance(node, DimIndex):
        return DimIndex(f"*{node.label}", node.size) if node.label in labels else node
    if isinstance(node, Reduce):
        return Reduce(node.func, _star(node.arg, labels), node.labels)
    if isinstance(node, Call):
        return Call(node.func, tuple(_star(a, labels) for a in node.args), node.text)
    if isinstance(node, BinaryOp):
        return BinaryOp(node.op, _star(node.left, labels), _star(node.right, labels))
    if isinstance(node, UnaryOp):
        return UnaryOp(node.op, _star(node.operand, labels))
    if isinstance(node, IfThenElse):
        return IfThenElse(*(_star(n, labels) for n in (node.condition, node.then, node.otherwise)))
    return node


def dimension_keys(names: tuple[str, ...]) -> tuple[str, ...]:
    """Canonical keys of dimension names.

    Examples
    --------
    >>> dimension_keys(("Team", "Skill area"))
    ('team', 'skill area')
    """
    return tuple(canonical(n) for n in names)
