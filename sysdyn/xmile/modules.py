"""XMILE modules, flattened: each module instance's variables join the main model under prefixed names.

A file with modules holds several ``<model>`` elements: the main one (no
``name``) and the models its ``<module>`` elements instantiate (XMILE 1.0
section 3.7.4; Stella writes such files when a model uses modules).  The
engine knows one flat model, so :mod:`sysdyn.xmile.reader` flattens:

* the variable ``births`` of the module instance ``hares`` becomes
  ``hares.births`` (an instance inside it, ``hares.den``, gives
  ``hares.den.births``), and every reference to it inside the module is
  renamed to match;
* the main model (and a module, to its own sub-modules) refers to a
  module's variable by its qualified name, ``hares.hare_density``;
  :func:`quote_qualified` turns such a name into a quoted name,
  ``"hares.hare_density"``, before the equation is parsed (the equation
  language has no ``.`` operator);
* ``<connect to="hares.area" from="area"/>`` binds the input ``area`` of
  ``hares`` to ``area`` of the model holding the module: the input becomes an
  auxiliary whose equation is the source (``from=".area"`` and
  ``from="lynxes.lynxes"``, another module's output, are read the same way).
  Stella repeats a connection in each module it links, and also writes
  ``<connect2>`` copies; duplicates are read once.

Examples
--------
>>> quote_qualified("hares.hare_density * 2 + x.y", {"hares"})
'"hares.hare_density" * 2 + x.y'
>>> from sysdyn.ir import Aux
>>> [v.equation for v in prefixed([Aux("births", "hares * rate"), Aux("rate", "0.1")],
...                               [], "pop", set())[0]]
['hares * "pop.rate"', '0.1']
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from ..equations import parse
from ..equations.nodes import Call, Name, Node, Subscript, map_children
from ..equations.printer import unparse
from ..errors import SysdynError
from ..ir import Aux, Flow, GraphicalFunction, Stock, Variable
from ..names import canonical
from .names import reference
from .safety import XmileError
from .translate import scan

__all__ = ["quote_qualified", "prefixed", "bind", "qualified_name", "unflatten", "Scope", "MAX_INSTANCES"]

#: Most module instances (and instances of macros with stocks) a file may make: nested modules, each
#: holding several instances of the next, multiply, so a small file could otherwise ask for billions.
MAX_INSTANCES = 5_000


def quote_qualified(text: str, modules: Iterable[str]) -> str:
    """Quote the qualified names (``module.variable``) of ``text`` whose first part is one of ``modules``.

    Quoted names and ``{comments}`` are left as they are; so is a dotted
    name whose first part is not a module (the equation parser refuses it).

    Examples
    --------
    >>> quote_qualified('a.b.c + "q.r" {m.x}', {"A"})
    '"a.b.c" + "q.r" {m.x}'
    """
    keys = {canonical(m) for m in modules}
    if not keys or "." not in text:
        return text
    out: list[str] = []
    for kind, start, end in scan(text, dotted=True):
        word = text[start:end]
        if kind == "word" and "." in word and canonical(word.split(".", 1)[0]) in keys:
            word = '"' + word + '"'
        out.append(word)
    return "".join(out)


def qualified_name(prefix: str, name: str) -> str:
    """``name`` inside the module instance ``prefix`` (``""`` is the main model).

    Examples
    --------
    >>> qualified_name("hares", "birth rate"), qualified_name("", "area")
    ('hares.birth rate', 'area')
    """
    return f"{prefix}.{name}" if prefix else name


def rename_references(node: Node, rename) -> Node:
    """``node`` with its references (names, subscripts, lookup calls) renamed by ``rename(key)``.

    ``rename`` returns the new name, or None to keep the reference as it is.
    """
    if not isinstance(node, Subscript):  # a subscript's indices are dimensions and elements, not references
        node = map_children(node, lambda child: rename_references(child, rename))
    if isinstance(node, Name):
        new = rename(node.name)
        return node if new is None else Name(canonical(new), new)
    if isinstance(node, Subscript):
        new = rename(node.name)
        return node if new is None else Subscript(canonical(new), new, node.indices)
    if isinstance(node, Call):
        new = rename(canonical(node.func))
        return node if new is None else Call(canonical(new).upper(), node.args, new)
    return node


def prefixed(
    variables: list[Variable],
    lookups: list[GraphicalFunction],
    prefix: str,
    modules: set[str],
) -> tuple[list[Variable], list[GraphicalFunction]]:
    """The variables and lookups of a module instance, renamed into it (``births`` -> ``prefix.births``).

    References to the module's own variables, lookups and sub-module
    variables (``den.x``, for a sub-module ``den``) are renamed; anything
    else (``TIME``, dimensions, builtins) is left as it is.  An equation
    that does not parse is left as it is, for the compiler to report.

    Parameters
    ----------
    variables, lookups : list
        As read from the module's ``<model>``, with qualified names already
        quoted (:func:`quote_qualified`).
    prefix : str
        The qualified name of the instance (``"hares"``, ``"world.hares"``).
    modules : set of str
        Names of the module instances inside this model.

    Examples
    --------
    >>> from sysdyn.ir import Aux, GraphicalFunction
    >>> variables, lookups = prefixed(
    ...     [Aux("births", 'hares * rate * effect("den.x")'), Aux("rate", "0.1")],
    ...     [GraphicalFunction("effect", (0.0, 1.0), (0.0, 1.0))], "hares", {"den"})
    >>> [(v.name, v.equation) for v in variables], [g.name for g in lookups]
    ([('hares.births', 'hares * "hares.rate" * "hares.effect"("hares.den.x")'), ('hares.rate', '0.1')],
     ['hares.effect'])
    """
    local = {v.key for v in variables} | {g.key for g in lookups}
    inner = {canonical(m) for m in modules}
    spelled = {v.key: v.name for v in variables} | {g.key: g.name for g in lookups}

    def rename(key: str) -> str | None:
        if key in local:
            return qualified_name(prefix, spelled[key])
        head = key.split(".", 1)[0]
        if "." in key and head in inner:
            return qualified_name(prefix, key)
        return None

    def equation(text: str, name: str) -> str:
        if not text.strip():
            return text
        try:
            tree = parse(text)
        except SysdynError:
            return text
        renamed = rename_references(tree, rename)
        return text if renamed == tree else unparse(renamed)

    out: list[Variable] = []
    for v in variables:
        changes: dict = {"name": qualified_name(prefix, v.name)}
        if v.element_equations:
            changes["element_equations"] = tuple(
                (labels, equation(eq, v.name)) for labels, eq in v.element_equations
            )
        else:
            changes["equation"] = equation(v.equation, v.name)
        if isinstance(v, Stock):
            changes["inflows"] = tuple(qualified_name(prefix, f) for f in v.inflows)
            changes["outflows"] = tuple(qualified_name(prefix, f) for f in v.outflows)
        lookup = getattr(v, "lookup", None)
        if lookup is not None:
            changes["lookup"] = replace(lookup, name=qualified_name(prefix, lookup.name))
        out.append(replace(v, **changes))
    return out, [replace(g, name=qualified_name(prefix, g.name)) for g in lookups]


def bind(variables: list[Variable], bindings: dict[str, tuple[str, str]]) -> list[Variable]:
    """Make each bound input equal to its source (an auxiliary, or a flow if it was one).

    Parameters
    ----------
    variables : list of Variable
        The flattened variables.
    bindings : dict
        Canonical qualified name of an input -> (qualified name of its
        source, qualified name of the module instance the ``<connect>``
        belongs to).

    Raises
    ------
    XmileError
        A connection names a variable that does not exist.

    Examples
    --------
    >>> from sysdyn.ir import Aux
    >>> bound = bind([Aux("area", "1000"), Aux("hares.area", "")], {"hares.area": ("area", "hares")})
    >>> bound[1].name, bound[1].equation
    ('hares.area', 'area')
    """
    by_key = {v.key: v for v in variables}
    for target, (source, module) in bindings.items():
        for name in (target, source):
            if canonical(name) not in by_key:
                raise XmileError(
                    f"a <connect> of the module names `{name}`, which is not a variable", element=module
                )
    out: list[Variable] = []
    for v in variables:
        bound = bindings.get(v.key)
        if bound is not None:
            text = reference(bound[0])
            if isinstance(v, Flow):
                v = Flow(
                    v.name,
                    text,
                    dimensions=v.dimensions,
                    units=v.units,
                    doc=v.doc,
                    non_negative=v.non_negative,
                )
            else:
                v = Aux(v.name, text, dimensions=v.dimensions, units=v.units, doc=v.doc)
        out.append(v)
    return out


@dataclass(frozen=True)
class Scope:
    """One ``<model>`` to write: the main model (``instance == ""``) or a module instance's model.

    Attributes
    ----------
    instance : str
        Qualified name of the module instance, ``""`` for the main model.
    local : str
        The instance's name inside its parent (also the name of its ``<model>``).
    variables, lookups : tuple
        Renamed to their names inside the module, equations rewritten to match.
    inputs : frozenset of str
        Canonical names of the variables that are bound to a source outside.
    outputs : frozenset of str
        Canonical names of the variables used outside the module.
    modules : tuple
        The module instances inside this model: ``(local name, ((to, from), ...))``.

    Examples
    --------
    >>> from sysdyn.ir import Aux
    >>> main, inner = unflatten([Aux("a", "2"), Aux("m.x", "a"), Aux("m.y", '"m.x" * 3')], [], ["m"])
    >>> main.instance, inner.instance, inner.local
    ('', 'm', 'm')
    >>> inner.inputs, inner.outputs, [v.name for v in inner.variables]
    (frozenset({'x'}), frozenset(), ['x', 'y'])
    """

    instance: str
    local: str
    variables: tuple[Variable, ...]
    lookups: tuple[GraphicalFunction, ...]
    inputs: frozenset[str] = frozenset()
    outputs: frozenset[str] = frozenset()
    modules: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()


class _CannotNest(Exception):
    """The flat model no longer has the shape of its modules (it was edited): write it flat."""


def unflatten(
    variables: Iterable[Variable], lookups: Iterable[GraphicalFunction], instances: Iterable[str]
) -> list[Scope] | str:
    """Split a flattened model back into its modules, the inverse of reading them.

    Parameters
    ----------
    variables, lookups : iterable
        The flat model (variables of instance ``m`` named ``m.v``).
    instances : iterable of str
        Qualified names of the module instances, parents before children.

    Returns
    -------
    list of Scope or str
        The main model first, then one scope per instance; or, when the model
        cannot be written as modules (a module variable uses a variable
        outside its module other than through an input, two instances share
        a local name...), the reason, and the caller writes it flat.

    Examples
    --------
    >>> from sysdyn.ir import Aux
    >>> main, inner = unflatten([Aux("a", "2"), Aux("m.x", "a"), Aux("m.y", '"m.x" * 3'), Aux("b", '"m.y"')],
    ...                         [], ["m"])
    >>> [(v.name, v.equation) for v in inner.variables], inner.inputs, main.modules
    ([('x', '0'), ('y', 'x * 3')], frozenset({'x'}), (('m', (('m.x', '.a'),)),))
    >>> [(v.name, v.equation) for v in main.variables]
    [('a', '2'), ('b', 'm.y')]
    """
    try:
        return _unflatten(list(variables), list(lookups), list(instances))
    except _CannotNest as reason:
        return str(reason)


def _unflatten(
    variables: list[Variable], lookups: list[GraphicalFunction], instances: list[str]
) -> list[Scope]:
    keys = {canonical(i): i for i in instances}

    def owner(key: str) -> str:
        """The innermost instance whose name, with a dot, starts ``key`` (``""``: the main model)."""
        end = key.rfind(".")
        while end > 0:
            if key[:end] in keys:
                return key[:end]
            end = key.rfind(".", 0, end)
        return ""

    def parent(instance: str) -> str:
        return owner(instance)

    locals_: dict[str, str] = {}
    for key, name in keys.items():
        local = name[len(keys[parent(key)]) + 1 :] if parent(key) else name
        if "." in local or not local.strip():
            raise _CannotNest(f"the module instance `{name}` has no name of its own")
        locals_[key] = local
    if len({canonical(v) for v in locals_.values()}) != len(locals_):
        raise _CannotNest("two module instances have the same name")
    items: dict[str, list] = {"": [], **{k: [] for k in keys}}
    spelled: dict[str, str] = {}
    for item in [*variables, *lookups]:
        items[owner(item.key)].append(item)
        spelled[item.key] = item.name
    children: dict[str, list[str]] = {"": [], **{k: [] for k in keys}}
    for key in keys:
        children[parent(key)].append(key)

    used_outside: set[str] = set()

    def inside(key: str, scope: str) -> bool:
        return not scope or key.startswith(scope + ".")

    def relative(key: str, scope: str) -> str:
        """The name of ``key`` as written inside ``scope`` (``child.var`` for a sub-module's variable)."""
        name = spelled.get(key)
        if name is None:
            raise _CannotNest(f"`{key}` is not a variable")
        text = name[len(keys[scope]) + 1 :] if scope else name
        if owner(key) == scope:
            return _underscored(text)
        used_outside.add(key)
        # a sub-module's variable: `child.var`, its first part the name of a module instance
        child = owner(key)
        while parent(child) != scope:
            child = parent(child)
        head = _underscored(locals_[child])
        rest = _underscored(spelled[key][len(keys[child]) + 1 :])
        if not _QUALIFIED.fullmatch(f"{head}.{rest}"):
            raise _CannotNest(f"`{name}` cannot be written as a qualified name")
        return f"{head}.{rest}"

    def rewrite(text: str, scope: str, where: str) -> str:
        if not text.strip():
            return text
        try:
            tree = parse(text)
        except SysdynError:
            raise _CannotNest(f"the equation of `{where}` does not parse") from None
        qualified: dict[str, str] = {}

        def rename(key: str) -> str | None:
            if key in spelled:
                if not inside(key, scope):
                    raise _CannotNest(f"`{where}` uses `{spelled[key]}`, outside its module")
                if not scope and owner(key) == "":
                    return None  # the main model's own variables keep their spelling
                new = relative(key, scope)
                if owner(key) != scope:
                    qualified[new] = new
                return new
            return None

        renamed = rename_references(tree, rename)
        if renamed == tree and not qualified:
            return text
        out = unparse(renamed)
        for name in qualified:  # a sub-module's variable is written `child.var`, unquoted
            out = out.replace(f'"{name}"', name)
        return out

    scopes: list[Scope] = []
    connects: dict[str, list[tuple[str, str]]] = {k: [] for k in keys}
    for scope in ["", *keys]:
        inputs: set[str] = set()
        renamed: list = []
        for item in items[scope]:
            local = item.name[len(keys[scope]) + 1 :] if scope else item.name
            if isinstance(item, GraphicalFunction):
                renamed.append(replace(item, name=local))
                continue
            source = _single_reference(item) if scope else None
            if source is not None and source in spelled and not inside(source, scope):
                # an input: bound, in the parent, to a variable the parent sees
                up = parent(scope)
                if not inside(source, up):
                    raise _CannotNest(f"the input `{item.name}` comes from outside the module's parent")
                origin = relative(source, up)
                if not up and owner(source) == "":
                    origin = "." + origin
                connects[scope].append(
                    (f"{_underscored(locals_[scope])}.{relative(item.key, scope)}", origin)
                )
                inputs.add(canonical(local))
                kind = Flow if isinstance(item, Flow) else Aux
                renamed.append(kind(local, "0", dimensions=item.dimensions, units=item.units, doc=item.doc))
                continue
            changes: dict = {"name": local}
            if item.element_equations:
                changes["element_equations"] = tuple(
                    (labels, rewrite(eq, scope, item.name)) for labels, eq in item.element_equations
                )
            else:
                changes["equation"] = rewrite(item.equation, scope, item.name)
            if isinstance(item, Stock):
                for flows in ("inflows", "outflows"):
                    names = []
                    for f in getattr(item, flows):
                        if owner(canonical(f)) != scope or canonical(f) not in spelled:
                            raise _CannotNest(f"the stock `{item.name}` has a flow outside its module")
                        names.append(spelled[canonical(f)][len(keys[scope]) + 1 :] if scope else f)
                    changes[flows] = tuple(names)
            lookup = getattr(item, "lookup", None)
            if lookup is not None:
                changes["lookup"] = replace(lookup, name=local)
            renamed.append(replace(item, **changes))
        scopes.append(
            Scope(
                keys[scope] if scope else "",
                locals_.get(scope, ""),
                tuple(v for v in renamed if not isinstance(v, GraphicalFunction)),
                tuple(v for v in renamed if isinstance(v, GraphicalFunction)),
                frozenset(inputs),
            )
        )
    for i, scope in enumerate(scopes):
        key = canonical(scope.instance)
        modules = tuple((locals_[c], tuple(connects[c])) for c in children[key])
        outputs = frozenset(
            canonical(spelled[k][len(scope.instance) + 1 :]) for k in used_outside if owner(k) == key
        )
        scopes[i] = replace(scope, modules=modules, outputs=outputs if key else frozenset())
    return scopes


_QUALIFIED = re.compile(r"[^\W\d][\w$]*(?:\.[^\W\d][\w$]*)+")


def _underscored(name: str) -> str:
    """A name as references spell it: white space and line breaks as underscores (``birth_rate``)."""
    return re.sub(r"\s+", "_", name.replace("\\n", " ").strip())


def _single_reference(variable: Variable) -> str | None:
    """The key of the variable that ``variable``'s equation is, if it is a plain reference to one."""
    if variable.element_equations or isinstance(variable, Stock) or getattr(variable, "lookup", None):
        return None
    try:
        tree = parse(variable.equation)
    except SysdynError:
        return None
    return tree.name if isinstance(tree, Name) else None
