"""March (1991): mutual learning between an organisational code and its members.

An agent simulation, vectorised over runs: the beliefs of every individual of
every run are one integer array of shape ``(runs, n, m)``, and one period is a
handful of array operations (no Python loop over individuals or runs).

The model
---------
Reality is ``m`` dimensions of value +1 or -1 (each +1 with probability 0.5).
Each of ``n`` individuals, and the organisational code, holds a belief of
+1, 0 or -1 on every dimension: individuals start with each value with
probability 1/3, the code starts neutral (all 0).  Every period the code
learns from the individuals who do better than it, and the individuals are
socialised into the code:

- socialisation rate ``p1``: how fast individuals learn from the code;
- code learning rate ``p2``: how fast the code learns from the superior group;
- turnover ``p3``: each period each individual is replaced, with probability
  ``p3``, by a newcomer with random (naive) beliefs;
- turbulence ``p4``: each period each dimension of reality flips sign with
  probability ``p4``.

Knowledge is measured as in March's figures: (matches - mismatches) / m
between a set of beliefs and reality, so a neutral belief counts 0, and a
random set of beliefs has knowledge 0 on average.  Without turnover and
turbulence every run ends in a stable equilibrium in which nothing can change
any more; March's Figure 1 plots the mean equilibrium code knowledge against
``p1`` for ``p2`` = 0.1, 0.5 and 0.9 [1]_.

Two readings of the rules (``rules=``)
--------------------------------------
``"original_program"`` (default)
    The rules of March's own program, as documented by those who recreated
    Figure 1 from it (Rodan 2005 [2]_, who had March's BASIC code; Christensen
    2015 [3]_; Workiewicz 2019 [4]_).  Each period: (1) every individual *acts*: on a
    dimension where it holds a belief it acts on it, where its belief is 0 it
    flips a coin; its score is the sum over dimensions of action x reality,
    and the code's score is the sum of code x reality (the code does not
    flip coins).  The superior group is the individuals whose realised score
    exceeds the code's.  (2) Socialisation: on every dimension where the
    code is non-zero and the belief differs, the belief moves *one step*
    toward the code with probability ``p1`` (-1 -> 0 -> +1 or back), so a
    contrary belief first becomes doubt.  (3) The code learns: on each
    dimension the superior group's actions vote; with a strict majority for
    a value the code does not hold, the code takes that value with
    probability ``1 - (1 - p2)**k``, ``k`` being the majority's excess (votes
    for minus votes against).  These rules give Figure 1's levels: about
    0.95 at ``p1`` = 0.1 and 0.74 at ``p1`` = 0.9 for ``p2`` = 0.5.
``"article_text"``
    A literal reading of the article's text (March 1991, p. 74 and its
    footnote 1), with no acting and no coin flips: the superior group is the
    individuals whose *beliefs* match reality on more dimensions than the
    code's do; socialisation sets a differing belief *equal* to a non-zero
    code with probability ``p1``; the code adopts the dominant non-zero
    belief of the superior group on a dimension with probability
    ``1 - (1 - p2)**k``, ``k`` being the number of superior individuals who
    differ from the code there minus the number who agree (no change when
    ``k <= 0``).  Code learning and socialisation both use the beliefs and
    the code as they stood at the start of the period ("at the same time").
    This reading gives much lower equilibrium knowledge than Figure 1.

References
----------
.. [1] March, J. G. (1991). Exploration and exploitation in organizational
   learning. *Organization Science*, 2(1), 71-87.
   https://doi.org/10.1287/orsc.2.1.71
.. [2] Rodan, S. (2005). Exploration and exploitation revisited: Extending
   March's model of mutual learning. *Scandinavian Journal of Management*,
   21(4), 407-428.
.. [3] Christensen, M. (2015). Note on the rules of March's (1991) original
   program (acting by coin flips on neutral beliefs, gradual socialisation,
   superiority on realised scores), as quoted in [4].
.. [4] Workiewicz, M. (2019). Recreation of March (1991), original algorithm.
   https://github.com/Mac13kW/March_1991_Original (reports, from 10,000 runs,
   0.954 at p1 = 0.1 and 0.742 at p1 = 0.9 for p2 = 0.5).

Examples
--------
>>> from sysdyn.models.march import MarchModel
>>> res = MarchModel(p1=0.5, p2=0.5).run(runs=20, seed=1)
>>> res.code_knowledge.shape[0], bool(res.settled.all())
(20, True)
>>> 0.0 < res.mean() <= 1.0
True
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np

from ..errors import ParameterError, SimulationError

__all__ = ["MarchModel", "MarchResults", "RULES", "VARIABLES", "LOOPS"]

Rules = Literal["original_program", "article_text"]

#: The two readings of March's rules (see the module documentation).
RULES: tuple[str, ...] = ("original_program", "article_text")

#: Every variable of the model: name -> (units, meaning).
VARIABLES: dict[str, tuple[str, str]] = {
    "reality": ("+1/-1 per dimension", "the external reality, shape (runs, m)"),
    "beliefs": ("+1/0/-1 per dimension", "beliefs of the individuals, shape (runs, n, m)"),
    "code": ("+1/0/-1 per dimension", "the organisational code of received truth, shape (runs, m)"),
    "actions": (
        "+1/-1 per dimension",
        "original program only: an individual's belief, or a coin flip where the belief is 0",
    ),
    "score": ("dimensions (matches - mismatches)", "sum of action x reality (individual) or code x reality"),
    "superior group": ("individuals", "those whose score (or belief matches) beats the code's"),
    "code knowledge": ("fraction in [-1, 1]", "(matches - mismatches) / m between code and reality"),
    "individual knowledge": ("fraction in [-1, 1]", "mean over individuals of the same measure"),
    "m": ("dimensions", "number of dimensions of reality (30 in the article)"),
    "n": ("individuals", "number of individuals (50 in the article)"),
    "p1": ("probability per dimension per period", "socialisation rate: learning from the code"),
    "p2": ("probability per vote per period", "code learning rate: learning from the superior group"),
    "p3": ("probability per individual per period", "turnover: replacement by a naive newcomer"),
    "p4": ("probability per dimension per period", "turbulence: a dimension of reality flips"),
    "period": ("periods", "simulated time"),
}

#: The feedback loops of the model, named.
LOOPS: dict[str, str] = {
    "mutual learning (reinforcing)": (
        "a better code makes the superior group smaller and wiser, so what the code learns from it is "
        "better still; socialisation spreads the better code, which raises the individuals' knowledge"
    ),
    "convergence (balancing)": (
        "socialisation and code learning both remove differences between individuals and the code; as "
        "diversity falls, the code has less and less to learn from, until the equilibrium"
    ),
    "exploration via doubt (balancing on premature convergence)": (
        "slow socialisation keeps diverse beliefs (and, in the original program, doubt that acts by "
        "coin flips) alive long enough for the code to learn from them"
    ),
}


def _as_rates(value: Any, name: str) -> np.ndarray:
    arr = np.asarray(value, dtype=float)
    if arr.ndim > 1:
        raise ParameterError(f"`{name}` must be a number or a 1-D array over runs (got shape {arr.shape})")
    if arr.size == 0 or not np.all((arr >= 0) & (arr <= 1)):
        raise ParameterError(f"`{name}` must be a probability in [0, 1] (got {value!r})")
    return arr


@dataclass(frozen=True)
class MarchResults:
    """What a run of :class:`MarchModel` returns.

    Attributes
    ----------
    code_knowledge, individual_knowledge : ndarray, shape (runs, periods + 1)
        Knowledge of the code and mean knowledge of the individuals at the
        end of each period (column 0 is the start); a run that has reached
        its equilibrium keeps its value.
    settled : ndarray of bool, shape (runs,)
        Whether the run reached the stable equilibrium (never with ``p3`` or
        ``p4`` above zero).
    equilibrium_period : ndarray of int, shape (runs,)
        Period at which the run settled, ``-1`` if it did not.
    model : MarchModel
        The model that was run.

    Examples
    --------
    >>> res = MarchModel(p1=0.9).run(runs=10, seed=0)
    >>> res.final_code_knowledge.shape
    (10,)
    """

    code_knowledge: np.ndarray
    individual_knowledge: np.ndarray
    settled: np.ndarray
    equilibrium_period: np.ndarray
    model: MarchModel = field(repr=False)

    @property
    def periods(self) -> np.ndarray:
        """Period numbers of the columns, ``0 .. periods``."""
        return np.arange(self.code_knowledge.shape[1])

    @property
    def final_code_knowledge(self) -> np.ndarray:
        """Code knowledge of each run at the end (its equilibrium, if it settled)."""
        return self.code_knowledge[:, -1]

    def mean(self) -> float:
        """Mean final code knowledge over runs.

        Examples
        --------
        >>> r = MarchModel(p1=0.9).run(runs=5, seed=2)
        >>> r.mean() == float(r.final_code_knowledge.mean())
        True
        """
        return float(self.final_code_knowledge.mean())

    def sem(self) -> float:
        """Standard error of :meth:`mean`: the sample standard deviation over runs / sqrt(runs).

        Examples
        --------
        >>> r = MarchModel(p1=0.9).run(runs=5, seed=2)
        >>> r.sem() > 0
        True
        """
        k = self.final_code_knowledge
        return float(k.std(ddof=1) / np.sqrt(k.size)) if k.size > 1 else float("nan")

    def to_pandas(self):
        """Mean code and individual knowledge per period, as a DataFrame indexed by period.

        Examples
        --------
        >>> MarchModel(p1=0.9).run(runs=3, seed=0).to_pandas().columns.tolist()
        ['code knowledge', 'individual knowledge']
        """
        import pandas as pd

        return pd.DataFrame(
            {
                "code knowledge": self.code_knowledge.mean(axis=0),
                "individual knowledge": self.individual_knowledge.mean(axis=0),
            },
            index=pd.Index(self.periods, name="period"),
        )


@dataclass(frozen=True)
class MarchModel:
    """March's (1991) mutual-learning model (see the module documentation).

    Parameters
    ----------
    p1, p2, p3, p4 : float or 1-D array over runs
        Socialisation rate, code learning rate, turnover and turbulence.  An
        array gives each run its own value (its length must equal ``runs``),
        so a whole parameter sweep is one vectorised simulation.
    m, n : int
        Dimensions of reality (30) and individuals (50).
    rules : {"original_program", "article_text"}
        Which reading of the rules to simulate.

    Examples
    --------
    >>> model = MarchModel(p1=0.1, p2=0.5)
    >>> model.with_params(p1=0.9).p1
    0.9
    """

    p1: Any = 0.1
    p2: Any = 0.5
    p3: Any = 0.0
    p4: Any = 0.0
    m: int = 30
    n: int = 50
    rules: Rules = "original_program"

    def __post_init__(self) -> None:
        if self.rules not in RULES:
            raise ParameterError(f"`rules` must be one of {list(RULES)} (got {self.rules!r})")
        for name in ("m", "n"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ParameterError(f"`{name}` must be a positive integer (got {value!r})")
        for name in ("p1", "p2", "p3", "p4"):
            _as_rates(getattr(self, name), name)

    def with_params(self, **changes: Any) -> MarchModel:
        """Return a copy with changed parameters."""
        return replace(self, **changes)

    # ------------------------------------------------------------------ running
    def run(
        self,
        runs: int = 80,
        *,
        periods: int | None = None,
        seed: int | None = None,
        rng: np.random.Generator | None = None,
        max_periods: int = 20_000,
    ) -> MarchResults:
        """Simulate ``runs`` independent organisations at once.

        Parameters
        ----------
        runs : int
            Number of independent runs (Monte Carlo replications).
        periods : int, optional
            Simulate exactly this many periods.  By default (only without
            turnover and turbulence) run until every run has reached its
            equilibrium, at most ``max_periods``.
        seed, rng
            Randomness: a seed for :func:`numpy.random.default_rng`, or a
            generator.
        max_periods : int
            Safety bound for runs to equilibrium; runs still moving then are
            reported with ``settled=False``.

        Returns
        -------
        MarchResults

        Examples
        --------
        >>> res = MarchModel(p1=0.5, p3=0.1).run(runs=4, periods=30, seed=3)
        >>> res.code_knowledge.shape, bool(res.settled.any())
        ((4, 31), False)
        """
        if isinstance(runs, bool) or not isinstance(runs, (int, np.integer)) or runs < 1:
            raise ParameterError(f"`runs` must be a positive integer (got {runs!r})")
        rates = {}
        for name in ("p1", "p2", "p3", "p4"):
            arr = _as_rates(getattr(self, name), name)
            if arr.ndim == 1 and arr.size not in (1, runs):
                raise ParameterError(f"`{name}` has {arr.size} values, but there are {runs} runs")
            rates[name] = np.broadcast_to(arr.reshape(-1), (runs,)).copy()
        open_ended = bool(np.any(rates["p3"] > 0) or np.any(rates["p4"] > 0))
        if periods is None and open_ended:
            raise ParameterError(
                "with turnover (p3) or turbulence (p4) there is no equilibrium: pass `periods`",
                element="March (1991)",
            )
        limit = int(periods) if periods is not None else int(max_periods)
        gen = rng if rng is not None else np.random.default_rng(seed)
        return _simulate(self, runs, rates, limit, stop_when_settled=periods is None, rng=gen)


def _knowledge(beliefs: np.ndarray, reality: np.ndarray) -> np.ndarray:
    """(matches - mismatches) / m along the last axis."""
    return (beliefs * reality).sum(axis=-1) / reality.shape[-1]


def _simulate(
    model: MarchModel,
    runs: int,
    rates: dict[str, np.ndarray],
    limit: int,
    *,
    stop_when_settled: bool,
    rng: np.random.Generator,
) -> MarchResults:
    m, n = int(model.m), int(model.n)
    reality = (2 * rng.integers(0, 2, size=(runs, m)) - 1).astype(np.int8)
    beliefs = (rng.integers(0, 3, size=(runs, n, m)) - 1).astype(np.int8)
    code = np.zeros((runs, m), dtype=np.int8)
    step = _step_original if model.rules == "original_program" else _step_article

    code_k = np.empty((runs, limit + 1))
    indiv_k = np.empty((runs, limit + 1))
    code_k[:, 0] = _knowledge(code, reality)
    indiv_k[:, 0] = _knowledge(beliefs, reality[:, None, :]).mean(axis=1)
    settled_at = np.full(runs, -1, dtype=np.int64)
    active = np.arange(runs)  # runs still moving; arrays below hold only those
    rate = {k: v.copy() for k, v in rates.items()}
    t = 0
    for t in range(1, limit + 1):
        if rate["p3"].any():
            leave = rng.random((active.size, n)) < rate["p3"][:, None]
            if leave.any():
                fresh = (rng.integers(0, 3, size=(active.size, n, m)) - 1).astype(np.int8)
                beliefs = np.where(leave[:, :, None], fresh, beliefs)
        if rate["p4"].any():
            flip = rng.random((active.size, m)) < rate["p4"][:, None]
            reality = np.where(flip, -reality, reality).astype(np.int8)
        beliefs, code, done = step(beliefs, code, reality, rate["p1"], rate["p2"], rng)
        code_k[active, t] = _knowledge(code, reality)
        indiv_k[active, t] = _knowledge(beliefs, reality[:, None, :]).mean(axis=1)
        if stop_when_settled and done.any():
            settled_at[active[done]] = t
            keep = ~done
            active = active[keep]
            beliefs, code, reality = beliefs[keep], code[keep], reality[keep]
            rate = {k: v[keep] for k, v in rate.items()}
            if active.size == 0:
                break
    last = t
    for i in np.flatnonzero(settled_at >= 0):  # an equilibrium is absorbing: carry it forward
        code_k[i, settled_at[i] + 1 : last + 1] = code_k[i, settled_at[i]]
        indiv_k[i, settled_at[i] + 1 : last + 1] = indiv_k[i, settled_at[i]]
    result = MarchResults(
        code_knowledge=code_k[:, : last + 1],
        individual_knowledge=indiv_k[:, : last + 1],
        settled=settled_at >= 0,
        equilibrium_period=settled_at,
        model=model,
    )
    if not np.all(np.isfinite(result.code_knowledge)):  # pragma: no cover - guards the bookkeeping
        raise SimulationError("internal error: a run was left without values", element="March (1991)")
    return result


def _toward(beliefs: np.ndarray, code: np.ndarray, move: np.ndarray, *, one_step: bool) -> np.ndarray:
    """Socialise: move ``beliefs`` toward ``code`` where ``move`` (one step, or all the way)."""
    target = code[:, None, :]
    if one_step:
        new = np.sign(target - beliefs).astype(np.int8) + beliefs
    else:
        new = np.broadcast_to(target, beliefs.shape)
    return np.where(move, new, beliefs).astype(np.int8)


def _step_original(beliefs, code, reality, p1, p2, rng):
    """One period under the rules of March's original program."""
    runs, _, m = beliefs.shape
    coin = (2 * rng.integers(0, 2, size=beliefs.shape) - 1).astype(np.int8)
    actions = np.where(beliefs != 0, beliefs, coin)
    score = (actions * reality[:, None, :]).sum(axis=-1, dtype=np.int32)
    code_score = (code * reality).sum(axis=-1, dtype=np.int32)
    superior = score > code_score[:, None]
    # socialisation: one step toward a non-zero code that differs
    differs = (code[:, None, :] != 0) & (beliefs != code[:, None, :])
    move = differs & (rng.random(beliefs.shape) < p1[:, None, None])
    beliefs = _toward(beliefs, code, move, one_step=True)
    # code learning: strict majority of the superior group's actions, excess k
    votes = np.einsum("rn,rnm->rm", superior.astype(np.int32), actions.astype(np.int32))
    majority = np.sign(votes).astype(np.int8)
    k = np.abs(votes)
    adopt = (majority != 0) & (majority != code) & (rng.random((runs, m)) < 1.0 - (1.0 - p2[:, None]) ** k)
    code = np.where(adopt, majority, code).astype(np.int8)
    # absorbing state: nobody can ever beat the code and nobody can be socialised any more
    code_score = (code * reality).sum(axis=-1, dtype=np.int32)
    best_possible = (beliefs * reality[:, None, :]).sum(axis=-1, dtype=np.int32) + (beliefs == 0).sum(axis=-1)
    aligned = ~((code[:, None, :] != 0) & (beliefs != code[:, None, :])).any(axis=(1, 2))
    done = aligned & ~(best_possible > code_score[:, None]).any(axis=1)
    return beliefs, code, done


def _step_article(beliefs, code, reality, p1, p2, rng):
    """One period under a literal reading of the article's text."""
    runs, _, m = beliefs.shape
    matches = (beliefs == reality[:, None, :]).sum(axis=-1)
    code_matches = (code == reality).sum(axis=-1)
    superior = matches > code_matches[:, None]
    sup = superior[:, :, None]
    plus = (sup & (beliefs == 1)).sum(axis=1)
    minus = (sup & (beliefs == -1)).sum(axis=1)
    dominant = np.sign(plus - minus).astype(np.int8)
    differ = (sup & (beliefs != code[:, None, :])).sum(axis=1)
    k = 2 * differ - superior.sum(axis=1)[:, None]  # differ minus agree
    chance = 1.0 - (1.0 - p2[:, None]) ** np.maximum(k, 0)
    adopt = (dominant != 0) & (dominant != code) & (k > 0) & (rng.random((runs, m)) < chance)
    differs = (code[:, None, :] != 0) & (beliefs != code[:, None, :])
    move = differs & (rng.random(beliefs.shape) < p1[:, None, None])
    beliefs = _toward(beliefs, code, move, one_step=False)
    code = np.where(adopt, dominant, code).astype(np.int8)
    matches = (beliefs == reality[:, None, :]).sum(axis=-1)
    code_matches = (code == reality).sum(axis=-1)
    aligned = ~((code[:, None, :] != 0) & (beliefs != code[:, None, :])).any(axis=(1, 2))
    done = aligned & ~(matches > code_matches[:, None]).any(axis=1)
    return beliefs, code, done
