"""The compiler: frozen model definitions to one vectorised right-hand side.

``compile_model`` runs three steps, each in its own module: lowering
(parse, check, expand functions with memory into internal stocks),
ordering (static variables, evaluation order, algebraic loops) and code
generation (Python source printed from our own tree, for single runs on
plain floats and for ensembles on numpy arrays).

Examples
--------
>>> import sysdyn as sd
>>> m = sd.Model("m"); m.stock("S", 1, inflows=["f"]); m.flow("f", "0.1 * S")
>>> compile_model(m.definition)
<CompiledModel 'm': 1 stocks, 2 variables>
"""

from __future__ import annotations

from ..ir import ModelDefinition
from .compiled import CompiledModel
from .lowering import lower
from .ordering import analyse

__all__ = ["compile_model", "CompiledModel"]


def compile_model(definition: ModelDefinition) -> CompiledModel:
    """Compile a model definition.

    Parameters
    ----------
    definition : ModelDefinition
        From :attr:`sysdyn.Model.definition` (or a file reader).

    Returns
    -------
    CompiledModel

    Raises
    ------
    SysdynError
        A subclass naming the element and equation at fault.

    Examples
    --------
    >>> import sysdyn as sd
    >>> m = sd.Model("m"); m.aux("a", "b")
    >>> compile_model(m.definition)
    Traceback (most recent call last):
    ...
    sysdyn.errors.UnknownNameError: in `a` (equation: 'b'): unknown name `b`
    """
    lowered = lower(definition)
    plan = analyse(lowered.cvars)
    compiled = CompiledModel(definition, lowered, plan)
    compiled.program("single")  # surface generation problems at compile time
    return compiled
