"""Knowledge diffusion over a team network: sharing, practice and forgetting, person by person.

Each member of a team holds a stock of **Knowledge** (in ideas).  Three things
change it:

- **Sharing**: a person learns from every colleague they work with who knows
  more than they do, at ``sharing rate`` times the gap, times the strength of
  the tie (the edge's ``weight``, 1 when the graph has none)::

      Sharing[i] = sharing_rate * sum_j w_ji * max(K_j - K_i, 0)

  In a directed graph an edge ``j -> i`` means that ``j`` teaches ``i``
  (knowledge flows along the edges: ``IN_NEIGHBOR_SUM``); in an undirected
  one every tie works both ways.

  A continuous-time, one-kind-of-knowledge version of the transfer rule of
  Cowan and Jonard [1]_, in which a receiver absorbs a fraction of the
  difference and the giver loses nothing (knowledge is *non-rival*), without
  their barter condition (here knowledge is given, not traded).  The
  ``rivalry`` parameter makes teaching cost the teacher: a **Teaching**
  outflow of ``rivalry`` times what the teacher's colleagues learn from them.
  With ``rivalry = 1`` knowledge moves instead of being copied and sharing
  is plain Laplacian diffusion ``sharing_rate * DIFFUSION(Knowledge)``:
  without practice and forgetting the team's total is conserved, and on a
  connected undirected team everybody converges to the mean at the rate
  ``sharing_rate * lambda_2``, ``lambda_2`` being the algebraic connectivity
  (Fiedler value) of the team graph [3]_ [4]_ (see :func:`fiedler_value`).
- **Practice** (learning by doing) is self-reinforcing up to a ceiling: the
  more one knows, the more one can put into practice, and the less there is
  left to learn::

      Practice[i] = practice_rate * K_i * (K_i / ceiling) * (1 - K_i / ceiling)

- **Forgetting**: knowledge depreciates at ``forgetting rate`` a week, as
  organisational knowledge does when it is not used [2]_.

Alone, a person with knowledge ``K`` follows ``dK/dt = p K u (1 - u) - f K``
(``u = K / ceiling``), which has three equilibria when ``p > 4 f``: nobody
knows anything (stable), a **practice threshold** ``ceiling (1 - s) / 2``
(unstable) and a **sustained level** ``ceiling (1 + s) / 2`` (stable), with
``s = sqrt(1 - 4 f / p)`` (see :func:`practice_levels`).  Below the threshold
forgetting wins and what one knows fades away; above it practice wins and
one climbs to the sustained level.  A novice only gets over the threshold
through colleagues who know more, so *who is connected to whom* decides
whether an expert's knowledge takes root in the team, and whether it
survives the expert leaving (see :func:`sysdyn.network.remove_nodes`).

Variables
---------
``Knowledge[team]`` (stock, ideas)
    What each person knows; starts at ``Expertise``.
``Expertise[team]`` (constant, ideas)
    Each person's knowledge at the start: the ``expertise`` node attribute,
    or the factory's ``expert_knowledge`` for the experts and
    ``novice_knowledge`` for the others.
``Sharing[team]``, ``Teaching[team]``, ``Practice[team]``, ``Forgetting[team]`` (flows, ideas/week)
    As above.
``sharing rate``, ``practice rate``, ``forgetting rate`` (1/week), ``rivalry`` (dmnl), ``ceiling`` (ideas)
    The parameters (constants: ``run(params=...)`` sweeps them).
``Best neighbour[team]`` (ideas)
    The most any colleague one learns from knows (0 for someone without colleagues).
``Practice threshold`` (ideas)
    The unstable equilibrium of a person alone (``ceiling`` when ``p <= 4 f``:
    then nobody can sustain any knowledge by practice).
``Sustaining[team]``, ``People sustaining`` (people)
    1 for a person above the practice threshold; how many are.
``Team knowledge``, ``Mean knowledge``, ``Least knowledge``, ``Most knowledge`` (ideas)
    Sum, mean, minimum and maximum over the team.

Feedback loops
--------------
See :data:`LOOPS`: for each person, catching up (balancing), practice
(reinforcing), the ceiling of practice (balancing) and forgetting
(balancing); between colleagues, what one learns is then shared onwards
(the chain along which knowledge travels); with ``rivalry > 0`` teaching
(balancing) drains the teacher.

References
----------
.. [1] Cowan, R., & Jonard, N. (2004). Network structure and the diffusion of
   knowledge. *Journal of Economic Dynamics and Control*, 28(8), 1557-1575.
   https://doi.org/10.1016/j.jedc.2003.04.002
.. [2] Argote, L., Beckman, S. L., & Epple, D. (1990). The persistence and
   transfer of learning in industrial settings. *Management Science*, 36(2),
   140-154. https://doi.org/10.1287/mnsc.36.2.140
.. [3] Fiedler, M. (1973). Algebraic connectivity of graphs. *Czechoslovak
   Mathematical Journal*, 23(2), 298-305.
.. [4] Olfati-Saber, R., & Murray, R. M. (2004). Consensus problems in
   networks of agents with switching topology and time-delays. *IEEE
   Transactions on Automatic Control*, 49(9), 1520-1533.
   https://doi.org/10.1109/TAC.2004.834113

Examples
--------
>>> from sysdyn.models.knowledge_diffusion import knowledge_diffusion, practice_levels
>>> m = knowledge_diffusion()                      # 30 people, one expert (person 0)
>>> res = m.run()
>>> int(res["People sustaining"][0]), int(res["People sustaining"][-1])
(1, 30)
>>> threshold, sustained = practice_levels(0.2, 0.02, 100)
>>> round(threshold, 1), round(sustained, 1), round(float(res["Most knowledge"][-1]), 1)
(11.3, 88.7, 88.7)
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping
from typing import Any

import networkx as nx
import numpy as np

from ..model import Model
from ..network.graphs import NetworkError, as_adjacency

__all__ = [
    "knowledge_diffusion",
    "team_graph",
    "practice_levels",
    "fiedler_value",
    "PARAMETERS",
    "LOOPS",
]

#: The default parameters of :func:`knowledge_diffusion` (rates per week, knowledge in ideas).
PARAMETERS: dict[str, float] = {
    "sharing_rate": 0.02,
    "rivalry": 0.0,
    "practice_rate": 0.2,
    "forgetting_rate": 0.02,
    "ceiling": 100.0,
    "expert_knowledge": 80.0,
    "novice_knowledge": 2.0,
}

#: The feedback loops of each person and between colleagues (see the module documentation).
LOOPS: dict[str, str] = {
    "catching up (B)": "Knowledge -> gap to colleagues who know more -> Sharing -> Knowledge",
    "practice (R)": "Knowledge -> Practice -> Knowledge",
    "ceiling of practice (B)": "Knowledge -> room left below the ceiling -> Practice -> Knowledge",
    "forgetting (B)": "Knowledge -> Forgetting -> Knowledge",
    "passing it on (chain)": "Knowledge[j] -> Sharing[i] -> Knowledge[i] -> Sharing[k] -> Knowledge[k]",
    "teaching (B, rivalry > 0)": "Knowledge -> gap to colleagues who know less -> Teaching -> Knowledge",
}

_TITLE = "Knowledge diffusion over a team network"
_DEFAULT_TEAM = {"n": 30, "k": 4, "p": 0.2, "seed": 7}


def team_graph(n: int = 30, k: int = 4, p: float = 0.2, *, seed: int | None = 7) -> nx.Graph:
    """A connected small-world team (Watts-Strogatz): ``n`` people, each tied to ``k`` near colleagues.

    Each tie is then rewired to a random colleague with probability ``p``
    (:func:`networkx.connected_watts_strogatz_graph`), the small-world teams
    of Cowan and Jonard (2004).  The people are numbered ``0 .. n-1``.

    Parameters
    ----------
    n : int
        Team size.
    k : int
        Colleagues each person is tied to before rewiring (even).
    p : float
        Probability of rewiring each tie.
    seed : int or None
        Seed of the random draws (the default gives the default team of
        :func:`knowledge_diffusion`).

    Returns
    -------
    networkx.Graph

    Examples
    --------
    >>> G = team_graph()
    >>> G.number_of_nodes(), G.number_of_edges(), nx.is_connected(G)
    (30, 60, True)
    """
    return nx.connected_watts_strogatz_graph(n, k, p, tries=1000, seed=seed)


def practice_levels(practice_rate: float, forgetting_rate: float, ceiling: float) -> tuple[float, float]:
    """The practice threshold and the sustained level of a person alone (closed form).

    The non-zero equilibria of ``dK/dt = p K u (1 - u) - f K``, ``u = K / ceiling``:
    ``ceiling (1 -/+ sqrt(1 - 4 f / p)) / 2``.  Knowledge below the threshold
    fades away; above it, it grows to the sustained level.  At ``p == 4 f``
    the two meet at ``ceiling / 2``; when ``p < 4 f`` practice never outruns
    forgetting, there is no such level and both are ``nan`` (the model's
    ``Practice threshold`` is then ``ceiling``).

    Parameters
    ----------
    practice_rate, forgetting_rate : float
        Per week.
    ceiling : float
        Ideas.

    Returns
    -------
    (float, float)
        ``(threshold, sustained)`` in ideas.

    Examples
    --------
    >>> [round(x, 2) for x in practice_levels(0.2, 0.02, 100)]
    [11.27, 88.73]
    >>> practice_levels(0.2, 0.0, 100)
    (0.0, 100.0)
    >>> practice_levels(0.05, 0.02, 100)
    (nan, nan)
    """
    if practice_rate <= 0 or 4 * forgetting_rate > practice_rate:
        return (math.nan, math.nan)
    root = math.sqrt(max(0.0, 1.0 - 4.0 * forgetting_rate / practice_rate))
    return (ceiling * (1.0 - root) / 2.0, ceiling * (1.0 + root) / 2.0)


def fiedler_value(graph: Any, *, weight: str | None = "weight") -> float:
    """The algebraic connectivity of a graph: the second-smallest eigenvalue of its weighted Laplacian.

    With ``rivalry = 1`` and no practice or forgetting, differences in
    knowledge die out as ``exp(-sharing_rate * fiedler_value * t)`` (the
    slowest mode of Laplacian diffusion); it is 0 for a disconnected team.
    Computed densely (fine for teams up to a few thousand people).

    Parameters
    ----------
    graph : networkx graph or anything :func:`sysdyn.network.as_adjacency` takes
        An undirected graph.
    weight : str or None
        Edge attribute of the tie strengths (``None``: every tie 1).

    Returns
    -------
    float

    Raises
    ------
    NetworkError
        For a directed graph.

    Examples
    --------
    >>> round(fiedler_value(nx.complete_graph(5)), 9), round(fiedler_value(nx.path_graph(2)), 9)
    (5.0, 2.0)
    """
    adj = as_adjacency(graph, weight).without_self_loops()
    if adj.directed:
        raise NetworkError("the algebraic connectivity is defined here for undirected graphs")
    if adj.n < 2:
        return 0.0
    a = adj.matrix.toarray()
    laplacian = np.diag(a.sum(axis=1)) - a
    return float(np.linalg.eigvalsh(laplacian)[1])


def _expertise(
    G: Any,
    labels: tuple,
    experts: Mapping[Hashable, float] | Iterable[Hashable] | None,
    expert: float,
    novice: float,
) -> np.ndarray:
    """Each person's knowledge at the start, in node order."""
    if experts is None and isinstance(G, nx.Graph) and all("expertise" in G.nodes[v] for v in labels):
        return np.array([float(G.nodes[v]["expertise"]) for v in labels])
    if experts is None:
        experts = [labels[0]]
    elif isinstance(experts, str | int):  # one expert named on its own
        experts = [experts]
    values = np.full(len(labels), float(novice))
    where = {label: i for i, label in enumerate(labels)}
    pairs = experts.items() if isinstance(experts, Mapping) else ((e, expert) for e in experts)
    for node, level in pairs:
        if node not in where:
            raise NetworkError(f"expert {node!r} is not a member of the team")
        values[where[node]] = float(level)
    return values


def knowledge_diffusion(
    graph: Any = None,
    *,
    experts: Mapping[Hashable, float] | Iterable[Hashable] | None = None,
    expert_knowledge: float = PARAMETERS["expert_knowledge"],
    novice_knowledge: float = PARAMETERS["novice_knowledge"],
    sharing_rate: float = PARAMETERS["sharing_rate"],
    rivalry: float = PARAMETERS["rivalry"],
    practice_rate: float = PARAMETERS["practice_rate"],
    forgetting_rate: float = PARAMETERS["forgetting_rate"],
    ceiling: float = PARAMETERS["ceiling"],
    weeks: float = 104,
    dt: float = 0.25,
    weight: str | None = "weight",
    network: str = "team",
) -> Model:
    """Build the knowledge-diffusion model on a team network.

    Parameters
    ----------
    graph : networkx graph, optional
        Who works with whom (anything :meth:`sysdyn.Model.network` takes);
        edge ``weight`` is the strength of a tie.  In a directed graph an
        edge ``u -> v`` means that ``u`` teaches ``v``.  Default: :func:`team_graph`
        (30 people, a connected small world, seed 7).
    experts : mapping of node to ideas, or iterable of nodes, optional
        The experts and what they know (an iterable: ``expert_knowledge``
        each); everybody else starts with ``novice_knowledge``.  Default: the
        ``expertise`` node attribute if every node of ``graph`` has one, else
        the first node is the only expert.
    expert_knowledge, novice_knowledge : float
        Starting knowledge of experts and of the others (ideas).
    sharing_rate : float
        Fraction of the gap to a colleague who knows more learned a week, per
        unit of tie strength.
    rivalry : float
        Fraction of what is learned that the teacher loses (0: knowledge is
        copied; 1: it moves, and sharing is Laplacian diffusion).
    practice_rate, forgetting_rate : float
        Per week (see the module documentation).
    ceiling : float
        The most anyone can know (ideas).
    weeks : float
        Length of the run.
    dt : float
        Time between saved values (and the step of fixed-step solvers).
    weight : str or None
        Edge attribute holding the tie strengths (``None``: every tie 1).
    network : str
        Name of the network dimension.

    Returns
    -------
    sysdyn.Model
        Runs with the adaptive RK45 solver by default.

    Raises
    ------
    NetworkError
        For a graph that cannot be read or an expert who is not in it.

    Examples
    --------
    >>> import networkx as nx
    >>> off = {"practice_rate": 0, "forgetting_rate": 0}
    >>> m = knowledge_diffusion(nx.star_graph(4), experts={0: 60}, weeks=10, **off)
    >>> res = m.run(rtol=1e-10, atol=1e-10)
    >>> round(float(res["Knowledge[1]"][-1]), 4)           # 60 - 58 exp(-0.02 * 10)
    12.5136
    >>> float(res["Knowledge[0]"][-1])                      # non-rival: the expert keeps it all
    60.0
    """
    G = team_graph(**_DEFAULT_TEAM) if graph is None else graph  # type: ignore[arg-type]
    m = Model(_TITLE, start=0, stop=weeks, dt=dt, time_units="weeks", doc=__doc__ or "")
    team = m.network(network, G, weight=weight, doc="The team: who works with whom, and how closely.")
    start = _expertise(G, team.nodes, experts, expert_knowledge, novice_knowledge)
    over = f"[{network}]"
    m.constant(
        f"Expertise{over}",
        start,
        units="ideas",
        doc="What each person knows at the start (the `expertise` node attribute, or expert/novice levels).",
    )
    m.stock(
        f"Knowledge{over}",
        "Expertise",
        inflows=[f"Sharing{over}", f"Practice{over}"],
        outflows=[f"Teaching{over}", f"Forgetting{over}"],
        units="ideas",
        doc="What each person knows.",
    )
    m.flow(
        f"Sharing{over}",
        "sharing_rate * IN_NEIGHBOR_SUM(MAX(Knowledge - OWN(Knowledge), 0))",
        units="ideas/week",
        doc="Learning from colleagues who know more: sharing rate x tie x gap, summed over them.",
    )
    m.flow(
        f"Teaching{over}",
        "rivalry * sharing_rate * OUT_NEIGHBOR_SUM(MAX(OWN(Knowledge) - Knowledge, 0))",
        units="ideas/week",
        doc="What teaching costs the teacher: rivalry x what colleagues who know less learn from them.",
    )
    m.flow(
        f"Practice{over}",
        "practice_rate * Knowledge * (Knowledge / ceiling) * (1 - Knowledge / ceiling)",
        units="ideas/week",
        doc="Learning by doing: the more one knows, the more one practises, until the ceiling.",
    )
    m.flow(
        f"Forgetting{over}",
        "forgetting_rate * Knowledge",
        units="ideas/week",
        doc="Knowledge depreciates when it is not refreshed.",
    )
    m.constant(
        "sharing rate", sharing_rate, units="1/week", doc="Share of a gap learned a week per unit tie."
    )
    m.constant("rivalry", rivalry, units="dmnl", doc="Fraction of what is learned that the teacher loses.")
    m.constant("practice rate", practice_rate, units="1/week", doc="Strength of learning by doing.")
    m.constant("forgetting rate", forgetting_rate, units="1/week", doc="Fraction of knowledge lost a week.")
    m.constant("ceiling", ceiling, units="ideas", doc="The most anyone can know.")
    m.aux(
        f"Best neighbour{over}",
        "IN_NEIGHBOR_MAX(Knowledge)",
        units="ideas",
        doc="The most any colleague one learns from knows (0 without such colleagues).",
    )
    m.aux(
        "Practice threshold",
        "IF practice_rate > 0 AND 4 * forgetting_rate <= practice_rate "
        "THEN ceiling * (1 - SQRT(1 - 4 * forgetting_rate / practice_rate)) / 2 ELSE ceiling",
        units="ideas",
        doc="Below it a person alone forgets faster than practice teaches (ceiling: nobody can keep up).",
    )
    m.aux(
        f"Sustaining{over}",
        "IF Knowledge > Practice_threshold THEN 1 ELSE 0",
        units="people",
        doc="1 (person) for a person whose knowledge would keep growing by practice alone, else 0.",
    )
    m.aux("People sustaining", "SUM(Sustaining[*])", units="people", doc="How many are above the threshold.")
    m.aux("Team knowledge", "SUM(Knowledge[*])", units="ideas", doc="What the team knows, in total.")
    m.aux("Mean knowledge", "MEAN(Knowledge[*])", units="ideas", doc="What a member knows on average.")
    m.aux("Least knowledge", "MIN(Knowledge[*])", units="ideas", doc="What the member who knows least knows.")
    m.aux("Most knowledge", "MAX(Knowledge[*])", units="ideas", doc="What the member who knows most knows.")
    return m
