"""Networks: one adjacency representation, and stochastic diffusion over it.

:func:`as_adjacency` turns a networkx graph, a sparse matrix or edge arrays into a
:class:`NetworkAdjacency`; :mod:`sysdyn.network.diffusion` simulates SI, SIS, SIR,
independent-cascade and threshold adoption on it and solves their mean-field twins.

Examples
--------
>>> import networkx as nx
>>> from sysdyn.network import as_adjacency
>>> as_adjacency(nx.path_graph(3))
NetworkAdjacency(3 nodes, 2 undirected edges)
"""

from __future__ import annotations

from . import diffusion
from ._problem import DiffusionError
from .diffusion import mean_field, simulate
from .graphs import NetworkAdjacency, NetworkError, as_adjacency
from .mean_field import MeanFieldResults, sir_final_size
from .stochastic import DiffusionResults

__all__ = [
    "NetworkAdjacency",
    "as_adjacency",
    "NetworkError",
    "diffusion",
    "simulate",
    "mean_field",
    "sir_final_size",
    "DiffusionResults",
    "MeanFieldResults",
    "DiffusionError",
]
