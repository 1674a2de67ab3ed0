"""Monte Carlo experiments: parameters drawn from distributions, run as chunked vectorised ensembles.

Draws go through each distribution's inverse CDF from uniform numbers made
by a seeded generator (``sampling="random"``) or by a Latin hypercube
(``sampling="lhs"``, :class:`scipy.stats.qmc.LatinHypercube`), so the same
``rng`` always gives the same design.

Examples
--------
>>> import sysdyn as sd
>>> from sysdyn.showcase import team_knowledge
>>> mc = sd.monte_carlo(team_knowledge(), {"learning rate": sd.dist.lognormal(0.5, 0.2),
...                                        "Staff": sd.dist.integers(2, 10)},
...                     runs=1000, rng=1, method="euler", outputs="Knowledge")
>>> mc.summary("Knowledge").columns.tolist()
[0.05, 0.25, 0.5, 0.75, 0.95, 'mean']
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..errors import ParameterError
from .distributions import as_distribution
from .ensemble import run_ensemble

__all__ = ["monte_carlo", "sample_design"]

SAMPLINGS = ("random", "lhs")


def sample_design(
    distributions: Mapping[str, Any], runs: int, rng: Any = None, sampling: str = "random"
) -> dict[str, np.ndarray]:
    """Draw ``runs`` values of each parameter.

    Parameters
    ----------
    distributions : dict of str to distribution
        ``sd.dist`` distributions or frozen :mod:`scipy.stats` ones.
    runs : int
    rng : int or numpy.random.Generator, optional
        Seed or generator; the same seed gives the same design.
    sampling : {"random", "lhs"}
        Independent draws, or a Latin hypercube (each parameter's range cut
        into ``runs`` equally likely strata, one draw in each).

    Examples
    --------
    >>> from sysdyn.scenarios import dist
    >>> d = sample_design({"a": dist.uniform(0, 1)}, 4, rng=0, sampling="lhs")
    >>> np.sort(np.floor(d["a"] * 4)).tolist()   # one draw in each quarter
    [0.0, 1.0, 2.0, 3.0]
    """
    if isinstance(runs, bool) or not isinstance(runs, (int, np.integer)) or runs < 1:
        raise ParameterError(f"`runs` must be a positive whole number (got {runs!r})")
    if sampling not in SAMPLINGS:
        raise ParameterError(f"`sampling` must be one of {SAMPLINGS} (got {sampling!r})")
    dists = {str(k): as_distribution(v, str(k)) for k, v in distributions.items()}
    if not dists:
        raise ParameterError("a Monte Carlo experiment needs at least one distribution")
    gen = np.random.default_rng(rng)
    if sampling == "lhs":
        from scipy.stats import qmc

        u = qmc.LatinHypercube(d=len(dists), rng=gen).random(int(runs))
    else:
        u = gen.random((int(runs), len(dists)))
    return {name: d.ppf(u[:, j]) for j, (name, d) in enumerate(dists.items())}


def monte_carlo(
    model: Any,
    distributions: Mapping[str, Any],
    *,
    runs: int = 1000,
    rng: Any = None,
    sampling: str = "random",
    method: str | None = None,
    chunk_size: int | None = None,
    outputs: str | Sequence[str] | None = None,
    seed: int | None = None,
    store: str | os.PathLike | None = None,
    client: Any = None,
    progress: bool | dict | None = None,
    **run_options: Any,
):
    """Run a model with parameters drawn from distributions.

    Parameters
    ----------
    model : Model
        The base model (never changed).
    distributions : dict of str to distribution or number
        Parameter -> ``sd.dist`` distribution, frozen :mod:`scipy.stats`
        distribution, or a plain number (fixed in every run).
    runs : int
        Number of draws.
    rng : int or numpy.random.Generator, optional
        Seed of the design (and, unless ``seed`` is given, of the model's own
        random functions).
    sampling : {"random", "lhs"}
        Independent draws or a Latin hypercube.
    method, chunk_size, outputs, store, client, progress, **run_options
        As for :func:`~sysdyn.sweep`.
    seed : int, optional
        Seed of the model's random functions (``RANDOM``, ``NORMAL``...).

    Returns
    -------
    EnsembleResults
        ``summary(name)`` gives quantiles over time, ``plot_bands(name)`` draws them.

    Examples
    --------
    >>> import sysdyn as sd
    >>> from sysdyn.showcase import team_knowledge
    >>> mc = sd.monte_carlo(team_knowledge(), {"Staff": sd.dist.integers(2, 10), "Capacity": 120},
    ...                     runs=200, rng=7, sampling="lhs", method="euler")
    >>> sorted(set(mc.design["Staff"])) == list(range(2, 10)), mc.fixed
    (True, {'Capacity': 120.0})
    """
    fixed = {str(k): float(v) for k, v in distributions.items() if isinstance(v, (int, float, np.number))}
    drawn = {k: v for k, v in distributions.items() if str(k) not in fixed}
    gen = np.random.default_rng(rng)
    design = sample_design(drawn, runs, gen, sampling)
    if seed is None and model.compile().random_sites:
        seed = int(gen.integers(2**62))
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
        kind="monte_carlo",
        axes=None,
        desc="Monte Carlo",
        **run_options,
    )
