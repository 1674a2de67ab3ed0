"""The tokenizer of the equation language (XMILE 1.0 / Stella expressions).

:func:`tokenize` turns equation text into a list of :class:`Token` objects,
skipping white space and ``{ comments }``.  Anything that is not part of the
language and looks like program code (attribute access, dunder names,
``lambda``, ``import``, single-quoted strings, ``;``, a backslash) is rejected
here with :class:`~sysdyn.errors.ForbiddenExpressionError`; other characters
the language does not use raise :class:`~sysdyn.errors.EquationSyntaxError`.

Examples
--------
>>> [t.value for t in tokenize("IF x > 1 THEN 2 ELSE 3")]
['if', 'x', '>', 1.0, 'then', 2.0, 'else', 3.0, None]
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

from sysdyn.errors import EquationSyntaxError, ForbiddenExpressionError
from sysdyn.names import canonical

__all__ = ["Token", "tokenize", "KEYWORDS", "FORBIDDEN_WORDS"]

#: Words that structure an ``IF ... THEN ... ELSE`` expression (case-insensitive).
KEYWORDS = frozenset({"if", "then", "else"})
#: Words that are operators (case-insensitive), mapped to the operator they spell.
_WORD_OPERATORS = {"and": "and", "or": "or", "not": "not", "mod": "mod"}
#: Programming-language words that have no place in an equation (case-insensitive).
FORBIDDEN_WORDS = frozenset(
    {
        "lambda",
        "import",
        "def",
        "class",
        "exec",
        "eval",
        "yield",
        "for",
        "while",
        "return",
        "from",
        "global",
        "with",
    }
)

# Symbolic operators, longest first so that "<=" wins over "<".
_SYMBOLS = (
    ("==", "="), ("!=", "<>"), ("<>", "<>"), ("<=", "<="), (">=", ">="), ("&&", "and"), ("||", "or"),
    ("=", "="), ("<", "<"), (">", ">"), ("+", "+"), ("-", "-"), ("*", "*"), ("/", "/"), ("^", "^"),
    ("%", "mod"), ("!", "not"),
)  # fmt: skip
_PUNCTUATION = frozenset("()[],:")
_DIGITS = frozenset("0123456789")
_NUMBER = re.compile(r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_FORBIDDEN_CHARS = {
    ";": "';' is not part of the equation language (an equation is a single expression)",
    "\\": "a backslash is only allowed inside a double-quoted name",
    "'": "single-quoted strings are not part of the equation language (quote names with double quotes)",
    "`": "backquotes are not part of the equation language",
}


@dataclass(frozen=True)
class Token:
    """One token of an equation.

    Attributes
    ----------
    kind : str
        ``'number'``, ``'name'``, ``'keyword'`` (IF, THEN, ELSE), ``'op'``
        (an operator), one of ``'(' ')' '[' ']' ',' ':'``, or ``'end'``.
    value : float, str or None
        The number for ``'number'``; the name (unquoted and unescaped) for
        ``'name'``; the lower-case keyword; the operator as the tree spells
        it (``'mod'``, ``'and'``, ``'<>'``...); the character itself for
        punctuation; ``None`` for ``'end'``.
    position : int
        0-based offset of the token in the equation.
    text : str
        The token exactly as written.
    quoted : bool
        Whether a name was written in double quotes.

    Examples
    --------
    >>> tokenize("a % b")[1]
    Token(kind='op', value='mod', position=2, text='%', quoted=False)
    """

    kind: str
    value: float | str | None
    position: int
    text: str
    quoted: bool = False


def _is_name_start(ch: str) -> bool:
    return ch.isalpha() or ch in "_$"


def _is_name_char(ch: str) -> bool:
    return ch.isalpha() or ch.isdecimal() or ch in "_$" or unicodedata.category(ch) in ("Mn", "Mc")


class _Lexer:
    def __init__(self, text: str):
        self.text = text
        self.tokens: list[Token] = []

    def error(self, message: str, position: int, forbidden: bool = False) -> EquationSyntaxError:
        cls = ForbiddenExpressionError if forbidden else EquationSyntaxError
        return cls(message, position=position, equation=self.text)

    def run(self) -> list[Token]:
        text, i, n = self.text, 0, len(self.text)
        while i < n:
            ch = text[i]
            if ch.isspace():
                i += 1
            elif ch == "{":
                close = text.find("}", i + 1)
                if close < 0:
                    raise self.error("unterminated comment: expected '}' to close the '{'", i)
                i = close + 1
            elif ch == "}":
                raise self.error("found '}' without a matching '{' (comments are written { like this })", i)
            elif ch == '"':
                i = self.quoted_name(i)
            elif (ch.isascii() and ch.isdigit()) or (ch == "." and text[i + 1 : i + 2] in _DIGITS):
                i = self.number(i)
            elif ch == ".":
                self.dot(i)
            elif _is_name_start(ch):
                i = self.word(i)
            elif ch in _PUNCTUATION:
                self.tokens.append(Token(ch, ch, i, ch))
                i += 1
            elif ch in _FORBIDDEN_CHARS:
                raise self.error(_FORBIDDEN_CHARS[ch], i, forbidden=True)
            else:
                i = self.symbol(i)
        self.tokens.append(Token("end", None, n, ""))
        return self.tokens

    def symbol(self, i: int) -> int:
        for spelling, op in _SYMBOLS:
            if self.text.startswith(spelling, i):
                self.tokens.append(Token("op", op, i, spelling))
                return i + len(spelling)
        ch = self.text[i]
        hint = {"&": " (use AND or &&)", "|": " (use OR or ||)"}.get(ch, "")
        raise self.error(f"unexpected character {ch!r}{hint}", i)

    def dot(self, i: int) -> None:
        previous = self.tokens[-1] if self.tokens else None
        after = self.text[i + 1 : i + 2]
        if (previous is not None and previous.kind in ("name", ")", "]")) or (
            after and _is_name_start(after)
        ):
            raise self.error(
                "attribute access ('.') is not part of the equation language; "
                "'.' may only appear inside a number such as 0.5",
                i,
                forbidden=True,
            )
        raise self.error("unexpected '.' (a '.' may only appear inside a number such as 0.5)", i)

    def number(self, i: int) -> int:
        match = _NUMBER.match(self.text, i)
        assert match is not None
        end = match.end()
        if end < len(self.text) and (self.text[end] == "." or _is_name_char(self.text[end])):
            bad_end = end + 1
            while bad_end < len(self.text) and (
                self.text[bad_end] == "." or _is_name_char(self.text[bad_end])
            ):
                bad_end += 1
            raise self.error(f"malformed number {self.text[i:bad_end]!r}", i)
        value = float(match.group())
        if not math.isfinite(value):
            raise self.error(f"number {match.group()!r} is too large", i)
        self.tokens.append(Token("number", value, i, match.group()))
        return end

    def word(self, i: int) -> int:
        end = i + 1
        while end < len(self.text) and _is_name_char(self.text[end]):
            end += 1
        word = self.text[i:end]
        lower = word.lower()
        if lower in KEYWORDS:
            self.tokens.append(Token("keyword", lower, i, word))
        elif lower in _WORD_OPERATORS:
            self.tokens.append(Token("op", _WORD_OPERATORS[lower], i, word))
        elif lower in FORBIDDEN_WORDS:
            raise self.error(
                f"{word!r} is a programming-language keyword, not part of the equation language "
                f'(if it is a variable name, write it in double quotes: "{word}")',
                i,
                forbidden=True,
            )
        else:
            self.check_name(word, i)
            self.tokens.append(Token("name", word, i, word))
        return end

    def check_name(self, name: str, position: int) -> None:
        if name.strip().startswith("__"):
            raise self.error(f"names starting with '__' (such as {name!r}) are not allowed", position, True)
        if not canonical(name):
            raise self.error(
                f"{name!r} is not a valid name: a name needs at least one letter or digit", position
            )

    def quoted_name(self, i: int) -> int:
        text, j, parts = self.text, i + 1, []
        while True:
            if j >= len(text):
                raise self.error("unterminated quoted name: expected a closing '\"'", i)
            ch = text[j]
            if ch == '"':
                break
            if ch == "\\":
                escape = text[j + 1 : j + 2]
                if escape in ('"', "\\"):
                    parts.append(escape)
                elif escape == "n":
                    parts.append("\\n")
                else:
                    raise self.error(
                        f"unknown escape '\\{escape}' in a quoted name (use \\\", \\\\ or \\n)", j
                    )
                j += 2
            else:
                parts.append(ch)
                j += 1
        name = "".join(parts)
        self.check_name(name.replace("\\n", " "), i)
        self.tokens.append(Token("name", name, i, text[i : j + 1], quoted=True))
        return j + 1


def tokenize(text: str) -> list[Token]:
    """Split an equation into tokens.

    Parameters
    ----------
    text : str
        The equation.

    Returns
    -------
    list of Token
        The tokens, always ending with one of kind ``'end'``.

    Raises
    ------
    ForbiddenExpressionError
        For program-code constructs: ``.`` after a name, dunder names,
        ``lambda``/``import``/... words, ``'`` strings, ``;``, ``\\``.
    EquationSyntaxError
        For characters the language does not use, malformed numbers,
        unterminated quoted names or comments.

    Examples
    --------
    >>> [(t.kind, t.value) for t in tokenize('"memory time" * 2.5e-1 {comment}')]
    [('name', 'memory time'), ('op', '*'), ('number', 0.25), ('end', None)]
    >>> tokenize("x.y")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    sysdyn.errors.ForbiddenExpressionError: (equation: 'x.y'): attribute access ('.') is not part ...
    """
    return _Lexer(text).run()
