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
=====================================  ===========================================

Numbers are written with :func:`repr`, which reads back as the same float,
so a round trip (read, write, read) reproduces a run bit for bit.  A model
that was read from a file keeps its diagrams: the ``<views>`` element and the
namespace declarations it needs are written back unchanged.

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
from importlib import metadata
from pathlib import Path
from xml.etree.ElementTree import Element, SubElement, indent, tostring

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
from .names import reference
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

    # ------------------------------------------------------------------ top level
    def document(self, views: Element | None, namespaces: dict[str, str]) -> Element:
        d = self.definition
        declared = {"": XMILE_NAMESPACE, "isee": ISEE_NAMESPACE, **namespaces}
        method, solver = xmile_method(d.sim_specs.method)
        if solver is not None:
            declared.setdefault("sysdyn", SYSDYN_NAMESPACE)
        root = Element("xmile", {"version": "1.0"})
        for prefix, uri in declared.items():
            root.set("xmlns" if not prefix else f"xmlns:{prefix}", uri)
        self._header(root)
        self._sim_specs(root, d.sim_specs, method, solver)
        if d.dimensions:
            dims = SubElement(root, "dimensions")
            for dim in d.dimensions:
                self._dimension(dims, dim)
        model = SubElement(root, "model")
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

    def _header(self, root: Element) -> None:
        header = SubElement(root, "header")
        _text_element(header, "name", self.definition.name)
        _text_element(header, "vendor", "sysdyn")
        _text_element(header, "product", "sysdyn", version=_version(), lang="en")
        arrayed = [len(v.dimensions) for v in self.definition.variables if v.dimensions]
        if arrayed:
            options = SubElement(header, "options")
            SubElement(options, "uses_arrays", {"maximum_dimensions": str(max(arrayed))})

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
                _text_element(item, "eqn", equation)
        else:
            _text_element(element, "eqn", variable.equation)

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
        a graphical function, a variable over an unknown dimension), or the
        file cannot be written.

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
    root = _Writer(definition).document(kept_views, namespaces)
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
