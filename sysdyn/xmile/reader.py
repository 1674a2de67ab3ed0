"""Read XMILE 1.0 and Stella (``.stmx``, ``.itmx``) files into a :class:`~sysdyn.Model`.

The document is loaded by :func:`~sysdyn.xmile.safety.load_document`
(size-capped, no DTDs or entities, no recovery from broken XML), then its
elements are turned into the frozen definitions of :mod:`sysdyn.ir`:

=====================================  ===========================================
XMILE                                  sysdyn
=====================================  ===========================================
``<sim_specs>``                        :class:`~sysdyn.ir.SimSpecs` (Euler/RK4)
``<stock>``                            :class:`~sysdyn.ir.Stock`
``<flow>``                             :class:`~sysdyn.ir.Flow` (uniflow if non-negative)
``<aux>`` with a number                :class:`~sysdyn.ir.Constant`
``<aux>``                              :class:`~sysdyn.ir.Aux`
``<gf>`` inside a variable             ``lookup`` of the variable
``<gf name=...>``                      a stand-alone lookup
``<dim>``                              :class:`~sysdyn.ir.Dimension`
``<element subscript=...>``            per-element equations
``<behavior><non_negative/>``          default of stocks' and flows' ``non_negative``
``<views>``                            kept for :func:`~sysdyn.xmile.write_xmile`
``<model name=...>``, ``<module>``     flattened: variables named ``module.variable``
``<macro>``                            expanded where called (expression macros)
=====================================  ===========================================

Equations are kept as text, with Stella-only spellings rewritten by
:func:`~sysdyn.xmile.translate.translate_equation`; the compiler parses
them.  A file whose ``<header>`` names Vensim as its product (Vensim's own
XMILE export, or xmutil) keeps Vensim's meaning of ``INT`` and ``MOD``
(``INTEGER`` and ``MODULO``, which truncate toward zero).  Modules are
flattened into the main model by :mod:`sysdyn.xmile.modules`; calls of
macros are replaced by the macro's expression by :mod:`sysdyn.xmile.macros`.
Macros with stocks, conveyors and queues are refused with an
:class:`~sysdyn.xmile.safety.XmileError` that names them.
"""

from __future__ import annotations

import math
import os
import re
import weakref
from dataclasses import dataclass, field, replace
from pathlib import Path
from xml.etree.ElementTree import Element

from ..equations.nodes import Node
from ..errors import SysdynError
from ..ir import (
    Aux,
    Constant,
    Dimension,
    Flow,
    GraphicalFunction,
    ModelDefinition,
    SimSpecs,
    Stock,
    Variable,
)
from ..model import Model
from ..names import canonical
from ..solvers import available
from .macros import (
    MAX_EXPANDED_NODES,
    MAX_EXPANSION_DEPTH,
    Macro,
    check_recursion,
    expand_macros,
    instance_variables,
    make_macro,
    quote_macro_calls,
)
from .modules import MAX_INSTANCES, bind, prefixed, qualified_name, quote_qualified
from .names import display_name
from .safety import MAX_BYTES, FileTooLargeError, XmileError, is_document_text, load_document
from .translate import translate_equation

__all__ = ["read_xmile", "XmileSource", "source_of"]

_NUMBER = re.compile(r"^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$")
#: XMILE method names -> sysdyn solvers (Stella's Gear is a variable-step BDF method).
_KINDS = ("stock", "flow", "aux")
_METHODS = {"euler": "euler", "rk2": "rk2", "rk4": "rk4", "rk45": "RK45", "gear": "BDF"}


@dataclass(frozen=True)
class XmileSource:
    """What a file held beyond the model itself, kept so that writing it back loses nothing visible.

    Attributes
    ----------
    views : Element or None
        The ``<views>`` element of the model (diagrams), as read.
    namespaces : dict
        Namespace declarations (``prefix -> uri``) of the root element; the
        writer declares them again so prefixed view attributes stay valid.
    path : str
        Where the model was read from (empty for text).
    modules : tuple of str
        Qualified names of the module instances that were flattened into
        the model (their variables are named ``instance.variable``), parents
        before children; the writer splits the model into them again.
    macros : tuple of Element
        The ``<macro>`` elements of the file, which the writer writes back.
    macro_calls : dict
        ``(variable key, equation with the macros expanded) -> equation as
        written, with the calls``: the writer writes the calls back where
        the equation was not changed.
    macro_instances : dict
        Variable key -> keys of the variables made for its calls of
        macros with stocks; left out when the calls are written back.

    Examples
    --------
    >>> m = read_xmile('<xmile xmlns="http://docs.oasis-open.org/xmile/ns/XMILE/v1.0">'
    ...                '<sim_specs><start>0</start><stop>1</stop></sim_specs>'
    ...                '<model><variables><aux name="a"><eqn>1</eqn></aux></variables></model></xmile>')
    >>> src = source_of(m)
    >>> src.namespaces, src.views, src.modules
    ({'': 'http://docs.oasis-open.org/xmile/ns/XMILE/v1.0'}, None, ())
    """

    views: Element | None = None
    namespaces: dict[str, str] = field(default_factory=dict)
    path: str = ""
    modules: tuple[str, ...] = ()
    macros: tuple[Element, ...] = ()
    macro_calls: dict[tuple[str, str], str] = field(default_factory=dict)
    macro_instances: dict[str, tuple[str, ...]] = field(default_factory=dict)


# Models read from files -> what else the file held.  A side mapping (weak, so it never keeps a model
# alive) rather than an attribute, because Model and the IR belong to the core engine.
_SOURCES: weakref.WeakKeyDictionary[Model, XmileSource] = weakref.WeakKeyDictionary()


def source_of(model: Model) -> XmileSource | None:
    """Return what :func:`read_xmile` kept from the file ``model`` was read from, or None.

    Examples
    --------
    >>> m = read_xmile('<xmile><sim_specs><start>0</start><stop>1</stop></sim_specs>'
    ...                '<model><variables/><views><view/></views></model></xmile>')
    >>> source_of(m).views.tag
    'views'
    """
    return _SOURCES.get(model)


def _local(tag: str) -> str:
    """Tag without its namespace prefix (``isee:prefs`` -> ``prefs``)."""
    return tag.rsplit(":", 1)[-1].rsplit("}", 1)[-1]


def _children(element: Element, name: str) -> list[Element]:
    return [c for c in element if _local(c.tag) == name]


def _child(element: Element, name: str) -> Element | None:
    return next((c for c in element if _local(c.tag) == name), None)


def _text(element: Element | None) -> str:
    return "" if element is None else "".join(element.itertext()).strip()


def _attr(element: Element, name: str, default: str | None = None) -> str | None:
    """Attribute by local name (``isee:foo`` answers ``foo``)."""
    if name in element.attrib:
        return element.attrib[name]
    for key, value in element.attrib.items():
        if _local(key) == name:
            return value
    return default


def _number(text: str | None, what: str, element: str | None = None) -> float:
    try:
        value = float(str(text).strip())
    except (TypeError, ValueError):
        raise XmileError(f"{what} must be a number (found {text!r})", element=element) from None
    if not math.isfinite(value):
        raise XmileError(f"{what} must be a finite number (found {text!r})", element=element)
    return value


def _flag(element: Element | None, default: bool) -> bool:
    """Read ``<non_negative/>``-style flags: present means true unless its text says false."""
    if element is None:
        return default
    text = _text(element).lower()
    return text not in ("false", "0", "no")


def _written_by_vensim(root: Element) -> bool:
    """True when the header names Vensim (or Ventana Systems) as the product or vendor.

    Examples
    --------
    >>> from xml.etree.ElementTree import fromstring
    >>> _written_by_vensim(fromstring("<xmile><header><product>Vensim, xmutil</product></header></xmile>"))
    True
    >>> _written_by_vensim(fromstring("<xmile><header><vendor>isee systems</vendor></header></xmile>"))
    False
    """
    header = _child(root, "header")
    if header is None:
        return False
    product = _text(_child(header, "product")).lower()
    vendor = _text(_child(header, "vendor")).lower()
    return "vensim" in product or "ventana" in vendor


class _Reader:
    def __init__(self, root: Element, label: str):
        self.root = root
        self.label = label
        self.dimensions: dict[str, Dimension] = {}
        self.stock_default = False
        self.flow_default = False
        self.vensim = _written_by_vensim(root)
        self.submodels: dict[str, Element] = {}
        self.scope_modules: set[str] = set()  # module instances of the model being read
        self.instances: list[str] = []  # qualified names of the module instances flattened
        self.macros: dict[str, Macro] = {}
        self.macro_names: list[str] = []
        self.expanding = True  # False while the macros' own equations are read
        self.host: tuple[str, tuple[str, ...]] = ("", ())  # the variable being read, and its dimensions
        self.calls: dict[tuple[str, str], int] = {}  # (caller, stateful macro) -> calls so far
        self.pending: list[Variable] = []  # variables of stateful macro calls, for the model being read
        self.depth = 0
        self.caller = ""  # the variable whose call made the instances being made
        self.in_module = False
        self.instance_count = 0
        self.budget = [MAX_EXPANDED_NODES]  # expression nodes the macros of the file may still make
        self.macro_calls: dict[tuple[str, str], str] = {}
        self.macro_instances: dict[str, list[str]] = {}

    # ------------------------------------------------------------------ top level
    def read(self) -> tuple[ModelDefinition, XmileSource]:
        root = self.root
        if _local(root.tag) != "xmile":
            raise XmileError(
                f"{self.label} is not an XMILE file: the root element is <{root.tag}>, not <xmile>"
            )
        models = _children(root, "model")
        if not models:
            raise XmileError(f"{self.label} has no <model> element")
        main = next((m for m in models if not _attr(m, "name")), models[0])
        self.submodels = {
            canonical(display_name(_attr(m, "name", "") or "")): m for m in models if m is not main
        }
        self._read_behavior(_child(root, "behavior"))
        self._read_behavior(_child(main, "behavior"))
        dims = _child(root, "dimensions")
        if dims is not None:
            for dim in _children(dims, "dim"):
                d = self._dimension(dim)
                self.dimensions[d.key] = d
        specs_element = _child(main, "sim_specs")
        if specs_element is None:
            specs_element = _child(root, "sim_specs")
        if specs_element is None:
            raise XmileError(f"{self.label} has no <sim_specs> (start, stop and dt of the simulation)")
        specs = self._sim_specs(specs_element)
        self._read_macros(root)
        variables, lookups, bindings = self._flatten(main, "", ())
        variables = bind(variables, bindings)
        variables = self._auxiliaries_used_as_flows(variables)
        header = _child(root, "header")
        name = _text(_child(header, "name")) if header is not None else ""
        name = (
            name or _attr(main, "name", "") or (Path(self.label.strip("`")).stem if "`" in self.label else "")
        )
        doc = _text(_child(main, "doc"))
        definition = ModelDefinition(
            name or "model",
            variables=tuple(variables),
            dimensions=tuple(self.dimensions.values()),
            lookups=tuple(lookups),
            sim_specs=specs,
            doc=doc,
        )
        namespaces = {
            (key.split(":", 1)[1] if ":" in key else ""): value
            for key, value in root.attrib.items()
            if key == "xmlns" or key.startswith("xmlns:")
        }
        instances = tuple(self.instances)
        return definition, XmileSource(
            views=_child(main, "views"),
            namespaces=namespaces,
            modules=instances,
            macros=tuple(_children(root, "macro")),
            macro_calls=dict(self.macro_calls),
            macro_instances={k: tuple(v) for k, v in self.macro_instances.items()},
        )

    # ------------------------------------------------------------------ macros
    def _read_macros(self, root: Element) -> None:
        """Read every ``<macro>`` (see :mod:`sysdyn.xmile.macros`) before the equations that call them."""
        elements = _children(root, "macro")
        self.macro_names = [display_name(_attr(e, "name", "") or "") for e in elements]
        for element, name in zip(elements, self.macro_names, strict=True):
            if not name:
                raise XmileError("a <macro> has no name")
            parameters = [
                (
                    display_name(_text(p)),
                    None
                    if _attr(p, "default") is None
                    else self._translate(str(_attr(p, "default")), expand=False),
                )
                for p in _children(element, "parm")
            ]
            container = _child(element, "variables")
            own = [v for v in ([] if container is None else list(container)) if _local(v.tag) in _KINDS]
            self.expanding = False  # calls inside a macro are expanded where the macro is used
            try:
                variables = tuple(self._variable(_local(v.tag), v) for v in own)
                equation = self._translate(_text(_child(element, "eqn")), expand=False)
            finally:
                self.expanding = True
            # stocks and flows keep state, and a graphical function or an array is more than an expression:
            # such macros become variables at each call; the others are inlined
            stateful = next(
                (
                    v.name
                    for v in variables
                    if isinstance(v, (Stock, Flow)) or getattr(v, "lookup", None) or v.dimensions
                ),
                "",
            )
            auxiliaries = [(v.name, v.equation) for v in variables if not v.element_equations]
            macro = make_macro(name, parameters, equation, auxiliaries, stateful, variables)
            if macro.key in self.macros:
                raise XmileError("the macro is defined twice", element=name)
            self.macros[macro.key] = macro
        check_recursion(self.macros)

    def _count_instance(self, where: str) -> None:
        self.instance_count += 1
        if self.instance_count > MAX_INSTANCES:
            raise FileTooLargeError(
                f"{self.label} makes more than {MAX_INSTANCES:,} instances of modules and macros "
                "(modules inside modules multiply)",
                element=where,
            )

    # ------------------------------------------------------------------ modules
    def _contents(self, model: Element) -> tuple[list[Variable], list[GraphicalFunction], list[Element]]:
        """The variables, stand-alone lookups and ``<module>`` elements of one ``<model>``."""
        container = _child(model, "variables")
        if container is None:  # the pre-standard dialect of Stella 10 puts variables straight in <model>
            container = model
        modules = [e for e in container if _local(e.tag) == "module"]
        self.scope_modules = {display_name(_attr(e, "name", "") or "") for e in modules}
        variables: list[Variable] = []
        lookups: list[GraphicalFunction] = []
        for element in list(container):
            kind = _local(element.tag)
            if kind == "gf":
                lookups.append(self._graphical(element, display_name(_attr(element, "name", "") or "")))
            elif kind in _KINDS:
                variables.append(self._variable(kind, element))
                variables += self.pending
                self.pending = []
            # <group>, <isee:...> and other decorations carry no equations
        return variables, lookups, modules

    def _flatten(
        self, model: Element, prefix: str, chain: tuple[str, ...]
    ) -> tuple[list[Variable], list[GraphicalFunction], dict[str, tuple[str, str]]]:
        """Read ``model`` with its module instances flattened into it (see :mod:`sysdyn.xmile.modules`)."""
        self.in_module = bool(prefix)  # macro calls are written back for the main model's variables only
        variables, lookups, modules = self._contents(model)
        names = set(self.scope_modules)
        if prefix:
            variables, lookups = prefixed(variables, lookups, prefix, names)
        bindings: dict[str, tuple[str, str]] = {}
        for module in modules:
            instance = display_name(_attr(module, "name", "") or "")
            if not instance:
                raise XmileError("a <module> has no name")
            where = qualified_name(prefix, instance)
            if _attr(module, "resource"):
                raise XmileError(
                    "modules read from another file (resource=...) are not supported; "
                    "put the module's <model> in this file",
                    element=where,
                )
            model_name = display_name(_attr(module, "model", "") or instance)
            key = canonical(model_name)
            sub = self.submodels.get(key)
            if sub is None:
                raise XmileError(f"the module's model `{model_name}` is not in the file", element=where)
            if key in chain:
                raise XmileError(
                    f"the model `{model_name}` contains itself through its modules", element=where
                )
            self.instances.append(where)
            self._count_instance(where)
            inner_vars, inner_lookups, inner_bindings = self._flatten(sub, where, (*chain, key))
            variables += inner_vars
            lookups += inner_lookups
            bindings.update(inner_bindings)
            connects = _children(module, "connect") or _children(module, "connect2")
            for connect in connects:
                target = display_name(_attr(connect, "to", "") or "").lstrip(".")
                source = display_name(_attr(connect, "from", "") or "").lstrip(".")
                if not target or not source:
                    raise XmileError("a <connect> needs both `to` and `from`", element=where)
                bindings[canonical(qualified_name(prefix, target))] = (qualified_name(prefix, source), where)
        return variables, lookups, bindings

    def _auxiliaries_used_as_flows(self, variables: list[Variable]) -> list[Variable]:
        """Make a flow of an ``<aux>`` that a stock lists as an inflow or outflow.

        Some exporters (sdCloud) declare a stock's flows as auxiliaries; the
        stock's list says what they are, so they are read as flows.
        """
        used = {canonical(f) for v in variables if isinstance(v, Stock) for f in (*v.inflows, *v.outflows)}
        out: list[Variable] = []
        for v in variables:
            if isinstance(v, (Aux, Constant)) and v.key in used:
                v = Flow(
                    v.name,
                    v.equation,
                    dimensions=v.dimensions,
                    element_equations=v.element_equations,
                    units=v.units,
                    doc=v.doc,
                    non_negative=self.flow_default,
                    lookup=getattr(v, "lookup", None),
                )
            out.append(v)
        return out

    def _read_behavior(self, behavior: Element | None) -> None:
        if behavior is None:
            return
        everything = _child(behavior, "non_negative")
        if everything is not None:
            self.stock_default = self.flow_default = _flag(everything, True)
        for kind in ("stock", "flow"):
            part = _child(behavior, kind)
            if part is not None and _child(part, "non_negative") is not None:
                value = _flag(_child(part, "non_negative"), True)
                if kind == "stock":
                    self.stock_default = value
                else:
                    self.flow_default = value

    def _sim_specs(self, element: Element) -> SimSpecs:
        start = _number(_text(_child(element, "start")) or "0", "<start> of <sim_specs>")
        stop_el = _child(element, "stop")
        if stop_el is None:
            raise XmileError("<sim_specs> has no <stop>")
        stop = _number(_text(stop_el), "<stop> of <sim_specs>")
        dt_el = _child(element, "dt")
        dt = 1.0
        if dt_el is not None:
            dt = _number(_text(dt_el), "<dt> of <sim_specs>")
            if (_attr(dt_el, "reciprocal", "false") or "").strip().lower() == "true":
                if dt == 0:
                    raise XmileError('<dt reciprocal="true"> must not be 0')
                dt = 1.0 / dt
        saveper = None
        save = _attr(element, "save_interval")
        if save is not None:
            saveper = _number(save, "the save interval of <sim_specs>")
        method_text = (_attr(element, "method", "Euler") or "Euler").strip()
        method = _METHODS.get(method_text.lower())
        solver = (_attr(element, "solver", "") or "").strip()  # sysdyn:solver, written by write_xmile
        if solver:
            method = next((name for name in available() if name.lower() == solver.lower()), None)
            method_text = solver
        if method is None:
            raise XmileError(
                f"integration method `{method_text}` is not supported (use Euler, RK2, RK4, RK45 or Gear)",
                element="sim_specs",
            )
        try:
            return SimSpecs(
                start=start,
                stop=stop,
                dt=dt,
                saveper=saveper,
                method=method,
                time_units=(_attr(element, "time_units", "") or "").strip(),
            )
        except SysdynError as err:
            raise XmileError(f"<sim_specs>: {err.message}") from None

    # ---------------------------------------------------------------- dimensions
    def _dimension(self, element: Element) -> Dimension:
        name = display_name(_attr(element, "name", "") or "")
        if not name:
            raise XmileError("a <dim> has no name")
        elems = [display_name(_attr(e, "name", "") or "") for e in _children(element, "elem")]
        if not elems:
            size = _attr(element, "size")
            if size is None:
                raise XmileError("the dimension has neither <elem> children nor a size", element=name)
            count = _number(size, "the size of the dimension", name)
            if count < 1 or count != int(count):
                raise XmileError(f"the size must be a positive whole number (found {size!r})", element=name)
            elems = [str(i) for i in range(1, int(count) + 1)]
        try:
            return Dimension(name, tuple(elems), doc=_text(_child(element, "doc")))
        except SysdynError as err:
            raise XmileError(err.message, element=name) from None

    def _variable_dims(self, element: Element, name: str) -> tuple[str, ...]:
        dims_el = _child(element, "dimensions")
        if dims_el is None:
            return ()
        dims = []
        for dim in _children(dims_el, "dim"):
            dim_name = display_name(_attr(dim, "name", "") or "")
            if canonical(dim_name) not in self.dimensions:
                raise XmileError(
                    f"the variable is arrayed over `{dim_name}`, which is not a dimension", element=name
                )
            dims.append(dim_name)
        return tuple(dims)

    # ------------------------------------------------------------------ variables
    def _graphical(self, element: Element, name: str) -> GraphicalFunction:
        if not name:
            raise XmileError("a stand-alone <gf> has no name")
        kind = (_attr(element, "type", "") or "").strip().lower()
        if not kind:
            kind = (
                "discrete" if (_attr(element, "discrete", "false") or "").lower() == "true" else "continuous"
            )
        if kind not in ("continuous", "extrapolate", "discrete"):
            raise XmileError(
                f"graphical function type must be continuous, extrapolate or discrete (found {kind!r})",
                element=name,
            )

        def points(tag: str) -> list[float] | None:
            pts = _child(element, tag)
            if pts is None:
                return None
            sep = _attr(pts, "sep", ",") or ","
            return [_number(p, f"a point of <{tag}>", name) for p in _text(pts).split(sep) if p.strip()]

        ys = points("ypts")
        if not ys:
            raise XmileError("the graphical function has no <ypts>", element=name)
        xs = points("xpts")
        if xs is None:
            scale = _child(element, "xscale")
            if scale is None:
                raise XmileError("the graphical function has neither <xpts> nor <xscale>", element=name)
            lo = _number(_attr(scale, "min"), "<xscale min>", name)
            hi = _number(_attr(scale, "max"), "<xscale max>", name)
            n = len(ys)
            xs = [lo + (hi - lo) * i / (n - 1) for i in range(n)] if n > 1 else [lo]
        try:
            return GraphicalFunction(
                name, tuple(xs), tuple(ys), kind=kind, units=_text(_child(element, "units"))
            )
        except SysdynError as err:
            raise XmileError(err.message, element=name) from None

    def _equation(self, element: Element, name: str | None = None) -> str:
        return self._translate(_text(_child(element, "eqn")), name)

    def _translate(self, text: str, name: str | None = None, *, expand: bool = True) -> str:
        """Equation text as sysdyn reads it: qualified names quoted, Stella spellings, macros expanded."""
        text = quote_macro_calls(quote_qualified(text, self.scope_modules), self.macro_names)
        text = translate_equation(text, vensim=self.vensim)
        if not (expand and self.expanding):
            return text
        expanded = expand_macros(text, self.macros, name, self._instantiate, self.budget)
        if expanded != text and name is not None and not self.depth and not self.in_module:
            self.macro_calls[(canonical(name), expanded)] = text
        return expanded

    def _instantiate(self, macro: Macro, arguments: tuple[Node, ...]) -> Node:
        """Make the variables of one call of a stateful macro (named ``caller.MACRO``, then ``.2``...)."""
        host, dims = self.host
        count = self.calls[(canonical(host), macro.key)] = self.calls.get((canonical(host), macro.key), 0) + 1
        prefix = f"{host}.{macro.name}" + (f".{count}" if count > 1 else "")
        if self.depth >= MAX_EXPANSION_DEPTH:
            raise XmileError(
                f"the macro `{macro.name}` calls itself through its variables; "
                "recursive macros are not supported",
                element=host,
            )
        self._count_instance(host)
        variables, output = instance_variables(macro, prefix, arguments, dims)
        if not self.depth:
            self.caller = canonical(host)
        self.macro_instances.setdefault(self.caller, []).extend(v.key for v in variables)
        self.depth += 1
        try:
            for variable in variables:  # calls of macros inside the macro's own variables
                self.host = (variable.name, variable.dimensions)
                if variable.element_equations:
                    equations = tuple(
                        (
                            labels,
                            expand_macros(eq, self.macros, variable.name, self._instantiate, self.budget),
                        )
                        for labels, eq in variable.element_equations
                    )
                    variable = replace(variable, element_equations=equations)
                else:
                    expanded = expand_macros(
                        variable.equation, self.macros, variable.name, self._instantiate, self.budget
                    )
                    variable = replace(variable, equation=expanded)
                self.pending.append(variable)
        finally:
            self.depth -= 1
            self.host = (host, dims)
        return output

    def _elements(self, element: Element, name: str, dims: tuple[str, ...]) -> tuple:
        pairs = []
        for item in _children(element, "element"):
            subscript = _attr(item, "subscript", "") or ""
            labels = tuple(display_name(s) for s in subscript.split(","))
            if len(labels) != len(dims):
                raise XmileError(
                    f"<element subscript={subscript!r}> names {len(labels)} element(s) but the variable "
                    f"has {len(dims)} dimension(s)",
                    element=name,
                )
            for label, dim in zip(labels, dims, strict=True):
                if canonical(label) not in self.dimensions[canonical(dim)].element_keys:
                    raise XmileError(f"`{label}` is not an element of `{dim}`", element=name)
            if _child(item, "gf") is not None:
                raise XmileError("per-element graphical functions are not supported yet", element=name)
            pairs.append((labels, self._equation(item, name)))
        return tuple(pairs)

    def _list_equation(self, text: str, dims: tuple[str, ...]) -> tuple | None:
        """An arrayed equation written as a list of numbers (``0.1, 0.3, 0.8``), element by element."""
        if not dims or "," not in text:
            return None
        # Rows may end in ';' (2-D tables written by Stella); a trailing separator is allowed.
        parts = [p for p in re.split(r"[,;]", text.strip().rstrip(";")) if p.strip()]
        if not all(_NUMBER.match(p) for p in parts):
            return None
        return self._in_order([p.strip() for p in parts], dims, None)

    def _in_order(self, equations: list[str], dims: tuple[str, ...], name: str | None) -> tuple:
        """Pair equations given in row-major element order with their elements."""
        combos: list[tuple[str, ...]] = [()]
        for dim in dims:
            combos = [(*c, e) for c in combos for e in self.dimensions[canonical(dim)].elements]
        if len(combos) != len(equations):
            raise XmileError(
                f"{len(equations)} equations are given for the {len(combos)} elements of {list(dims)}",
                element=name,
            )
        return tuple(zip(combos, equations, strict=True))

    def _variable(self, kind: str, element: Element) -> Variable:
        raw = _attr(element, "name")
        if raw is None or not raw.strip():
            raise XmileError(f"a <{kind}> has no name attribute")
        name = display_name(raw)
        for unsupported in ("conveyor", "queue"):
            if _child(element, unsupported) is not None:
                raise XmileError(f"{unsupported}s are not supported yet", element=name)
        dims = self._variable_dims(element, name)
        self.host = (name, dims)
        common: dict = {
            "dimensions": dims,
            "units": _text(_child(element, "units")),
            "doc": _text(_child(element, "doc")),
        }
        equation = self._equation(element, name)
        element_eqs = self._elements(element, name, dims) if dims else ()
        if not element_eqs and dims and len(_children(element, "eqn")) > 1:
            # Vensim's own XMILE export writes one <eqn> per element, in order.
            texts = [self._translate(_text(e), name) for e in _children(element, "eqn")]
            element_eqs = self._in_order(texts, dims, name)
        if not element_eqs:
            try:
                element_eqs = self._list_equation(equation, dims) or ()
            except XmileError as err:
                raise XmileError(err.message, element=name) from None
        if element_eqs:
            common["element_equations"] = element_eqs
        else:
            common["equation"] = equation
        gf = _child(element, "gf")
        lookup = self._graphical(gf, name) if gf is not None else None
        if kind == "stock":
            if lookup is not None:
                raise XmileError("a stock cannot have a graphical function", element=name)
            return Stock(
                name,
                inflows=tuple(display_name(_text(f)) for f in _children(element, "inflow")),
                outflows=tuple(display_name(_text(f)) for f in _children(element, "outflow")),
                non_negative=_flag(_child(element, "non_negative"), self.stock_default),
                **common,
            )
        if kind == "flow":
            return Flow(
                name,
                non_negative=_flag(_child(element, "non_negative"), self.flow_default),
                lookup=lookup,
                **common,
            )
        if lookup is None and not element_eqs and _NUMBER.match(equation):
            return Constant(name, **common)
        return Aux(name, lookup=lookup, **common)


def read_xmile(source: str | bytes | os.PathLike, *, max_bytes: int = MAX_BYTES) -> Model:
    """Read an XMILE or Stella file into a :class:`~sysdyn.Model`.

    Parameters
    ----------
    source : str, bytes or path-like
        A path to a ``.xmile``, ``.stmx`` or ``.itmx`` file, or the XMILE
        document itself (text starting with ``<``, or bytes).
    max_bytes : int
        Files larger than this are refused before they are read.

    Returns
    -------
    Model
        The same kind of model a user builds in Python; it runs with the
        file's own method (Euler or RK4) and DT by default.

    Raises
    ------
    XmileError
        The file is missing, too large, unsafe, not well-formed, or uses an
        XMILE feature sysdyn does not read (the message says which).

    Examples
    --------
    >>> m = read_xmile('''<xmile xmlns="http://docs.oasis-open.org/xmile/ns/XMILE/v1.0">
    ... <sim_specs method="Euler"><start>0</start><stop>2</stop><dt>1</dt></sim_specs>
    ... <model><variables>
    ...   <stock name="Savings"><eqn>100</eqn><inflow>interest</inflow></stock>
    ...   <flow name="Interest"><eqn>Savings * rate</eqn></flow>
    ...   <aux name="rate"><eqn>0.1</eqn></aux>
    ... </variables></model></xmile>''')
    >>> m.run()["Savings"]
    array([100., 110., 121.])
    """
    root = load_document(source, max_bytes=max_bytes)
    label = "the XMILE text"
    path = ""
    if isinstance(source, os.PathLike) or (isinstance(source, str) and not is_document_text(source)):
        path = os.fspath(source)
        label = f"`{path}`"
    definition, extra = _Reader(root, label).read()
    model = Model.from_definition(definition)
    if path:
        extra = replace(extra, path=path)
    _SOURCES[model] = extra
    return model
