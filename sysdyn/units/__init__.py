"""Units of measure: read unit expressions and check that equations are dimensionally consistent.

:func:`parse_units` reads a units string (``"people/month"``) into
:class:`Units`; :func:`check_units` lists the :class:`UnitIssue` objects of a
model (an equation whose units differ from its variable's, ``a + b`` with
different units, a flow not in its stock's units per time unit...), and
:func:`validate_units` raises :class:`UnitMismatchError` listing them.
The conventions (numbers take whatever units are needed, missing units are
unchecked, which spellings are synonyms) are in :mod:`sysdyn.units.check`
and :mod:`sysdyn.units.parse`.

Examples
--------
>>> import sysdyn as sd
>>> from sysdyn.showcase import team_knowledge
>>> check_units(team_knowledge())
[]
>>> m = sd.Model("Hiring", time_units="months")
>>> m.stock("Staff", 10, inflows=["Hiring"], units="people")
>>> m.flow("Hiring", "Staff * growth", units="people")
>>> m.constant("growth", 0.1, units="1/month")
>>> issues = check_units(m)
>>> (issues[0].variable, issues[0].expected, issues[0].found)
('Hiring', 'people', 'people/month')
>>> print(issues[1])  # doctest: +NORMALIZE_WHITESPACE
in `Hiring` (equation: 'Staff * growth'): `Hiring` fills the stock `Staff` (in people) so it must be in
people/month (stock units per time unit, month), but it is in people
"""

from __future__ import annotations

from .check import UnitIssue, UnitMismatchError, check_units, validate_units
from .parse import DIMENSIONLESS, SYNONYMS, Units, UnitSyntaxError, parse_units

__all__ = [
    "check_units",
    "validate_units",
    "UnitIssue",
    "UnitMismatchError",
    "parse_units",
    "Units",
    "DIMENSIONLESS",
    "SYNONYMS",
    "UnitSyntaxError",
]
