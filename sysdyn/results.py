"""The results of a simulation run, and their way to pandas, xarray and matplotlib.

A :class:`Results` holds every saved variable of one run (arrays shaped
``(times, *dims)``) or of an ensemble (``(runs, times, *dims)``).  Variables are
looked up by name in any XMILE spelling; the arrays are read-only.

Examples
--------
>>> import numpy as np
>>> from sysdyn.results import Results, VariableInfo
>>> res = Results(time=np.arange(3.0), data={"k": np.array([1.0, 2.0, 3.0])},
...               variables={"k": VariableInfo("K", "stock")}, n_runs=None)
>>> res["K"]
array([1., 2., 3.])
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import DimensionError, SysdynError, UnknownNameError
from .names import canonical, closest

if TYPE_CHECKING:
    import pandas as pd
    import xarray as xr
    from matplotlib.animation import FuncAnimation
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["Results", "VariableInfo"]

_XARRAY_HINT = "to_xarray needs xarray: pip install 'sysdyn-sim[xarray]'"
_KINDS = ("stock", "flow", "aux", "constant")
_SUBSCRIPT = re.compile(r"^\s*(?P<name>[^\[\]]+?)\s*\[(?P<elems>[^\[\]]*)\]\s*$")


class UnknownResultError(UnknownNameError, KeyError):
    """A name that is neither a variable nor an element in these results.

    It is a :class:`~sysdyn.UnknownNameError` and also a :class:`KeyError`,
    as a mapping's missing key should be.
    """

    def __str__(self) -> str:  # KeyError would put the message in quotes
        return str(self.args[0]) if self.args else ""


@dataclass(frozen=True)
class VariableInfo:
    """What the results know about one variable.

    Parameters
    ----------
    name : str
        The display name, as the user defined it (e.g. ``"Knowledge per person"``).
    kind : str
        ``"stock"``, ``"flow"``, ``"aux"`` or ``"constant"``.
    units : str, optional
    dimensions : tuple of str, optional
        Dimension names of an arrayed variable, outermost first.
    elements : tuple of tuple of str, optional
        The element names of each dimension.
    doc : str, optional

    Examples
    --------
    >>> info = VariableInfo("Knowledge", "stock", "ideas", ("People",), (("Ann", "Bo"),))
    >>> info.shape
    (2,)
    """

    name: str
    kind: str
    units: str = ""
    dimensions: tuple[str, ...] = ()
    elements: tuple[tuple[str, ...], ...] = ()
    doc: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "dimensions", tuple(self.dimensions))
        object.__setattr__(self, "elements", tuple(tuple(els) for els in self.elements))
        if self.kind not in _KINDS:
            raise ValueError(f"`{self.name}`: kind must be one of {_KINDS}, not {self.kind!r}")
        if len(self.elements) != len(self.dimensions):
            raise ValueError(
                f"`{self.name}`: {len(self.dimensions)} dimension(s) but {len(self.elements)} element lists"
            )

    @property
    def shape(self) -> tuple[int, ...]:
        """The number of elements along each dimension (``()`` for a scalar variable).

        Examples
        --------
        >>> VariableInfo("K", "stock").shape
        ()
        """
        return tuple(len(els) for els in self.elements)


def _label(name: str, elements: Iterable[str]) -> str:
    return f"{name}[{', '.join(elements)}]"


def _frozen(arr: np.ndarray) -> np.ndarray:
    arr.flags.writeable = False
    return arr


class _NameMap(Mapping):
    """A read-only mapping keyed by display names that accepts any spelling of a name."""

    def __init__(self, items: dict[str, Any]):
        self._items = items
        self._keys = {canonical(k): k for k in items}

    def __getitem__(self, name: str) -> Any:
        key = self._keys.get(canonical(name)) if isinstance(name, str) else None
        if key is None:
            raise KeyError(name)
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        with np.printoptions(threshold=6, edgeitems=2):
            return repr(self._items)


class Results:
    """The saved values of a single run or of an ensemble of runs.

    Built by the solvers; all arguments are keyword-only.  The arrays passed
    in become the results' own and are made read-only (they are not copied).

    Parameters
    ----------
    time : numpy.ndarray
        The save grid, shape ``(T,)``.
    data : dict of str to numpy.ndarray
        Canonical variable key to values: ``(T, *dims)`` for a single run,
        ``(R, T, *dims)`` for an ensemble of ``R`` runs.
    variables : dict of str to VariableInfo
        The same keys, in model order.
    n_runs : int or None
        ``None`` for a single run, ``R`` for an ensemble.
    model_name, time_units, method : str, optional
    params : dict of str to array, optional
        Canonical key to the overridden parameter values: a number, or one
        value per run (shape ``(R,)``) in an ensemble.
    extras : dict, optional
        Anything else (solver statistics...), available read-only as :attr:`info`.

    Raises
    ------
    ValueError
        If the arrays' shapes do not agree with ``time``, ``n_runs`` and the
        variables' dimensions.

    Examples
    --------
    >>> res = Results(time=np.arange(3.0), data={"k": np.array([1.0, 2.0, 3.0])},
    ...               variables={"k": VariableInfo("K", "stock")}, n_runs=None)
    >>> res.names, len(res), "k" in res
    (('K',), 1, True)
    """

    def __init__(
        self,
        *,
        time: np.ndarray,
        data: Mapping[str, np.ndarray],
        variables: Mapping[str, VariableInfo],
        n_runs: int | None,
        model_name: str = "",
        time_units: str = "",
        method: str = "",
        params: Mapping[str, Any] | None = None,
        extras: Mapping[str, Any] | None = None,
    ):
        self._time = _frozen(np.asarray(time, dtype=float))
        if self._time.ndim != 1 or len(self._time) == 0:
            raise ValueError(f"`time` must be a non-empty 1-D array, not shape {self._time.shape}")
        if n_runs is not None and (
            isinstance(n_runs, bool) or not isinstance(n_runs, int | np.integer) or n_runs < 1
        ):
            raise ValueError(f"`n_runs` must be None or a positive int, not {n_runs!r}")
        self._n_runs = None if n_runs is None else int(n_runs)
        if set(data) != set(variables):
            only_data, only_vars = sorted(set(data) - set(variables)), sorted(set(variables) - set(data))
            raise ValueError(
                f"`data` and `variables` differ: only in data {only_data}, only in variables {only_vars}"
            )
        lead = (len(self._time),) if n_runs is None else (self._n_runs, len(self._time))
        self._lead = (slice(None),) * len(lead)
        self._info: dict[str, VariableInfo] = {}
        self._data: dict[str, np.ndarray] = {}
        self._lookup: dict[str, str] = {}
        for key, info in variables.items():
            if not isinstance(info, VariableInfo):
                raise ValueError(f"variables[{key!r}] must be a VariableInfo, not {type(info).__name__}")
            arr = np.asarray(data[key], dtype=float)
            if arr.shape != lead + info.shape:
                layout = "(times" if n_runs is None else "(runs, times"
                raise ValueError(
                    f"the data for `{info.name}` has shape {arr.shape}, but {layout}"
                    f"{', *dims' if info.shape else ''}) is {lead + info.shape}"
                )
            for spelling in (key, info.name):
                other = self._lookup.setdefault(canonical(spelling), key)
                if other != key:
                    raise ValueError(f"`{info.name}` and `{self._info[other].name}` have the same name")
            self._info[key] = info
            self._data[key] = _frozen(arr)
        self._params: dict[str, Any] = {}
        for key, value in (params or {}).items():
            arr = np.array(value, dtype=float)
            if arr.ndim == 0:
                self._params[key] = float(arr)
            elif arr.shape[:1] == (self._n_runs,) or (
                key in self._info and arr.shape == self._info[key].shape
            ):
                self._params[key] = _frozen(arr)  # per run, or per element of an arrayed variable
            else:
                raise ValueError(
                    f"params[{key!r}] has shape {arr.shape}; expected a number, ({n_runs}, ...) "
                    "or the shape of the variable"
                )
        self._model_name, self._time_units, self._method = str(model_name), str(time_units), str(method)
        self._extras = MappingProxyType(dict(extras or {}))

    # -- properties -----------------------------------------------------------------------------

    @property
    def time(self) -> np.ndarray:
        """The save grid (read-only), shape ``(T,)``."""
        return self._time

    @property
    def model_name(self) -> str:
        """The name of the model that was run."""
        return self._model_name

    @property
    def method(self) -> str:
        """The solver that produced these results."""
        return self._method

    @property
    def time_units(self) -> str:
        """The units of :attr:`time` (``""`` if the model gives none)."""
        return self._time_units

    @property
    def n_runs(self) -> int | None:
        """The number of runs of an ensemble, or ``None`` for a single run."""
        return self._n_runs

    @property
    def is_ensemble(self) -> bool:
        """True if these are the results of an ensemble of runs."""
        return self._n_runs is not None

    @property
    def info(self) -> Mapping[str, Any]:
        """Extra, solver-specific information (a read-only mapping)."""
        return self._extras

    @property
    def names(self) -> tuple[str, ...]:
        """The display names of the variables, in model order."""
        return tuple(info.name for info in self._info.values())

    @property
    def params(self) -> Mapping[str, Any]:
        """The overridden parameters: display name (any spelling works) to value or per-run values.

        Examples
        --------
        >>> res = Results(time=np.arange(2.0), data={"k": np.ones((2, 2))},
        ...               variables={"k": VariableInfo("K", "constant")}, n_runs=2,
        ...               params={"k": [1.0, 1.0]})
        >>> res.params["k"]
        array([1., 1.])
        """
        return _NameMap({(self._info[k].name if k in self._info else k): v for k, v in self._params.items()})

    # -- lookup ---------------------------------------------------------------------------------

    def _unknown(self, name: str) -> UnknownResultError:
        hint = closest(name, self.names)
        tail = f"; did you mean `{hint}`?" if hint else ""
        return UnknownResultError(f"no variable `{name}` in these results{tail}", name=name, suggestion=hint)

    def _resolve(self, name: str) -> tuple[str, tuple[int, ...] | None]:
        """Return (variable key, element index or None) for a name or an element reference."""
        if not isinstance(name, str):
            raise TypeError(f"variable names are strings, not {type(name).__name__}")
        key = self._lookup.get(canonical(name))
        if key is not None:
            return key, None
        match = _SUBSCRIPT.match(name)
        if match is None:
            raise self._unknown(name)
        key = self._lookup.get(canonical(match["name"]))
        if key is None:
            raise self._unknown(match["name"])
        info = self._info[key]
        wanted = [e.strip() for e in match["elems"].split(",")]
        if len(wanted) != len(info.dimensions):
            raise DimensionError(
                f"`{name}` gives {len(wanted)} subscript(s), but `{info.name}` has "
                f"{len(info.dimensions)} dimension(s) {list(info.dimensions)}",
                element=info.name,
            )
        index = []
        for elem, dim, elements in zip(wanted, info.dimensions, info.elements, strict=True):
            keys = [canonical(e) for e in elements]
            if canonical(elem) not in keys:
                hint = closest(elem, elements)
                raise UnknownResultError(
                    f"no element `{elem}` in dimension `{dim}` (elements: {', '.join(elements)})"
                    + (f"; did you mean `{hint}`?" if hint else ""),
                    name=elem,
                    suggestion=hint,
                    element=info.name,
                )
            index.append(keys.index(canonical(elem)))
        return key, tuple(index)

    def _block(self, key: str, index: tuple[int, ...] | None) -> tuple[list[str], np.ndarray]:
        """Column labels and values shaped ``(*lead, n_columns)`` for a variable or one element."""
        info, arr = self._info[key], self._data[key]
        if index is not None:
            chosen = [els[i] for els, i in zip(info.elements, index, strict=True)]
            return [_label(info.name, chosen)], arr[self._lead + index][..., None]
        if not info.dimensions:
            return [info.name], arr[..., None]
        labels = [_label(info.name, combo) for combo in itertools.product(*info.elements)]
        return labels, arr.reshape(*arr.shape[: len(self._lead)], -1)

    def __getitem__(self, name: str) -> np.ndarray:
        """Return the (read-only) values of a variable, or of one element: ``res["Knowledge[Ann]"]``.

        Raises a :class:`~sysdyn.UnknownNameError` (also a :class:`KeyError`) for an unknown name.

        Examples
        --------
        >>> res = Results(time=np.arange(2.0), data={"k": np.array([[1.0, 2.0], [3.0, 4.0]])},
        ...               variables={"k": VariableInfo("K", "stock", "", ("P",), (("Ann", "Bo"),))},
        ...               n_runs=None)
        >>> res["k[bo]"]
        array([2., 4.])
        """
        key, index = self._resolve(name)
        return self._data[key] if index is None else self._data[key][self._lead + index]

    def __contains__(self, name: object) -> bool:
        try:
            self._resolve(name)  # type: ignore[arg-type]
        except (KeyError, TypeError, SysdynError):
            return False
        return True

    def __len__(self) -> int:
        return len(self._info)

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def info_for(self, name: str) -> VariableInfo:
        """Return the :class:`VariableInfo` of a variable (any spelling, or one of its elements).

        Examples
        --------
        >>> res = Results(time=np.arange(3.0), data={"k": np.array([1.0, 2.0, 3.0])},
        ...               variables={"k": VariableInfo("K", "stock", "ideas")}, n_runs=None)
        >>> res.info_for("k").kind
        'stock'
        """
        return self._info[self._resolve(name)[0]]

    def units(self, name: str) -> str:
        """Return the units of a variable (``""`` if none were given).

        Examples
        --------
        >>> res = Results(time=np.arange(3.0), data={"k": np.array([1.0, 2.0, 3.0])},
        ...               variables={"k": VariableInfo("K", "stock", "ideas")}, n_runs=None)
        >>> res.units("K")
        'ideas'
        """
        return self.info_for(name).units

    def final(self, name: str) -> float | np.ndarray:
        """Return the last saved value: a float, or an array (per run and/or per element).

        Examples
        --------
        >>> res = Results(time=np.arange(3.0), data={"k": np.array([1.0, 2.0, 3.0])},
        ...               variables={"k": VariableInfo("K", "stock")}, n_runs=None)
        >>> res.final("K")
        3.0
        """
        arr = self[name]
        last = arr[-1] if self._n_runs is None else arr[:, -1]
        return float(last) if last.ndim == 0 else last

    # -- ensembles ------------------------------------------------------------------------------

    def _need_ensemble(self, what: str) -> None:
        if self._n_runs is None:
            raise SysdynError(
                f"`{what}` needs the results of an ensemble (a run with an array of values for a parameter); "
                "these are the results of a single run"
            )

    def run(self, i: int) -> Results:
        """Return run ``i`` of an ensemble as single-run results (negative ``i`` counts from the end).

        The arrays are read-only views of the ensemble's, not copies; ``info["run"]`` is ``i``.

        Raises
        ------
        SysdynError
            If these are the results of a single run.
        IndexError
            If there is no run ``i``.

        Examples
        --------
        >>> ens = Results(time=np.arange(2.0), data={"k": np.array([[1.0, 2.0], [3.0, 4.0]])},
        ...               variables={"k": VariableInfo("K", "stock")}, n_runs=2)
        >>> ens.run(1)["K"]
        array([3., 4.])
        """
        self._need_ensemble("run")
        if isinstance(i, bool) or not isinstance(i, int | np.integer):
            raise TypeError(f"the run number must be an int, not {type(i).__name__}")
        n = self._n_runs
        if not -n <= i < n:
            raise IndexError(f"run {i} is out of range: these results have {n} runs (0 to {n - 1})")
        i = int(i) % n
        return Results(
            time=self._time,
            data={k: v[i] for k, v in self._data.items()},
            variables=self._info,
            n_runs=None,
            model_name=self.model_name,
            time_units=self.time_units,
            method=self.method,
            params={k: (v[i] if np.ndim(v) else v) for k, v in self._params.items()},
            extras={**self._extras, "run": i},
        )

    def summary(self, name: str, quantiles: Iterable[float] = (0.05, 0.25, 0.5, 0.75, 0.95)) -> pd.DataFrame:
        """Quantiles and mean over the runs of an ensemble, at every saved time.

        Parameters
        ----------
        name : str
            A scalar variable or one element of an arrayed one.
        quantiles : iterable of float
            Each becomes a column (labelled by the number); a last column is ``"mean"``.

        Raises
        ------
        SysdynError
            If these are the results of a single run (:class:`~sysdyn.DimensionError`
            if ``name`` is a whole arrayed variable).

        Examples
        --------
        >>> ens = Results(time=np.arange(2.0), data={"k": np.array([[1.0, 2.0], [3.0, 4.0]])},
        ...               variables={"k": VariableInfo("K", "stock")}, n_runs=2)
        >>> ens.summary("K", quantiles=(0.5,))
              0.5  mean
        time
        0.0   2.0   2.0
        1.0   3.0   3.0
        """
        import pandas as pd

        self._need_ensemble("summary")
        key, index = self._resolve(name)
        labels, block = self._block(key, index)
        if len(labels) != 1:
            raise DimensionError(
                f"`{name}` is arrayed ({len(labels)} elements); summarise one element, e.g. `{labels[0]}`",
                element=self._info[key].name,
            )
        values = block[..., 0]
        qs = [float(q) for q in quantiles]
        index = pd.Index(self._time, name="time")
        df = pd.DataFrame(np.quantile(values, qs, axis=0).T, index=index, columns=qs)
        df["mean"] = values.mean(axis=0)
        df.attrs = {"model": self.model_name, "variable": labels[0], "units": self._info[key].units}
        return df

    # -- export ---------------------------------------------------------------------------------

    def _select(self, names: str | Iterable[str] | None) -> list[tuple[str, tuple[int, ...] | None]]:
        if names is None:
            return [(k, None) for k in self._info]
        chosen = [self._resolve(n) for n in ([names] if isinstance(names, str) else names)]
        whole = {k for k, idx in chosen if idx is None}
        order = {k: i for i, k in enumerate(self._info)}
        kept = {(k, idx) for k, idx in chosen if idx is None or k not in whole}
        return sorted(kept, key=lambda s: (order[s[0]], s[1] is not None, s[1] or ()))

    def to_pandas(self, names: str | Iterable[str] | None = None) -> pd.DataFrame:
        """Return the results as a :class:`pandas.DataFrame`, one column per variable or element.

        Parameters
        ----------
        names : str or iterable of str, optional
            Only these variables (or elements, ``"Name[elem]"``); columns stay in model order.

        Returns
        -------
        pandas.DataFrame
            Indexed by ``time`` (a single run) or by ``(run, time)`` (an ensemble).
            Arrayed variables give one column per element, ``"Name[e1, e2]"``.
            ``df.attrs`` holds the model name, method, time units and each column's units.

        Examples
        --------
        >>> res = Results(time=np.arange(3.0), data={"k": np.array([1.0, 2.0, 3.0])},
        ...               variables={"k": VariableInfo("K", "stock")}, n_runs=None)
        >>> res.to_pandas()
                K
        time
        0.0   1.0
        1.0   2.0
        2.0   3.0
        """
        import pandas as pd

        labels: list[str] = []
        blocks: list[np.ndarray] = []
        units: dict[str, str] = {}
        for key, index in self._select(names):
            cols, block = self._block(key, index)
            labels += cols
            blocks.append(block)
            units.update(dict.fromkeys(cols, self._info[key].units))
        n_rows = len(self._time) * (self._n_runs or 1)
        values = np.concatenate([b.reshape(n_rows, -1) for b in blocks], axis=1) if blocks else None
        if self._n_runs is None:
            index = pd.Index(self._time, name="time")
        else:
            index = pd.MultiIndex.from_product([np.arange(self._n_runs), self._time], names=["run", "time"])
        df = pd.DataFrame(values, index=index, columns=labels)
        df.attrs = {"model": self.model_name, "units": units, "method": self.method}
        df.attrs["time_units"] = self.time_units
        return df

    def to_xarray(self) -> xr.Dataset:
        """Return the results as an :class:`xarray.Dataset` (needs the optional ``xarray``).

        Dimensions are ``run`` (ensembles only), ``time`` and each variable's own
        dimensions, with the element names as coordinates.  Data variables are
        named by display name and carry ``units``, ``kind``, ``doc`` and ``long_name``.

        Examples
        --------
        >>> res = Results(time=np.arange(3.0), data={"k": np.array([1.0, 2.0, 3.0])},
        ...               variables={"k": VariableInfo("K", "stock")}, n_runs=None)
        >>> ds = res.to_xarray()
        >>> ds["K"].dims, ds["K"].attrs["kind"]
        (('time',), 'stock')
        """
        try:
            import xarray as xr
        except ImportError as err:
            raise ImportError(_XARRAY_HINT) from err
        lead = ("time",) if self._n_runs is None else ("run", "time")
        coords: dict[str, Any] = {"time": ("time", self._time.copy(), {"units": self.time_units})}
        if self._n_runs is not None:
            coords["run"] = np.arange(self._n_runs)
        data_vars = {}
        for info in self._info.values():
            for dim, elements in zip(info.dimensions, info.elements, strict=True):
                if coords.setdefault(dim, list(elements)) != list(elements):
                    raise DimensionError(
                        f"dimension `{dim}` of `{info.name}` clashes with another dimension of that name",
                        element=info.name,
                    )
        for key, info in self._info.items():
            attrs = {"units": info.units, "kind": info.kind, "doc": info.doc, "long_name": info.name}
            data_vars[info.name] = (lead + info.dimensions, self._data[key].copy(), attrs)
        attrs = {"model": self.model_name, "method": self.method, "time_units": self.time_units}
        return xr.Dataset(data_vars, coords=coords, attrs=attrs)

    def plot(
        self,
        *names: str,
        ax: Axes | None = None,
        runs: str | int | Iterable[int] | None = None,
        **line_kwargs: Any,
    ) -> Axes:
        """Plot variables over time with matplotlib, and return the Axes.

        Parameters
        ----------
        *names : str
            Variables or elements (``"Name[elem]"``); none means every stock.
        ax : matplotlib.axes.Axes, optional
            Where to draw; a new figure by default.
        runs : {"all", "band"} or int or list of int, optional
            For an ensemble: every run as a thin line (``"all"``, the default
            up to 50 runs), the median with 25–75% and 5–95% bands (``"band"``,
            the default above 50 runs), or only the given runs.
        **line_kwargs
            Passed to :meth:`matplotlib.axes.Axes.plot`.

        Examples
        --------
        >>> res = Results(time=np.arange(3.0), data={"k": np.array([1.0, 2.0, 3.0])},
        ...               variables={"k": VariableInfo("K", "stock", "ideas")}, n_runs=None)
        >>> ax = res.plot("K")
        >>> ax.get_ylabel(), ax.get_title()
        ('K (ideas)', 'K')
        """
        from ._plotting import plot_results

        return plot_results(self, names, ax=ax, runs=runs, line_kwargs=line_kwargs)

    def plot_network(self, name: str, times: Iterable[float] | None = None, **options: Any) -> Figure:
        """Draw a variable over a network as node colours on the graph, at several times (small multiples).

        See :func:`sysdyn.network.plot_network` for ``options`` (``run``,
        ``pos``, ``cmap``, ``labels``...).  Returns the matplotlib Figure.

        Examples
        --------
        >>> import networkx as nx, sysdyn as sd
        >>> m = sd.Model("m", stop=4); team = m.network("team", nx.cycle_graph(6))
        >>> m.stock("K[team]", initial={0: 6}, inflows=["s[team]"]); m.flow("s[team]", "0.3 * DIFFUSION(K)")
        >>> fig = m.run().plot_network("K", times=[0, 2, 4])
        >>> len(fig.axes)  # three panels and the colour bar
        4
        """
        from .network.plotting import plot_network

        return plot_network(self, name, times, **options)

    def animate_network(self, name: str, **options: Any) -> FuncAnimation:
        """Animate a variable over a network (node colours over time); a matplotlib FuncAnimation.

        It plays in notebooks as it is; see :func:`sysdyn.network.animate_network` for ``options``.

        Examples
        --------
        >>> import networkx as nx, sysdyn as sd
        >>> m = sd.Model("m", stop=4); team = m.network("team", nx.cycle_graph(6))
        >>> m.stock("K[team]", initial={0: 6}, inflows=["s[team]"]); m.flow("s[team]", "0.3 * DIFFUSION(K)")
        >>> anim = m.run().animate_network("K", frames=3)
        >>> "<script" in anim._repr_html_()   # how a notebook shows it: a JavaScript player
        True
        """
        from .network.plotting import animate_network

        return animate_network(self, name, **options)

    def plot_nodes(self, name: str, nodes: Iterable[Any] | None = None, **options: Any) -> Axes:
        """Per-node time series of a variable over a network (bands over the nodes when there are many).

        See :func:`sysdyn.network.plot_nodes`.

        Examples
        --------
        >>> import networkx as nx, sysdyn as sd
        >>> m = sd.Model("m", stop=4); team = m.network("team", nx.cycle_graph(6))
        >>> m.stock("K[team]", initial={0: 6}, inflows=["s[team]"]); m.flow("s[team]", "0.3 * DIFFUSION(K)")
        >>> len(m.run().plot_nodes("K").get_lines())
        6
        """
        from .network.plotting import plot_nodes

        return plot_nodes(self, name, nodes, **options)

    # -- display --------------------------------------------------------------------------------

    def _heading(self) -> str:
        what = f"Results of {self.model_name!r}" if self.model_name else "Results"
        runs = "single run" if self._n_runs is None else f"ensemble of {self._n_runs} runs"
        method = f"method {self.method!r}, " if self.method else ""
        units = f" {self.time_units}" if self.time_units else ""
        span = f"time {self._time[0]:g} to {self._time[-1]:g}{units} ({len(self._time)} save points)"
        return f"{what} ({method}{runs}), {span}"

    def __repr__(self) -> str:
        """A short summary.

        Examples
        --------
        >>> Results(time=np.arange(3.0), data={"k": np.array([1.0, 2.0, 3.0])},
        ...         variables={"k": VariableInfo("K", "stock")}, n_runs=None, method="euler")
        <Results (method 'euler', single run), time 0 to 2 (3 save points); 1 variable: K>
        """
        names = list(self.names)
        shown = ", ".join(names[:10]) + (f", ... ({len(names) - 10} more)" if len(names) > 10 else "")
        return f"<{self._heading()}; {len(names)} variable{'s' if len(names) != 1 else ''}: {shown}>"

    def _repr_html_(self) -> str:
        from ._plotting import results_html

        return results_html(self)
