"""Causal loop diagrams and feedback-loop analysis.

- :class:`CausalLoopDiagram`: author a diagram of signed, possibly delayed links.
- :func:`find_loops`, :func:`to_cld`: the loops and the diagram behind a stock-and-flow model.
- :func:`loop_dominance`: which loop drives behaviour when (Loops That Matter).
- :mod:`~sysdyn.loops.archetypes`: Senge's system archetypes, ready-made and recognised.

Examples
--------
>>> import sysdyn as sd
>>> cld = sd.archetypes.limits_to_growth()
>>> [m.name for m in cld.archetypes()]
['Limits to Growth']
"""

from __future__ import annotations

from . import archetypes
from .archetypes import ArchetypeMatch
from .cld import CausalLoopDiagram, Link, LinkSignError, UnknownVariableError
from .finding import Loop, LoopCountWarning, LoopList, find_cycles
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
    "LoopCountWarning",
]
