"""Causal loop diagrams and feedback-loop analysis.

- :class:`CausalLoopDiagram`: author a diagram of signed (``+``/``-``), possibly
  delayed links with notes, build it from a list, a dict or a
  :class:`networkx.DiGraph`, save it as JSON or XMILE
  (:mod:`sysdyn.loops.io`), draw it (:mod:`sysdyn.loops.drawing`).
- :meth:`CausalLoopDiagram.loops`, :func:`find_loops`: the feedback loops, found
  with :func:`networkx.simple_cycles` (optionally bounded in length, and capped
  in number with a :class:`LoopCountWarning` that says so), each with its
  polarity, length, delays and a stable name (``R1``, ``B2``...).  In a
  stock-and-flow model link polarities come from the equations: the sign of
  the partial derivative where the equation settles it, otherwise numerically
  along a run (``?``, unknown, where it changes sign).
- :meth:`LoopList.named`: give loops the titles people use ("R2
  Reinvestment"), from a dict or from the ``Loops:`` block of a model's
  documentation (as in the library's models: ``m.loops().named(m.doc)``);
  ``loop_dominance(..., titles=...)`` and :meth:`LoopDominance.named` label
  the score columns with them.
- :func:`loop_dominance`, ``Model.run(loop_dominance=True)``: which loop drives
  behaviour when, with the Loops That Matter method, for Euler, RK4 and every
  SciPy solver.
- :mod:`~sysdyn.loops.archetypes`: Senge's nine system archetypes, shipped as
  ready diagrams and recognised in yours (:meth:`CausalLoopDiagram.archetypes`).

Errors are :class:`~sysdyn.errors.SysdynError` subclasses: :class:`LinkSignError`
(a sign other than ``+``/``-``), :class:`UnknownVariableError` (a link to a
variable a strict diagram lacks), :class:`~sysdyn.errors.AlgebraicLoopError`
(a loop query on a model whose variables depend on each other without a stock
between), :class:`UnknownLoopError`, :class:`UnknownLinkError`,
:class:`UnknownArchetypeError`, :class:`LoopAnalysisError` and
:class:`~sysdyn.loops.io.CLDFormatError`.

Limitations: arrayed variables are not analysed yet.  Loops That Matter
scores links through smooths and delays (``SMTH3``, ``DELAY1``...) by writing
them out as stocks and flows (:mod:`sysdyn.loops.expand`), but not links
through ``TREND``, the fixed ``DELAY`` pipeline or random draws: those links,
and the loops through them, get NaN scores with a warning.

Examples
--------
>>> import sysdyn as sd
>>> cld = sd.CausalLoopDiagram("After-action reviews")
>>> cld.link("Mistakes reviewed", "Lessons learned", "+")
>>> cld.link("Lessons learned", "Team capability", "+", delay=True)
>>> cld.link("Team capability", "Mistakes", "-")
>>> cld.link("Mistakes", "Mistakes reviewed", "+")
>>> cld.loops()
[Loop B1: Mistakes -> Mistakes reviewed -> Lessons learned -> Team capability -> Mistakes
 (balancing, 1 delay)]
>>> [m.name for m in sd.archetypes.limits_to_growth().archetypes()]
['Limits to Growth']

Loop titles, given by hand or read from a library model's documentation:

>>> cld.loops().named({"B1": "Learning from mistakes"})[0].label
'B1 Learning from mistakes'
>>> m = sd.models.load("capability_trap")
>>> [lp.label for lp in m.loops().named(m.doc)][-3:]
['R1 Time taken from work', 'R2 Reinvestment', 'B7 Work Smarter']
"""

from __future__ import annotations

from . import archetypes
from .archetypes import ArchetypeMatch, UnknownArchetypeError
from .cld import CausalLoopDiagram, Link, LinkSignError, UnknownLinkError, UnknownVariableError
from .finding import Loop, LoopAnalysisError, LoopCountWarning, LoopList, UnknownLoopError, find_cycles
from .ltm import LoopDominance, loop_dominance
from .stockflow import find_loops, model_graph, to_cld

__all__ = [
    "CausalLoopDiagram",
    "Link",
    "Loop",
    "LoopList",
    "find_loops",
    "find_cycles",
    "model_graph",
    "to_cld",
    "loop_dominance",
    "LoopDominance",
    "archetypes",
    "ArchetypeMatch",
    "LinkSignError",
    "UnknownVariableError",
    "UnknownLinkError",
    "UnknownLoopError",
    "UnknownArchetypeError",
    "LoopAnalysisError",
    "LoopCountWarning",
]
