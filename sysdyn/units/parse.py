"""Unit expressions: ``"people/month"`` read into a canonical :class:`Units`.

A unit expression is what a variable's ``units=`` (XMILE ``<units>``) and a
model's ``time_units`` hold.  :func:`parse_units` reads it with a small
grammar of its own (it is never evaluated)::

    expression := term (("*" | "-" | "/") term)*
    term       := factor ("^" exponent)?
    factor     := word | number | "(" expression ")"
    exponent   := ["-"] integer | "(" ["-"] integer ["/" integer] ")"

A *word* is a run of letters, digits, spaces, underscores and symbols such
as ``$`` or ``%`` between the operators, so ``knowledge units`` is one
unit, as in Stella and Vensim; ``-`` is a product as in Stella
(``person-hours`` is ``person*hours``) except as the sign of an exponent.
Words are case-insensitive, and runs of spaces and underscores count as
one space.  A number is a dimensionless factor (``1/month`` is per month;
units here have no scale, so ``1000*widgets`` is ``widgets``).

Every word is its own base unit, except the spellings of the small table
:data:`SYNONYMS` (extend it per call with ``synonyms=``):

=============  =========================================
unit           also written
=============  =========================================
``second``     seconds, sec, secs
``minute``     minutes, min, mins
``hour``       hours, hr, hrs
``day``        days
``week``       weeks, wk, wks
``month``      months, mo, mos
``quarter``    quarters
``year``       years, yr, yrs, annum
``people``     person, persons, peoples
``unit``       units
``item``       items
``dollar``     dollars, $, usd
=============  =========================================

Other plurals are not merged (Vensim treats units literally: ``event`` and
``events`` are different units unless declared synonyms).

``dmnl``, ``dimensionless``, ``unitless``, ``1`` and the like
(:data:`DIMENSIONLESS_WORDS`) are dimensionless; an empty string, ``None``
and ``?`` mean "no units given", which :func:`parse_units` returns as
``None`` and the checker leaves unchecked.  A Vensim range after the units
(``Month [0, 100]``) is ignored.

Examples
--------
>>> str(parse_units("Ideas / Person / Months"))
'ideas/(month*people)'
>>> parse_units("1/month") * parse_units("months") == DIMENSIONLESS
True
>>> parse_units("") is None
True
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

from ..errors import SysdynError

__all__ = [
    "Units",
    "DIMENSIONLESS",
    "parse_units",
    "SYNONYMS",
    "DIMENSIONLESS_WORDS",
    "UNKNOWN_WORDS",
    "UnitSyntaxError",
    "synonym_table",
]

#: Longest unit expression read (anything longer is surely not units).
MAX_LENGTH = 500
#: Deepest nesting of parentheses read.
MAX_DEPTH = 50


class UnitSyntaxError(SysdynError):
    """A unit expression does not follow the grammar of :func:`parse_units`."""


@dataclass(frozen=True)
class Units:
    """A product of base units with rational exponents; immutable and hashable.

    ``powers`` holds ``(base unit, exponent)`` pairs sorted by name, with no
    zero exponent; the empty product is :data:`DIMENSIONLESS`.  Units
    multiply, divide and take powers; ``str()`` writes them back readably.

    Examples
    --------
    >>> ideas, month = Units.base("ideas"), Units.base("month")
    >>> str(ideas / month), str(month ** -1), str(ideas * ideas)
    ('ideas/month', '1/month', 'ideas^2')
    >>> (ideas / month) * month == ideas
    True
    """

    powers: tuple[tuple[str, Fraction], ...] = ()

    @classmethod
    def base(cls, name: str) -> Units:
        """The base unit called ``name`` (taken as written: see :func:`parse_units`)."""
        return cls(((name, Fraction(1)),))

    @classmethod
    def _of(cls, powers: Mapping[str, Fraction]) -> Units:
        return cls(tuple(sorted((k, v) for k, v in powers.items() if v != 0)))

    @property
    def is_dimensionless(self) -> bool:
        """Whether these units are the empty product (dimensionless)."""
        return not self.powers

    def __mul__(self, other: Units) -> Units:
        if not isinstance(other, Units):
            return NotImplemented
        out = dict(self.powers)
        for name, power in other.powers:
            out[name] = out.get(name, Fraction(0)) + power
        return Units._of(out)

    def __truediv__(self, other: Units) -> Units:
        if not isinstance(other, Units):
            return NotImplemented
        return self * other**-1

    def __pow__(self, exponent: int | Fraction) -> Units:
        power = Fraction(exponent)
        return Units._of({name: p * power for name, p in self.powers})

    def __str__(self) -> str:
        if not self.powers:
            return "dmnl"
        top = [_power_text(n, p) for n, p in self.powers if p > 0]
        bottom = [_power_text(n, -p) for n, p in self.powers if p < 0]
        numerator = "*".join(top) if top else "1"
        if not bottom:
            return numerator
        if len(top) > 1:
            numerator = f"({numerator})"
        denominator = bottom[0] if len(bottom) == 1 else "(" + "*".join(bottom) + ")"
        return f"{numerator}/{denominator}"


def _power_text(name: str, power: Fraction) -> str:
    if power == 1:
        return name
    if power.denominator == 1:
        return f"{name}^{power.numerator}"
    return f"{name}^({power})"


#: The dimensionless units (the empty product).
DIMENSIONLESS = Units()

#: Words that mean "dimensionless" (after lower-casing and joining spaces).
DIMENSIONLESS_WORDS = frozenset(
    {"1", "dmnl", "dimensionless", "unitless", "nondimensional", "non dimensional", "fraction of 1"}
)
#: Whole unit strings that mean "no units given": left unchecked.
UNKNOWN_WORDS = frozenset({"", "?", "unknown", "undefined"})

#: Built-in synonyms: each spelling on the right is read as the unit on the left.
#: Only these are merged (Vensim and Stella treat other spellings literally);
#: pass ``synonyms=`` to :func:`parse_units` or the checker for a model's own.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "second": ("seconds", "sec", "secs"),
    "minute": ("minutes", "min", "mins"),
    "hour": ("hours", "hr", "hrs"),
    "day": ("days",),
    "week": ("weeks", "wk", "wks"),
    "month": ("months", "mo", "mos"),
    "quarter": ("quarters",),
    "year": ("years", "yr", "yrs", "annum"),
    "people": ("person", "persons", "peoples"),
    "unit": ("units",),
    "item": ("items",),
    "dollar": ("dollars", "$", "usd"),
}

_TOKEN = re.compile(
    r"\s*(?:(?P<number>\d+(?:\.\d*)?(?:[eE][-+]?\d+)?(?![A-Za-z_$]))|(?P<op>[-*/^()])"
    r"|(?P<word>[^-*/^()\s](?:[^-*/^()]*[^-*/^()\s])?))"
)
_MINUS = re.compile(r"\s*-")
_SPACES = re.compile(r"[\s_]+")
_RANGE = re.compile(r"\s*\[[^\[\]]*\]\s*$")


def _word_key(word: str) -> str:
    return _SPACES.sub(" ", word).strip().lower()


def synonym_table(synonyms: Mapping[str, str] | Iterable[Iterable[str]] | None = None) -> dict[str, str]:
    """Map every known spelling to its canonical unit name.

    Parameters
    ----------
    synonyms : mapping or iterable of groups, optional
        Extra synonyms: ``{"widgets": "widget"}`` (spelling -> unit), or
        groups as in Vensim's *Units Equiv* (``[("widget", "widgets",
        "gadget")]``, the first of each group is the name kept).  They are
        added to :data:`SYNONYMS` and win over it.

    Returns
    -------
    dict
        Lower-case spelling -> canonical unit name.

    Examples
    --------
    >>> synonym_table()["yrs"]
    'year'
    >>> synonym_table([("Widget", "Widgets")])["widgets"]
    'widget'
    """
    table = {_word_key(alias): name for name, aliases in SYNONYMS.items() for alias in (name, *aliases)}
    if synonyms is None:
        return table
    if isinstance(synonyms, Mapping):
        pairs = [(_word_key(k), _word_key(v)) for k, v in synonyms.items()]
    else:
        pairs = []
        for group in synonyms:
            if isinstance(group, str):
                raise TypeError(
                    f"`synonyms` groups must be sequences of spellings (got the string {group!r})"
                )
            words = [_word_key(w) for w in group]
            pairs.extend((w, table.get(words[0], words[0])) for w in words if words)
    for alias, name in pairs:
        table[alias] = table.get(name, name)
    return table


_DEFAULT_TABLE = synonym_table()


def parse_units(
    text: str | None, *, synonyms: Mapping[str, str] | Iterable[Iterable[str]] | None = None
) -> Units | None:
    """Read a unit expression into canonical :class:`Units`.

    Parameters
    ----------
    text : str or None
        The units as written (``"people/month"``, ``"1/(activity*year)"``,
        ``"widgets/hour^2"``).  Empty, ``None`` or ``?`` means no units.
    synonyms : mapping or iterable of groups, optional
        Spellings to merge beyond :data:`SYNONYMS` (see :func:`synonym_table`).

    Returns
    -------
    Units or None
        ``None`` when no units are given (the quantity is left unchecked).

    Raises
    ------
    UnitSyntaxError
        When the text is not a unit expression (unbalanced parentheses, a
        dangling operator, a non-integer exponent...).

    Examples
    --------
    >>> str(parse_units("Persons/Month"))
    'people/month'
    >>> parse_units("Dmnl") == DIMENSIONLESS
    True
    >>> str(parse_units("widgets/hour/hour")), str(parse_units("m^-1")), str(parse_units("Person-Hours"))
    ('widgets/hour^2', '1/m', 'hour*people')
    >>> str(parse_units("Knowledge Units/Week"))
    'knowledge units/week'
    >>> try:
    ...     parse_units("people//month")
    ... except UnitSyntaxError as err:
    ...     print(err)
    cannot read the units 'people//month': a unit name or `(` is expected (found `/`) at character 8
    """
    if text is None:
        return None
    if not isinstance(text, str):
        raise TypeError(f"units must be a string (got {text!r} that is a {type(text).__name__})")
    if len(text) > MAX_LENGTH:
        raise UnitSyntaxError(f"the units are {len(text)} characters long (at most {MAX_LENGTH} are read)")
    body = _RANGE.sub("", text).strip()
    if _word_key(body) in UNKNOWN_WORDS:
        return None
    table = _DEFAULT_TABLE if synonyms is None else synonym_table(synonyms)
    return _UnitParser(body, table).parse()


class _UnitParser:
    """Recursive descent over the tokens of one unit expression."""

    def __init__(self, text: str, table: Mapping[str, str]):
        self.text = text
        self.table = table
        self.tokens: list[tuple[str, str, int]] = []
        pos = 0
        while pos < len(text):
            minus = _MINUS.match(text, pos)
            if minus and not self._exponent_next():  # Stella's product: `person-hours`
                self.tokens.append(("op", "*", minus.end() - 1))
                pos = minus.end()
                continue
            match = _TOKEN.match(text, pos)
            if match is None or match.end() == pos:
                if text[pos:].strip() == "":
                    break
                raise self.error(f"`{text[pos]}` cannot appear in units", pos)
            kind = match.lastgroup or ""
            self.tokens.append((kind, match.group(kind), match.start(kind)))
            pos = match.end()
        self.index = 0
        self.depth = 0

    def _exponent_next(self) -> bool:
        """Whether the next token starts an exponent (a `-` there is a sign, elsewhere a product)."""
        ops = [value if kind == "op" else "" for kind, value, _ in self.tokens[-2:]]
        return ops[-1:] == ["^"] or ops == ["^", "("]

    def error(self, message: str, position: int) -> UnitSyntaxError:
        return UnitSyntaxError(f"cannot read the units {self.text!r}: {message} at character {position + 1}")

    def peek(self) -> tuple[str, str, int]:
        if self.index < len(self.tokens):
            return self.tokens[self.index]
        return ("end", "", len(self.text))

    def take(self) -> tuple[str, str, int]:
        token = self.peek()
        self.index += 1
        return token

    def parse(self) -> Units:
        units = self.expression()
        kind, value, pos = self.peek()
        if kind != "end":
            raise self.error(f"`{value}` is not expected here", pos)
        return units

    def expression(self) -> Units:
        units = self.term()
        while self.peek()[1] in ("*", "/") and self.peek()[0] == "op":
            op = self.take()[1]
            right = self.term()
            units = units * right if op == "*" else units / right
        return units

    def term(self) -> Units:
        units = self.factor()
        if self.peek()[:2] == ("op", "^"):
            self.take()
            units = units ** self.exponent()
        return units

    def factor(self) -> Units:
        kind, value, pos = self.take()
        if kind == "number":
            return DIMENSIONLESS
        if kind == "word":
            key = _word_key(value)
            if key in DIMENSIONLESS_WORDS:
                return DIMENSIONLESS
            return Units.base(self.table.get(key, key))
        if (kind, value) == ("op", "("):
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise self.error(f"parentheses are nested more than {MAX_DEPTH} deep", pos)
            units = self.expression()
            self.depth -= 1
            if self.take()[:2] != ("op", ")"):
                raise self.error("a `)` is missing", len(self.text))
            return units
        found = f"`{value}`" if kind != "end" else "the end"
        raise self.error(f"a unit name or `(` is expected (found {found})", pos)

    def exponent(self) -> Fraction:
        kind, value, pos = self.peek()
        if (kind, value) == ("op", "("):
            self.take()
            power = self.integer()
            if self.peek()[:2] == ("op", "/"):
                self.take()
                denominator = self.integer()
                if denominator == 0:
                    raise self.error("an exponent cannot divide by zero", pos)
                power = power / denominator
            if self.take()[:2] != ("op", ")"):
                raise self.error("a `)` is missing after the exponent", len(self.text))
            return power
        return self.integer()

    def integer(self) -> Fraction:
        sign = 1
        if self.peek()[:2] == ("op", "-"):
            self.take()
            sign = -1
        kind, value, pos = self.take()
        if kind != "number" or not value.isdigit():
            found = f"`{value}`" if kind != "end" else "the end"
            raise self.error(f"an exponent must be a whole number (found {found})", pos)
        return Fraction(sign * int(value))
