"""XMILE and Stella files: :func:`read_xmile` opens them, :func:`write_xmile` saves them.

Examples
--------
>>> import sysdyn as sd
>>> m = sd.Model("Growth", stop=2, dt=1, method="euler")
>>> m.stock("Staff", 10, inflows=["Hiring"]); m.flow("Hiring", "Staff * 0.1")
>>> text = write_xmile(m)
>>> read_xmile(text).run()["Staff"]
array([10. , 11. , 12.1])
"""

from __future__ import annotations

from .reader import XmileSource, read_xmile, source_of
from .safety import FileTooLargeError, MalformedXmlError, UnsafeXmlError, XmileError
from .writer import write_xmile

__all__ = [
    "read_xmile",
    "write_xmile",
    "XmileError",
    "UnsafeXmlError",
    "FileTooLargeError",
    "MalformedXmlError",
    "XmileSource",
    "source_of",
]
