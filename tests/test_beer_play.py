"""The playable beer game (sysdyn.models.beer_play) against the stock-and-flow model and the board's rules."""

from __future__ import annotations

import math

import numpy as np
import pytest

import sysdyn as sd
from sysdyn.errors import SysdynError
from sysdyn.models.beer_game import ECHELONS
from sysdyn.models.beer_play import (
    BACKLOG_COST,
    HOLDING_COST,
    BeerGame,
    GameOverError,
    heuristic_order,
    sterman_demand,
)

EVENTS = ("Incoming orders", "Receiving", "Shipping", "Cost rate")  # a week's events: the model's flows
STOCKS = ("Inventory", "Backlog", "Supply line", "Expected orders", "Cost")


def _random_player(seed: int):
    rng = np.random.default_rng(seed)
    return lambda state: float(rng.integers(0, 25))


def _assert_agrees_with_model(history, results):
    """Week w of the game is the model's stocks at time w and its flows at time w - 1 (Euler, dt = 1)."""
    np.testing.assert_array_equal(history.index, results.time.astype(int))
    np.testing.assert_allclose(
        history["Customer demand"][1:], results["Customer demand"][:-1], rtol=0, atol=0
    )
    for e in ECHELONS:
        for v in EVENTS:
            name = f"{v} {e}"
            np.testing.assert_allclose(
                history[name][1:], results[name][:-1], rtol=1e-13, atol=1e-12, err_msg=name
            )
        for v in STOCKS:
            name = f"{v} {e}"
            np.testing.assert_allclose(history[name], results[name], rtol=1e-13, atol=1e-12, err_msg=name)
        # the orders decided at the ends of weeks 0..35 (week 36's is never read)
        name = f"Orders {e}"
        np.testing.assert_allclose(
            history[name][:-1], results[name][:-1], rtol=1e-13, atol=1e-12, err_msg=name
        )
        assert math.isnan(history[name].iloc[-1])
    np.testing.assert_allclose(history["Team cost"], results["Team cost"], rtol=1e-13, atol=1e-12)


# ------------------------------------------------------------------------ agreement with the model


def test_all_heuristic_game_is_the_beer_game_model_week_by_week():
    model = sd.models.load("beer_game")
    assert (model.sim_specs.method, model.sim_specs.dt) == ("euler", 1.0)
    results = model.run(method="euler")
    game = BeerGame(player=None).play()
    _assert_agrees_with_model(game.history, results)
    assert game.team_cost == pytest.approx(2254.741885647114, abs=1e-9)  # test_models: $2,254.74


def test_agreement_holds_for_other_parameters_and_one_echelons_own_rule():
    results = sd.models.load("beer_game").run(method="euler", params={"theta": 0.5, "beta wholesaler": 1.0})
    game = BeerGame(player=None, theta=0.5, rules={"wholesaler": {"beta": 1.0}}).play()
    _assert_agrees_with_model(game.history, results)


@pytest.mark.parametrize("player", ECHELONS)
def test_a_player_who_follows_the_suggestion_plays_the_heuristic_game(player):
    auto = BeerGame(player=None).play().history
    game = BeerGame(player)
    while not game.done:
        game.order(game.suggestion())
    np.testing.assert_array_equal(game.history.to_numpy(), auto.to_numpy())
    assert game.history.attrs["player"] == player
    # order() without cases is the same thing
    np.testing.assert_array_equal(BeerGame(player).play().history.to_numpy(), auto.to_numpy())


def test_suggestion_is_the_heuristic_order_of_the_players_own_board():
    game = BeerGame("distributor")
    for _ in range(10):
        game.order(7)
    s = game.state
    expected = game.history.loc[game.week, "Expected orders distributor"]
    assert game.suggestion() == heuristic_order(expected, s["inventory"], s["backlog"], s["supply_line"])


# ------------------------------------------------------------------------------------ the rules


@pytest.mark.parametrize("player", ECHELONS)
@pytest.mark.parametrize("seed", [0, 1])
def test_beer_and_orders_are_conserved_whatever_the_player_orders(player, seed):
    h = BeerGame(player).play(_random_player(seed)).history
    weeks = h.index.to_numpy()
    in_chain = np.zeros(len(h))
    for i, e in enumerate(ECHELONS):
        inv, backlog = h[f"Inventory {e}"].to_numpy(), h[f"Backlog {e}"].to_numpy()
        received, shipped = h[f"Receiving {e}"].fillna(0).to_numpy(), h[f"Shipping {e}"].fillna(0).to_numpy()
        incoming, ordered = h[f"Incoming orders {e}"].fillna(0).to_numpy(), h[f"Orders {e}"].to_numpy()
        assert inv.min() >= 0 and backlog.min() >= 0 and shipped.min() >= 0
        # no shipping both from an inventory and into a backlog: one of the two is empty each week
        assert np.all(np.minimum(inv, backlog) == 0)
        np.testing.assert_allclose(inv, 12 + np.cumsum(received - shipped), atol=1e-9)
        np.testing.assert_allclose(backlog, np.cumsum(incoming - shipped), atol=1e-9)
        initial_line = 8 if e == "factory" else 12
        np.testing.assert_allclose(
            h[f"Supply line {e}"][1:], initial_line + np.cumsum(ordered[:-1] - received[1:]), atol=1e-9
        )
        in_chain += inv
        if e != "factory":  # the two shipping squares into e: what the supplier shipped this week and last
            up = h[f"Shipping {ECHELONS[i + 1]}"].to_numpy().copy()
            up[0] = 4.0
            in_chain += up + np.concatenate([[4.0], up[:-1]])
    assert in_chain[0] == 4 * 12 + 3 * 8
    produced = h["Receiving factory"].to_numpy()[1:]
    sold = h["Shipping retailer"].to_numpy()[1:]
    np.testing.assert_allclose(np.diff(in_chain), produced - sold, atol=1e-9)
    assert len(weeks) == 37 and h["Orders " + player].notna().sum() == 36  # week 0's slip + 35 decisions


def test_costs_are_half_a_dollar_per_case_in_inventory_and_a_dollar_per_case_of_backlog():
    assert (HOLDING_COST, BACKLOG_COST) == (0.5, 1.0)  # Sterman (1989)
    game = BeerGame("retailer").play(lambda s: 0)  # a retailer who never orders runs out, then owes
    h = game.history
    for e in ECHELONS:
        rate = 0.5 * h[f"Inventory {e}"] + 1.0 * h[f"Backlog {e}"]
        np.testing.assert_allclose(h[f"Cost rate {e}"][1:], rate[1:])
        np.testing.assert_allclose(h[f"Cost {e}"], np.concatenate([[0.0], np.cumsum(rate[1:])]))
        assert game.costs[e] == h[f"Cost {e}"].iloc[-1]
    assert h["Backlog retailer"].iloc[-1] > 100
    assert game.team_cost == pytest.approx(sum(game.costs.values()))
    # by hand: the board's slips keep 4 cases coming to the retailer until week 4 (12 in stock, $6 a
    # week); its first zero order (end of week 1) leaves nothing to receive in week 5, when demand is 8:
    # 4 left ($2); week 6 sells those 4 and owes 4 ($4); week 7 owes 4 + 8 ($12)
    np.testing.assert_allclose(h["Cost retailer"][1:8], [6, 12, 18, 24, 26, 30, 42])


def test_an_order_is_read_two_weeks_later_and_its_beer_arrives_two_weeks_after_shipping():
    base = BeerGame("retailer").play(lambda s: 4).history
    spike = BeerGame("retailer").play(lambda s: 14 if s["week"] == 10 else 4).history
    diff = (spike - base).fillna(0)
    # the wholesaler reads the retailer's order of the end of week 10 in week 12, not before
    changed = diff["Incoming orders wholesaler"].to_numpy().nonzero()[0]
    assert changed[0] == 12 and diff.loc[12, "Incoming orders wholesaler"] == 10
    # whatever the wholesaler ships in week w arrives at the retailer in week w + 2
    np.testing.assert_array_equal(spike["Receiving retailer"][3:], spike["Shipping wholesaler"][1:-2])
    first_ship = diff["Shipping wholesaler"].to_numpy().nonzero()[0][0]
    first_receipt = diff["Receiving retailer"].to_numpy().nonzero()[0][0]
    assert (first_ship, first_receipt) == (12, 14)  # a 4-week lead time from the decision
    assert (diff.loc[:11, "Inventory retailer"] == 0).all()


def test_a_production_request_arrives_three_weeks_after_the_decision():
    base = BeerGame("factory").play(lambda s: 4).history
    spike = BeerGame("factory").play(lambda s: 14 if s["week"] == 10 else 4).history
    diff = (spike - base)["Receiving factory"].fillna(0)
    assert diff.to_numpy().nonzero()[0].tolist() == [13] and diff[13] == 10
    np.testing.assert_array_equal(spike["Receiving factory"][3:], spike["Orders factory"][:-3])


def test_demand_steps_from_4_to_8_in_week_5_and_the_board_starts_in_equilibrium():
    h = BeerGame(player=None).play().history
    assert h["Customer demand"].tolist()[1:7] == [4, 4, 4, 4, 8, 8]
    assert [sterman_demand(w) for w in (1, 4, 5, 36)] == [4, 4, 8, 8]
    for e in ECHELONS:
        assert h.loc[
            1, [f"Receiving {e}", f"Incoming orders {e}", f"Shipping {e}", f"Inventory {e}"]
        ].tolist() == [
            4,
            4,
            4,
            12,
        ]
    custom = BeerGame(player=None, demand=lambda w: 6.0).play().history
    assert (custom["Customer demand"][1:] == 6).all()


def test_state_shows_the_players_week():
    game = BeerGame("Wholesaler ")  # names are forgiving about case and spaces
    assert game.player == "wholesaler"
    s = game.order(9).order(9).state
    assert s == game.view("wholesaler")
    assert s["week"] == 3 and s["last_order"] == 9 and not s["done"]
    assert set(s) == {
        "week",
        "echelon",
        "incoming_orders",
        "received",
        "shipped",
        "inventory",
        "backlog",
        "supply_line",
        "last_order",
        "cost",
        "done",
    }
    assert "week 3/36" in repr(game) and "wholesaler" in repr(game)


# ---------------------------------------------------------------------------------- bad moves


def test_bad_orders_and_bad_games_are_refused():
    game = BeerGame("retailer", weeks=3)
    for bad in (-1, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="number of cases"):
            game.order(bad)
    assert game.week == 1  # a refused order changes nothing
    game.order(5).order(5)
    assert game.done
    with pytest.raises(GameOverError, match="over after week 3") as info:
        game.order(5)
    assert isinstance(info.value, SysdynError)
    with pytest.raises(ValueError, match="nobody plays"):
        BeerGame(player=None).order(4)
    with pytest.raises(ValueError, match="player must be one of"):
        BeerGame("brewer")
    with pytest.raises(ValueError, match="weeks"):
        BeerGame(weeks=1)
    with pytest.raises(ValueError, match="rules"):
        BeerGame(rules={"factory": {"gamma": 1.0}})
    with pytest.raises(ValueError, match="which echelon"):
        BeerGame(player=None).suggestion()
