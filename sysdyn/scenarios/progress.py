"""Progress bars (tqdm) for long ensembles, on only where someone is watching.

``progress=None`` (the default everywhere) shows a bar when standard error
is a terminal or the code runs in a Jupyter kernel, and nothing in a batch
job, a pipe or CI; ``progress=True`` and ``progress=False`` force it on or
off.  ``progress`` may also be a dict of options for :class:`tqdm.tqdm`.

Examples
--------
>>> with progress_bar(3, "runs", progress=False) as bar:
...     for _ in range(3):
...         bar.update(1)
>>> bar.n
3
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["progress_bar", "interactive"]


def interactive() -> bool:
    """True when someone is likely watching: stderr is a terminal, or an IPython kernel runs us.

    Examples
    --------
    >>> isinstance(interactive(), bool)
    True
    """
    try:
        if sys.stderr is not None and sys.stderr.isatty():
            return True
    except (AttributeError, ValueError):  # closed or replaced streams
        pass
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    shell = getattr(ipython, "get_ipython", lambda: None)()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


class _Silent:
    """A do-nothing bar with the part of tqdm's interface we use."""

    def __init__(self, total: int | None):
        self.total = total
        self.n = 0

    def update(self, n: int = 1) -> None:
        self.n += n

    def set_postfix_str(self, text: str) -> None:
        pass

    def close(self) -> None:
        pass

    def __enter__(self) -> _Silent:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def progress_bar(total: int | None, desc: str, progress: bool | dict | None = None, **options: Any):
    """Return a tqdm bar, or a silent stand-in, to use as a context manager.

    Parameters
    ----------
    total : int or None
        Number of steps (runs, chunks...).
    desc : str
        Label shown before the bar.
    progress : bool or dict or None
        ``None``: on if :func:`interactive`; ``True``/``False``: on/off;
        a dict: on, with these options for tqdm.
    **options
        Further options for tqdm (``unit="runs"``, ``initial=`` ...).

    Examples
    --------
    >>> bar = progress_bar(10, "runs", progress=False)
    >>> type(bar).__name__
    '_Silent'
    """
    show = interactive() if progress is None else bool(progress)
    if not show:
        silent = _Silent(total)
        silent.n = int(options.get("initial", 0))
        return silent
    from tqdm.auto import tqdm

    extra = dict(progress) if isinstance(progress, dict) else {}
    # the caller's options (desc, total... too) win over the defaults
    return tqdm(**{"total": total, "desc": desc, "dynamic_ncols": True, **options, **extra})
