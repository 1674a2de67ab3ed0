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

Slow and fast learners in one organisation
------------------------------------------
``p1`` may also differ between the individuals of an organisation: a 2-D
array of shape ``(1, n)`` (the same mix in every run) or ``(runs, n)`` gives
each individual its own socialisation rate (a newcomer takes over the rate of
the position it fills).  :func:`mixed_p1` builds March's Figure 2 and 3
organisations, ``n_slow`` slow learners (``p1`` = 0.1) among fast ones
(``p1`` = 0.9); :meth:`MarchResults.group_knowledge` reports the mean
knowledge of the individuals of one rate at the end, and
``run(groups=(0.1, 0.9))`` records it every period.  A 1-D array is always
one value per *run*, never per individual.

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

Ten slow learners among forty fast ones:

>>> from sysdyn.models.march import mixed_p1
>>> mix = MarchModel(p1=mixed_p1(10), p2=0.5).run(runs=20, periods=20, seed=1)
>>> mix.group_knowledge(0.1).shape, mix.group_knowledge(0.9).shape
((20,), (20,))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np

from ..errors import ParameterError, SimulationError

__all__ = ["MarchModel", "MarchResults", "mixed_p1", "RULES", "VARIABLES", "LOOPS"]

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
    "p1": (
        "probability per dimension per period",
        "socialisation rate: learning from the code (one per organisation, or one per individual)",
    ),
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


def _as_rates(value: Any, name: str, *, per_individual: bool = False) -> np.ndarray:
    arr = np.asarray(value, dtype=float)
    if arr.ndim > (2 if per_individual else 1):
        what = "a 1-D array over runs" + (", or a 2-D array (runs or 1, n)" if per_individual else "")
        raise ParameterError(f"`{name}` must be a number or {what} (got shape {arr.shape})")
    if arr.size == 0 or not np.all((arr >= 0) & (arr <= 1)):
        raise ParameterError(f"`{name}` must be a probability in [0, 1] (got {value!r})")
    return arr


def mixed_p1(n_slow: Any, *, n: int = 50, p1_slow: float = 0.1, p1_fast: float = 0.9) -> np.ndarray:
    """Socialisation rates of organisations that mix slow and fast learners (March's Figures 2 and 3).

    Parameters
    ----------
    n_slow : int or 1-D array of int over runs
        Number of slow learners among the ``n`` individuals (the others are
        fast); an array gives each run its own mix, for a sweep in one
        simulation.
    n : int
        Number of individuals (the model's ``n``).
    p1_slow, p1_fast : float
        Socialisation rates of the slow and of the fast learners.

    Returns
    -------
    ndarray, shape (1, n) for an int ``n_slow``, (runs, n) for an array
        Pass it as ``p1`` of :class:`MarchModel`; the first ``n_slow``
        individuals of each run are the slow ones (individuals are
        interchangeable, so the order does not matter).

    Examples
    --------
    >>> mixed_p1(2, n=5)
    array([[0.1, 0.1, 0.9, 0.9, 0.9]])
    >>> mixed_p1([0, 5], n=5, p1_fast=0.5)
    array([[0.5, 0.5, 0.5, 0.5, 0.5],
           [0.1, 0.1, 0.1, 0.1, 0.1]])
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ParameterError(f"`n` must be a positive integer (got {n!r})")
    counts = np.asarray(n_slow)
    if counts.ndim > 1 or counts.size == 0 or not np.issubdtype(counts.dtype, np.integer):
        raise ParameterError(f"`n_slow` must be an integer or a 1-D array of integers (got {n_slow!r})")
    if np.any((counts < 0) | (counts > n)):
        raise ParameterError(f"`n_slow` must be between 0 and n = {n} (got {n_slow!r})")
    for name, rate in (("p1_slow", p1_slow), ("p1_fast", p1_fast)):
        _as_rates(rate, name)
    slow = np.arange(n)[None, :] < counts.reshape(-1, 1)
    return np.where(slow, float(p1_slow), float(p1_fast))


@dataclass(frozen=True)
class MarchResults:
    """What a run of :class:`MarchModel` returns.

    Every array is a copy of its own (no view into a larger work buffer).

    Attributes
    ----------
    code_knowledge, individual_knowledge : ndarray, shape (runs, periods + 1)
        Knowledge of the code and mean knowledge of the individuals at the
        end of each period (column 0 is the start); a run that has reached
        its equilibrium keeps its value.
    settled : ndarray of bool, shape (runs,)
        Whether the run reached the stable equilibrium (never with ``p3`` or
        ``p4`` above zero), also when a fixed number of ``periods`` was asked
        for.
    equilibrium_period : ndarray of int, shape (runs,)
        Period at which the run settled, ``-1`` if it did not.
    final_knowledge_of_individuals : ndarray, shape (runs, n)
        Knowledge of each individual at the end (at its equilibrium, if the
        run settled).
    individual_p1 : ndarray, shape (runs, n)
        Socialisation rate of each individual.
    group_paths : dict of float to ndarray, shape (runs, periods + 1)
        For each rate asked for with ``run(groups=...)``, the mean knowledge
        of the individuals with that socialisation rate at the end of each
        period (NaN in runs without such individuals).
    model : MarchModel
        The model that was run.

    Examples
    --------
    >>> res = MarchModel(p1=0.9).run(runs=10, seed=0)
    >>> res.final_code_knowledge.shape, res.final_knowledge_of_individuals.shape
    ((10,), (10, 50))
    """

    code_knowledge: np.ndarray
    individual_knowledge: np.ndarray
    settled: np.ndarray
    equilibrium_period: np.ndarray
    final_knowledge_of_individuals: np.ndarray
    individual_p1: np.ndarray
    group_paths: dict[float, np.ndarray] = field(repr=False)
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

    def group_knowledge(self, p1: float) -> np.ndarray:
        """Mean final knowledge of the individuals whose socialisation rate is ``p1``, per run.

        Parameters
        ----------
        p1 : float
            The socialisation rate that defines the group (e.g. 0.1 for the
            slow learners of :func:`mixed_p1`).

        Returns
        -------
        ndarray, shape (runs,)
            NaN in runs without such individuals.

        Examples
        --------
        >>> r = MarchModel(p1=mixed_p1([0, 25])).run(runs=2, periods=20, seed=0)
        >>> slow = r.group_knowledge(0.1)
        >>> bool(np.isnan(slow[0])), bool(np.isfinite(slow[1]))
        (True, True)
        """
        members = np.isclose(self.individual_p1, p1)
        count = members.sum(axis=1)
        total = np.where(members, self.final_knowledge_of_individuals, 0.0).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(count > 0, total / np.maximum(count, 1), np.nan)

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
    p1 : float, 1-D array over runs, or 2-D array (runs or 1, n)
        Socialisation rate.  A 1-D array gives each run its own value (its
        length must equal ``runs``), so a whole parameter sweep is one
        vectorised simulation; a 2-D array gives each *individual* its own
        value, the same in every run (shape ``(1, n)``) or per run (shape
        ``(runs, n)``); see :func:`mixed_p1`.
    p2, p3, p4 : float or 1-D array over runs
        Code learning rate, turnover and turbulence.
    m, n : int
        Dimensions of reality (30) and individuals (50).
    rules : {"original_program", "article_text"}
        Which reading of the rules to simulate.

    Examples
    --------
    >>> model = MarchModel(p1=0.1, p2=0.5)
    >>> model.with_params(p1=0.9).p1
    0.9
    >>> MarchModel(p1=mixed_p1(5)).run(runs=3, seed=0).individual_p1.shape
    (3, 50)
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
            arr = _as_rates(getattr(self, name), name, per_individual=name == "p1")
            if arr.ndim == 2 and arr.shape[1] != self.n:
                raise ParameterError(
                    f"`p1` has {arr.shape[1]} values per run, but there are n = {self.n} individuals"
                )

    def with_params(self, **changes: Any) -> MarchModel:
        """Return a copy with changed parameters.

        Examples
        --------
        >>> MarchModel().with_params(p2=0.9, rules="article_text").rules
        'article_text'
        """
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
        groups: Sequence[float] = (),
    ) -> MarchResults:
        """Simulate ``runs`` independent organisations at once.

        Parameters
        ----------
        runs : int
            Number of independent runs (Monte Carlo replications).
        periods : int, optional
            Simulate exactly this many periods; runs that reach their
            equilibrium before are reported as settled (and keep their
            equilibrium values).  By default (only without turnover and
            turbulence) run until every run has reached its equilibrium, at
            most ``max_periods``.
        seed, rng
            Randomness: a seed for :func:`numpy.random.default_rng`, or a
            generator.
        max_periods : int
            Safety bound for runs to equilibrium; runs still moving then are
            reported with ``settled=False``.
        groups : sequence of float
            Socialisation rates whose groups are followed: for each, the mean
            knowledge of the individuals with that rate is recorded every
            period (``MarchResults.group_paths``), e.g. ``(0.1, 0.9)`` with
            :func:`mixed_p1`.

        Returns
        -------
        MarchResults

        Examples
        --------
        >>> res = MarchModel(p1=0.5, p3=0.1).run(runs=4, periods=30, seed=3)
        >>> res.code_knowledge.shape, bool(res.settled.any())
        ((4, 31), False)
        >>> res = MarchModel(p1=0.9).run(runs=4, periods=500, seed=3)
        >>> res.code_knowledge.shape, bool(res.settled.all())
        ((4, 501), True)
        >>> res = MarchModel(p1=mixed_p1(10)).run(runs=4, periods=20, seed=3, groups=(0.1, 0.9))
        >>> sorted(res.group_paths), res.group_paths[0.1].shape
        ([0.1, 0.9], (4, 21))
        """
        if isinstance(runs, bool) or not isinstance(runs, (int, np.integer)) or runs < 1:
            raise ParameterError(f"`runs` must be a positive integer (got {runs!r})")
        for name, value in (("periods", periods), ("max_periods", max_periods)):
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
                raise ParameterError(f"`{name}` must be a non-negative integer (got {value!r})")
        rates = {}
        for name in ("p1", "p2", "p3", "p4"):
            arr = _as_rates(getattr(self, name), name, per_individual=name == "p1")
            if arr.ndim == 1 and arr.size not in (1, runs):
                raise ParameterError(f"`{name}` has {arr.size} values, but there are {runs} runs")
            if arr.ndim == 2 and arr.shape[0] not in (1, runs):
                raise ParameterError(f"`p1` has rates for {arr.shape[0]} runs, but there are {runs} runs")
            rates[name] = np.broadcast_to(arr.reshape(-1), (runs,)).copy() if arr.ndim < 2 else arr
        # p1 is kept per individual, shape (runs, n)
        p1 = rates["p1"]
        rates["p1"] = (p1[:, None] if p1.ndim == 1 else p1) * np.ones((runs, int(self.n)))
        open_ended = bool(np.any(rates["p3"] > 0) or np.any(rates["p4"] > 0))
        if periods is None and open_ended:
            raise ParameterError(
                "with turnover (p3) or turbulence (p4) there is no equilibrium: pass `periods`",
                element="March (1991)",
            )
        limit = int(periods) if periods is not None else int(max_periods)
        gen = rng if rng is not None else np.random.default_rng(seed)
        tracked = tuple(float(g) for g in np.atleast_1d(np.asarray(groups, dtype=float)))
        return _simulate(self, runs, rates, limit, stop_when_settled=periods is None, groups=tracked, rng=gen)


def _knowledge(beliefs: np.ndarray, reality: np.ndarray) -> np.ndarray:
    """(matches - mismatches) / m along the last axis."""
    return (beliefs * reality).sum(axis=-1) / reality.shape[-1]


#: Periods the knowledge buffers hold at first; they double when full.
_FIRST_CHUNK = 256


def _simulate(
    model: MarchModel,
    runs: int,
    rates: dict[str, np.ndarray],
    limit: int,
    *,
    stop_when_settled: bool,
    groups: tuple[float, ...],
    rng: np.random.Generator,
) -> MarchResults:
    """Simulate ``limit`` periods, or until every run has settled if ``stop_when_settled``.

    A run that settles is an absorbing state (nothing can change any more), so
    it leaves the arrays that are simulated and its values are carried
    forward; runs with turnover or turbulence never settle.
    """
    m, n = int(model.m), int(model.n)
    reality = (2 * rng.integers(0, 2, size=(runs, m)) - 1).astype(np.int8)
    beliefs = (rng.integers(0, 3, size=(runs, n, m)) - 1).astype(np.int8)
    code = np.zeros((runs, m), dtype=np.int8)
    step = _step_original if model.rules == "original_program" else _step_article
    individual_p1 = rates["p1"].copy()
    members = {g: np.isclose(individual_p1, g) for g in groups}  # (runs, n) per tracked group

    def record(buffers: dict[Any, np.ndarray], rows: np.ndarray, t: int, each: np.ndarray) -> None:
        buffers["code"][rows, t] = _knowledge(code, reality)
        buffers["individuals"][rows, t] = each.mean(axis=1)
        for g, mask in members.items():
            mask = mask[rows]
            count = mask.sum(axis=1)
            total = np.where(mask, each, 0.0).sum(axis=1)
            buffers[g][rows, t] = np.where(count > 0, total / np.maximum(count, 1), np.nan)

    # knowledge per period, in buffers that grow by doubling (never limit + 1 columns up front)
    width = min(limit, _FIRST_CHUNK) + 1
    buffers: dict[Any, np.ndarray] = {
        key: np.empty((runs, width)) for key in ("code", "individuals", *groups)
    }
    active = np.arange(runs)  # runs still moving; the arrays below hold only those
    record(buffers, active, 0, _knowledge(beliefs, reality[:, None, :]))
    final_each = np.empty((runs, n))
    settled_at = np.full(runs, -1, dtype=np.int64)
    rate = {k: v.copy() for k, v in rates.items()}
    can_settle = (rate["p3"] == 0) & (rate["p4"] == 0)
    t = 0
    for t in range(1, limit + 1):
        if t >= width:
            width = min(2 * width - 1, limit + 1)
            buffers = {key: _widen(buf, width) for key, buf in buffers.items()}
        if rate["p3"].any():
            leave = rng.random((active.size, n)) < rate["p3"][:, None]
            if leave.any():
                fresh = (rng.integers(0, 3, size=(active.size, n, m)) - 1).astype(np.int8)
                beliefs = np.where(leave[:, :, None], fresh, beliefs)
        if rate["p4"].any():
            flip = rng.random((active.size, m)) < rate["p4"][:, None]
            reality = np.where(flip, -reality, reality).astype(np.int8)
        beliefs, code, done = step(beliefs, code, reality, rate["p1"], rate["p2"], rng)
        each = _knowledge(beliefs, reality[:, None, :])
        record(buffers, active, t, each)
        done &= can_settle
        if done.any():
            settled_at[active[done]] = t
            final_each[active[done]] = each[done]
            keep = ~done
            active = active[keep]
            beliefs, code, reality, can_settle = beliefs[keep], code[keep], reality[keep], can_settle[keep]
            rate = {k: v[keep] for k, v in rate.items()}
            if active.size == 0:
                break
    last = t if stop_when_settled else limit  # with `periods`, report all of them
    if last + 1 > width:
        buffers = {key: _widen(buf, last + 1) for key, buf in buffers.items()}
    if active.size:
        final_each[active] = _knowledge(beliefs, reality[:, None, :])
    # an equilibrium is absorbing: carry it forward
    for i in np.flatnonzero((settled_at >= 0) & (settled_at < last)):
        for buf in buffers.values():
            buf[i, settled_at[i] + 1 : last + 1] = buf[i, settled_at[i]]
    paths = {key: _exact(buf, last + 1) for key, buf in buffers.items()}
    result = MarchResults(
        code_knowledge=paths.pop("code"),
        individual_knowledge=paths.pop("individuals"),
        settled=settled_at >= 0,
        equilibrium_period=settled_at,
        final_knowledge_of_individuals=final_each,
        individual_p1=individual_p1,
        group_paths=paths,
        model=model,
    )
    if not np.all(np.isfinite(result.code_knowledge)):  # pragma: no cover - guards the bookkeeping
        raise SimulationError("internal error: a run was left without values", element="March (1991)")
    return result


def _widen(buffer: np.ndarray, width: int) -> np.ndarray:
    """A copy of ``buffer`` with ``width`` columns (the new ones uninitialised)."""
    wider = np.empty((buffer.shape[0], width))
    wider[:, : buffer.shape[1]] = buffer
    return wider


def _exact(buffer: np.ndarray, width: int) -> np.ndarray:
    """The first ``width`` columns of ``buffer`` as an array of their own (no view into it)."""
    return buffer if buffer.shape[1] == width else buffer[:, :width].copy()


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
    move = differs & (rng.random(beliefs.shape) < p1[:, :, None])
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
    move = differs & (rng.random(beliefs.shape) < p1[:, :, None])
    beliefs = _toward(beliefs, code, move, one_step=False)
    code = np.where(adopt, dominant, code).astype(np.int8)
    matches = (beliefs == reality[:, None, :]).sum(axis=-1)
    code_matches = (code == reality).sum(axis=-1)
    aligned = ~((code[:, None, :] != 0) & (beliefs != code[:, None, :])).any(axis=(1, 2))
    done = aligned & ~(matches > code_matches[:, None]).any(axis=1)
    return beliefs, code, done
