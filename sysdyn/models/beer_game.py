"""Sterman (1989): the beer distribution game and the anchoring-and-adjustment heuristic.

Four echelons, retailer, wholesaler, distributor and factory, each manage an
inventory of beer.  Customer demand arrives at the retailer; each echelon
ships what its customer ordered (and any backlog) as far as its inventory
allows, and orders from its supplier (the factory orders production).
Orders take time to reach the supplier and beer takes time to arrive, so a
manager who does not account for the beer already on its way over-orders.
Customer demand is 4 cases a week and steps to 8 in week 5; the game lasts
36 weeks; each case in inventory costs $0.50 a week and each case of backlog
$1.00 a week.

Every echelon orders by Sterman's estimated decision rule [1]_ (his eq. (4)-(6))::

    Orders = MAX(0, Expected orders + alpha_S * (S' - Effective inventory - beta * Supply line))

where the expected incoming orders are exponentially smoothed with weight
``theta`` (``L_hat_t = theta * L_(t-1) + (1 - theta) * L_hat_(t-1)``), the
effective inventory is inventory minus backlog, and the supply line is what
the echelon has ordered but not yet received.  Sterman's mean estimates over
his 44 players are theta = 0.36, alpha_S = 0.26, beta = 0.34, S' = 17 cases;
they are the defaults.  With beta well below 1 the managers under-weight the
supply line, the chain oscillates, and the oscillation grows from retailer to
factory (the bullwhip).

Timing (as on the board)
------------------------
The model runs with Euler at ``dt`` = 1 week from week 0 to week 36, in the
board's order of steps [2]_.  A stock's value at time ``t`` is its value at
the end of week ``t`` (time 0 is the initial board); the flows at time ``t``
are what happens in week ``t+1`` (beer received, orders read, beer shipped),
and ``Orders`` at time ``t`` is the order decided at the end of week ``t``.  The board's delays are then:

- an order decided at the end of week ``t`` is read by the supplier in week
  ``t + 2`` (the two order slips), a pipeline ``order delay`` of 1 week after
  the decision;
- beer shipped in week ``t`` is received (and can be shipped on) in week
  ``t + 2`` (the two shipping squares), a ``shipping delay`` of 2 weeks;
- a production request decided at the end of week ``t`` is brewed in week
  ``t + 1`` and arrives in week ``t + 3`` (one request slip, two production
  squares), a ``production delay`` of 2 weeks after the decision.

So the lead time from a decision to usable beer is the board's 4 weeks (2
order + 2 shipping) for the retailer, wholesaler and distributor and 3 weeks
for the factory.  The board starts in equilibrium: 12 cases in every
inventory, 4 cases in every shipping and production square and on every
order slip; the first decisions are made at the end of week 1 (the order
slips already on the board are the orders of week 0).

Feedback loops
--------------
For each echelon ``e``:

- **stock control (balancing)**: Inventory e -> Effective inventory e ->
  Orders e -> (supplier) -> Receiving e -> Inventory e;
- **supply-line control (balancing)**: Supply line e -> Orders e -> Supply
  line e; weak when beta is small, which is the misperception of feedback
  that makes the chain oscillate;
- **backlog clearing (balancing)**: Backlog e -> Shipping e -> Backlog e;
- **demand forecasting (balancing)**: Expected orders e -> Change in expected
  orders e -> Expected orders e, which adapts the forecast to incoming orders.

Between echelons, each one's orders are the next one's incoming orders, so
the amplification travels up the chain (the bullwhip, an open chain of
balancing loops that each over-react).

References
----------
.. [1] Sterman, J. D. (1989). Modeling managerial behavior: Misperceptions of
   feedback in a dynamic decision making experiment. *Management Science*,
   35(3), 321-339. https://doi.org/10.1287/mnsc.35.3.321
.. [2] Edali, M., & Yasarcan, H. (2014). A mathematical model of the beer
   game. *Journal of Artificial Societies and Social Simulation*, 17(4), 2.
   https://doi.org/10.18564/jasss.2555 (the board's step order and timing).

Examples
--------
>>> from sysdyn.models.beer_game import beer_game, team_cost
>>> res = beer_game().run()
>>> round(float(res["Customer demand"][5]), 1)
8.0
>>> team_cost(res) > 1000
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..model import Model

if TYPE_CHECKING:
    from ..results import Results

__all__ = ["beer_game", "ECHELONS", "PARAMETERS", "team_cost", "echelon_costs", "LOOPS"]

#: The echelons, from the customer up to the brewery.
ECHELONS: tuple[str, ...] = ("retailer", "wholesaler", "distributor", "factory")

#: Sterman's (1989) mean estimates of the decision rule's parameters (his Table 3).
PARAMETERS: dict[str, float] = {"theta": 0.36, "alpha_S": 0.26, "beta": 0.34, "S_prime": 17.0}

#: The feedback loops of each echelon, named (see the module documentation).
LOOPS: dict[str, str] = {
    "stock control (B)": "Inventory -> Effective inventory -> Orders -> supplier -> Receiving -> Inventory",
    "supply-line control (B)": "Supply line -> Orders -> Supply line",
    "backlog clearing (B)": "Backlog -> Shipping -> Backlog",
    "demand forecasting (B)": "Expected orders -> Change in expected orders -> Expected orders",
}

_TITLE = "Beer distribution game (Sterman 1989)"


def beer_game(
    *,
    theta: float = PARAMETERS["theta"],
    alpha_S: float = PARAMETERS["alpha_S"],
    beta: float = PARAMETERS["beta"],
    S_prime: float = PARAMETERS["S_prime"],
    weeks: int = 36,
) -> Model:
    """Build the beer game with every echelon ordering by Sterman's heuristic.

    Parameters
    ----------
    theta, alpha_S, beta, S_prime : float
        The decision rule's parameters (defaults: Sterman's mean estimates).
        They are model constants, so ``run(params=...)`` can sweep them;
        ``theta retailer``, ``alpha S factory``... set one echelon's own.
    weeks : int
        Length of the game.

    Returns
    -------
    sysdyn.Model
        To run with ``method="euler"`` (the default set here) at ``dt`` = 1.

    Examples
    --------
    >>> m = beer_game()
    >>> res = m.run()
    >>> peaks = [float(res[f"Orders {e}"].max()) for e in ECHELONS]
    >>> peaks == sorted(peaks)     # peak orders rise up the chain
    True
    """
    m = Model(
        _TITLE,
        start=0,
        stop=weeks,
        dt=1,
        method="euler",
        time_units="weeks",
        doc=__doc__ or "",
    )
    _common(m, theta=theta, alpha_S=alpha_S, beta=beta, S_prime=S_prime)
    for i, e in enumerate(ECHELONS):
        _echelon(m, e, downstream=ECHELONS[i - 1] if i > 0 else None, upstream=_upstream(i))
    m.aux(
        "Team cost",
        " + ".join(f"Cost_{e}" for e in ECHELONS),
        units="$",
        doc="Total cost of the four echelons so far: the game's score (lower is better).",
    )
    return m


def _upstream(i: int) -> str | None:
    return ECHELONS[i + 1] if i + 1 < len(ECHELONS) else None


def _common(m: Model, **rule: float) -> None:
    m.constant("initial demand", 4, units="cases/week", doc="Customer demand in weeks 1-4.")
    m.constant("demand step", 4, units="cases/week", doc="Rise of customer demand from week 5 (to 8).")
    m.constant(
        "step time", 4, units="weeks", doc="Model time of the step: flows at time 4 are week 5's events."
    )
    m.aux(
        "Customer demand",
        "initial_demand + STEP(demand_step, step_time)",
        units="cases/week",
        doc="Orders of the retailer's customers: 4 cases a week, 8 from week 5 (Sterman 1989).",
    )
    m.constant("initial inventory", 12, units="cases", doc="Cases in every inventory on the initial board.")
    m.constant(
        "initial throughput",
        4,
        units="cases/week",
        doc="Cases on every order slip and in every shipping and production square at the start.",
    )
    m.constant("order delay", 1, units="weeks", doc="From the end of the week of an order to its reading.")
    m.constant("shipping delay", 2, units="weeks", doc="From shipping to receiving (two squares).")
    m.constant("production delay", 2, units="weeks", doc="From a production decision to the beer (3 weeks).")
    m.constant("first decision", 1, units="weeks", doc="Players decide from the end of week 1 on.")
    m.constant("holding cost", 0.5, units="$/(cases*week)", doc="Cost of a case in inventory for a week.")
    m.constant("backlog cost", 1.0, units="$/(cases*week)", doc="Cost of a case of backlog for a week.")
    m.constant("theta", rule["theta"], units="dimensionless", doc="Weight on the newest incoming order.")
    m.constant("alpha S", rule["alpha_S"], units="1/week", doc="Fraction of the stock gap ordered a week.")
    m.constant("beta", rule["beta"], units="dimensionless", doc="Weight of the supply line vs the stock.")
    m.constant(
        "S prime",
        rule["S_prime"],
        units="cases",
        doc="Desired effective inventory plus beta x desired supply line.",
    )


def _echelon(m: Model, e: str, *, downstream: str | None, upstream: str | None) -> None:
    who = e.capitalize()
    for name in _RULE_UNITS:
        default = name.replace(" ", "_")  # the shared constant, written as an equation name
        m.aux(f"{name} {e}", default, units=_RULE_UNITS[name], doc=f"{who}'s own `{name}` (default: shared).")
    incoming = (
        "Customer_demand"
        if downstream is None
        else f"DELAY(Orders_{downstream}, order_delay, initial_throughput)"
    )
    m.flow(
        f"Incoming orders {e}",
        incoming,
        units="cases/week",
        doc=f"Orders the {e} reads this week (customer demand, or its customer's order of two slips ago).",
    )
    receiving = (
        f"DELAY(Orders_{e}, production_delay, initial_throughput)"
        if upstream is None
        else f"DELAY(Shipping_{upstream}, shipping_delay, initial_throughput)"
    )
    m.flow(
        f"Receiving {e}",
        receiving,
        units="cases/week",
        doc=f"Beer arriving at the {e} this week "
        + ("from production." if upstream is None else f"from the {upstream}."),
    )
    m.flow(
        f"Shipping {e}",
        f"MIN(Inventory_{e} / DT + Receiving_{e}, Backlog_{e} / DT + Incoming_orders_{e})",
        units="cases/week",
        doc=f"Beer the {e} ships: its backlog plus this week's orders, as far as inventory allows.",
    )
    m.flow(
        f"Filling orders {e}",
        f"Shipping_{e}",
        units="cases/week",
        doc="The orders the shipments fill, which leave the backlog.",
    )
    m.stock(
        f"Inventory {e}",
        "initial_inventory",
        inflows=[f"Receiving {e}"],
        outflows=[f"Shipping {e}"],
        units="cases",
        doc=f"Cases in the {e}'s warehouse at the end of the week.",
    )
    m.stock(
        f"Backlog {e}",
        0,
        inflows=[f"Incoming orders {e}"],
        outflows=[f"Filling orders {e}"],
        units="cases",
        doc=f"Orders the {e} has read but not yet shipped (unfilled orders) at the end of the week.",
    )
    m.aux(
        f"Effective inventory {e}",
        f"Inventory_{e} - Backlog_{e}",
        units="cases",
        doc="Inventory minus backlog: Sterman's S.",
    )
    m.stock(
        f"Supply line {e}",
        "initial_throughput * production_delay"
        if upstream is None
        else "initial_throughput * (order_delay + shipping_delay)",
        inflows=[f"Orders {e}"],
        outflows=[f"Receiving {e}"],
        units="cases",
        doc="Ordered but not yet received: order slips, the supplier's backlog and beer in transit (SL).",
    )
    m.stock(
        f"Expected orders {e}",
        "initial_throughput",
        inflows=[f"Change in expected orders {e}"],
        units="cases/week",
        doc="The manager's expectation of incoming orders (L hat), formed by exponential smoothing.",
    )
    m.flow(
        f"Change in expected orders {e}",
        f"theta_{e} * (Incoming_orders_{e} - Expected_orders_{e}) / DT",
        units="cases/week/week",
        doc="theta x (incoming orders - expectation) a week.",
    )
    m.flow(
        f"Orders {e}",
        f"IF TIME < first_decision THEN initial_throughput ELSE MAX(0, Expected_orders_{e} + "
        f"alpha_S_{e} * (S_prime_{e} - Effective_inventory_{e} - beta_{e} * Supply_line_{e}))",
        units="cases/week",
        doc=f"The {e}'s order (the factory's production request) decided at the end of the week: "
        "anchoring on expected orders and adjusting for the stock and supply-line gaps (Sterman eq. 4-6).",
    )
    m.flow(
        f"Cost rate {e}",
        f"holding_cost * (Inventory_{e} + (Receiving_{e} - Shipping_{e}) * DT) "
        f"+ backlog_cost * (Backlog_{e} + (Incoming_orders_{e} - Filling_orders_{e}) * DT)",
        units="$/week",
        doc="This week's cost on the end-of-week inventory and backlog.",
    )
    m.stock(f"Cost {e}", 0, inflows=[f"Cost rate {e}"], units="$", doc=f"The {e}'s cost so far.")


_RULE_UNITS = {"theta": "dimensionless", "alpha S": "1/week", "beta": "dimensionless", "S prime": "cases"}


def echelon_costs(results: Results) -> dict[str, float | np.ndarray]:
    """Each echelon's cost over the game, from a run of :func:`beer_game`.

    Examples
    --------
    >>> costs = echelon_costs(beer_game().run())
    >>> list(costs)
    ['retailer', 'wholesaler', 'distributor', 'factory']
    """
    return {e: results.final(f"Cost {e}") for e in ECHELONS}


def team_cost(results: Results) -> float | np.ndarray:
    """The team's total cost over the game (the game's score), one per run for an ensemble.

    Examples
    --------
    >>> round(team_cost(beer_game().run()), 2) == round(sum(echelon_costs(beer_game().run()).values()), 2)
    True
    """
    return results.final("Team cost")
