# ruff: noqa: E741  (S, I, R are the names the epidemic literature uses)
"""Deterministic (mean-field) counterparts of the stochastic diffusion models.

Which approximation each ``kind`` is:

``"individual"`` (SI, SIS, SIR)
    Individual-based (quenched) mean field on the actual network, one ODE per
    node: ``x_i' = tau * s_i * sum_j w_ji x_j - gamma * x_i`` (the N-intertwined
    model of Van Mieghem et al. 2009).  It ignores correlations between
    neighbours and so overestimates spread, the more so on sparse graphs.
``"homogeneous"`` (SI, SIS, SIR)
    Homogeneous mixing with the mean in-strength ``k``:
    ``I' = tau * k * S * I / n - gamma * I``.
``"pair"`` (SI, SIS, SIR; undirected, unweighted)
    Homogeneous pair approximation with the closure
    ``[ABC] = (k - 1) / k * [AB][BC] / [B]`` (Keeling 1999; Kiss, Miller &
    Simon 2017, ch. 4), started from the network's own pair counts.
``"edge_based"`` (SI, SIR; undirected, unweighted)
    The edge-based compartmental model of Miller, Slim & Volz (2012) on the
    network's degree distribution, exact for large configuration-model
    graphs; ``sir_final_size`` gives its final size.
``"message_passing"`` (independent cascade)
    Dynamic message passing on directed edges (Lokhov et al. 2015), exact on
    trees.
``"tree"`` (threshold; undirected, unweighted)
    The tree-like approximation of Gleeson & Cahalane (2007) on the degree
    distribution, for seeds spread at random.

References
----------
Van Mieghem, P., Omic, J. & Kooij, R. (2009). Virus spread in networks. *IEEE/ACM
Trans. Networking* 17(1), 1–14.
Keeling, M. J. (1999). The effects of local spatial structure on epidemiological
invasions. *Proc. R. Soc. B* 266, 859–867.
Miller, J. C., Slim, A. C. & Volz, E. M. (2012). Edge-based compartmental
modelling for infectious disease spread. *J. R. Soc. Interface* 9, 890–906.
Lokhov, A. Y., Mézard, M. & Zdeborová, L. (2015). Dynamic message-passing equations
for models with unidirectional dynamics. *Phys. Rev. E* 91, 012811.
Gleeson, J. P. & Cahalane, D. J. (2007). Seed size strongly affects cascades on
random networks. *Phys. Rev. E* 75, 056103.

Examples
--------
>>> import networkx as nx
>>> from sysdyn.network.graphs import as_adjacency
>>> net = as_adjacency(nx.random_regular_graph(4, 1000, seed=1))
>>> round(sir_final_size(net, rate=1.0, recovery=1.0), 3)  # T = 1/2 on a 4-regular graph
0.854
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.integrate import solve_ivp
from scipy.optimize import brentq
from scipy.stats import binom

from ._problem import DiffusionError
from .graphs import NetworkAdjacency
from .stochastic import _state_index

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

__all__ = ["MeanFieldResults", "KINDS", "solve_mean_field", "sir_final_size"]

KINDS = {
    "SI": ("individual", "homogeneous", "pair", "edge_based"),
    "SIS": ("individual", "homogeneous", "pair"),
    "SIR": ("individual", "homogeneous", "pair", "edge_based"),
    "independent_cascade": ("message_passing",),
    "threshold": ("tree",),
}
_TOL = {"rtol": 1e-8, "atol": 1e-10}


@dataclass(frozen=True, eq=False)
class MeanFieldResults:
    """The expected number of nodes in each state over time, from a mean-field approximation.

    Parameters
    ----------
    model, kind : str
        The diffusion model and the approximation (see the module notes).
    states : tuple of str
    times : numpy.ndarray
        ``(T,)`` times (generations for cascades).
    expected : numpy.ndarray
        ``(T, len(states))`` expected counts.
    labels : tuple
        Node labels.
    node_probabilities : numpy.ndarray, optional
        ``(T, n, len(states))`` per-node state probabilities (``individual`` and
        ``message_passing`` kinds).

    Examples
    --------
    >>> import networkx as nx, sysdyn as sd
    >>> mf = sd.diffusion.mean_field(nx.complete_graph(50), "SI", rate=0.1, seeds=[0], tmax=2)
    >>> float(mf["I"][0]), round(float(mf["I"][-1]))
    (1.0, 50)
    """

    model: str
    kind: str
    states: tuple[str, ...]
    times: np.ndarray
    expected: np.ndarray
    labels: tuple
    node_probabilities: np.ndarray | None = None

    def __getitem__(self, state: str) -> np.ndarray:
        """The ``(T,)`` expected count of one state."""
        return self.expected[:, _state_index(self.states, state)]

    def to_pandas(self, fraction: bool = False) -> pd.DataFrame:
        """The expected counts (or fractions) as a data frame indexed by time, one column per state.

        Examples
        --------
        >>> import networkx as nx, sysdyn as sd
        >>> mf = sd.diffusion.mean_field(nx.path_graph(3), "SI", rate=1.0, seeds=[0], tmax=1, dt=1)
        >>> mf.to_pandas().shape
        (2, 2)
        """
        import pandas as pd

        values = self.expected / (len(self.labels) if fraction else 1)
        return pd.DataFrame(
            values, index=pd.Index(self.times, name="time"), columns=pd.Index(list(self.states), name="state")
        )

    def plot(
        self, states: Sequence[str] | None = None, *, fraction: bool = False, ax: Axes | None = None
    ) -> Axes:
        """Draw the expected count of each state.

        Examples
        --------
        >>> import networkx as nx, sysdyn as sd
        >>> mf = sd.diffusion.mean_field(nx.path_graph(3), "SI", rate=1.0, seeds=[0], tmax=1)
        >>> len(mf.plot().get_lines())
        2
        """
        import matplotlib.pyplot as plt

        ax = ax if ax is not None else plt.figure().add_subplot()
        scale = len(self.labels) if fraction else 1
        for state in self.states if states is None else states:
            ax.plot(self.times, self[state] / scale, label=f"{state} ({self.kind} mean field)")
        ax.set_xlabel("generation" if self.model in ("independent_cascade", "threshold") else "time")
        ax.set_ylabel("fraction of nodes" if fraction else "expected nodes")
        ax.legend(fontsize="small")
        return ax


def solve_mean_field(
    net: NetworkAdjacency, model: str, kind: str, x0: np.ndarray, times: np.ndarray, options: dict[str, Any]
) -> MeanFieldResults:
    """Solve one mean-field approximation; ``x0`` is each node's probability of being a seed.

    Parameters
    ----------
    net : NetworkAdjacency
    model, kind : str
        Checked against :data:`KINDS` by the caller.
    x0 : numpy.ndarray
        ``(n,)`` initial probability of infection/activation of each node.
    times : numpy.ndarray
        Report times (generations ``0..G`` for cascades).
    options : dict
        ``rate``, ``recovery`` and the model's own settings.

    Returns
    -------
    MeanFieldResults

    Examples
    --------
    SIS on a complete graph of 10 nodes (``k = 9``) settles at
    ``n * (1 - gamma / (tau * k)) = 5`` infected nodes:

    >>> import networkx as nx
    >>> from sysdyn.network.graphs import as_adjacency
    >>> net = as_adjacency(nx.complete_graph(10))
    >>> mf = solve_mean_field(net, "SIS", "individual", np.eye(10)[0], np.linspace(0, 20, 5),
    ...                       {"rate": 1.0, "recovery": 4.5})
    >>> mf["I"].round(6)
    array([1., 5., 5., 5., 5.])
    >>> mf.node_probabilities.shape  # (times, nodes, states)
    (5, 10, 2)
    """
    solver = {
        "individual": _individual,
        "homogeneous": _homogeneous,
        "pair": _pair,
        "edge_based": _edge_based,
        "message_passing": _message_passing,
        "tree": _tree,
    }[kind]
    expected, nodes = solver(net, model, x0, times, options)
    states = (
        ("S", "I", "R")
        if model == "SIR"
        else ("S", "I")
        if model in ("SI", "SIS")
        else ("inactive", "active")
    )
    return MeanFieldResults(model, kind, states, times, expected, net.labels, nodes)


def _integrate(rhs, y0: np.ndarray, times: np.ndarray) -> np.ndarray:
    sol = solve_ivp(rhs, (times[0], times[-1]), y0, t_eval=times, method="RK45", **_TOL)
    if not sol.success:  # pragma: no cover - the right-hand sides are smooth and bounded
        raise DiffusionError(f"the mean-field ODE failed: {sol.message}")
    return sol.y.T


def _individual(net, model, x0, times, opt):
    n = net.n
    a_t = net.matrix.T.tocsr()
    tau, gamma = opt["rate"], opt["recovery"]

    def rhs(t, y):
        s, x = y[:n], y[n : 2 * n]
        force = tau * s * (a_t @ x)
        ds = -force + (gamma * x if model == "SIS" else 0.0)
        dx = force - gamma * x
        return np.concatenate([ds, dx, gamma * x]) if model == "SIR" else np.concatenate([ds, dx])

    y0 = np.concatenate([1 - x0, x0] + ([np.zeros(n)] if model == "SIR" else []))
    y = _integrate(rhs, y0, times)
    nodes = y.reshape(len(times), -1, n).transpose(0, 2, 1)  # (T, n, states)
    return nodes.sum(axis=1), nodes


def _homogeneous(net, model, x0, times, opt):
    n, k = net.n, net.in_strength().mean()
    tau, gamma = opt["rate"], opt["recovery"]

    def rhs(t, y):
        S, I = y[0], y[1]
        new = tau * k * S * I / n
        dS = -new + (gamma * I if model == "SIS" else 0.0)
        return [dS, new - gamma * I] + ([gamma * I] if model == "SIR" else [])

    I0 = x0.sum()
    y0 = [n - I0, I0] + ([0.0] if model == "SIR" else [])
    return _integrate(rhs, np.array(y0), times), None


def _needs_simple(net: NetworkAdjacency, kind: str) -> None:
    if net.directed or (net.matrix.nnz and not np.all(net.matrix.data == 1.0)):
        raise DiffusionError(
            f"the {kind!r} mean field needs an undirected, unweighted network; "
            "use kind='individual' for directed or weighted ones"
        )


def _pair(net, model, x0, times, opt):
    _needs_simple(net, "pair")
    n, A = net.n, net.matrix
    k = A.nnz / n
    tau, gamma = opt["rate"], opt["recovery"]
    c = (k - 1) / k if k > 0 else 0.0
    s0 = 1 - x0
    SS, SI, II = s0 @ (A @ s0), s0 @ (A @ x0), x0 @ (A @ x0)

    def rhs(t, y):
        S, I, ss, si, ii = y
        ssi = c * ss * si / S if S > 0 else 0.0
        isi = c * si * si / S if S > 0 else 0.0
        if model == "SIS":
            return [
                gamma * I - tau * si,
                tau * si - gamma * I,
                2 * gamma * si - 2 * tau * ssi,
                gamma * (ii - si) + tau * (ssi - isi - si),
                -2 * gamma * ii + 2 * tau * (isi + si),
            ]
        g = gamma if model == "SIR" else 0.0
        return [-tau * si, tau * si - g * I, -2 * tau * ssi, tau * (ssi - isi - si) - g * si, 0.0]

    y = _integrate(rhs, np.array([s0.sum(), x0.sum(), SS, SI, II]), times)
    S, I = y[:, 0], y[:, 1]
    cols = [S, I, n - S - I] if model == "SIR" else [S, I]
    return np.stack(cols, axis=1), None


def _degree_pgf(net: NetworkAdjacency):
    """The degree distribution's generating function psi and its derivative (unique degrees for speed)."""
    degrees, counts = np.unique(net.out_degree(), return_counts=True)
    pk = counts / counts.sum()

    def psi(x):
        return float(np.sum(pk * np.power(x, degrees)))

    def dpsi(x):
        return float(np.sum(pk * degrees * np.power(x, np.maximum(degrees - 1, 0)) * (degrees > 0)))

    return psi, dpsi, degrees, pk


def _edge_based(net, model, x0, times, opt):
    _needs_simple(net, "edge_based")
    n = net.n
    rho = float(x0.mean())
    tau, gamma = opt["rate"], opt["recovery"] if model == "SIR" else 0.0
    psi, dpsi, _, _ = _degree_pgf(net)
    mean_k = dpsi(1.0)

    def rhs(t, y):
        theta, R = y
        phi_s = (1 - rho) * dpsi(theta) / mean_k
        S = (1 - rho) * psi(theta)
        return [-tau * theta + tau * phi_s + gamma * (1 - theta), gamma * (1 - S - R)]

    y = _integrate(rhs, np.array([1.0, 0.0]), times)
    S = np.array([(1 - rho) * psi(th) for th in y[:, 0]])
    R = y[:, 1]
    cols = [S, 1 - S - R, R] if model == "SIR" else [S, 1 - S]
    return n * np.stack(cols, axis=1), None


def sir_final_size(net: NetworkAdjacency, rate: float, recovery: float, rho: float = 0.0) -> float:
    """The expected final fraction ever infected by a large SIR epidemic on a configuration-model graph.

    The edge-based model's fixed point (Miller, Slim & Volz 2012) on the
    network's own degree distribution: with transmissibility
    ``T = rate / (rate + recovery)``, ``theta = 1 - T + T (1 - rho) psi'(theta) / psi'(1)``
    and the final size is ``1 - (1 - rho) psi(theta)``.  For a Poisson degree
    distribution of mean ``k`` and ``rho -> 0`` this is ``r = 1 - exp(-k T r)``.

    Parameters
    ----------
    net : NetworkAdjacency
        Undirected, unweighted.
    rate, recovery : float
        ``tau`` and ``gamma``.
    rho : float, default 0
        The fraction of nodes infected at the start, chosen at random.

    Returns
    -------
    float
        The final size as a fraction of nodes (``rho`` if no large epidemic is possible).

    Examples
    --------
    >>> import networkx as nx
    >>> from sysdyn.network.graphs import as_adjacency
    >>> round(sir_final_size(as_adjacency(nx.random_regular_graph(3, 100, seed=0)), 1.0, 3.0), 3)
    0.0
    """
    _needs_simple(net, "edge_based")
    T = rate / (rate + recovery) if rate + recovery > 0 else 0.0
    psi, dpsi, _, _ = _degree_pgf(net)
    mean_k = dpsi(1.0)

    def gap(theta):
        return 1 - T + T * (1 - rho) * dpsi(theta) / mean_k - theta

    hi = 1.0 - 1e-12
    if gap(hi) >= 0:  # below threshold: no large outbreak
        return float(rho) if rho == 0 else float(1 - (1 - rho) * psi(brentq(gap, 0.0, 1.0)))
    theta = brentq(gap, 0.0, hi, xtol=1e-15)
    return float(1 - (1 - rho) * psi(theta))


def _message_passing(net, model, x0, times, opt):
    mat = net.matrix
    n, nnz = net.n, mat.nnz
    src = np.repeat(np.arange(n), np.diff(mat.indptr))
    dst = mat.indices
    p = opt.get("p")
    probs = mat.data if p is None else np.full(nnz, float(p))
    key = src.astype(np.int64) * n + dst
    rkey = dst.astype(np.int64) * n + src
    order = np.argsort(key)
    where = np.clip(np.searchsorted(key[order], rkey), 0, max(nnz - 1, 0))
    rev = np.where(key[order][where] == rkey, order[where], -1) if nnz else np.zeros(0, dtype=int)
    m = x0[src].copy()  # message u -> v: P(u active in the cavity without v)
    keep = np.log(np.maximum(1.0 - x0, 1e-300))
    out = [x0.copy()]
    for _ in range(len(times) - 1):
        f = np.maximum(np.log1p(-probs * m), -800.0)  # edge w -> u, in CSR order (w = src)
        L = np.bincount(dst, weights=f, minlength=n)  # at the target u
        back = np.where(rev >= 0, f[np.maximum(rev, 0)], 0.0)  # for edge u -> v, the factor of v -> u
        m = -np.expm1(keep[src] + L[src] - back)
        out.append(-np.expm1(keep + L))
    active = np.array(out)
    nodes = np.stack([1 - active, active], axis=-1)
    return nodes.sum(axis=1), nodes


def _tree(net, model, x0, times, opt):
    _needs_simple(net, "tree")
    rho = float(x0.mean())
    degrees_all = net.out_degree()
    degrees, pk = _degree_pgf(net)[2:]
    z = float(np.sum(degrees * pk))
    theta = opt.get("thresholds", 0.5)
    fraction = opt.get("fraction", True)
    F = {}
    for k in degrees.tolist():
        m = np.arange(k + 1)
        level = m / k if (fraction and k > 0) else m.astype(float)
        if isinstance(theta, str):
            F[k] = np.minimum(level, 1.0)
        else:
            th = np.asarray(theta, dtype=float)
            th_k = th[degrees_all == k] if th.ndim else th[None]
            F[k] = (level[:, None] >= th_k[None, :] - 1e-12).mean(axis=1)
        if fraction and k == 0:
            F[k] = np.zeros(1)
    q, out = rho, [rho]
    for _ in range(len(times) - 1):
        q_new, active = rho, rho
        for k, p in zip(degrees.tolist(), pk, strict=True):
            if k > 0:
                q_new += (1 - rho) * k * p / z * np.dot(binom.pmf(np.arange(k), k - 1, q), F[k][:k])
            active += (1 - rho) * p * np.dot(binom.pmf(np.arange(k + 1), k, q), F[k])
        q = q_new
        out.append(active)
    frac = np.array(out)
    return net.n * np.stack([1 - frac, frac], axis=1), None
