"""Build hook that ships the model library inside the package.

Everything about the distribution is declared in ``pyproject.toml``; this file only adds one step
to ``build_py``.  The stock-and-flow models of :mod:`sysdyn.models` are XMILE files in the
repository's top-level ``models/`` folder, where Stella users find them, which is outside the
``sysdyn`` package; a built package carries them as the package data
``sysdyn/models/library/*.xmile``, where :func:`sysdyn.models.load` finds them after a normal
(non-editable) install.  An editable install reads ``models/`` in the checkout instead, so nothing
is copied then.  ``MANIFEST.in`` puts ``models/`` in the source distribution, so a wheel built
from the sdist carries the same files.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

MODELS = Path(__file__).resolve().parent / "models"
PACKAGE_FOLDER = ("sysdyn", "models", "library")  # must match sysdyn/models/_registry.py


class BuildPyWithModels(build_py):
    """``build_py``, then copy ``models/*.xmile`` to ``sysdyn/models/library/`` in the build."""

    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib, *PACKAGE_FOLDER)
        self.mkpath(str(target))
        for path in sorted(MODELS.glob("*.xmile")):
            self.copy_file(str(path), str(target / path.name))

    def get_outputs(self, include_bytecode=True):
        outputs = super().get_outputs(include_bytecode)
        if not getattr(self, "editable_mode", False):
            target = Path(self.build_lib, *PACKAGE_FOLDER)
            outputs += [str(target / path.name) for path in sorted(MODELS.glob("*.xmile"))]
        return outputs


setup(cmdclass={"build_py": BuildPyWithModels})
