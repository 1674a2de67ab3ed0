"""The checked description of a diffusion problem that every simulation method receives.

Examples
--------
>>> import numpy as np, networkx as nx
>>> from sysdyn.network.graphs import as_adjacency
>>> p = Problem(as_adjacency(nx.path_graph(3)), "SI", np.array([[True, False, False]]), rate=1.0)
>>> p.runs, p.n, report_grid(2.0, 0.5)
(1, 3, array([0. , 0.5, 1. , 1.5, 2. ]))
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import SysdynError
from .graphs import NetworkAdjacency

__all__ = ["Problem", "DiffusionError", "report_grid", "STATES"]

STATES = {
    "SI": ("S", "I"),
    "SIS": ("S", "I"),
    "SIR": ("S", "I", "R"),
    "independent_cascade": ("inactive", "active"),
    "threshold": ("inactive", "active"),
}

DEFAULT_POINTS = 101


class DiffusionError(SysdynError):
    """The arguments of a diffusion simulation or mean-field solution are not valid."""


@dataclass(frozen=True, eq=False)
class Problem:
    """One diffusion model on one network, with its initial states for every run.

    Parameters
    ----------
    net : NetworkAdjacency
        The network, without self-loops, with non-negative weights.
    model : str
        A key of :data:`STATES`.
    initial : numpy.ndarray
        ``(runs, n)`` bool, the seeds (infected / active at time 0) of each run.
    rate : float, optional
        Transmission rate per unit weight of edge and unit of time (EoN's ``tau``).
    recovery : float
        Recovery rate per infected node (EoN's ``gamma``).
    tmax, dt : float, optional
        Horizon and report interval (or step, for fixed-step methods).
    options : dict
        Model-specific settings (``p`` of the cascade, ``thresholds``...).
    """

    net: NetworkAdjacency
    model: str
    initial: np.ndarray
    rate: float | None = None
    recovery: float = 0.0
    tmax: float | None = None
    dt: float | None = None
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def runs(self) -> int:
        """The number of runs."""
        return self.initial.shape[0]

    @property
    def n(self) -> int:
        """The number of nodes."""
        return self.initial.shape[1]

    @property
    def states(self) -> tuple[str, ...]:
        """The state names of the model."""
        return STATES[self.model]

    def parameters(self) -> dict[str, Any]:
        """The settings worth recording beside the results."""
        out: dict[str, Any] = {"rate": self.rate, "recovery": self.recovery, "tmax": self.tmax, "dt": self.dt}
        out.update({k: v for k, v in self.options.items() if np.ndim(v) == 0})
        return out


def report_grid(tmax: float, dt: float | None) -> np.ndarray:
    """Report times from 0 to ``tmax`` every ``dt`` (``DEFAULT_POINTS`` points when ``dt`` is None).

    Examples
    --------
    >>> report_grid(1.0, None)[:3]
    array([0.  , 0.01, 0.02])
    """
    if dt is None:
        return np.linspace(0.0, tmax, DEFAULT_POINTS)
    steps = int(np.ceil(tmax / dt - 1e-9))
    return np.arange(steps + 1) * dt
