"""``python -m sysdyn``: the same program as the ``sysdyn`` console script (see :mod:`sysdyn.cli`)."""

from sysdyn.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
