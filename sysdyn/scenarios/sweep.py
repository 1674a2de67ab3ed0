"""Parameter sweeps: every combination of the given values, run as chunked vectorised ensembles.

Examples
--------
>>> import numpy as np, sysdyn as sd
>>> from sysdyn.showcase import team_knowledge
>>> sw = sd.sweep(team_knowledge(), {"memory time": np.linspace(6, 24, 50), "Staff": [2, 4, 8]},
...               method="euler")
>>> sw.n_runs, sw.to_xarray()["Knowledge"].shape
(150, (50, 3, 201))
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..errors import ParameterError
from .ensemble import run_ensemble

__all__ = ["sweep", "factorial_design"]


def factorial_design(values: Mapping[str, Any]) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Every combination of ``values``: returns ``(design, axes)``.

    The first parameter varies slowest (C order), so run ``i`` is
    ``numpy.unravel_index(i, shape)`` on the axes.

    Examples
    --------
    >>> design, axes = factorial_design({"a": [1, 2], "b": [10, 20, 30]})
    >>> design["a"].tolist(), design["b"].tolist()
    ([1.0, 1.0, 1.0, 2.0, 2.0, 2.0], [10.0, 20.0, 30.0, 10.0, 20.0, 30.0])
    """
    if not isinstance(values, Mapping) or not values:
        raise ParameterError("a sweep needs a dict of parameter name -> list of values")
    axes: dict[str, np.ndarray] = {}
    for name, vals in values.items():
        arr = np.atleast_1d(np.asarray(vals, dtype=float))
        if arr.ndim != 1 or len(arr) == 0 or not np.isfinite(arr).all():
            raise ParameterError(
                f"the values of `{name}` must be a non-empty list of finite numbers (got {vals!r})"
            )
        if len(np.unique(arr)) != len(arr):
            raise ParameterError(f"the values of `{name}` repeat a value; a sweep axis needs distinct values")
        axes[str(name)] = arr
    grids = np.meshgrid(*axes.values(), indexing="ij")
    design = {k: g.reshape(-1) for k, g in zip(axes, grids, strict=True)}
    return design, axes


def sweep(
    model: Any,
    values: Mapping[str, Any],
    *,
    grid: bool = True,
    method: str | None = None,
    chunk_size: int | None = None,
    outputs: str | Sequence[str] | None = None,
    fixed: Mapping[str, float] | None = None,
    seed: int | None = None,
    store: str | os.PathLike | None = None,
    client: Any = None,
    progress: bool | dict | None = None,
    **run_options: Any,
):
    """Run a model over a full factorial grid of parameter values (or paired lists).

    Parameters
    ----------
    model : Model
        The base model (never changed).
    values : dict of str to array-like
        Parameter (constant, or stock's initial value) -> the values to try.
    grid : bool
        ``True``: every combination (full factorial).  ``False``: the lists
        are paired run by run and must have one length.
    method : str, optional
        Solver; defaults to the model's.
    chunk_size : int, optional
        Runs per vectorised call (memory is bounded by it); automatic by default.
    outputs : str or list of str, optional
        Variables to keep (default: all).
    fixed : dict, optional
        Parameters set to one value in every run.
    seed : int, optional
        Seed of the model's random functions.
    store : path, optional
        Stream results to ``*.zarr`` or ``*.parquet``; an interrupted sweep
        called again with the same arguments resumes.
    client : optional
        Run chunks on Dask: ``"local"``, a ``Client``, a ``LocalCluster`` or an address.
    progress : bool or dict, optional
        Progress bar; by default on in a terminal or a notebook.
    **run_options
        ``start``, ``stop``, ``dt``, ``saveper``, ``rtol``, ``atol`` ... for :meth:`sysdyn.Model.run`.

    Returns
    -------
    EnsembleResults
        ``to_xarray()`` has one dimension per swept parameter, plus time.

    Examples
    --------
    >>> import sysdyn as sd
    >>> from sysdyn.showcase import team_knowledge
    >>> sw = sd.sweep(team_knowledge(), {"Staff": [2, 4], "learning rate": [0.25, 0.5]}, method="euler")
    >>> sw.design
         Staff  learning rate
    run
    0      2.0           0.25
    1      2.0           0.50
    2      4.0           0.25
    3      4.0           0.50
    """
    if grid:
        design, axes = factorial_design(values)
    else:
        design = {str(k): np.atleast_1d(np.asarray(v, dtype=float)) for k, v in values.items()}
        axes = None
    return run_ensemble(
        model,
        design,
        fixed=fixed,
        method=method,
        chunk_size=chunk_size,
        outputs=outputs,
        seed=seed,
        store=store,
        client=client,
        progress=progress,
        kind="sweep",
        axes=axes,
        desc="sweep",
        **run_options,
    )
