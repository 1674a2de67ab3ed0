"""The model library: ready models of learning organisations, loadable by name.

Stock-and-flow models (XMILE files that Stella opens too):

- ``capability_trap``: working harder against working smarter, the
  worse-before-better response (Repenning & Sterman 2001);
- Senge's archetypes: ``limits_to_growth``, ``shifting_the_burden``,
  ``fixes_that_fail``, ``eroding_goals``, ``escalation``,
  ``success_to_the_successful``, ``tragedy_of_the_commons``,
  ``growth_and_underinvestment``, ``accidental_adversaries``;
- ``knowledge_accumulation``: training, after-action reviews and forgetting;
- ``learning_curve``: Wright's curve with knowledge depreciation;
- ``personal_mastery_shared_vision``: creative tension and a vision that
  spreads by enrollment, or erodes (Senge 1990);
- ``psychological_safety``: team learning when speaking up is safe, and what
  blame does to it (Edmondson 1999);
- ``learning_community``: a community of practice that grows by word of mouth
  and its shared repertoire (Wenger 1998);
- ``beer_game``: Sterman's (1989) beer distribution game (built in Python);
- ``knowledge_diffusion``: sharing, practice and forgetting over a team
  network, one stock per person (built in Python).

Games and agent simulations: ``beer_play``, the beer game played week by
week against Sterman's heuristic; ``march``, March's (1991) exploration and
exploitation.

The XMILE files live in the repository's ``models/`` folder; a built package
ships them as ``sysdyn/models/library/``, so they load after a normal
install, and :func:`sysdyn.read_xmile` reads them.  Every model documents
its variables with units, its published source and its feedback loops,
named; :func:`info` shows them without running the model.

Examples
--------
>>> import sysdyn as sd
>>> {"beer_game", "capability_trap", "march"} <= set(sd.models.list())
True
>>> m = sd.models.load("capability_trap")          # a sysdyn.Model
>>> s = sd.Scenarios(m, {"work harder": {"pressure": 1.5}, "work smarter": {"improvement effort": 0.3}})
>>> s.run().table("Throughput", stats=["initial", "min", "final"]).round(0)
              initial    min  final
scenario
baseline        288.0  288.0  288.0
work harder     379.0  265.0  265.0
work smarter    224.0  224.0  480.0
>>> sd.models.info("march").kind
'python'
>>> type(sd.models.load("march")).__name__
'MarchModel'
"""

from __future__ import annotations

import builtins
from typing import Any

from ..errors import SysdynError
from ._registry import (
    ModelInfo,
    UnknownModelError,
    check_name,
    factory,
    python_info,
    python_models,
    unknown,
    xmile_files,
    xmile_info,
)

__all__ = ["list", "load", "info", "ModelInfo", "UnknownModelError", "XmileReaderMissingError"]


class XmileReaderMissingError(SysdynError):
    """An XMILE model was asked for, but this sysdyn has no XMILE reader (``sysdyn.read_xmile``)."""


def list() -> builtins.list[str]:  # the API is `sd.models.list()`, shadowing the builtin
    """Names of every model in the library, sorted.

    Examples
    --------
    >>> import sysdyn as sd
    >>> "march" in sd.models.list()
    True
    """
    return sorted({*python_models(), *xmile_files()})


def info(name: str) -> ModelInfo:
    """What the library knows about a model, without running it: its documentation, source and loops.

    Parameters
    ----------
    name : str
        A name from :func:`list` (case, spaces and underscores do not matter).

    Returns
    -------
    ModelInfo
        ``print()`` it for a summary: title, source, named loops, then the
        full documentation.

    Raises
    ------
    UnknownModelError
        If the library has no such model (the message suggests the closest).

    Examples
    --------
    >>> import sysdyn as sd
    >>> sd.models.info("Beer Game").returns
    'sysdyn.Model'
    >>> entry = sd.models.info("capability_trap")
    >>> entry.kind, entry.source.startswith("Repenning, N. P., & Sterman, J. D. (2001)")
    ('xmile', True)
    >>> [loop.split(":")[0] for loop in entry.loops][:4]
    ['B6 Work Harder', 'B7 Work Smarter', 'B5 Shortcuts', 'R2 Reinvestment']
    """
    key = check_name(name)
    if key in python_models():
        return python_info(key)
    files = xmile_files()
    if key in files:
        return xmile_info(key, files[key])
    raise unknown(name, list())


def load(name: str, **options: Any) -> Any:
    """Load a model of the library by name.

    Parameters
    ----------
    name : str
        A name from :func:`list`.
    **options
        Passed to a Python model's factory (e.g. ``p1=0.9`` for ``"march"``,
        ``theta=0.5`` for ``"beer_game"``); XMILE models take none.

    Returns
    -------
    sysdyn.Model or the Python model's object
        A stock-and-flow model (:class:`sysdyn.Model`) for XMILE files and
        the beer game; a :class:`~sysdyn.models.march.MarchModel` for March.

    Raises
    ------
    UnknownModelError
        If the library has no such model.
    XmileReaderMissingError
        If the model is an XMILE file and ``sysdyn.read_xmile`` is missing.

    Examples
    --------
    >>> import sysdyn as sd
    >>> sd.models.load("march", p1=0.9).p1
    0.9
    >>> sd.models.load("beer_game").name
    'Beer distribution game (Sterman 1989)'
    """
    key = check_name(name)
    files = xmile_files()
    if key not in python_models() and key not in files:
        raise unknown(name, list())
    entry = python_models().get(key) or ModelInfo(key, "xmile", "", "", "sysdyn.Model", path=files[key])
    if entry.kind == "python":
        make = factory(entry.name)
        assert make is not None  # info() said it is a Python model
        return make(**options)
    if options:
        raise SysdynError(
            f"XMILE models take no options (got {sorted(options)}); change parameters per run with "
            "`run(params=...)`",
            element=entry.name,
        )
    return _read_xmile(entry)


def _read_xmile(entry: ModelInfo) -> Any:
    import importlib.resources as resources

    import sysdyn

    reader = getattr(sysdyn, "read_xmile", None)
    if reader is None:
        raise XmileReaderMissingError(
            f"`{entry.name}` is an XMILE model, but this sysdyn has no `sysdyn.read_xmile` to read it",
            element=entry.name,
        )
    assert entry.path is not None
    with resources.as_file(entry.path) as path:
        return reader(path)
