"""The beer game, playable week by week: you order for one echelon, Sterman's heuristic orders for the rest.

:class:`BeerGame` is a small step-by-step engine of the board game that
:func:`sysdyn.models.beer_game.beer_game` models as stocks and flows: the same
four echelons (retailer, wholesaler, distributor, factory), the same customer
demand (4 cases a week, 8 from week 5), the same delays and the same costs
($0.50 per case in inventory and $1.00 per case of backlog, each week).  One
echelon (the *player*) is yours: every week you see what happened to it and
decide an order (the factory decides a production request); the other three
order by Sterman's (1989) anchoring-and-adjustment heuristic [1]_::

    Orders = MAX(0, Expected orders + alpha_S * (S' - (Inventory - Backlog) - beta * Supply line))

When nobody plays (``player=None``) the game reproduces the stock-and-flow
model exactly, week by week (``beer_game().run(method="euler")``, ``dt`` = 1).

A week on the board
-------------------
Week ``w`` (from 1 to ``weeks``) runs, for every echelon at once:

1. **receive** the beer its supplier shipped in week ``w - 2`` (the two
   shipping squares); the factory receives the production it requested at the
   end of week ``w - 3`` (one request slip, two production squares);
2. **read** the order its customer decided at the end of week ``w - 2`` (two
   order slips); the retailer reads this week's customer demand;
3. **ship** the backlog plus the new order, as far as inventory allows; what
   cannot be shipped stays in the backlog;
4. **pay** $0.50 for each case left in inventory and $1.00 for each case of
   backlog;
5. **order** (at the end of the week): the player's decision or the heuristic's.

The board starts in equilibrium (12 cases in every inventory, 4 on every slip
and square), and the first decisions are made at the end of week 1.  A game of
36 weeks therefore has 35 decisions, at the ends of weeks 1 to 35.

References
----------
.. [1] Sterman, J. D. (1989). Modeling managerial behavior: Misperceptions of
   feedback in a dynamic decision making experiment. *Management Science*,
   35(3), 321-339. https://doi.org/10.1287/mnsc.35.3.321

Examples
--------
Play the wholesaler, always ordering what your customer asked for:

>>> from sysdyn.models.beer_play import BeerGame
>>> game = BeerGame("wholesaler")
>>> game.week, game.state["inventory"], game.state["incoming_orders"]
(1, 12.0, 4.0)
>>> game.order(4).week
2
>>> game.play(lambda state: state["incoming_orders"]).done
True
>>> round(game.team_cost) > 0
True

With every echelon on the heuristic, the game is the stock-and-flow model:

>>> from sysdyn.models.beer_game import beer_game, team_cost
>>> auto = BeerGame(player=None).play()
>>> round(auto.team_cost, 6) == round(float(team_cost(beer_game().run(method="euler"))), 6)
True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import SysdynError
from .beer_game import ECHELONS, LOOPS, PARAMETERS

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["BeerGame", "GameOverError", "heuristic_order", "sterman_demand", "LOOPS", "ECHELONS"]

#: Cases in every inventory on the initial board.
INITIAL_INVENTORY = 12.0
#: Cases on every order slip and in every shipping and production square on the initial board.
INITIAL_THROUGHPUT = 4.0
#: Cost of a case in inventory for a week ($).
HOLDING_COST = 0.5
#: Cost of a case of backlog for a week ($).
BACKLOG_COST = 1.0

_VARIABLES = (
    "Incoming orders",
    "Receiving",
    "Shipping",
    "Inventory",
    "Backlog",
    "Supply line",
    "Expected orders",
    "Orders",
    "Cost rate",
    "Cost",
)


class GameOverError(SysdynError):
    """An order was placed after the last week of the game.

    Examples
    --------
    >>> game = BeerGame("retailer", weeks=2).order(4)
    >>> try:
    ...     game.order(4)
    ... except GameOverError as err:
    ...     print(err)
    the game is over after week 2: no more orders
    """


def sterman_demand(week: int) -> float:
    """Customer demand in Sterman's (1989) game: 4 cases a week, 8 from week 5 on.

    Parameters
    ----------
    week : int
        The week (1 is the first week played).

    Returns
    -------
    float
        Cases the retailer's customers order that week.

    Examples
    --------
    >>> [sterman_demand(w) for w in range(3, 7)]
    [4.0, 4.0, 8.0, 8.0]
    """
    return 4.0 if week < 5 else 8.0


def heuristic_order(
    expected_orders: float,
    inventory: float,
    backlog: float,
    supply_line: float,
    *,
    alpha_S: float = PARAMETERS["alpha_S"],
    beta: float = PARAMETERS["beta"],
    S_prime: float = PARAMETERS["S_prime"],
) -> float:
    """Sterman's (1989) anchoring-and-adjustment order (his eq. 4-6).

    Anchor on the expected incoming orders, then adjust for the gap between
    the desired and the effective inventory, counting only ``beta`` of the
    supply line: ``MAX(0, L_hat + alpha_S * (S' - (I - B) - beta * SL))``.

    Parameters
    ----------
    expected_orders : float
        The manager's expectation of incoming orders (``L_hat``).
    inventory, backlog : float
        Cases in inventory and cases owed, at the end of the week.
    supply_line : float
        Cases ordered but not received yet.
    alpha_S, beta, S_prime : float
        The rule's parameters (default: Sterman's mean estimates, 0.26, 0.34, 17).

    Returns
    -------
    float
        The order, never negative.

    Examples
    --------
    >>> heuristic_order(4.0, 12.0, 0.0, 12.0)     # the initial board: 4 + 0.26 * (17 - 12 - 4.08)
    4.2392
    >>> heuristic_order(8.0, 0.0, 0.0, 12.0, beta=1.0)
    9.3
    >>> heuristic_order(4.0, 60.0, 0.0, 30.0)     # far too much beer: order nothing
    0.0
    """
    return float(max(0.0, expected_orders + alpha_S * (S_prime - (inventory - backlog) - beta * supply_line)))


class BeerGame:
    """A beer game played week by week; one echelon is the player's, the others follow the heuristic.

    Parameters
    ----------
    player : {"retailer", "wholesaler", "distributor", "factory"} or None
        The echelon whose orders you decide; None lets the heuristic order
        for all four (then the game is :func:`~sysdyn.models.beer_game.beer_game`).
    weeks : int
        Length of the game (Sterman's: 36).
    theta, alpha_S, beta, S_prime : float
        The heuristic's parameters, shared by the computer-played echelons
        (default: Sterman's mean estimates, :data:`~sysdyn.models.beer_game.PARAMETERS`).
        ``theta`` is also the smoothing weight of the player's own
        ``Expected orders`` (used by :meth:`suggestion`).
    rules : mapping, optional
        One echelon's own parameters, e.g. ``{"factory": {"beta": 1.0}}``.
    demand : callable, optional
        ``demand(week)`` -> customer demand of that week (default:
        :func:`sterman_demand`).

    Attributes
    ----------
    week : int
        The current week: its events have happened, and the next order is
        decided at its end.
    player : str or None
        The player's echelon.
    weeks : int
        Length of the game.

    Examples
    --------
    >>> game = BeerGame("retailer")
    >>> s = game.state
    >>> s["week"], s["inventory"], s["backlog"], s["received"], s["shipped"], s["supply_line"]
    (1, 12.0, 0.0, 4.0, 4.0, 12.0)
    >>> for _ in range(4):
    ...     _ = game.order(4)                  # demand steps to 8 in week 5
    >>> game.state["incoming_orders"], game.state["inventory"]
    (8.0, 8.0)
    >>> game.costs["retailer"]                 # 5 weeks x 12 x $0.50, then 8 cases x $0.50
    28.0
    >>> game.history.loc[5, ["Customer demand", "Shipping retailer", "Orders retailer"]].tolist()
    [8.0, 8.0, nan]
    """

    def __init__(
        self,
        player: str | None = "retailer",
        *,
        weeks: int = 36,
        theta: float = PARAMETERS["theta"],
        alpha_S: float = PARAMETERS["alpha_S"],
        beta: float = PARAMETERS["beta"],
        S_prime: float = PARAMETERS["S_prime"],
        rules: Mapping[str, Mapping[str, float]] | None = None,
        demand: Callable[[int], float] | None = None,
    ) -> None:
        if player is not None:
            player = player.strip().lower()
            if player not in ECHELONS:
                raise ValueError(f"player must be one of {', '.join(ECHELONS)} or None, not {player!r}")
        if int(weeks) != weeks or weeks < 2:
            raise ValueError(f"weeks must be an integer of at least 2, not {weeks!r}")
        self.player: str | None = player
        self.weeks = int(weeks)
        shared = {"theta": theta, "alpha_S": alpha_S, "beta": beta, "S_prime": S_prime}
        self._rules: dict[str, dict[str, float]] = {e: dict(shared) for e in ECHELONS}
        for e, own in (rules or {}).items():
            if e not in ECHELONS or not set(own) <= set(shared):
                raise ValueError(f"rules: unknown echelon or parameter in {e!r}: {dict(own)!r}")
            self._rules[e].update(own)
        self._demand = demand or sterman_demand
        n = self.weeks + 1
        self._demand_log = np.full(n, np.nan)
        self._x = {(v, e): np.full(n, np.nan) for e in ECHELONS for v in _VARIABLES}
        for e in ECHELONS:  # the initial board, the end of week 0
            self._x["Inventory", e][0] = INITIAL_INVENTORY
            self._x["Backlog", e][0] = 0.0
            self._x["Supply line", e][0] = INITIAL_THROUGHPUT * (2 if e == "factory" else 3)
            self._x["Expected orders", e][0] = INITIAL_THROUGHPUT
            self._x["Orders", e][0] = INITIAL_THROUGHPUT  # the order slips already on the board
            self._x["Cost", e][0] = 0.0
        self.week = 0
        self._play_week()  # week 1's events; the first decisions are made at its end

    # ------------------------------------------------------------------------------------------ playing
    @property
    def done(self) -> bool:
        """Whether the last week has been played (no more orders).

        Examples
        --------
        >>> BeerGame(weeks=2).order(4).done
        True
        """
        return self.week >= self.weeks

    def suggestion(self, echelon: str | None = None) -> float:
        """What the heuristic would order now for an echelon (default: the player's).

        Parameters
        ----------
        echelon : str, optional
            One of :data:`~sysdyn.models.beer_game.ECHELONS`; required when nobody plays.

        Returns
        -------
        float
            :func:`heuristic_order` of the echelon's end-of-week board, with its rule's parameters.

        Examples
        --------
        >>> round(BeerGame("factory").suggestion(), 4)
        4.5928
        """
        e = self._echelon(echelon)
        w, rule = self.week, self._rules[e]
        return heuristic_order(
            self._x["Expected orders", e][w],
            self._x["Inventory", e][w],
            self._x["Backlog", e][w],
            self._x["Supply line", e][w],
            alpha_S=rule["alpha_S"],
            beta=rule["beta"],
            S_prime=rule["S_prime"],
        )

    def order(self, cases: float | None = None) -> BeerGame:
        """Place the player's order for this week, let the others order, and play the next week.

        Parameters
        ----------
        cases : float, optional
            The player's order (cases, not negative).  None orders what the
            heuristic suggests; it is the only choice when there is no player.

        Returns
        -------
        BeerGame
            The game itself, a week later.

        Raises
        ------
        GameOverError
            If the game is over.
        ValueError
            If ``cases`` is negative or not finite, or given without a player.

        Examples
        --------
        >>> game = BeerGame("distributor")
        >>> game.order(10).week
        2
        >>> float(game.history.loc[1, "Orders distributor"])
        10.0
        """
        if self.done:
            raise GameOverError(f"the game is over after week {self.weeks}: no more orders")
        if cases is not None:
            if self.player is None:
                raise ValueError("nobody plays this game (player=None): call order() without cases")
            cases = float(cases)
            if not math.isfinite(cases) or cases < 0:
                raise ValueError(f"an order is a number of cases, 0 or more, not {cases!r}")
        w = self.week
        decisions = {e: self.suggestion(e) for e in ECHELONS}
        if cases is not None:
            decisions[self.player] = cases  # type: ignore[index]
        for e, n in decisions.items():
            self._x["Orders", e][w] = n
        self._play_week()
        return self

    def play(self, policy: Callable[[dict[str, Any]], float] | None = None) -> BeerGame:
        """Play to the end of the game, ordering ``policy(state)`` every week.

        Parameters
        ----------
        policy : callable, optional
            Maps :attr:`state` to the player's order; None lets the heuristic
            order for the player too (and it is not used when nobody plays).

        Returns
        -------
        BeerGame
            The finished game.

        Examples
        --------
        >>> game = BeerGame("retailer").play(lambda s: s["incoming_orders"] + s["backlog"])
        >>> game.done, game.week
        (True, 36)
        """
        while not self.done:
            self.order(None if policy is None or self.player is None else policy(self.state))
        return self

    def _play_week(self) -> None:
        """Play the events of the next week (receive, read orders, ship, pay)."""
        w = self.week + 1
        x = self._x
        self._demand_log[w] = float(self._demand(w))
        for i, e in enumerate(ECHELONS):
            if e == "factory":
                receiving = x["Orders", e][w - 3] if w >= 3 else INITIAL_THROUGHPUT
            else:
                receiving = x["Shipping", ECHELONS[i + 1]][w - 2] if w >= 3 else INITIAL_THROUGHPUT
            if i == 0:
                incoming = self._demand_log[w]
            else:
                incoming = x["Orders", ECHELONS[i - 1]][w - 2] if w >= 2 else INITIAL_THROUGHPUT
            inventory, backlog = x["Inventory", e][w - 1], x["Backlog", e][w - 1]
            available, owed = inventory + receiving, backlog + incoming
            shipping = min(available, owed)
            x["Receiving", e][w] = receiving
            x["Incoming orders", e][w] = incoming
            x["Shipping", e][w] = shipping
            # the model's arithmetic, except that an emptied inventory or backlog is exactly 0
            # (not a rounding error of 1e-15 cases either side of it)
            x["Inventory", e][w] = 0.0 if shipping == available else inventory + (receiving - shipping)
            x["Backlog", e][w] = 0.0 if shipping == owed else backlog + (incoming - shipping)
            x["Supply line", e][w] = x["Supply line", e][w - 1] + (x["Orders", e][w - 1] - receiving)
            expected = x["Expected orders", e][w - 1]
            x["Expected orders", e][w] = expected + self._rules[e]["theta"] * (incoming - expected)
            rate = HOLDING_COST * x["Inventory", e][w] + BACKLOG_COST * x["Backlog", e][w]
            x["Cost rate", e][w] = rate
            x["Cost", e][w] = x["Cost", e][w - 1] + rate
        self.week = w

    # ------------------------------------------------------------------------------------------ reading
    def _echelon(self, echelon: str | None) -> str:
        e = self.player if echelon is None else echelon
        if e not in ECHELONS:
            raise ValueError(f"which echelon? one of {', '.join(ECHELONS)} (this game has no player)")
        return e

    def view(self, echelon: str | None = None) -> dict[str, Any]:
        """What an echelon's manager sees at the end of the current week (default: the player's).

        Parameters
        ----------
        echelon : str, optional
            One of :data:`~sysdyn.models.beer_game.ECHELONS`; required when nobody plays.

        Returns
        -------
        dict
            ``week``, ``echelon``; this week's ``incoming_orders`` (read),
            ``received`` and ``shipped`` (cases); the end-of-week
            ``inventory``, ``backlog`` and ``supply_line`` (ordered, not yet
            received); ``last_order`` (decided at the end of last week);
            ``cost`` (this echelon's cost so far, $); ``done``.

        Examples
        --------
        >>> BeerGame("wholesaler").view("factory")["supply_line"]
        8.0
        """
        e, w, x = self._echelon(echelon), self.week, self._x
        return {
            "week": w,
            "echelon": e,
            "incoming_orders": float(x["Incoming orders", e][w]),
            "received": float(x["Receiving", e][w]),
            "shipped": float(x["Shipping", e][w]),
            "inventory": float(x["Inventory", e][w]),
            "backlog": float(x["Backlog", e][w]),
            "supply_line": float(x["Supply line", e][w]),
            "last_order": float(x["Orders", e][w - 1]),
            "cost": float(x["Cost", e][w]),
            "done": self.done,
        }

    @property
    def state(self) -> dict[str, Any]:
        """The player's view of the current week (see :meth:`view`); the retailer's if nobody plays.

        Examples
        --------
        >>> BeerGame("factory").state["echelon"]
        'factory'
        """
        return self.view(self.player or ECHELONS[0])

    @property
    def history(self) -> pd.DataFrame:
        """Every week so far, every echelon: a data frame indexed by week (0 is the initial board).

        The columns are named as the stock-and-flow model's variables
        (``"Inventory wholesaler"``, ``"Orders factory"``...), but a row is a
        week of the board: ``Incoming orders``, ``Receiving``, ``Shipping``
        and ``Cost rate`` are that week's events (the model's flows one step
        earlier), stocks are at the end of the week, and ``Orders`` is the
        order decided at the end of the week (NaN while undecided).

        Examples
        --------
        >>> h = BeerGame(player=None).play().history
        >>> h.shape, h.index[-1]
        ((37, 42), 36)
        >>> bool(h.loc[36, "Team cost"] == sum(h.loc[36, f"Cost {e}"] for e in ECHELONS))
        True
        """
        import pandas as pd

        n = self.week + 1
        columns: dict[str, np.ndarray] = {"Customer demand": self._demand_log[:n]}
        for e in ECHELONS:
            for v in _VARIABLES:
                columns[f"{v} {e}"] = self._x[v, e][:n]
        columns["Team cost"] = sum(self._x["Cost", e][:n] for e in ECHELONS)  # type: ignore[assignment]
        frame = pd.DataFrame(columns, index=pd.RangeIndex(n, name="week")).copy()
        frame.attrs["player"] = self.player
        return frame

    @property
    def costs(self) -> dict[str, float]:
        """Each echelon's cost so far ($).

        Examples
        --------
        >>> list(BeerGame().costs.items())[:2]
        [('retailer', 6.0), ('wholesaler', 6.0)]
        """
        return {e: float(self._x["Cost", e][self.week]) for e in ECHELONS}

    @property
    def team_cost(self) -> float:
        """The team's cost so far ($): the score, lower is better.

        Examples
        --------
        >>> BeerGame().team_cost
        24.0
        """
        return sum(self.costs.values())

    def __repr__(self) -> str:
        who = self.player or "nobody (all heuristic)"
        return f"<BeerGame week {self.week}/{self.weeks}, player: {who}, team cost ${self.team_cost:,.2f}>"
