"""Helpers that compiled equations call at run time.

The code generator emits calls to these functions by fixed names; they are
the only callables generated code can reach besides :mod:`math` and
:mod:`numpy`.  Each has a scalar form (plain floats, for the single-run fast
path) and works on numpy arrays (ensembles, arrays) where noted.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field

import numpy as np

from ..ir import GraphicalFunction

__all__ = [
    "Lookup",
    "RunContext",
    "DelayLine",
    "RandomSource",
    "pulse",
    "pulse_v",
    "ramp",
    "ramp_v",
    "safediv",
    "safediv_v",
    "divide_by_zero",
    "round_half_away",
    "sign",
    "log_base",
    "all_finite",
    "broadcast_single",
    "poisson",
    "broadcast_ensemble",
    "lognormal_from_moments",
    "time_eps",
    "positions",
    "assemble",
]


_POSITIONS: dict[int, np.ndarray] = {}


def positions(n: int) -> np.ndarray:
    """The element positions ``1.0 .. n`` of a dimension (cached, read-only).

    Examples
    --------
    >>> positions(3)
    array([1., 2., 3.])
    """
    if n not in _POSITIONS:
        arr = np.arange(1.0, n + 1.0)
        arr.flags.writeable = False
        _POSITIONS[n] = arr
    return _POSITIONS[n]


def assemble(shape: tuple[int, ...], parts: tuple) -> np.ndarray:
    """An ensemble array ``shape + (runs,)`` from one value (float or per-run array) per element.

    Examples
    --------
    >>> assemble((2,), (1.0, np.array([2.0, 3.0]))).tolist()
    [[1.0, 1.0], [2.0, 3.0]]
    """
    runs = max((np.shape(p)[-1] for p in parts if np.ndim(p) > 0), default=1)
    out = np.empty((len(parts), runs))
    for i, part in enumerate(parts):
        out[i] = part
    return out.reshape((*shape, runs))


def time_eps(dt: float) -> float:
    """Tolerance used when comparing times on the DT grid.

    Examples
    --------
    >>> time_eps(0.25)
    2.5e-10
    """
    return abs(dt) * 1e-9


class Lookup:
    """A compiled graphical function.

    Examples
    --------
    >>> table = Lookup(GraphicalFunction("g", (0.0, 1.0, 2.0), (0.0, 10.0, 0.0)))
    >>> table(0.5), table(5.0)
    (5.0, 0.0)
    >>> table.vec(np.array([0.5, 1.5]))
    array([5., 5.])
    """

    def __init__(self, table: GraphicalFunction):
        self.name = table.name
        self.kind = table.kind
        self.x = list(table.x)
        self.y = list(table.y)
        self.xa = np.asarray(table.x, dtype=float)
        self.ya = np.asarray(table.y, dtype=float)
        n = len(self.x)
        if n > 1:
            self.slopes = [(self.y[i + 1] - self.y[i]) / (self.x[i + 1] - self.x[i]) for i in range(n - 1)]
        else:
            self.slopes = [0.0]

    def __call__(self, value: float) -> float:
        x, y = self.x, self.y
        n = len(x)
        if value != value:  # NaN propagates
            return value
        if n == 1:
            return y[0]
        if value <= x[0]:
            if self.kind == "extrapolate":
                return y[0] + (value - x[0]) * self.slopes[0]
            return y[0]
        if value >= x[-1]:
            if self.kind == "extrapolate":
                return y[-1] + (value - x[-1]) * self.slopes[-1]
            return y[-1]
        i = bisect.bisect_right(x, value) - 1
        if self.kind == "discrete":
            return y[i]
        return y[i] + (value - x[i]) * self.slopes[i]

    def vec(self, values):
        """Apply the table to an array (or a scalar) element-wise.

        Examples
        --------
        >>> step = Lookup(GraphicalFunction("g", (0.0, 1.0), (0.0, 1.0), kind="discrete"))
        >>> step.vec([-1.0, 0.5, 1.5])
        array([0., 0., 1.])
        """
        v = np.asarray(values, dtype=float)
        if len(self.x) == 1:
            return np.full_like(v, self.y[0])
        if self.kind == "discrete":
            idx = np.clip(np.searchsorted(self.xa, v, side="right") - 1, 0, len(self.x) - 1)
            out = self.ya[idx]
            return np.where(np.isnan(v), np.nan, out)
        out = np.interp(v, self.xa, self.ya)
        if self.kind == "extrapolate":
            out = np.where(v < self.xa[0], self.ya[0] + (v - self.xa[0]) * self.slopes[0], out)
            out = np.where(v > self.xa[-1], self.ya[-1] + (v - self.xa[-1]) * self.slopes[-1], out)
        return out


def pulse(t: float, dt: float, volume: float, first: float, interval: float = 0.0) -> float:
    """XMILE ``PULSE``: ``volume / DT`` during one DT at ``first``, repeated every ``interval``.

    An ``interval`` of 0 (the default) gives a single pulse.

    Examples
    --------
    >>> pulse(10.0, 0.25, 2.0, 10.0), pulse(10.25, 0.25, 2.0, 10.0)
    (8.0, 0.0)
    >>> pulse(15.0, 1.0, 1.0, 5.0, 5.0)
    1.0
    """
    eps = time_eps(dt)
    if t < first - eps:
        return 0.0
    if interval > 0:
        k = math.floor((t - first + eps) / interval)
        start = first + k * interval
    else:
        start = first
    return volume / dt if start - eps <= t < start + dt - eps else 0.0


def pulse_v(t, dt, volume, first, interval=0.0):
    """Array form of :func:`pulse` (any argument may be an array).

    Examples
    --------
    >>> pulse_v(10.0, 0.25, np.array([1.0, 2.0]), 10.0)
    array([4., 8.])
    """
    eps = time_eps(dt)
    t = np.asarray(t, dtype=float)
    first = np.asarray(first, dtype=float)
    interval = np.asarray(interval, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        k = np.where(interval > 0, np.floor((t - first + eps) / np.where(interval > 0, interval, 1.0)), 0.0)
    start = first + k * np.where(interval > 0, interval, 0.0)
    active = (t >= first - eps) & (start - eps <= t) & (t < start + dt - eps)
    return np.where(active, np.asarray(volume, dtype=float) / dt, 0.0)


def ramp(t: float, slope: float, start: float, end: float = math.inf) -> float:
    """XMILE ``RAMP``: 0 before ``start``, then rising with ``slope`` until ``end``.

    Examples
    --------
    >>> ramp(5.0, 2.0, 3.0), ramp(9.0, 2.0, 3.0, 6.0)
    (4.0, 6.0)
    """
    if t <= start:
        return 0.0
    return slope * (min(t, end) - start)


def ramp_v(t, slope, start, end=math.inf):
    """Array form of :func:`ramp`.

    Examples
    --------
    >>> ramp_v(np.array([1.0, 5.0]), 2.0, 3.0)
    array([0., 4.])
    """
    t = np.asarray(t, dtype=float)
    return np.where(t <= start, 0.0, slope * (np.minimum(t, end) - start))


def safediv(a: float, b: float, otherwise: float = 0.0) -> float:
    """``a / b``, or ``otherwise`` where ``b`` is zero.

    Examples
    --------
    >>> safediv(1.0, 0.0), safediv(1.0, 0.0, 5.0), safediv(1.0, 4.0)
    (0.0, 5.0, 0.25)
    """
    return a / b if b != 0 else otherwise


def safediv_v(a, b, otherwise=0.0):
    """Array form of :func:`safediv`.

    Examples
    --------
    >>> safediv_v(np.array([1.0, 2.0]), np.array([0.0, 4.0]))
    array([0. , 0.5])
    """
    b = np.asarray(b, dtype=float)
    zero = b == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(zero, otherwise, np.asarray(a, dtype=float) / np.where(zero, 1.0, b))


def divide_by_zero(a: float, b: float) -> float:
    """``a / b`` for a zero ``b`` on plain floats, with IEEE 754 semantics (as numpy gives).

    A non-zero ``a`` gives an infinity whose sign is that of ``a`` times that of the
    zero (``-0.0`` is negative); ``0 / 0`` and ``NaN / 0`` give NaN.  The single-run
    code path calls this instead of letting Python raise ``ZeroDivisionError``, so an
    infinity can pass through an equation that ends finite, such as ``1 / (1 / 0)``.

    Examples
    --------
    >>> divide_by_zero(2.0, 0.0), divide_by_zero(2.0, -0.0), divide_by_zero(-2.0, 0.0)
    (inf, -inf, -inf)
    >>> divide_by_zero(0.0, 0.0)
    nan
    """
    if a != a or a == 0:
        return math.nan
    return math.copysign(math.inf, a) * math.copysign(1.0, b)


def round_half_away(x):
    """Round halves away from zero (as Stella and Vensim do), scalars or arrays.

    Examples
    --------
    >>> round_half_away(2.5), round_half_away(-2.5)
    (3.0, -3.0)
    """
    if isinstance(x, float | int):
        return math.copysign(math.floor(abs(x) + 0.5), x)
    return np.copysign(np.floor(np.abs(x) + 0.5), x)


def sign(x):
    """-1, 0 or 1 (scalars or arrays).

    Examples
    --------
    >>> sign(-3.0), sign(0.0)
    (-1.0, 0.0)
    """
    if isinstance(x, float | int):
        return float((x > 0) - (x < 0))
    return np.sign(x)


def log_base(x, base=10.0):
    """Logarithm of ``x`` in ``base``; scalars use :mod:`math` (raising on bad input), arrays numpy.

    Examples
    --------
    >>> log_base(100.0), log_base(8.0, 2.0)
    (2.0, 3.0)
    """
    if isinstance(x, float | int) and isinstance(base, float | int):
        return math.log(x) / math.log(base)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(x) / np.log(base)


def poisson(mean, u):
    """Poisson draw with ``mean`` from a uniform variate ``u`` (inverse distribution function).

    Examples
    --------
    >>> poisson(3.0, 0.5)
    3.0
    """
    from scipy.stats import poisson as _poisson

    out = _poisson.ppf(u, mean)
    return float(out) if np.ndim(out) == 0 else out


def all_finite(values, single: bool) -> bool:
    """True when every value is finite: plain floats (single runs) or arrays (ensembles).

    For floats one sum tells, since any inf or NaN makes the sum non-finite.

    Examples
    --------
    >>> all_finite([1.0, 2.0], True), all_finite([1.0, math.inf], True)
    (True, False)
    >>> all_finite([np.array([1.0, np.nan])], False)
    False
    """
    if single:
        return math.isfinite(sum(values))
    return all(
        bool(np.isfinite(value).all()) if isinstance(value, np.ndarray) else math.isfinite(value)
        for value in values
    )


def broadcast_single(value, shape: tuple[int, ...]) -> np.ndarray:
    """Broadcast a single-run value to the full shape of an arrayed variable (a new array).

    Examples
    --------
    >>> broadcast_single(2.0, (2,))
    array([2., 2.])
    """
    return np.array(np.broadcast_to(np.asarray(value, dtype=float), shape))


def broadcast_ensemble(value, shape: tuple[int, ...]) -> np.ndarray:
    """Broadcast an ensemble value to ``shape + (runs,)`` (runs may stay 1 for run-independent values).

    Examples
    --------
    >>> broadcast_ensemble(np.array([1.0, 2.0, 3.0]), (2,)).shape
    (2, 3)
    >>> broadcast_ensemble(4.0, (2,)).shape
    (2, 1)
    """
    a = np.asarray(value, dtype=float)
    runs = a.shape[-1] if a.ndim > 0 else 1
    return np.array(np.broadcast_to(a, (*shape, runs)))


def lognormal_from_moments(mean, sd, z):
    """Log-normal draw with the given mean and standard deviation of the variable itself.

    Examples
    --------
    >>> round(lognormal_from_moments(1.0, 0.0, 0.3), 12)
    1.0
    """
    mean = np.asarray(mean, dtype=float)
    sigma2 = np.log1p((np.asarray(sd, dtype=float) / mean) ** 2)
    out = np.exp(np.log(mean) - sigma2 / 2 + np.sqrt(sigma2) * z)
    return float(out) if out.ndim == 0 else out


class DelayLine:
    """History of a fixed ``DELAY``'s input, pushed at every accepted time.

    ``value`` answers the input as it was ``delay`` ago (linear interpolation
    between pushed times), or ``initial`` before the run had started then.
    A query later than the last pushed time answers the last pushed value.

    Examples
    --------
    >>> line = DelayLine(start=0.0, eps=1e-9)
    >>> for t in range(4):
    ...     line.push(float(t), 10.0 * t)
    >>> line.value(3.0, 2.0, -1.0), line.value(1.0, 2.0, -1.0), line.value(3.0, 1.5, -1.0)
    (10.0, -1.0, 15.0)
    """

    def __init__(self, start: float, eps: float):
        self.start = start
        self.eps = eps
        self.times: list[float] = []
        self.values: list = []
        self._buf: np.ndarray | None = None  # stacked history, built lazily for array queries
        self._buf_len = 0

    def push(self, t: float, value) -> None:
        """Record the input at time ``t`` (a repeated time overwrites; times never decrease).

        Examples
        --------
        >>> line = DelayLine(start=0.0, eps=1e-9)
        >>> line.push(0.0, 1.0); line.push(1.0, 3.0); line.push(1.0, 5.0)
        >>> line.times, line.values
        ([0.0, 1.0], [1.0, 5.0])
        """
        if self.times and t <= self.times[-1] + self.eps:
            self.values[-1] = value
            self._buf_len = min(self._buf_len, len(self.times) - 1)
            return
        self.times.append(t)
        self.values.append(value)

    def value(self, t: float, delay, initial):
        """Delayed input at time ``t``.

        ``delay`` may be an array (one delay per element or run): the
        answer is then an array too.

        Examples
        --------
        >>> line = DelayLine(start=0.0, eps=1e-9)
        >>> line.push(0.0, 1.0); line.push(1.0, 5.0)
        >>> line.value(1.5, 1.0, 0.0)  # the input at 0.5, interpolated
        3.0
        >>> line.value(2.0, np.array([1.0, 2.0, 3.0]), 0.0)
        array([5., 1., 0.])
        """
        if not self.times:
            return initial
        if np.ndim(delay) == 0:
            query = t - float(delay)
            if query < self.start - self.eps:
                return initial
            times = self.times
            i = bisect.bisect_right(times, query + self.eps) - 1
            if i >= len(times) - 1:
                return self.values[-1]
            w = (query - times[i]) / (times[i + 1] - times[i])
            if w <= self.eps:
                return self.values[i]
            return self.values[i] + w * (self.values[i + 1] - self.values[i])
        return self._value_array(t, np.asarray(delay, dtype=float), initial)

    def _history(self) -> np.ndarray:
        n = len(self.times)
        shape = np.broadcast_shapes(*(np.shape(v) for v in self.values[-2:]))
        if self._buf is None or self._buf.shape[1:] != shape or self._buf.shape[0] < n:
            old = self._buf
            self._buf = np.empty((max(2 * n, 16), *shape))
            if old is not None and old.shape[1:] == shape:
                self._buf[: self._buf_len] = old[: self._buf_len]
            else:
                self._buf_len = 0
        for k in range(self._buf_len, n):
            self._buf[k] = self.values[k]
        self._buf_len = n
        return self._buf[:n]

    def _value_array(self, t: float, delay: np.ndarray, initial):
        hist = self._history()
        times = np.asarray(self.times)
        query = t - delay
        shape = np.broadcast_shapes(hist.shape[1:], query.shape)
        pad = (1,) * (len(shape) - (hist.ndim - 1))  # align trailing axes of the history with the query
        hist = np.broadcast_to(hist.reshape(hist.shape[:1] + pad + hist.shape[1:]), (hist.shape[0], *shape))
        query = np.broadcast_to(query, shape)
        last = len(times) - 1
        i = np.clip(np.searchsorted(times, query + self.eps, side="right") - 1, 0, last)
        j = np.minimum(i + 1, last)
        v0 = np.take_along_axis(hist, i[None], axis=0)[0]
        v1 = np.take_along_axis(hist, j[None], axis=0)[0]
        span = np.where(j > i, times[j] - times[i], 1.0)
        w = np.clip(np.where(j > i, (query - times[i]) / span, 0.0), 0.0, 1.0)
        return np.where(query < self.start - self.eps, initial, v0 + w * (v1 - v0))


class RandomSource:
    """Pre-drawn standard variates for one random call site, one per DT step and run.

    Draws are reproducible: site ``k`` of run ``r`` uses the seed sequence
    ``(seed, r, k)``, so run ``r`` of an ensemble equals a single run that
    uses the same seed and ``run_offset=r``.

    Examples
    --------
    >>> src = RandomSource("uniform", seed=1, site=0, n_steps=3, n_runs=None, start=0.0, dt=1.0)
    >>> 0 <= src.at(1.5) < 1
    True
    """

    def __init__(
        self,
        kind: str,
        *,
        seed: int | None,
        site: int,
        n_steps: int,
        n_runs: int | None,
        start: float,
        dt: float,
        run_offset: int = 0,
        shape: tuple[int, ...] = (),
    ):
        self.start = start
        self.dt = dt
        self.eps = time_eps(dt)
        runs = 1 if n_runs is None else n_runs
        size = (n_steps + 1, *shape)
        draws = np.empty((*size, runs))
        entropy = 0 if seed is None else seed
        for r in range(runs):
            seq = np.random.SeedSequence(entropy, spawn_key=(r + run_offset, site))
            gen = np.random.default_rng(seq)
            draws[..., r] = gen.random(size) if kind == "uniform" else gen.standard_normal(size)
        self.n = n_steps
        self.single = draws[..., 0].tolist() if n_runs is None and not shape else None
        self.draws = draws[..., 0] if n_runs is None else draws

    def at(self, t: float):
        """The draw for the DT step containing ``t``.

        Times before the start or after the last step answer the first or
        last draw.

        Examples
        --------
        >>> src = RandomSource("normal", seed=1, site=0, n_steps=3, n_runs=2, start=0.0, dt=1.0)
        >>> src.at(1.0).shape  # one draw per run
        (2,)
        >>> bool((src.at(1.0) == src.at(1.9)).all()), bool((src.at(1.0) == src.at(2.0)).all())
        (True, False)
        """
        j = int((t - self.start + self.eps) // self.dt)
        j = 0 if j < 0 else (self.n if j > self.n else j)
        return self.single[j] if self.single is not None else self.draws[j]


@dataclass
class RunContext:
    """Per-run mutable state that generated code reads: time specs, delay lines, random sources.

    A new context is made for every run, so a compiled model is never changed by running it.

    Examples
    --------
    >>> ctx = RunContext(start=0.0, stop=10.0, dt=0.25, n_runs=None)
    >>> ctx.dt, ctx.delays, ctx.randoms
    (0.25, [], [])
    """

    start: float
    stop: float
    dt: float
    n_runs: int | None
    delays: list = field(default_factory=list)
    randoms: list = field(default_factory=list)
