"""Where the library's models come from: Python factories and XMILE files.

Two kinds of model live in the library:

- **Python models**, registered below by name with the module and the
  factory that builds them (imported only when asked for);
- **XMILE files**, ``<name>.xmile`` in the repository's top-level
  ``models/`` folder.  A wheel ships that folder as the package data
  ``sysdyn/models/library/`` (``setup.py`` copies it there when the package
  is built, and ``MANIFEST.in`` puts it in the source distribution); in a
  source checkout (an editable install) the files are read from ``models/``
  itself.

What :func:`sysdyn.models.info` says about an XMILE model comes from the
file, without compiling it: the title is the first line of the model's
``<doc>``, the source the paragraph that starts ``Source:`` and the loops
the lines under ``Loops:`` (one loop a line, up to the next blank line)::

    <model>
        <doc>Title of the model.

    What it shows...

    Source: Author, A. (Year). Title. Journal. https://doi.org/...

    Loops:
    R1 Name: A -> B -> A (reinforcing)
    B1 Name: A -> C -> A (balancing)</doc>

Examples
--------
>>> "march" in python_models()
True
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from ..errors import SysdynError, UnknownNameError
from ..names import canonical as _canonical

__all__ = [
    "canonical",
    "ModelInfo",
    "UnknownModelError",
    "python_models",
    "xmile_files",
    "xmile_info",
    "python_info",
    "library_dir",
]

#: The folder name of the XMILE files inside the installed package.
PACKAGE_FOLDER = "library"
#: The file suffix of library models.
SUFFIX = ".xmile"


def canonical(name: str) -> str:
    """The library key of a model name: XMILE's canonical form, with underscores for spaces.

    Examples
    --------
    >>> canonical("Beer Game"), canonical("capability_trap")
    ('beer_game', 'capability_trap')
    """
    return _canonical(name).replace(" ", "_")


class UnknownModelError(UnknownNameError, KeyError):
    """No model of the library has the name asked for."""

    def __str__(self) -> str:  # KeyError would put the message in quotes
        return self._render()


@dataclass(frozen=True)
class ModelInfo:
    """What the library knows about one model before loading it.

    Attributes
    ----------
    name : str
        The name to pass to :func:`sysdyn.models.load`.
    kind : {"python", "xmile"}
        A Python-defined model or an XMILE file.
    title : str
        One line saying what the model is.
    source : str
        Full citation of the published source it reproduces (may be empty
        for an XMILE file until it is read).
    returns : str
        What :func:`~sysdyn.models.load` returns for it.
    path : Traversable or None
        The XMILE file (``None`` for a Python model).
    doc : str
        The model's documentation: what it shows, its variables, its loops.
    loops : tuple of str
        The model's feedback loops, named, one ``"R1 Name: A -> B -> A"`` each.

    Examples
    --------
    >>> entry = ModelInfo("x", "python", "A model", "Someone (2001).", "sysdyn.Model", loops=("R1: a -> a",))
    >>> entry.kind
    'python'
    >>> print(entry)
    x (python model, returns sysdyn.Model): A model
    Source: Someone (2001).
    Loops:
      R1: a -> a
    """

    name: str
    kind: str
    title: str
    source: str
    returns: str
    path: Traversable | None = None
    doc: str = ""
    loops: tuple[str, ...] = ()

    def __str__(self) -> str:
        lines = [f"{self.name} ({self.kind} model, returns {self.returns}): {self.title}"]
        if self.source:
            lines.append(f"Source: {self.source}")
        if self.loops:
            lines.append("Loops:")
            lines.extend(f"  {loop}" for loop in self.loops)
        body = _without_source_and_loops(self.doc)
        if body:
            lines.extend(["", body])
        return "\n".join(lines)


def _without_source_and_loops(doc: str) -> str:
    """``doc`` without its ``Source:`` and ``Loops:`` paragraphs (shown above it already).

    Examples
    --------
    >>> _without_source_and_loops("Title.\\n\\nSource: X (2001).\\n\\nLoops:\\nR1 a: a -> a\\n\\nMore.")
    'Title.\\n\\nMore.'
    """
    paragraphs = re.split(r"\n\s*\n", doc.strip())
    kept = [p for p in paragraphs if not p.lstrip().startswith(("Source:", "Loops:"))]
    return "\n\n".join(kept)


@dataclass(frozen=True)
class _PythonModel:
    module: str  # our own module, relative to sysdyn.models
    factory: str
    info: ModelInfo


_PYTHON: dict[str, _PythonModel] = {}


def _register(name: str, module: str, factory: str, title: str, source: str, returns: str) -> None:
    entry = ModelInfo(name, "python", title, source, returns)
    _PYTHON[canonical(name)] = _PythonModel(module, factory, entry)


_register(
    "march",
    ".march",
    "MarchModel",
    "March's mutual-learning model of exploration and exploitation (agent simulation)",
    "March, J. G. (1991). Exploration and exploitation in organizational learning. "
    "Organization Science, 2(1), 71-87. https://doi.org/10.1287/orsc.2.1.71",
    "sysdyn.models.march.MarchModel",
)
_register(
    "beer_game",
    ".beer_game",
    "beer_game",
    "The beer distribution game with the anchoring-and-adjustment ordering heuristic",
    "Sterman, J. D. (1989). Modeling managerial behavior: Misperceptions of feedback in a dynamic "
    "decision making experiment. Management Science, 35(3), 321-339. https://doi.org/10.1287/mnsc.35.3.321",
    "sysdyn.Model",
)
_register(
    "beer_play",
    ".beer_play",
    "BeerGame",
    "The beer game, playable week by week: you order for one echelon, Sterman's heuristic for the others",
    "Sterman, J. D. (1989). Modeling managerial behavior: Misperceptions of feedback in a dynamic "
    "decision making experiment. Management Science, 35(3), 321-339. https://doi.org/10.1287/mnsc.35.3.321",
    "sysdyn.models.beer_play.BeerGame",
)
_register(
    "knowledge_diffusion",
    ".knowledge_diffusion",
    "knowledge_diffusion",
    "Knowledge sharing, practice and forgetting over a team network (one stock per person)",
    "Cowan, R., & Jonard, N. (2004). Network structure and the diffusion of knowledge. Journal of Economic "
    "Dynamics and Control, 28(8), 1557-1575. https://doi.org/10.1016/j.jedc.2003.04.002",
    "sysdyn.Model",
)


def python_models() -> dict[str, ModelInfo]:
    """The Python-defined models, by canonical name (without their documentation; see :func:`python_info`).

    Examples
    --------
    >>> python_models()["beer_game"].kind
    'python'
    """
    return {key: entry.info for key, entry in _PYTHON.items()}


def python_info(name: str) -> ModelInfo:
    """Everything known about a Python model: its module's documentation and its ``LOOPS``.

    Examples
    --------
    >>> python_info("march").loops[0].split(":")[0]
    'mutual learning (reinforcing)'
    """
    entry = _PYTHON[canonical(name)]
    module = importlib.import_module(entry.module, package=__package__)
    loops = tuple(f"{loop}: {how}" for loop, how in getattr(module, "LOOPS", {}).items())
    return replace(entry.info, doc=(module.__doc__ or "").strip(), loops=loops)


def library_dir() -> Traversable | None:
    """The folder holding the XMILE files: the installed package data, else the checkout's ``models/``.

    Examples
    --------
    >>> library_dir() is None or library_dir().is_dir()
    True
    """
    packaged = resources.files("sysdyn.models") / PACKAGE_FOLDER
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / "models"
    if checkout.is_dir() and (checkout.parent / "pyproject.toml").is_file():
        return checkout
    return None


def xmile_files() -> dict[str, Traversable]:
    """The XMILE files of the library, by canonical name (the file name without ``.xmile``).

    Examples
    --------
    >>> all(path.name.endswith(".xmile") for path in xmile_files().values())
    True
    """
    folder = library_dir()
    if folder is None:
        return {}
    found = {}
    for entry in folder.iterdir():
        if entry.is_file() and entry.name.lower().endswith(SUFFIX):
            found[canonical(entry.name[: -len(SUFFIX)])] = entry
    return dict(sorted(found.items()))


def xmile_info(name: str, path: Traversable) -> ModelInfo:
    """Read what a library XMILE file says about itself: title, source and loops from its model ``<doc>``.

    The file is parsed (with the hardened loader of :mod:`sysdyn.xmile`)
    but not compiled.

    Examples
    --------
    >>> entry = xmile_info("limits_to_growth", xmile_files()["limits_to_growth"])
    >>> entry.title.split(":")[0], entry.source.split(",")[0]
    ('Limits to Growth', 'Senge')
    >>> entry.loops[0]
    'R1 Growth: Members -> Recruiting efforts -> Joining (reinforcing)'
    """
    from ..xmile.safety import load_document

    root = load_document(path.read_bytes())
    model = next((c for c in root if _local(c.tag) == "model"), None)
    doc_element = None if model is None else next((c for c in model if _local(c.tag) == "doc"), None)
    doc = "" if doc_element is None else "".join(doc_element.itertext()).strip()
    lines = [line.strip() for line in doc.splitlines()]
    title = lines[0] if lines and lines[0] else f"XMILE model {path.name}"
    return ModelInfo(
        name,
        "xmile",
        title,
        _section(lines, "Source:", paragraph=True),
        "sysdyn.Model",
        path=path,
        doc="\n".join(lines),
        loops=tuple(_section(lines, "Loops:", paragraph=False)),
    )


def _local(tag: str) -> str:
    return tag.rsplit(":", 1)[-1].rsplit("}", 1)[-1]


_SOURCE = re.compile(r"^(sources?|references?):\s*", re.IGNORECASE)


def _section(lines: list[str], head: str, *, paragraph: bool) -> Any:
    """The text after ``head`` up to the next blank line: joined (``paragraph``) or as a list of lines."""
    pattern = _SOURCE if head == "Source:" else re.compile(rf"^{re.escape(head)}\s*", re.IGNORECASE)
    for i, line in enumerate(lines):
        match = pattern.match(line)
        if match:
            block = [line[match.end() :]] if line[match.end() :] else []
            for more in lines[i + 1 :]:
                if not more:
                    break
                block.append(more.removeprefix("- "))
            return " ".join(block) if paragraph else block
    return "" if paragraph else []


def factory(name: str) -> Callable[..., Any] | None:
    """The factory of a Python model, or ``None`` if ``name`` is not one."""
    entry = _PYTHON.get(canonical(name))
    if entry is None:
        return None
    module = importlib.import_module(entry.module, package=__package__)
    return getattr(module, entry.factory)


def unknown(name: str, known: list[str]) -> UnknownModelError:
    """The error for a name the library does not have, with a suggestion."""
    import difflib

    key = canonical(name) if isinstance(name, str) and name.strip() else str(name)
    close = difflib.get_close_matches(key, known, n=1)
    hint = f"; did you mean `{close[0]}`?" if close else ""
    return UnknownModelError(
        f"the model library has no model `{name}` (it has: {', '.join(known) or 'none'}){hint}",
        name=str(name),
        suggestion=close[0] if close else None,
        element="sysdyn.models",
    )


def check_name(name: Any) -> str:
    """Validate a model name and return its canonical form."""
    if not isinstance(name, str) or not name.strip():
        raise SysdynError(f"a model name must be a non-empty string (got {name!r})", element="sysdyn.models")
    return canonical(name)
