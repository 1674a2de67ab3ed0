"""sysdyn: stock-and-flow and causal-loop models of learning organisations.

Define a model with :class:`Model`, run it with :meth:`Model.run` (SciPy or
fixed-step solvers, single runs or vectorised ensembles), and look at the
:class:`Results` in pandas or matplotlib.

Examples
--------
>>> import sysdyn as sd
>>> m = sd.Model("Growth", stop=3, dt=1)
>>> m.stock("Staff", 10, inflows=["Hiring"])
>>> m.flow("Hiring", "Staff * 0.1")
>>> m.run(method="euler")["staff"].round(3)
array([10.  , 11.  , 12.1 , 13.31])
"""

from __future__ import annotations

from .errors import (
    AlgebraicLoopError,
    DimensionError,
    EquationSyntaxError,
    ForbiddenExpressionError,
    FunctionArgumentError,
    LookupDefinitionError,
    MissingInitialValueError,
    ModelStructureError,
    NonFiniteValueError,
    ParameterError,
    SimulationError,
    SolverError,
    SysdynError,
    UnknownFunctionError,
    UnknownNameError,
)
from .loops import CausalLoopDiagram, archetypes, find_loops, loop_dominance, to_cld
from .model import Model
from .network import diffusion
from .results import Results
from .scenarios import Scenarios, dist, monte_carlo, sweep

__all__ = [
    "Model",
    "Results",
    "diffusion",
    "Scenarios",
    "sweep",
    "monte_carlo",
    "dist",
    "CausalLoopDiagram",
    "archetypes",
    "find_loops",
    "to_cld",
    "loop_dominance",
    "SysdynError",
    "EquationSyntaxError",
    "ForbiddenExpressionError",
    "UnknownNameError",
    "UnknownFunctionError",
    "FunctionArgumentError",
    "AlgebraicLoopError",
    "DimensionError",
    "LookupDefinitionError",
    "ModelStructureError",
    "MissingInitialValueError",
    "SimulationError",
    "NonFiniteValueError",
    "SolverError",
    "ParameterError",
]

__version__ = "0.1.0.dev0"
