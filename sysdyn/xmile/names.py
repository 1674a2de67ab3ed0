"""How names are spelled in XMILE files.

A ``name`` attribute holds a name as people read it (``"Flow w/ division"``);
references to it (``<inflow>``, equations, views) write spaces as
underscores and may put the name in double quotes.  A line break inside a
name is written ``\\n``.  :func:`sysdyn.names.canonical` maps all these
spellings to one key; this module reads display names and writes
references.

Examples
--------
>>> display_name('  "Stock with \\\\n break" ')
'Stock with \\\\n break'
>>> reference("memory time"), reference("Aux with $peC!@| characters")
('memory_time', '"Aux_with_$peC!@|_characters"')
"""

from __future__ import annotations

import re

from ..equations.lexer import FORBIDDEN_WORDS, KEYWORDS

__all__ = ["display_name", "reference", "unquote"]

_PLAIN = re.compile(r"^[^\W\d][\w$]*$")
_WORD_OPERATORS = frozenset({"and", "or", "not", "mod"})


def unquote(text: str) -> str:
    """Remove surrounding double quotes and undo ``\\"`` and ``\\\\`` escapes inside them.

    Examples
    --------
    >>> unquote('"a \\\\" b"'), unquote("plain")
    ('a " b', 'plain')
    """
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        inner = text[1:-1]
        return re.sub(r'\\(["\\])', r"\1", inner)
    return text


def display_name(attribute: str) -> str:
    """Return the name to show for a ``name`` attribute (quotes removed, white space trimmed).

    Line-break escapes (``\\n``) are kept as written, so that a name written
    back is the same text; :func:`sysdyn.names.canonical` reads them as a
    space.

    Examples
    --------
    >>> display_name("Room_Temperature")
    'Room_Temperature'
    """
    return unquote(attribute)


def reference(name: str) -> str:
    """Spell ``name`` as an equation may refer to it.

    Spaces become underscores; a name that is not a plain identifier after
    that (punctuation, a leading digit, a word of the language such as
    ``not`` or ``import``) is put in double quotes with ``"`` and ``\\``
    escaped.

    Examples
    --------
    >>> reference("Room Temperature")
    'Room_Temperature'
    >>> reference("import"), reference("2nd stage")
    ('"import"', '"2nd_stage"')
    """
    underscored = re.sub(r"\s+", "_", name.strip())
    lowered = underscored.lower()
    if (
        _PLAIN.match(underscored)
        and not underscored.startswith("__")
        and lowered not in FORBIDDEN_WORDS
        and lowered not in KEYWORDS
        and lowered not in _WORD_OPERATORS
    ):
        return underscored
    escaped = re.sub(r'(["\\])', r"\\\1", underscored)
    # a written line break (backslash-n) stays a line break, not an escaped backslash
    escaped = escaped.replace("\\\\n", "\\n")
    return f'"{escaped}"'
