"""Networks: one adjacency representation, networks as model dimensions, and stochastic diffusion.

:func:`as_adjacency` turns a networkx graph, a sparse matrix or edge arrays into a
:class:`NetworkAdjacency`.  :meth:`sysdyn.Model.network` makes a network a dimension
of a stock-and-flow model (a :class:`NetworkDimension`), whose equations sum, average
and diffuse over neighbours (:mod:`sysdyn.network.operators`); the functions of
:mod:`sysdyn.network.changes` change the network as a scenario (:func:`remove_nodes`,
:func:`add_edges`, :func:`rewire`, :func:`over_graphs`...) and those of
:mod:`sysdyn.network.plotting` draw results on the graph.
:mod:`sysdyn.network.diffusion` simulates SI, SIS, SIR, independent-cascade and
threshold adoption and solves their mean-field twins.

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
from .changes import (
    add_edges,
    over_graphs,
    random_graphs,
    remove_edges,
    remove_nodes,
    rewire,
    run_over_graphs,
    with_graph,
)
from .diffusion import mean_field, simulate
from .dimension import NetworkDimension
from .graphs import NetworkAdjacency, NetworkError, as_adjacency
from .mean_field import MeanFieldResults, sir_final_size
from .plotting import animate_network, network_layout, plot_network, plot_nodes
from .stochastic import DiffusionResults

__all__ = [
    "NetworkAdjacency",
    "as_adjacency",
    "NetworkError",
    "NetworkDimension",
    "remove_nodes",
    "add_edges",
    "remove_edges",
    "rewire",
    "with_graph",
    "over_graphs",
    "random_graphs",
    "run_over_graphs",
    "plot_network",
    "animate_network",
    "plot_nodes",
    "network_layout",
    "diffusion",
    "simulate",
    "mean_field",
    "sir_final_size",
    "DiffusionResults",
    "MeanFieldResults",
    "DiffusionError",
]
