"""Variable names as XMILE defines them.

XMILE names are case-insensitive, and a space and an underscore are the same
character; runs of white space (including line breaks inside a name) count as
one space.  :func:`canonical` maps every spelling of a name to one key, and
:func:`closest` suggests a defined name for a misspelt one.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterable

__all__ = ["canonical", "closest", "python_identifier"]

_SEPARATORS = re.compile(r"[\s_]+")


def canonical(name: str) -> str:
    """Return the canonical key of a variable name.

    Parameters
    ----------
    name : str
        A name as written by a user or in a model file; surrounding double
        quotes (XMILE's quoted names) are removed.

    Returns
    -------
    str
        Lower case, with every run of spaces, underscores and line breaks
        turned into one space, and no leading or trailing space.

    Examples
    --------
    >>> canonical("Learning_Rate")
    'learning rate'
    >>> canonical('"memory  time"')
    'memory time'
    """
    try:
        return _canonical_cached(name)
    except TypeError:  # unhashable: let the string methods say what is wrong
        return _canonical_text(name)


def _canonical_text(name: str) -> str:
    text = name.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = text[1:-1]
    text = text.replace("\\n", " ")
    return _SEPARATORS.sub(" ", text).strip().lower()


# Names are looked up again and again (every equation, every run's results): remember the recent ones.
_canonical_cached = functools.lru_cache(maxsize=65536)(_canonical_text)


def closest(name: str, candidates: Iterable[str]) -> str | None:
    """Return the candidate most like ``name``, or None if none is close.

    Parameters
    ----------
    name : str
        The misspelt name.
    candidates : iterable of str
        The names that exist (display names are fine; matching is done on
        their canonical keys).

    Examples
    --------
    >>> closest("learning_rte", ["Learning rate", "Staff", "Capacity"])
    'Learning rate'
    >>> closest("zzz", ["Staff"]) is None
    True
    """
    by_key: dict[str, str] = {}
    for candidate in candidates:
        by_key.setdefault(canonical(candidate), candidate)
    matches = difflib.get_close_matches(canonical(name), list(by_key), n=1, cutoff=0.6)
    return by_key[matches[0]] if matches else None


def python_identifier(index: int, name: str) -> str:
    """Return a safe Python identifier for generated code.

    The identifier is built from our own counter and only the ASCII letters
    and digits of the name, so no text from a model can change the meaning
    of generated code.

    Examples
    --------
    >>> python_identifier(3, "memory time")
    'v3_memory_time'
    >>> python_identifier(4, "__import__('os')")
    'v4_import_os'
    """
    slug = "_".join(re.findall(r"[A-Za-z0-9]+", name))[:40]
    return f"v{index}_{slug}" if slug else f"v{index}"
