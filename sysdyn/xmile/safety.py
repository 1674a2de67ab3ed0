"""Hardened loading of XMILE documents.

Model files come from anywhere, so the XML parser is the first line of
defence.  :func:`load_document` reads a file (or text) into an
:class:`xml.etree.ElementTree.Element` tree with these guarantees:

* **Size cap before parsing.**  A file larger than ``max_bytes`` is refused
  from its size alone (``os.stat``), before a byte is read.
* **No DTDs, entities or external references.**  Parsing goes through
  :mod:`defusedxml` with ``forbid_dtd``, ``forbid_entities`` and
  ``forbid_external`` all on, so a billion-laughs bomb or an external entity
  (``<!ENTITY x SYSTEM "file:///etc/passwd">``) stops at its declaration.
* **Bounded trees.**  At most :data:`MAX_ELEMENTS` elements and
  :data:`MAX_DEPTH` levels of nesting.
* **No recovery.**  Broken XML (a truncated file, a mismatched tag) is an
  error with its line and column, never silently patched up.

The SAX front end of defusedxml is used without namespace processing, so
tags keep their prefixes as written (``isee:prefs``).  Stella writes
``isee:`` prefixes without declaring them; a namespace-aware parser rejects
such files, while this one reads them and the reader matches tags on their
local names.  Tags and attribute names in the returned tree are the
qualified names from the file.

Examples
--------
>>> root = load_document('<xmile><model name="m"/></xmile>')
>>> root.tag, root[0].get("name")
('xmile', 'm')
"""

from __future__ import annotations

import os
import re
import xml.sax
import xml.sax.handler
from pathlib import Path
from xml.etree.ElementTree import Element

import defusedxml
import defusedxml.sax

from ..errors import SysdynError

__all__ = [
    "XmileError",
    "UnsafeXmlError",
    "FileTooLargeError",
    "MalformedXmlError",
    "load_document",
    "is_document_text",
    "MAX_BYTES",
    "MAX_ELEMENTS",
    "MAX_DEPTH",
]

#: Largest file read by default, in bytes (64 MiB; the largest published Stella models are a few MB).
MAX_BYTES = 64 * 1024 * 1024
#: Most elements a document may have.
MAX_ELEMENTS = 1_000_000
#: Deepest nesting of elements a document may have.
MAX_DEPTH = 200

_ENCODING_DECL = re.compile(r"^(\s*<\?xml[^>]*?\bencoding\s*=\s*)(['\"])[^'\"]*\2", re.IGNORECASE)


class XmileError(SysdynError):
    """A model file cannot be read or written as XMILE."""


class UnsafeXmlError(XmileError):
    """The file uses XML features refused for safety (DTDs, entities, external references)."""


class FileTooLargeError(XmileError):
    """The file is larger than the size cap, or has too many or too deeply nested elements."""


class MalformedXmlError(XmileError):
    """The file is not well-formed XML (for example truncated).

    ``line`` and ``column`` (1-based, ``None`` if unknown) say where the
    parser stopped.
    """

    def __init__(self, message: str, *, line: int | None = None, column: int | None = None, **kwargs):
        self.line = line
        self.column = column
        super().__init__(message, **kwargs)


class _TreeBuilder(xml.sax.handler.ContentHandler):
    """Build an ElementTree from SAX events, with element and depth caps."""

    def __init__(self, source: str, max_elements: int, max_depth: int):
        super().__init__()
        self.source = source
        self.max_elements = max_elements
        self.max_depth = max_depth
        self.stack: list[Element] = []
        self.root: Element | None = None
        self.count = 0
        self.text: list[str] = []
        self.last: Element | None = None  # element whose text/tail the pending characters belong to
        self.last_closed = False

    def _flush(self) -> None:
        if not self.text:
            return
        chunk = "".join(self.text)
        self.text = []
        if self.last is None:
            return
        if self.last_closed:
            self.last.tail = (self.last.tail or "") + chunk
        else:
            self.last.text = (self.last.text or "") + chunk

    def startElement(self, name, attrs):
        self._flush()
        self.count += 1
        if self.count > self.max_elements:
            raise FileTooLargeError(f"{self.source} has more than {self.max_elements:,} XML elements")
        if len(self.stack) >= self.max_depth:
            raise FileTooLargeError(f"{self.source} nests XML elements more than {self.max_depth} deep")
        element = Element(name, dict(attrs.items()))
        if self.stack:
            self.stack[-1].append(element)
        else:
            self.root = element
        self.stack.append(element)
        self.last, self.last_closed = element, False

    def endElement(self, name):
        self._flush()
        element = self.stack.pop()
        self.last, self.last_closed = element, True

    def characters(self, content):
        self.text.append(content)


def is_document_text(source: str) -> bool:
    """Whether a string is an XML document (it starts with ``<``) rather than a path.

    Examples
    --------
    >>> is_document_text("  <xmile/>"), is_document_text("teacup.stmx")
    (True, False)
    """
    return source.lstrip("\ufeff \t\r\n").startswith("<")


def _read_source(source: str | bytes | os.PathLike, max_bytes: int) -> tuple[bytes, str]:
    """Return the document bytes and a label for messages, checking the size first."""
    if isinstance(source, bytes):
        label = "the XMILE text"
        data = source
    elif isinstance(source, str) and is_document_text(source):
        label = "the XMILE text"
        if len(source) > max_bytes:  # cheap check before encoding
            raise FileTooLargeError(
                f"{label} is {len(source):,} characters; the limit is {max_bytes:,} bytes"
            )
        # The text is already decoded: make any encoding declaration agree with the bytes we pass on.
        data = _ENCODING_DECL.sub(lambda m: f"{m[1]}{m[2]}utf-8{m[2]}", source, count=1).encode("utf-8")
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        label = f"`{path}`"
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            raise XmileError(f"no such file: {label}") from None
        except OSError as err:
            raise XmileError(f"cannot read {label}: {err.strerror or err}") from None
        if not path.is_file():
            raise XmileError(f"{label} is not a file")
        if size > max_bytes:
            raise FileTooLargeError(
                f"{label} is {size:,} bytes; the limit is {max_bytes:,} bytes "
                "(pass a larger `max_bytes` to read it anyway)"
            )
        try:
            with path.open("rb") as handle:
                # read what stat reported (plus one byte to see growth), not a max_bytes buffer
                data = handle.read(min(size, max_bytes) + 1)
        except OSError as err:
            raise XmileError(f"cannot read {label}: {err.strerror or err}") from None
    else:
        raise XmileError(f"expected a path or XMILE text, got a {type(source).__name__}")
    if len(data) > max_bytes:
        raise FileTooLargeError(f"{label} is over {max_bytes:,} bytes, the limit")
    if not data.strip():
        raise MalformedXmlError(f"{label} is empty")
    return data, label


def load_document(
    source: str | bytes | os.PathLike,
    *,
    max_bytes: int = MAX_BYTES,
    max_elements: int = MAX_ELEMENTS,
    max_depth: int = MAX_DEPTH,
) -> Element:
    """Parse an XML document safely and return its root element.

    Parameters
    ----------
    source : str, bytes or path-like
        A path to a file, or the document itself (a string starting with
        ``<``, or bytes).
    max_bytes, max_elements, max_depth : int
        Caps on the size of the file, the number of elements and their
        nesting depth.

    Returns
    -------
    xml.etree.ElementTree.Element
        The root, with tags and attribute names as written in the file
        (prefixes kept, namespaces not resolved).

    Raises
    ------
    FileTooLargeError, UnsafeXmlError, MalformedXmlError, XmileError

    Examples
    --------
    >>> load_document("<a><b/>")
    Traceback (most recent call last):
    ...
    sysdyn.xmile.safety.MalformedXmlError: the XMILE text is not well-formed XML: no element found ...)
    >>> load_document('<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>')
    Traceback (most recent call last):
    ...
    sysdyn.xmile.safety.UnsafeXmlError: the XMILE text declares a DTD ...
    """
    data, label = _read_source(source, max_bytes)
    builder = _TreeBuilder(label, max_elements, max_depth)
    try:
        defusedxml.sax.parseString(data, builder, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except defusedxml.DTDForbidden:
        raise UnsafeXmlError(
            f"{label} declares a DTD (<!DOCTYPE ...>); XMILE files have none, and DTDs are refused because "
            "they can define entity bombs and external references"
        ) from None
    except defusedxml.EntitiesForbidden as err:
        raise UnsafeXmlError(f"{label} declares an XML entity `{err.name}`; entities are refused") from None
    except defusedxml.ExternalReferenceForbidden:
        raise UnsafeXmlError(
            f"{label} refers to an external resource; external references are refused"
        ) from None
    except xml.sax.SAXParseException as err:
        line, column = err.getLineNumber(), err.getColumnNumber()
        where = f" (line {line}, column {column + 1})" if line is not None and line > 0 else ""
        raise MalformedXmlError(
            f"{label} is not well-formed XML: {err.getMessage()}{where}",
            line=line,
            column=None if column is None else column + 1,
        ) from None
    except xml.sax.SAXException as err:
        raise MalformedXmlError(f"{label} could not be parsed: {err.getMessage()}") from None
    if builder.root is None:  # pragma: no cover - expat reports "no element found" first
        raise MalformedXmlError(f"{label} has no root element")
    return builder.root
