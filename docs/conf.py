"""Sphinx configuration for the sysdyn documentation.

Build with ``python -m sphinx -W --keep-going -b html docs docs/_build/html``
after ``pip install -e ".[docs]"``.  The package is imported, not mocked.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _version

import numpydoc.numpydoc as _numpydoc

project = "sysdyn"
author = "the sysdyn developers"
copyright = "2026, the sysdyn developers"

try:
    release = _version("sysdyn-sim")
except PackageNotFoundError:  # building from a checkout that is not installed
    release = "0.1.0.dev0"
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.viewcode",
    "sphinx.ext.mathjax",
    "numpydoc",
]

# No intersphinx: CI has no network apart from the package registries, and a
# failed inventory fetch would be a warning (an error under -W).

root_doc = "index"
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
nitpicky = False
default_role = "py:obj"

# -- autodoc -----------------------------------------------------------------
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_default_options = {
    "show-inheritance": True,
}

# -- numpydoc ----------------------------------------------------------------
# Members are listed by autodoc; numpydoc's own member tables would need
# autosummary stub pages.
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
numpydoc_validation_checks: set[str] = set()

# Sphinx 9 crashes ("error while formatting signature for ...: list assignment index
# out of range") when an autodoc-process-signature handler returns a signature for a
# data object, as numpydoc's does for a type alias such as ``tuple[str, ...]``
# (sphinx-doc/sphinx#14576).  Data and type aliases have no signature to mangle, so
# numpydoc's handler is skipped for them.  Must run before numpydoc's setup() connects it.
_numpydoc_mangle_signature = _numpydoc.mangle_signature


def _mangle_signature(app, what, name, obj, options, sig, retann):
    if what in ("data", "type"):
        return None
    return _numpydoc_mangle_signature(app, what, name, obj, options, sig, retann)


_numpydoc.mangle_signature = _mangle_signature

# -- HTML --------------------------------------------------------------------
html_theme = "furo"
html_title = f"sysdyn {release}"
html_static_path: list[str] = []
