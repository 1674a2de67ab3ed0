"""Write a :class:`~sysdyn.Model` as an XMILE 1.0 document that Stella and sysdyn open.

:func:`write_xmile` turns the frozen definitions of :mod:`sysdyn.ir` back
into the elements :func:`~sysdyn.xmile.read_xmile` reads, so that reading a
written model gives the same run:

=====================================  ===========================================
sysdyn                                 XMILE
=====================================  ===========================================
:class:`~sysdyn.ir.SimSpecs`           ``<sim_specs>`` (``<dt reciprocal>`` when exact)
:class:`~sysdyn.ir.Stock`              ``<stock>`` with ``<inflow>``/``<outflow>``
:class:`~sysdyn.ir.Flow`               ``<flow>`` (``<non_negative/>`` for a uniflow)
:class:`~sysdyn.ir.Aux`, ``Constant``  ``<aux>``
``lookup`` of a variable               ``<gf>`` inside it, with ``<xpts>``/``<ypts>``
stand-alone lookup                     ``<gf name=...>`` among the variables
:class:`~sysdyn.ir.Dimension`          ``<dimensions><dim><elem/></dim></dimensions>``
per-element equations                  ``<element subscript=...><eqn/></element>``
network dimension (``Model.network``)  a dimension, its copy ``<name> peer`` and a dense
                                       adjacency matrix; operators as array builtins
=====================================  ===========================================

A model with a network dimension is written through
:func:`~sysdyn.xmile.network_export.arrays_definition` (an XML comment in the
``<model>`` says so); reading the file back gives an ordinary arrayed model
with the same run.  A network that changes during the run, holds one graph
per run or has more than :data:`~sysdyn.xmile.network_export.MAX_NODES`
nodes is an :class:`~sysdyn.xmile.safety.XmileError`.

Equations are written in the dialect Stella reads: functions and operators
that only sysdyn or Vensim know (``INTEGER``, ``MODULO``, ``SMOOTH``, ``ZIDZ``,
``&&``...) are rewritten into XMILE equivalents with the same value by
:func:`~sysdyn.xmile.dialect.stella_equation`; other equations are written
exactly as they are.

Numbers are written with :func:`repr`, which reads back as the same float,
so a round trip (read, write, read) reproduces a run bit for bit.  A model
that was read from a file keeps its diagrams: the ``<views>`` element and the
namespace declarations it needs are written back unchanged.  A model read
from a file with modules is split into its modules again: the main
``<model>`` with a ``<module>`` per instance, whose ``<connect>`` elements bind
the inputs, and a ``<model name=...>`` per instance
(:func:`~sysdyn.xmile.modules.unflatten`).  If the model was changed so that
it no longer splits (a module's variable uses one outside its module other
than through an input), it is written flat, with an XML comment saying so,
and without the diagram that drew the modules.  The ``<macro>`` definitions
of a file are written back as they were read (the equations that called
them hold their expanded expressions).

Solvers: ``euler``, ``rk2``, ``rk4`` and ``RK45`` have XMILE names (``Euler``,
``RK2``, ``RK4``, ``RK45``) and ``BDF`` is written as Stella's stiff ``Gear`` method.  Other
SciPy methods are written as ``RK45`` with the exact solver in a
``sysdyn:solver`` attribute, which :func:`~sysdyn.xmile.read_xmile` honours
and other tools ignore.

Text is escaped by :mod:`xml.etree.ElementTree`, so a name or an equation
can never break out of its element.
"""

from __future__ import annotations

import copy
import math
import os
import re
from dataclasses import replace
from importlib import metadata
from pathlib import Path
from xml.etree.ElementTree import Comment, Element, SubElement, indent, tostring

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
from .dialect import stella_equation
from .modules import Scope, unflatten
from .names import reference
from .network_export import arrays_definition, has_networks
from .reader import source_of
from .safety import XmileError

__all__ = ["write_xmile", "XMILE_NAMESPACE", "ISEE_NAMESPACE", "SYSDYN_NAMESPACE", "xmile_method"]

#: The namespace of XMILE 1.0 documents (OASIS).
XMILE_NAMESPACE = "http://docs.oasis-open.org/xmile/ns/XMILE/v1.0"
#: isee systems' namespace (Stella's extensions, such as ``isee:save_interval``).
ISEE_NAMESPACE = "http://iseesystems.com/XMILE"
#: sysdyn's namespace, for what XMILE has no word for (the exact SciPy solver).
SYSDYN_NAMESPACE = "urn:sysdyn:xmile:1"

# sysdyn solver name (lower case) -> XMILE method name
_XMILE_METHODS = {"euler": "Euler", "rk2": "RK2", "rk4": "RK4", "rk45": "RK45", "bdf": "Gear"}


def xmile_method(method: str) -> tuple[str, str | None]:
    """The XMILE ``method`` attribute for a sysdyn solver, and the exact solver if XMILE has no name for it.

    Parameters
    ----------
    method : str
        A name from :func:`sysdyn.solvers.available`.

    Returns
    -------
    (str, str or None)
        The XMILE method, and the name to keep in ``sysdyn:solver`` (None
        when the XMILE name says it all).

    Examples
    --------
    >>> xmile_method("euler"), xmile_method("BDF"), xmile_method("DOP853")
    (('Euler', None), ('Gear', None), ('RK45', 'DOP853'))
    """
    name = _XMILE_METHODS.get(method.lower())
    if name is not None:
        return name, None
    return "RK45", method


def _number(value: float) -> str:
    """A float as text that reads back as the same float (``1.0`` as ``1``)."""
    if not math.isfinite(value):
        raise XmileError(f"cannot write the non-finite number {value!r} to XMILE")
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


def _text_element(parent: Element, tag: str, text: str, **attrib: str) -> Element:
    child = SubElement(parent, tag, attrib)
    child.text = text
    return child


def _version() -> str:
    try:
        return metadata.version("sysdyn-sim")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0"


class _Writer:
    def __init__(self, definition: ModelDefinition):
        self.definition = definition
        self.dimensions = {d.key: d for d in definition.dimensions}
        self.modules: frozenset[str] = frozenset()  # module instances of the <model> being written

    # ------------------------------------------------------------------ top level
    def document(
        self,
        views: Element | None,
        namespaces: dict[str, str],
        modules: tuple[str, ...] = (),
        macros: tuple[Element, ...] = (),
        notes: tuple[str, ...] = (),
    ) -> Element:
        d = self.definition
        declared = {"": XMILE_NAMESPACE, "isee": ISEE_NAMESPACE, **namespaces}
        method, solver = xmile_method(d.sim_specs.method)
        if solver is not None:
            declared.setdefault("sysdyn", SYSDYN_NAMESPACE)
        root = Element("xmile", {"version": "1.0"})
        for prefix, uri in declared.items():
            root.set("xmlns" if not prefix else f"xmlns:{prefix}", uri)
        self._header(root, modules=bool(modules))
        self._sim_specs(root, d.sim_specs, method, solver)
        if d.dimensions:
            dims = SubElement(root, "dimensions")
            for dim in d.dimensions:
                self._dimension(dims, dim)
        for macro in macros:  # their calls are expanded in the equations; the definitions are kept
            root.append(copy.deepcopy(macro))
        scopes = unflatten(d.variables, d.lookups, modules) if modules else None
        if isinstance(scopes, list):
            main, *inner = scopes
            model = self._model(root, main, doc=d.doc)
            for note in notes:
                model.insert(0, Comment(f" {note} "))
            if views is not None:
                model.append(copy.deepcopy(views))
            for scope in inner:
                self._model(root, scope)
            return root
        model = SubElement(root, "model")
        for note in notes:
            model.append(Comment(f" {note} "))
        if scopes is not None:  # the modules cannot be split out again: written flat, with a note
            model.append(
                Comment(
                    f" Written by sysdyn from a file with modules ({', '.join(modules)}), flattened into "
                    f"this one model because {scopes}: the variable v of module instance m is named 'm.v'. "
                )
            )
            views = None  # the diagram draws the modules, which this file no longer has
        if d.doc:
            _text_element(model, "doc", d.doc)
        variables = SubElement(model, "variables")
        for lookup in d.lookups:
            variables.append(self._graphical(lookup, named=True))
        for variable in d.variables:
            variables.append(self._variable(variable))
        if views is not None:
            model.append(copy.deepcopy(views))
        return root

    def _model(self, root: Element, scope: Scope, doc: str = "") -> Element:
        """A ``<model>`` for the main model or a module instance (:func:`~sysdyn.xmile.modules.unflatten`)."""
        model = SubElement(root, "model", {"name": scope.local} if scope.instance else {})
        if doc:
            _text_element(model, "doc", doc)
        variables = SubElement(model, "variables")
        self.modules = frozenset(name for name, _ in scope.modules)
        for lookup in scope.lookups:
            variables.append(self._graphical(lookup, named=True))
        for variable in scope.variables:
            element = self._variable(variable)
            if variable.key in scope.inputs:
                element.set("access", "input")
            elif variable.key in scope.outputs:
                element.set("access", "output")
            variables.append(element)
        for name, connects in scope.modules:
            module = SubElement(variables, "module", {"name": name})
            for target, source in connects:
                SubElement(module, "connect", {"to": target, "from": source})
        return model

    def _header(self, root: Element, modules: bool = False) -> None:
        header = SubElement(root, "header")
        _text_element(header, "name", self.definition.name)
        _text_element(header, "vendor", "sysdyn")
        _text_element(header, "product", "sysdyn", version=_version(), lang="en")
        arrayed = [len(v.dimensions) for v in self.definition.variables if v.dimensions]
        if arrayed or modules:
            options = SubElement(header, "options")
            if arrayed:
                SubElement(options, "uses_arrays", {"maximum_dimensions": str(max(arrayed))})
            if modules:
                SubElement(options, "uses_submodels")

    def _sim_specs(self, root: Element, specs: SimSpecs, method: str, solver: str | None) -> None:
        attrib = {"method": method}
        if specs.time_units:
            attrib["time_units"] = specs.time_units
        if solver is not None:
            attrib["sysdyn:solver"] = solver
        if specs.saveper is not None and specs.saveper != specs.dt:
            attrib["isee:save_interval"] = _number(specs.saveper)
        element = SubElement(root, "sim_specs", attrib)
        _text_element(element, "start", _number(specs.start))
        _text_element(element, "stop", _number(specs.stop))
        reciprocal = 1.0 / specs.dt
        if specs.dt < 1 and reciprocal == round(reciprocal) and 1.0 / round(reciprocal) == specs.dt:
            _text_element(element, "dt", str(round(reciprocal)), reciprocal="true")
        else:
            _text_element(element, "dt", _number(specs.dt))

    def _dimension(self, parent: Element, dim: Dimension) -> None:
        element = SubElement(parent, "dim", {"name": dim.name})
        for name in dim.elements:
            SubElement(element, "elem", {"name": name})
        if dim.doc:
            _text_element(element, "doc", dim.doc)

    # ------------------------------------------------------------------ variables
    def _graphical(self, lookup: GraphicalFunction, *, named: bool) -> Element:
        attrib = {"name": lookup.name} if named else {}
        attrib["type"] = lookup.kind
        element = Element("gf", attrib)
        SubElement(element, "xscale", {"min": _number(min(lookup.x)), "max": _number(max(lookup.x))})
        SubElement(element, "yscale", {"min": _number(min(lookup.y)), "max": _number(max(lookup.y))})
        _text_element(element, "xpts", ",".join(_number(v) for v in lookup.x))
        _text_element(element, "ypts", ",".join(_number(v) for v in lookup.y))
        if named and lookup.units:
            _text_element(element, "units", lookup.units)
        if named and lookup.doc:
            _text_element(element, "doc", lookup.doc)
        return element

    def _equations(self, element: Element, variable: Variable) -> None:
        if variable.dimensions:
            dims = SubElement(element, "dimensions")
            for dim in variable.dimensions:
                SubElement(dims, "dim", {"name": self._dimension_name(dim, variable)})
        if variable.element_equations:
            for labels, equation in variable.element_equations:
                item = SubElement(element, "element", {"subscript": ", ".join(labels)})
                _text_element(
                    item, "eqn", stella_equation(equation, element=variable.name, modules=self.modules)
                )
        else:
            _text_element(
                element,
                "eqn",
                stella_equation(variable.equation, element=variable.name, modules=self.modules),
            )

    def _dimension_name(self, name: str, variable: Variable) -> str:
        dim = self.dimensions.get(canonical(name))
        if dim is None:
            raise XmileError(
                f"the variable is arrayed over `{name}`, which is not a dimension", element=variable.name
            )
        return dim.name

    def _variable(self, variable: Variable) -> Element:
        if isinstance(variable, Stock):
            element = Element("stock", {"name": variable.name})
            self._equations(element, variable)
            for flow in variable.inflows:
                _text_element(element, "inflow", reference(flow))
            for flow in variable.outflows:
                _text_element(element, "outflow", reference(flow))
            if variable.non_negative:
                SubElement(element, "non_negative")
        elif isinstance(variable, Flow):
            element = Element("flow", {"name": variable.name})
            self._equations(element, variable)
            if variable.lookup is not None:
                element.append(self._graphical(variable.lookup, named=False))
            if variable.non_negative:
                SubElement(element, "non_negative")
        elif isinstance(variable, (Aux, Constant)):
            element = Element("aux", {"name": variable.name})
            self._equations(element, variable)
            lookup = getattr(variable, "lookup", None)
            if lookup is not None:
                element.append(self._graphical(lookup, named=False))
        else:  # pragma: no cover - the IR has no other kinds
            raise XmileError(f"cannot write a {type(variable).__name__} to XMILE", element=variable.name)
        if variable.units:
            _text_element(element, "units", variable.units)
        if variable.doc:
            _text_element(element, "doc", variable.doc)
        return element


def _with_macro_calls(
    definition: ModelDefinition, calls: dict[tuple[str, str], str], instances: dict[str, tuple[str, ...]]
) -> ModelDefinition:
    """``definition`` with the macro calls of a file written back where their expansion was not changed.

    A variable whose every equation is still the expansion read from the
    file gets the equations with the calls; the variables made for its calls
    of macros with stocks are then left out (the calls make them again when
    the file is read).  A call of a macro whose name has spaces is written
    with underscores (``EXPRESSION_MACRO(x)``).
    """

    def original(key: str, equation: str) -> str | None:
        text = calls.get((key, equation))
        if text is None:
            return None
        return re.sub(r'"([^"\\]*)"(?=\s*\()', lambda m: m.group(1).replace(" ", "_"), text)

    restored: dict[str, Variable] = {}
    for v in definition.variables:
        if v.element_equations:
            texts = [original(v.key, eq) for _, eq in v.element_equations]
            if texts and all(t is not None for t in texts):
                pairs = tuple((labels, t) for (labels, _), t in zip(v.element_equations, texts, strict=True))
                restored[v.key] = replace(v, element_equations=pairs)
        else:
            text = original(v.key, v.equation)
            if text is not None:
                restored[v.key] = replace(v, equation=text)
    dropped = {k for host in restored for k in instances.get(host, ())}
    variables = tuple(restored.get(v.key, v) for v in definition.variables if v.key not in dropped)
    return replace(definition, variables=variables)


def _network_note(networks: list[str]) -> str:
    shown = ", ".join(f"'{n}'" for n in networks).replace("--", "- -")  # "--" would end the XML comment
    return (
        f"Written by sysdyn from a model with the network dimension(s) {shown}: XMILE has no networks, so "
        "each is written as an ordinary dimension with a dense adjacency matrix, and the network operators "
        "(NEIGHBOR_SUM, DIFFUSION, DEGREE...) as array builtins over it (sysdyn.xmile.network_export)."
    )


def _definition_of(model: Model | ModelDefinition) -> ModelDefinition:
    if isinstance(model, ModelDefinition):
        return model
    if isinstance(model, Model):
        return model.definition
    raise XmileError(f"write_xmile needs a sysdyn Model or ModelDefinition, got a {type(model).__name__}")


def write_xmile(
    model: Model | ModelDefinition,
    path: str | os.PathLike | None = None,
    *,
    views: bool = True,
) -> str | None:
    """Write ``model`` as an XMILE 1.0 document.

    Parameters
    ----------
    model : Model or ModelDefinition
        The model to write.
    path : str or path-like, optional
        Where to write the file (UTF-8).  Without it the document is returned
        as text.
    views : bool
        Write back the diagrams (``<views>``) of a model read from a file.

    Returns
    -------
    str or None
        The document when ``path`` is not given; None when it was written
        to ``path``.

    Raises
    ------
    XmileError
        The model holds something XMILE cannot say (a non-finite number in
        a graphical function, a variable over an unknown dimension, a network
        that changes during the run or is too big for a dense adjacency
        matrix), or the file cannot be written.

    See Also
    --------
    sysdyn.read_xmile : read the file back.

    Examples
    --------
    >>> import sysdyn as sd
    >>> m = sd.Model("Decay", stop=4, dt=0.25, method="euler", time_units="months")
    >>> m.stock("Knowledge", 100, outflows=["Forgetting"], units="ideas")
    >>> m.flow("Forgetting", "Knowledge / memory_time", units="ideas/month")
    >>> m.constant("memory time", 12, units="months")
    >>> text = write_xmile(m)
    >>> print(text.splitlines()[1])
    <xmile version="1.0" xmlns="http://docs.oasis-open.org/xmile/ns/XMILE/v1.0" xmlns:isee="http://iseesystems.com/XMILE">
    >>> '<dt reciprocal="true">4</dt>' in text, "<outflow>Forgetting</outflow>" in text
    (True, True)
    >>> bool((sd.read_xmile(text).run()["Knowledge"] == m.run()["Knowledge"]).all())
    True
    """
    definition = _definition_of(model)
    source = source_of(model) if isinstance(model, Model) else None
    kept_views = source.views if (views and source is not None) else None
    namespaces = dict(source.namespaces) if source is not None else {}
    modules = source.modules if source is not None else ()
    macros = source.macros if source is not None else ()
    if source is not None and source.macro_calls:
        definition = _with_macro_calls(definition, source.macro_calls, source.macro_instances)
    notes: tuple[str, ...] = ()
    if has_networks(definition):
        networks = [d.name for d in definition.dimensions if getattr(d, "is_network", False)]
        definition = arrays_definition(definition)
        notes = (_network_note(networks),)
    root = _Writer(definition).document(kept_views, namespaces, modules, macros, notes)
    indent(root, space="  ")
    text = tostring(root, encoding="unicode", xml_declaration=False)
    document = '<?xml version="1.0" encoding="utf-8"?>\n' + text + "\n"
    if path is None:
        return document
    target = Path(path)
    try:
        target.write_text(document, encoding="utf-8")
    except OSError as err:
        raise XmileError(f"cannot write `{target}`: {err.strerror or err}") from None
    return None
