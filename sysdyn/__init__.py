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

import importlib
from typing import Any

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
    UnitMismatchError,
    UnknownFunctionError,
    UnknownNameError,
)
from .model import Model
from .results import Results

#: Public names that live in heavier subpackages, imported on first use (PEP 562) so that
#: ``import sysdyn`` stays fast: ``name -> (module, attribute or None for the module itself)``.
_LAZY: dict[str, tuple[str, str | None]] = {
    "CausalLoopDiagram": ("sysdyn.loops", "CausalLoopDiagram"),
    "archetypes": ("sysdyn.loops.archetypes", None),
    "find_loops": ("sysdyn.loops", "find_loops"),
    "to_cld": ("sysdyn.loops", "to_cld"),
    "loop_dominance": ("sysdyn.loops", "loop_dominance"),
    "loops": ("sysdyn.loops", None),
    "network": ("sysdyn.network", None),
    "diffusion": ("sysdyn.network.diffusion", None),
    "scenarios": ("sysdyn.scenarios", None),
    "Scenarios": ("sysdyn.scenarios", "Scenarios"),
    "sweep": ("sysdyn.scenarios", "sweep"),
    "monte_carlo": ("sysdyn.scenarios", "monte_carlo"),
    "dist": ("sysdyn.scenarios", "dist"),
    "calibrate": ("sysdyn.scenarios", "calibrate"),
    "sensitivity": ("sysdyn.scenarios", "sensitivity"),
    "xmile": ("sysdyn.xmile", None),
    "read_xmile": ("sysdyn.xmile", "read_xmile"),
    "write_xmile": ("sysdyn.xmile", "write_xmile"),
    "models": ("sysdyn.models", None),
    "interactive": ("sysdyn.interactive", None),
    "units": ("sysdyn.units", None),
    "check_units": ("sysdyn.units", "check_units"),
}


def __getattr__(name: str) -> Any:
    """Import a public name from its subpackage the first time it is used.

    Examples
    --------
    >>> import sysdyn as sd
    >>> sd.archetypes.__name__
    'sysdyn.loops.archetypes'
    """
    try:
        module_name, attribute = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'sysdyn' has no attribute {name!r}") from None
    module = importlib.import_module(module_name)
    value = module if attribute is None else getattr(module, attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """Public names only (not the helpers this module imports), so tab completion shows the API."""
    return sorted({*__all__, *_LAZY, "__version__"})


__all__ = [
    "Model",
    "Results",
    "diffusion",
    "network",
    "Scenarios",
    "sweep",
    "monte_carlo",
    "dist",
    "calibrate",
    "loops",
    "scenarios",
    "CausalLoopDiagram",
    "archetypes",
    "find_loops",
    "to_cld",
    "loop_dominance",
    "read_xmile",
    "write_xmile",
    "xmile",
    "sensitivity",
    "models",
    "interactive",
    "units",
    "check_units",
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
    "UnitMismatchError",
]

__version__ = "0.1.0.dev0"
