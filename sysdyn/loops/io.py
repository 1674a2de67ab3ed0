"""Saving and loading causal loop diagrams: JSON, and XMILE with sysdyn's CLD extension.

JSON form::

    {"format": "sysdyn-cld", "version": 1, "name": ..., "doc": ...,
     "variables": [{"name": ..., "note": ..., "kind": ...}],
     "links": [{"source": ..., "target": ..., "sign": "+", "delay": false, "note": ...}]}

XMILE form: a standard XMILE document whose ``<model>`` holds a
``<sysdyn:cld>`` element in the namespace ``https://sysdyn.dev/xmile/cld/1``
(XMILE allows vendor extensions in their own namespace; other tools ignore
it), with ``<sysdyn:variable name= note= kind=/>`` and ``<sysdyn:link
from= to= polarity="+|-|?" delay="true|false" note=/>`` children.  Documents
with a DOCTYPE or entity declarations are refused.

Examples
--------
>>> from sysdyn.loops import CausalLoopDiagram
>>> cld = CausalLoopDiagram("t", [("a", "b", "+", True), ("b", "a", "-")])
>>> from_json(to_json(cld)) == cld, from_xmile(to_xmile(cld)) == cld
(True, True)
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from ..errors import ModelStructureError
from .cld import CausalLoopDiagram

__all__ = ["to_json", "from_json", "to_xmile", "from_xmile", "NAMESPACE", "CLDFormatError"]

NAMESPACE = "https://sysdyn.dev/xmile/cld/1"
_XMILE = "http://docs.oasis-open.org/xmile/ns/XMILE/v1.0"


class CLDFormatError(ModelStructureError):
    """A diagram file is not in the expected format."""


def _read(source: Any) -> str:
    if isinstance(source, Path) or (
        isinstance(source, str) and "\n" not in source and not source.lstrip().startswith(("{", "<"))
    ):
        return Path(source).read_text(encoding="utf-8")
    return str(source)


def _write(text: str, path: Any) -> str:
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text


def to_json(cld: CausalLoopDiagram, path: Any = None, *, indent: int = 2) -> str:
    """The diagram as JSON text (also written to ``path`` if given).

    Examples
    --------
    >>> cld = CausalLoopDiagram("t", [("a", "b", "+")])
    >>> import json; json.loads(to_json(cld))["links"]
    [{'source': 'a', 'target': 'b', 'sign': '+', 'delay': False, 'note': ''}]
    """
    data = {
        "format": "sysdyn-cld",
        "version": 1,
        "name": cld.name,
        "doc": cld.doc,
        "variables": [{"name": v, "note": cld.note(v), "kind": cld.kind(v)} for v in cld.variables],
        "links": [
            {"source": lk.source, "target": lk.target, "sign": lk.sign, "delay": lk.delay, "note": lk.note}
            for lk in cld.links
        ],
    }
    return _write(json.dumps(data, indent=indent, ensure_ascii=False), path)


def from_json(source: Any) -> CausalLoopDiagram:
    """Read a diagram from JSON text or a file path.

    Raises
    ------
    CLDFormatError
        If the text is not JSON, or not a sysdyn diagram.

    Examples
    --------
    >>> from_json('{"format": "sysdyn-cld", "links": [{"source": "a", "target": "b", "sign": "-"}]}').links
    [Link(source='a', target='b', sign='-', delay=False, note='')]
    """
    try:
        data = json.loads(_read(source))
    except json.JSONDecodeError as err:
        raise CLDFormatError(f"not valid JSON: {err}") from None
    if not isinstance(data, dict) or data.get("format") != "sysdyn-cld":
        raise CLDFormatError('not a sysdyn causal loop diagram (expected "format": "sysdyn-cld")')
    cld = CausalLoopDiagram(str(data.get("name", "cld")), doc=str(data.get("doc", "")))
    try:
        for v in data.get("variables", []):
            cld.variable(v["name"], note=v.get("note", ""), kind=v.get("kind", ""))
        for lk in data.get("links", []):
            cld.link(lk["source"], lk["target"], lk["sign"], bool(lk.get("delay", False)), lk.get("note", ""))
    except (KeyError, TypeError, AttributeError) as err:
        raise CLDFormatError(
            f"a variable needs a `name`, a link `source`, `target` and `sign` (problem: {err!r})"
        ) from None
    return cld


def to_xmile(cld: CausalLoopDiagram, path: Any = None) -> str:
    """The diagram as an XMILE document with a ``<sysdyn:cld>`` extension (also written to ``path``).

    Examples
    --------
    >>> print(to_xmile(CausalLoopDiagram("t", [("a", "b", "+", True)])).splitlines()[-4])
        <sysdyn:link from="a" to="b" polarity="+" delay="true" />
    """
    ET.register_namespace("", _XMILE)
    ET.register_namespace("sysdyn", NAMESPACE)
    root = ET.Element(f"{{{_XMILE}}}xmile", {"version": "1.0"})
    header = ET.SubElement(root, f"{{{_XMILE}}}header")
    ET.SubElement(header, f"{{{_XMILE}}}vendor").text = "sysdyn"
    ET.SubElement(header, f"{{{_XMILE}}}name").text = cld.name
    model = ET.SubElement(root, f"{{{_XMILE}}}model", {"name": cld.name})
    ext = ET.SubElement(model, f"{{{NAMESPACE}}}cld", {"name": cld.name, "doc": cld.doc})
    for v in cld.variables:
        ET.SubElement(ext, f"{{{NAMESPACE}}}variable", {"name": v, "note": cld.note(v), "kind": cld.kind(v)})
    for lk in cld.links:
        attrs = {"from": lk.source, "to": lk.target, "polarity": lk.sign, "delay": str(lk.delay).lower()}
        if lk.note:
            attrs["note"] = lk.note
        ET.SubElement(ext, f"{{{NAMESPACE}}}link", attrs)
    ET.indent(root)
    text = '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
    return _write(text, path)


def from_xmile(source: Any) -> CausalLoopDiagram:
    """Read a diagram from an XMILE document (text or path) holding a ``<sysdyn:cld>``.

    Raises
    ------
    CLDFormatError
        If the document is not well-formed, declares a DOCTYPE or entities, or has no diagram.

    Examples
    --------
    >>> cld = CausalLoopDiagram("t", [("a", "b", "+", True)])
    >>> from_xmile(to_xmile(cld)) == cld
    True
    """
    import defusedxml
    from defusedxml.ElementTree import fromstring

    text = _read(source)
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        raise CLDFormatError("XMILE documents with a DOCTYPE or entity declarations are not read")
    try:
        root = fromstring(text, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except ET.ParseError as err:
        raise CLDFormatError(f"not well-formed XML: {err}") from None
    except defusedxml.DefusedXmlException as err:
        raise CLDFormatError(f"unsafe XML refused: {err}") from None
    ext = root.find(f".//{{{NAMESPACE}}}cld")
    if ext is None:
        raise CLDFormatError(f"no <sysdyn:cld> element (namespace {NAMESPACE}) in the document")
    cld = CausalLoopDiagram(ext.get("name", "cld"), doc=ext.get("doc", ""))
    for v in ext.findall(f"{{{NAMESPACE}}}variable"):
        cld.variable(v.get("name", ""), note=v.get("note", ""), kind=v.get("kind", ""))
    for lk in ext.findall(f"{{{NAMESPACE}}}link"):
        delay = lk.get("delay", "false").strip().lower() in ("true", "1", "yes")
        cld.link(lk.get("from", ""), lk.get("to", ""), lk.get("polarity", ""), delay, lk.get("note", ""))
    return cld
