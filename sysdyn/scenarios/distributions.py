"""Distributions of uncertain parameters, for Monte Carlo and Latin hypercube designs.

Each function returns a :class:`Distribution`, a thin wrapper of a frozen
:mod:`scipy.stats` distribution that draws through its inverse CDF
(``ppf``).  Drawing through the inverse CDF lets one design work for plain
random sampling (uniform numbers from a seeded generator) and for Latin
hypercube sampling (:class:`scipy.stats.qmc.LatinHypercube`) alike.  Any
frozen :mod:`scipy.stats` distribution can be passed where a
:class:`Distribution` is expected.

They are reached as ``sd.dist``: ``sd.dist.lognormal(0.5, 0.2)``.

Examples
--------
>>> import numpy as np
>>> d = lognormal(0.5, 0.2)
>>> round(float(d.mean()), 6), round(float(d.std()), 6)
(0.5, 0.2)
>>> integers(2, 10).sample(5, rng=1)
array([6., 9., 3., 9., 4.])
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from ..errors import ParameterError

__all__ = [
    "Distribution",
    "as_distribution",
    "uniform",
    "normal",
    "lognormal",
    "truncnormal",
    "triangular",
    "beta",
    "gamma",
    "integers",
    "choice",
    "from_scipy",
]


@dataclass(frozen=True)
class Distribution:
    """A univariate distribution that draws by its inverse CDF.

    Parameters
    ----------
    frozen : scipy.stats frozen distribution
        Anything with ``ppf``, ``mean`` and ``std`` (a ``rv_frozen``).
    label : str
        How it prints, e.g. ``"lognormal(mean=0.5, sd=0.2)"``.

    Examples
    --------
    >>> d = Distribution(stats.uniform(0, 2), "uniform(0, 2)")
    >>> d.ppf([0.25, 0.5])
    array([0.5, 1. ])
    """

    frozen: Any
    label: str

    def ppf(self, u: Any) -> np.ndarray:
        """Inverse CDF at ``u`` (numbers in [0, 1)).

        Examples
        --------
        >>> uniform(0, 10).ppf(0.3)
        array(3.)
        """
        return np.asarray(self.frozen.ppf(u), dtype=float)

    def sample(self, n: int, rng: Any = None) -> np.ndarray:
        """Draw ``n`` values with a seeded :class:`numpy.random.Generator` (or a seed).

        Examples
        --------
        >>> normal(0, 1).sample(3, rng=0).round(3)
        array([ 0.35 , -0.613, -1.739])
        """
        gen = np.random.default_rng(rng)
        return self.ppf(gen.random(int(n)))

    def mean(self) -> float:
        """The mean.

        Examples
        --------
        >>> uniform(0, 4).mean()
        2.0
        """
        return float(self.frozen.mean())

    def std(self) -> float:
        """The standard deviation.

        Examples
        --------
        >>> round(uniform(0, 1).std() ** 2 * 12, 12)
        1.0
        """
        return float(self.frozen.std())

    def interval(self, confidence: float = 0.95) -> tuple[float, float]:
        """The central interval holding ``confidence`` of the probability.

        Examples
        --------
        >>> uniform(0, 1).interval(0.5)
        (0.25, 0.75)
        """
        lo, hi = self.frozen.interval(confidence)
        return float(lo), float(hi)

    def __repr__(self) -> str:
        return self.label


def _positive(value: float, what: str, func: str) -> float:
    value = float(value)
    if not (math.isfinite(value) and value > 0):
        raise ParameterError(f"`{func}`: `{what}` must be a positive number (got {value!r})")
    return value


def _ordered(low: float, high: float, func: str) -> tuple[float, float]:
    low, high = float(low), float(high)
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise ParameterError(f"`{func}`: `low` must be below `high` (got low={low!r}, high={high!r})")
    return low, high


def uniform(low: float, high: float) -> Distribution:
    """Uniform on ``[low, high]``.

    Examples
    --------
    >>> uniform(1, 3).interval(1.0)
    (1.0, 3.0)
    """
    low, high = _ordered(low, high, "uniform")
    return Distribution(stats.uniform(loc=low, scale=high - low), f"uniform({low:g}, {high:g})")


def normal(mean: float, sd: float) -> Distribution:
    """Normal with the given mean and standard deviation.

    Examples
    --------
    >>> normal(5, 2).std()
    2.0
    """
    sd = _positive(sd, "sd", "normal")
    return Distribution(stats.norm(loc=float(mean), scale=sd), f"normal(mean={mean:g}, sd={sd:g})")


def lognormal(mean: float, sd: float) -> Distribution:
    """Log-normal with the given mean and standard deviation *of the value itself*.

    This is the parameterisation modellers quote (a learning rate of 0.5
    give or take 0.2), as Vensim's ``RANDOM LOGNORMAL`` does; the log of the
    value then has ``sigma**2 = log(1 + (sd/mean)**2)`` and
    ``mu = log(mean) - sigma**2 / 2``.

    Examples
    --------
    >>> d = lognormal(0.5, 0.2)
    >>> round(d.mean(), 9), round(d.std(), 9)
    (0.5, 0.2)
    """
    mean = _positive(mean, "mean", "lognormal")
    sd = _positive(sd, "sd", "lognormal")
    sigma2 = math.log1p((sd / mean) ** 2)
    mu = math.log(mean) - sigma2 / 2
    frozen = stats.lognorm(s=math.sqrt(sigma2), scale=math.exp(mu))
    return Distribution(frozen, f"lognormal(mean={mean:g}, sd={sd:g})")


def truncnormal(mean: float, sd: float, low: float = -math.inf, high: float = math.inf) -> Distribution:
    """Normal(``mean``, ``sd``) cut to ``[low, high]`` (the mean of the result shifts accordingly).

    Examples
    --------
    >>> d = truncnormal(0, 1, low=0)
    >>> round(d.mean(), 4)   # sqrt(2 / pi)
    0.7979
    """
    sd = _positive(sd, "sd", "truncnormal")
    low, high = float(low), float(high)
    if not low < high:
        raise ParameterError(f"`truncnormal`: `low` must be below `high` (got low={low!r}, high={high!r})")
    a, b = (low - mean) / sd, (high - mean) / sd
    frozen = stats.truncnorm(a, b, loc=float(mean), scale=sd)
    return Distribution(frozen, f"truncnormal(mean={mean:g}, sd={sd:g}, low={low:g}, high={high:g})")


def triangular(low: float, mode: float, high: float) -> Distribution:
    """Triangular on ``[low, high]`` with its peak at ``mode``.

    Examples
    --------
    >>> triangular(0, 1, 2).mean()
    1.0
    """
    low, high = _ordered(low, high, "triangular")
    if not low <= mode <= high:
        raise ParameterError(f"`triangular`: `mode` must lie in [low, high] (got {mode!r})")
    frozen = stats.triang(c=(mode - low) / (high - low), loc=low, scale=high - low)
    return Distribution(frozen, f"triangular({low:g}, {mode:g}, {high:g})")


def beta(a: float, b: float, low: float = 0.0, high: float = 1.0) -> Distribution:
    """Beta(``a``, ``b``) stretched to ``[low, high]``.

    Examples
    --------
    >>> beta(2, 2, 0, 10).mean()
    5.0
    """
    a, b = _positive(a, "a", "beta"), _positive(b, "b", "beta")
    low, high = _ordered(low, high, "beta")
    frozen = stats.beta(a, b, loc=low, scale=high - low)
    return Distribution(frozen, f"beta({a:g}, {b:g}, {low:g}, {high:g})")


def gamma(shape: float, scale: float) -> Distribution:
    """Gamma with the given shape and scale (mean ``shape * scale``).

    Examples
    --------
    >>> gamma(2, 3).mean()
    6.0
    """
    shape, scale = _positive(shape, "shape", "gamma"), _positive(scale, "scale", "gamma")
    return Distribution(stats.gamma(shape, scale=scale), f"gamma(shape={shape:g}, scale={scale:g})")


def integers(low: int, high: int, *, endpoint: bool = False) -> Distribution:
    """Whole numbers from ``low`` up to ``high`` (excluded, as NumPy's ``integers``), equally likely.

    With ``endpoint=True``, ``high`` is included.

    Examples
    --------
    >>> sorted(set(integers(2, 5).sample(200, rng=0).tolist()))
    [2.0, 3.0, 4.0]
    >>> integers(2, 5, endpoint=True).sample(200, rng=0).max()
    np.float64(5.0)
    """
    if not all(float(v).is_integer() for v in (low, high)):
        raise ParameterError(f"`integers`: `low` and `high` must be whole numbers (got {low!r}, {high!r})")
    top = int(high) + (1 if endpoint else 0)
    if top <= int(low):
        raise ParameterError(f"`integers`: no whole number lies in [{low}, {high}{']' if endpoint else ')'}")
    frozen = stats.randint(int(low), top)
    return Distribution(frozen, f"integers({int(low)}, {int(high)}{', endpoint=True' if endpoint else ''})")


class _Choice:
    """A discrete distribution over given values (a minimal frozen-distribution look-alike)."""

    def __init__(self, values: np.ndarray, p: np.ndarray):
        self.values, self.p = values, p
        self.cum = np.cumsum(p)
        self.cum[-1] = 1.0

    def ppf(self, u: Any) -> np.ndarray:
        idx = np.searchsorted(self.cum, np.asarray(u, dtype=float), side="right")
        return self.values[np.minimum(idx, len(self.values) - 1)]

    def mean(self) -> float:
        return float(self.values @ self.p)

    def std(self) -> float:
        return float(np.sqrt(((self.values - self.mean()) ** 2) @ self.p))

    def interval(self, confidence: float) -> tuple[float, float]:
        tail = (1 - confidence) / 2
        return float(self.ppf(tail)), float(self.ppf(1 - tail if confidence < 1 else 1 - 1e-12))


def choice(values: Sequence[float], p: Sequence[float] | None = None) -> Distribution:
    """One of ``values``, each with probability ``p`` (equal by default).

    Examples
    --------
    >>> choice([2, 4, 8]).ppf([0.1, 0.5, 0.9])
    array([2., 4., 8.])
    """
    vals = np.asarray(values, dtype=float)
    if vals.ndim != 1 or len(vals) == 0 or not np.isfinite(vals).all():
        raise ParameterError(f"`choice`: `values` must be a non-empty list of numbers (got {values!r})")
    probs = np.full(len(vals), 1 / len(vals)) if p is None else np.asarray(p, dtype=float)
    if probs.shape != vals.shape or (probs < 0).any() or not math.isclose(probs.sum(), 1.0, rel_tol=1e-9):
        raise ParameterError(
            f"`choice`: `p` must be {len(vals)} non-negative probabilities that add up to 1 (got {p!r})"
        )
    return Distribution(_Choice(vals, probs), f"choice({vals.tolist()})")


def from_scipy(frozen: Any, label: str | None = None) -> Distribution:
    """Wrap any frozen :mod:`scipy.stats` distribution, e.g. ``stats.weibull_min(1.5)``.

    Examples
    --------
    >>> from_scipy(stats.expon(scale=2)).mean()
    2.0
    """
    if not callable(getattr(frozen, "ppf", None)):
        raise ParameterError(
            f"a distribution must have an inverse CDF `ppf` (a frozen scipy.stats distribution); "
            f"got {frozen!r} that is a {type(frozen).__name__}"
        )
    if label is None:
        dist = getattr(frozen, "dist", None)
        name = getattr(dist, "name", type(frozen).__name__)
        args = ", ".join(f"{a:g}" for a in getattr(frozen, "args", ()))
        kwds = ", ".join(f"{k}={v:g}" for k, v in getattr(frozen, "kwds", {}).items())
        label = f"scipy.stats.{name}({', '.join(s for s in (args, kwds) if s)})"
    return Distribution(frozen, label)


def as_distribution(value: Any, name: str = "") -> Distribution:
    """Return ``value`` as a :class:`Distribution` (wrapping a frozen scipy.stats one).

    Raises
    ------
    ParameterError
        If ``value`` has no inverse CDF.

    Examples
    --------
    >>> as_distribution(stats.norm(0, 1)).std()
    1.0
    """
    if isinstance(value, Distribution):
        return value
    try:
        return from_scipy(value)
    except ParameterError:
        raise ParameterError(
            f"the distribution of `{name}` must be an `sd.dist` distribution or a frozen scipy.stats one "
            f"such as scipy.stats.norm(0, 1) (got {value!r} that is a {type(value).__name__})"
        ) from None
