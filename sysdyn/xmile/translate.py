"""Rewrite Stella and XMILE spellings that sysdyn's equation language spells differently.

Equations stay text; this module only rewrites the text, by scanning it
into words, quoted names, numbers, comments and punctuation (it never runs
it).  The rewrites are:

* ``PI()`` becomes ``PI`` (Stella writes the constant as a call);
* ``SINH(x)``, ``COSH(x)`` and ``TANH(x)`` become their definitions in
  terms of ``EXP``, because the builtin allow-list has no hyperbolic
  functions;
* a variable named like a programming-language word (``import``,
  ``class``...), which the equation lexer refuses unquoted, is quoted:
  ``"import"``;
* in a file written by Vensim (its own XMILE export, or xmutil), ``INT(x)``
  and ``a MOD b`` are Vensim's ``INTEGER`` and ``MODULO`` written with XMILE
  names, so they become ``INTEGER(x)`` (truncation toward zero) and
  ``MODULO(a, b)`` (the remainder with the sign of ``a``); XMILE's own ``INT``
  is the floor and its ``MOD`` the floored modulus (XMILE 1.0 section 3.3.1).
  Such an equation is rewritten as a tree and printed back
  (:func:`sysdyn.equations.printer.unparse`).

Examples
--------
>>> translate_equation("SIN(PI()) + import")
'SIN(PI) + "import"'
>>> translate_equation("TANH(x[a])")
'((EXP(2 * (x[a])) - 1) / (EXP(2 * (x[a])) + 1))'
>>> translate_equation("INT(Stock) + Stock mod 3", vensim=True)
'INTEGER(Stock) + MODULO(Stock, 3)'
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..equations import parse
from ..equations.lexer import FORBIDDEN_WORDS
from ..equations.nodes import BinaryOp, Call, Node, map_children
from ..equations.printer import unparse
from ..errors import SysdynError

__all__ = ["translate_equation", "HYPERBOLIC"]

_VENSIM_ROUNDING = re.compile(r"\b(?:int|mod)\b", re.IGNORECASE)

#: Definitions of the hyperbolic functions; ``{x}`` is the (parenthesised) argument.
HYPERBOLIC = {
    "sinh": "((EXP({x}) - EXP(-{x})) / 2)",
    "cosh": "((EXP({x}) + EXP(-{x})) / 2)",
    "tanh": "((EXP(2 * {x}) - 1) / (EXP(2 * {x}) + 1))",
}


def _is_word_start(ch: str) -> bool:
    return ch.isalpha() or ch in "_$"


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch in "_$"


def scan(text: str, *, dotted: bool = False) -> Iterator[tuple[str, int, int]]:
    """Yield ``(kind, start, end)`` spans: 'word', 'quoted', 'comment', 'number', 'space' or 'char'.

    With ``dotted``, a word runs on over ``.name`` parts (a module's ``hares.births``).

    Examples
    --------
    >>> [(kind, "a.b + 1"[i:j]) for kind, i, j in scan("a.b + 1", dotted=True) if kind != "space"]
    [('word', 'a.b'), ('char', '+'), ('number', '1')]
    """
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            yield "quoted", i, min(j + 1, n)
            i = j + 1
        elif ch == "{":
            j = text.find("}", i + 1)
            j = n if j < 0 else j + 1
            yield "comment", i, j
            i = j
        elif _is_word_start(ch):
            j = i + 1
            while j < n and (
                _is_word_char(text[j])
                or (dotted and text[j] == "." and j + 1 < n and _is_word_start(text[j + 1]))
            ):
                j += 1
            yield "word", i, j
            i = j
        elif ch.isdigit() or ch == ".":
            j = i + 1
            while j < n and (
                text[j].isalnum() or text[j] == "." or (text[j] in "+-" and text[j - 1] in "eE")
            ):
                j += 1
            yield "number", i, j
            i = j
        elif ch.isspace():
            j = i + 1
            while j < n and text[j].isspace():
                j += 1
            yield "space", i, j
            i = j
        else:
            yield "char", i, i + 1
            i += 1


def _matching_paren(text: str, open_at: int) -> int | None:
    """Index of the ')' closing the '(' at ``open_at`` (skipping quoted names and comments), or None."""
    depth = 0
    for kind, start, _end in scan(text[open_at:]):
        if kind != "char":
            continue
        ch = text[open_at + start]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return open_at + start
    return None


def _next_significant(spans: list[tuple[str, int, int]], index: int) -> int | None:
    for k in range(index + 1, len(spans)):
        if spans[k][0] not in ("space", "comment"):
            return k
    return None


def _vensim_rounding(node: Node) -> Node:
    """``node`` with Vensim's INT and MOD (its INTEGER and MODULO) spelled with sysdyn's Vensim names."""
    node = map_children(node, _vensim_rounding)
    if isinstance(node, Call) and node.func == "INT":
        return Call("INTEGER", node.args, "INTEGER")
    if isinstance(node, BinaryOp) and node.op == "mod":
        return Call("MODULO", (node.left, node.right), "MODULO")
    return node


def translate_equation(text: str, depth: int = 0, *, vensim: bool = False) -> str:
    """Return ``text`` with Stella-only spellings rewritten (see the module docstring).

    Text this module does not understand is left as it is, for the
    equation parser to report.  ``vensim=True`` is for files written by
    Vensim, whose ``INT`` and ``MOD`` keep Vensim's meaning.

    Examples
    --------
    >>> translate_equation("COSH(0) * 2")
    '((EXP((0)) + EXP(-(0))) / 2) * 2'
    >>> translate_equation("INT(-x / 2)"), translate_equation("INT(-x / 2)", vensim=True)
    ('INT(-x / 2)', 'INTEGER(-x / 2)')
    """
    if depth > 50:  # nesting this deep is left to the parser to refuse
        return text
    text = _translate(text, depth)
    if vensim and _VENSIM_ROUNDING.search(text):
        try:
            tree = parse(text)
        except SysdynError:  # left as it is, for the compiler to report with the variable's name
            return text
        rewritten = _vensim_rounding(tree)
        if rewritten != tree:
            return unparse(rewritten)
    return text


def _translate(text: str, depth: int) -> str:
    spans = list(scan(text))
    out: list[str] = []
    position = 0
    k = 0
    while k < len(spans):
        kind, start, end = spans[k]
        if kind != "word":
            k += 1
            continue
        word = text[start:end].lower()
        nxt = _next_significant(spans, k)
        is_call = nxt is not None and spans[nxt][0] == "char" and text[spans[nxt][1]] == "("
        if is_call and word == "pi":
            close = _matching_paren(text, spans[nxt][1])
            if close is not None and not text[spans[nxt][1] + 1 : close].strip():
                out.append(text[position:start] + text[start:end])
                position = close + 1
                k = next((i for i, s in enumerate(spans) if s[1] > close), len(spans))
                continue
        if is_call and word in HYPERBOLIC:
            open_at = spans[nxt][1]
            close = _matching_paren(text, open_at)
            if close is not None:
                argument = translate_equation(text[open_at + 1 : close], depth + 1)
                out.append(text[position:start] + HYPERBOLIC[word].format(x=f"({argument.strip()})"))
                position = close + 1
                k = next((i for i, s in enumerate(spans) if s[1] > close), len(spans))
                continue
        if not is_call and word in FORBIDDEN_WORDS:
            out.append(text[position:start] + f'"{text[start:end]}"')
            position = end
        k += 1
    out.append(text[position:])
    return "".join(out)
