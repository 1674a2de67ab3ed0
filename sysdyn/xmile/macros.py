"""XMILE macros (``<macro>``), inlined into the equations that call them.

A macro (XMILE 1.0 section 3.6.1) is a function defined in the file: its
``<parm>`` elements name the parameters (a ``default`` attribute makes one
optional) and its ``<eqn>`` is the value, an expression of the parameters.
It may also hold ``<variables>``: auxiliaries the equation uses.  sysdyn
reads such *expression macros* and, where an equation calls one, puts the
macro's expression tree in place of the call, with each parameter replaced
by the argument's tree (auxiliaries of the macro are replaced by their own
expressions first).  Nothing is evaluated: the trees are our own
(:mod:`sysdyn.equations.nodes`) and the result is printed back as equation
text.  A macro calling another is expanded too; a macro that calls itself
is refused.

A macro with stocks or flows among its variables keeps state from one step
to the next, so it cannot be inlined: each call becomes an *instance* of the
macro's variables, named after the caller (the call ``ACCUMULATE(x)`` in
``total`` makes ``total.ACCUMULATE.sum``, ``total.ACCUMULATE.x``...; a second
call in the same variable ``total.ACCUMULATE.2.sum``), and the call is
replaced by the macro's equation over them (:func:`instance_variables`).
The same is done for a macro with a graphical function or an array.

Examples
--------
>>> from sysdyn.equations import parse
>>> half = Macro("HALF", ("x",), (None,), parse("x / 2"))
>>> expand_macros("HALF(a + b) * 3", {"half": half})
'(a + b) / 2 * 3'
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from ..equations import parse
from ..equations.nodes import Call, Name, Node, Subscript, map_children, walk
from ..equations.printer import unparse
from ..errors import SysdynError
from ..ir import Aux, Variable
from ..names import canonical
from .modules import prefixed, qualified_name, rename_references
from .safety import XmileError

#: Makes an instance of a stateful macro for one call: ``(macro, arguments) -> replacement``.
Instantiate = Callable[["Macro", tuple[Node, ...]], Node]

__all__ = [
    "Macro",
    "check_recursion",
    "make_macro",
    "expand_macros",
    "quote_macro_calls",
    "MAX_EXPANSION_DEPTH",
    "MAX_EXPANDED_NODES",
    "instance_variables",
    "Instantiate",
]

#: Deepest nesting of macro calls expanded (a macro calling itself would never end).
MAX_EXPANSION_DEPTH = 50
#: Most expression nodes the macros of one file may expand to (macros calling macros grow fast).
MAX_EXPANDED_NODES = 200_000
#: Names a macro's expression may use besides its parameters.
_BUILTIN_NAMES = frozenset({"time", "dt", "starttime", "stoptime", "pi"})


@dataclass(frozen=True)
class Macro:
    """A macro read from a file.

    Attributes
    ----------
    name : str
        As written in the file.
    parameters : tuple of str
        Canonical parameter names, in order.
    defaults : tuple
        For each parameter, the tree of its default value, or None when an
        argument is required.
    body : Node
        The macro's expression, its auxiliaries already substituted.
    stateful : str
        Empty for an expression macro; otherwise the name of a variable of
        the macro that is more than an expression (a stock or flow, which
        keeps state, or a graphical function or array): each call of such a
        macro becomes an instance of its variables (:func:`instance_variables`).
    variables : tuple of Variable
        The variables of a stateful macro, as read.

    Examples
    --------
    >>> m = make_macro("My Half", [("x", None), ("d", "2")], "x / d", [])
    >>> m.key, m.parameters, m.defaults
    ('my half', ('x', 'd'), (None, Number(value=2.0)))
    >>> expand_macros("My_Half(a)", {m.key: m})  # the default fills the missing argument
    'a / 2'
    """

    name: str
    parameters: tuple[str, ...]
    defaults: tuple[Node | None, ...]
    body: Node
    stateful: str = ""
    variables: tuple[Variable, ...] = ()

    @property
    def key(self) -> str:
        """Canonical name."""
        return canonical(self.name)


def _substitute(node: Node, values: dict[str, Node]) -> Node:
    """``node`` with each :class:`Name` whose key is in ``values`` replaced by its tree."""
    if isinstance(node, Name):
        return values.get(node.name, node)
    if isinstance(node, Subscript):
        return node
    return map_children(node, lambda child: _substitute(child, values))


def make_macro(
    name: str,
    parameters: list[tuple[str, str | None]],
    equation: str,
    auxiliaries: list[tuple[str, str]],
    stateful: str = "",
    variables: tuple[Variable, ...] = (),
) -> Macro:
    """Build a :class:`Macro` from the text of its definition.

    Parameters
    ----------
    name : str
        The macro's name.
    parameters : list of (str, str or None)
        Each parameter's name and default equation (None if required).
    equation : str
        The macro's ``<eqn>``.
    auxiliaries : list of (str, str)
        Name and equation of each auxiliary among the macro's variables.
    stateful : str
        The name of a variable of the macro that is more than an expression
        (stock, flow, graphical function, array), if it has one.
    variables : tuple of Variable
        All the macro's variables, read (used when ``stateful``).

    Raises
    ------
    XmileError
        An equation does not parse, refers to a name that is neither a
        parameter nor an auxiliary of the macro, or the auxiliaries depend
        on each other in a circle.

    Examples
    --------
    >>> m = make_macro("SCALE", [("x", None), ("k", "2")], "x * factor", [("factor", "k + 1")])
    >>> unparse(m.body), m.parameters
    ('x * (k + 1)', ('x', 'k'))
    """

    def tree(text: str, what: str) -> Node:
        if not text.strip():
            raise XmileError(f"{what} is empty", element=name)
        try:
            return parse(text)
        except SysdynError as err:
            raise XmileError(f"{what} is not a valid equation: {err.message}", element=name) from None

    keys = tuple(canonical(p) for p, _ in parameters)
    if len(set(keys)) != len(keys):
        raise XmileError("a parameter name is used twice", element=name)
    defaults = tuple(None if d is None else tree(d, f"the default of `{p}`") for p, d in parameters)
    body = tree(equation, "the macro's <eqn>")
    if stateful:  # each call becomes an instance of the macro's variables
        own = {v.key for v in variables}
        clash = own & set(keys)
        if clash:
            raise XmileError(
                f"`{sorted(clash)[0]}` is both a parameter and a variable of the macro", element=name
            )
        for node in walk(body):
            if isinstance(node, (Name, Subscript)) and node.name not in own | set(keys) | _BUILTIN_NAMES:
                raise XmileError(
                    f"the macro's equation refers to `{node.text}`, which is neither one of its parameters "
                    "nor one of its variables",
                    element=name,
                )
        return Macro(name, keys, defaults, body, stateful, tuple(variables))
    pending = {canonical(a): tree(eq, f"the equation of `{a}`") for a, eq in auxiliaries}
    for _ in range(len(pending) + 1):
        used = {n.name for n in walk(body) if isinstance(n, Name)} & set(pending)
        if not used:
            break
        body = _substitute(body, {k: pending[k] for k in used})
    else:
        raise XmileError("the macro's auxiliaries depend on each other in a circle", element=name)
    allowed = set(keys) | _BUILTIN_NAMES
    for node in walk(body):
        if isinstance(node, (Name, Subscript)) and node.name not in allowed:
            raise XmileError(
                f"the macro's equation refers to `{node.text}`, which is not one of its parameters "
                f"({', '.join(p for p, _ in parameters) or 'it has none'})",
                element=name,
            )
    return Macro(name, keys, defaults, body, stateful)


def check_recursion(macros: dict[str, Macro]) -> None:
    """Refuse macros that call themselves, directly or through other macros.

    Raises
    ------
    XmileError
        Naming the circle of calls.

    Examples
    --------
    >>> from sysdyn.equations import parse
    >>> check_recursion({"f": Macro("F", ("x",), (None,), parse("G(x) + 1")),
    ...                  "g": Macro("G", ("x",), (None,), parse("F(x) * 2"))})
    Traceback (most recent call last):
    ...
    sysdyn.xmile.safety.XmileError: in `F`: the macro calls itself (F -> G -> F); recursive macros ...
    """
    calls = {
        key: [canonical(n.func) for n in walk(m.body) if isinstance(n, Call) and canonical(n.func) in macros]
        for key, m in macros.items()
    }
    done: set[str] = set()

    def visit(key: str, path: list[str]) -> None:
        if key in path:
            circle = [*path[path.index(key) :], key]
            first = macros[circle[0]]
            raise XmileError(
                "the macro calls itself ("
                + " -> ".join(macros[k].name for k in circle)
                + "); recursive macros are not supported",
                element=first.name,
            )
        if key in done:
            return
        for callee in calls[key]:
            visit(callee, [*path, key])
        done.add(key)

    for key in macros:
        visit(key, [])


def _size(node: Node) -> int:
    return sum(1 for _ in walk(node))


def _expand(
    node: Node,
    macros: dict[str, Macro],
    element: str | None,
    depth: int,
    budget: list[int],
    instantiate: Instantiate | None = None,
) -> Node:
    node = map_children(node, lambda child: _expand(child, macros, element, depth, budget, instantiate))
    if not isinstance(node, Call):
        return node
    macro = macros.get(canonical(node.func))
    if macro is None:
        return node
    if macro.stateful and instantiate is None:
        raise XmileError(
            f"the macro `{macro.name}` has a stock or flow (`{macro.stateful}`); only macros whose value "
            "is an expression of their parameters are supported",
            element=element,
        )
    if depth >= MAX_EXPANSION_DEPTH:
        raise XmileError(
            f"the macro `{macro.name}` calls itself (directly or through other macros); "
            "recursive macros are not supported",
            element=element,
        )
    if len(node.args) > len(macro.parameters):
        raise XmileError(
            f"the macro `{macro.name}` takes {len(macro.parameters)} argument(s), got {len(node.args)}",
            element=element,
        )
    values: dict[str, Node] = {}
    for i, (key, default) in enumerate(zip(macro.parameters, macro.defaults, strict=True)):
        if i < len(node.args):
            values[key] = node.args[i]
        elif default is not None:
            values[key] = default
        else:
            raise XmileError(
                f"the macro `{macro.name}` needs a value for its parameter `{key}` "
                f"(argument {i + 1}; got {len(node.args)})",
                element=element,
            )
    if macro.stateful:
        assert instantiate is not None
        return instantiate(macro, tuple(values[k] for k in macro.parameters))
    expanded = _substitute(macro.body, values)
    budget[0] -= _size(expanded)
    if budget[0] < 0:
        raise XmileError(
            f"the macros of the file expand to more than {MAX_EXPANDED_NODES:,} terms (last: `{macro.name}`)",
            element=element,
        )
    return _expand(expanded, macros, element, depth + 1, budget, instantiate)


def expand_macros(
    text: str,
    macros: dict[str, Macro],
    element: str | None = None,
    instantiate: Instantiate | None = None,
    budget: list[int] | None = None,
) -> str:
    """Return ``text`` with every call of a macro replaced by the macro's expression.

    Parameters
    ----------
    text : str
        An equation.
    macros : dict
        Canonical macro name -> :class:`Macro`.
    element : str, optional
        The variable the equation belongs to, named in errors.
    instantiate : callable, optional
        ``instantiate(macro, arguments) -> Node`` makes an instance of a
        stateful macro for one call and returns what the call is replaced
        by; without it such a call is an error.
    budget : list of one int, optional
        How many expression nodes expansions may still make; shared by the
        calls that read one file, and lowered as macros expand (by default,
        :data:`MAX_EXPANDED_NODES` for this equation alone).

    Returns
    -------
    str
        ``text`` itself if it calls no macro (or does not parse: the
        compiler reports that); otherwise the expanded tree printed back.

    Raises
    ------
    XmileError
        A call has too many or too few arguments, the macro is recursive or
        has stocks.

    Examples
    --------
    >>> from sysdyn.equations import parse
    >>> twice = Macro("TWICE", ("x",), (None,), parse("2 * x"))
    >>> expand_macros("TWICE(TWICE(y)) - TWICE(1 + y)", {"twice": twice})
    '2 * (2 * y) - 2 * (1 + y)'
    """
    if not macros or "(" not in text:
        return text
    try:
        tree = parse(text)
    except SysdynError:
        return text
    if not any(isinstance(n, Call) and canonical(n.func) in macros for n in walk(tree)):
        return text
    budget = [MAX_EXPANDED_NODES] if budget is None else budget
    return unparse(_expand(tree, macros, element, 0, budget, instantiate))


_QUOTED_OR_COMMENT = re.compile(r'("(?:[^"\\]|\\.)*"|\{[^}]*\})')


def quote_macro_calls(text: str, names: list[str]) -> str:
    """Quote the calls of macros whose names have spaces (``EXPRESSION MACRO(x)``), so they parse.

    Quoted names and ``{comments}`` are left as they are.

    Examples
    --------
    >>> quote_macro_calls("EXPRESSION MACRO(a, b) + expression_macro (c)", ["expression macro"])
    '"EXPRESSION MACRO"(a, b) + "expression_macro" (c)'
    """
    spaced = [n for n in names if " " in canonical(n)]
    if not spaced or "(" not in text:
        return text
    patterns = [
        re.compile(
            r"(?<![\w$.])(" + r"[\s_]+".join(re.escape(w) for w in canonical(n).split(" ")) + r")(?=\s*\()",
            re.IGNORECASE,
        )
        for n in spaced
    ]
    parts = _QUOTED_OR_COMMENT.split(text)
    for i in range(0, len(parts), 2):  # even parts are outside quotes and comments
        for pattern in patterns:
            parts[i] = pattern.sub(lambda m: '"' + m.group(1) + '"', parts[i])
    return "".join(parts)


def instance_variables(
    macro: Macro, prefix: str, arguments: tuple[Node, ...], dimensions: tuple[str, ...] = ()
) -> tuple[list[Variable], Node]:
    """The variables of one call of a stateful macro, and the expression that replaces the call.

    Each variable ``v`` of the macro becomes ``prefix.v``; each parameter
    ``p`` becomes an auxiliary ``prefix.p`` equal to its argument (an
    expression of the caller's names).  With ``dimensions`` (the caller is
    arrayed) every variable is arrayed the same way.

    Examples
    --------
    >>> from sysdyn.ir import Flow, Stock
    >>> from sysdyn.equations import parse
    >>> total = make_macro("TOTAL", [("x", None)], "sum", [], "sum",
    ...                    (Stock("sum", "0", inflows=("adding",)), Flow("adding", "x")))
    >>> variables, output = instance_variables(total, "y.TOTAL", (parse("a * 2"),))
    >>> [(v.name, v.equation) for v in variables], unparse(output)
    ([('y.TOTAL.sum', '0'), ('y.TOTAL.adding', '"y.TOTAL.x"'), ('y.TOTAL.x', 'a * 2')], '"y.TOTAL.sum"')
    """
    local: list[Variable] = [*macro.variables, *(Aux(p, "0") for p in macro.parameters)]
    renamed, _ = prefixed(local, [], prefix, set())
    count = len(macro.variables)
    out = renamed[:count] + [
        replace(v, equation=unparse(a)) for v, a in zip(renamed[count:], arguments, strict=True)
    ]
    if dimensions:
        out = [v if v.dimensions else replace(v, dimensions=dimensions) for v in out]
    spelled = {v.key: v.name for v in local}

    def rename(key: str) -> str | None:
        return qualified_name(prefix, spelled[key]) if key in spelled else None

    return out, rename_references(macro.body, rename)
