"""A "flight simulator" for notebooks: sliders for a model's constants that re-run and re-plot it.

:func:`flight_simulator` compiles the model once, draws the chosen outputs,
and gives one slider per constant.  Moving a slider re-runs the compiled
model with the new value (no recompilation) and moves the plotted lines in
place, so an update of a workshop-sized model takes a few milliseconds.
The baseline run stays on the plot, dashed, to compare against.

The sliders are `ipywidgets <https://ipywidgets.readthedocs.io>`_, an
optional extra (``pip install "sysdyn-sim[notebooks]"``).  Without it the
simulator still works: it shows the plot, and :meth:`FlightSimulator.update`
changes the values from code.

Examples
--------
>>> from sysdyn.showcase import team_knowledge
>>> sim = flight_simulator(team_knowledge(), ["memory time", "Staff"], outputs=["Knowledge"])
>>> res = sim.update(**{"memory time": 24})
>>> round(float(res["Knowledge"][-1]), 1)
31.4
>>> sim.values["memory time"], sim.last_update_ms < 1000
(24.0, True)
"""

from __future__ import annotations

import html
import importlib.util
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .errors import ParameterError, SysdynError
from .ir import Constant, Stock
from .model import Model
from .names import canonical, closest
from .results import Results

__all__ = ["flight_simulator", "FlightSimulator", "SliderSpec", "has_widgets"]


def has_widgets() -> bool:
    """Whether ipywidgets is installed (the sliders need it; the rest does not).

    Examples
    --------
    >>> isinstance(has_widgets(), bool)
    True
    """
    return importlib.util.find_spec("ipywidgets") is not None


@dataclass(frozen=True)
class SliderSpec:
    """The range of one slider.

    Examples
    --------
    >>> SliderSpec("Staff", 0, 8, 0.08, 4).value
    4
    """

    name: str
    low: float
    high: float
    step: float
    value: float


def _did_you_mean(name: str, choices: Sequence[str]) -> str:
    hint = closest(name, list(choices))
    return f" (did you mean `{hint}`?)" if hint else ""


def _default_range(value: float) -> tuple[float, float]:
    if value > 0:
        return 0.0, 2 * value
    if value < 0:
        return 2 * value, 0.0
    return 0.0, 1.0


def _slider_specs(model: Model, params: Sequence[str] | Mapping[str, Any] | None) -> list[SliderSpec]:
    definition = model.definition
    constants = {v.key: v for v in definition.variables if isinstance(v, Constant) and not v.dimensions}
    if params is None:
        params = list(c.name for c in constants.values())
    items = params.items() if isinstance(params, Mapping) else ((p, None) for p in params)
    specs = []
    for name, bounds in items:
        key = canonical(name)
        if key not in constants:
            raise ParameterError(
                f"`{name}` is not a scalar constant of the model, so it cannot have a slider"
                + _did_you_mean(name, [c.name for c in constants.values()])
            )
        variable = constants[key]
        value = float(variable.equation)
        if bounds is None:
            low, high = _default_range(value)
            step = (high - low) / 100
        else:
            if len(bounds) not in (2, 3):
                raise ParameterError(f"the range of `{name}` must be (low, high) or (low, high, step)")
            low, high = float(bounds[0]), float(bounds[1])
            step = float(bounds[2]) if len(bounds) == 3 else (high - low) / 100
        if not (math.isfinite(low) and math.isfinite(high) and low < high and step > 0):
            raise ParameterError(f"the range of `{name}` must have low < high and a positive step")
        specs.append(SliderSpec(variable.name, low, high, step, min(max(value, low), high)))
    return specs


class FlightSimulator:
    """Sliders, a plot and a compiled model: see :func:`flight_simulator`.

    Attributes
    ----------
    values : dict
        The current value of each slider's constant.
    results : Results
        The run for the current values.
    baseline : Results
        The run for the model's own values.
    last_update_ms : float
        Wall time of the last :meth:`update` (run and redraw), in ms.
    figure, axes
        The matplotlib figure and its axes (one per output).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from sysdyn.showcase import team_knowledge
    >>> sim = flight_simulator(team_knowledge(), ["Staff"], outputs=["Knowledge", "Learning"])
    >>> sim.values, [ax.get_ylabel() for ax in sim.axes]
    ({'Staff': 4.0}, ['Knowledge (ideas)', 'Learning (ideas/month)'])
    >>> res = sim.update(Staff=8)
    >>> round(float(sim.baseline.final("Knowledge")), 2), round(float(res.final("Knowledge")), 2)
    (19.3, 32.39)
    >>> plt.close(sim.figure)
    """

    def __init__(
        self,
        model: Model,
        specs: list[SliderSpec],
        outputs: Sequence[str],
        method: str | None,
        run_options: Mapping[str, Any],
    ) -> None:
        import matplotlib.pyplot as plt

        self.model = model
        self.specs = specs
        self.outputs = list(outputs)
        self.method = method
        self.run_options = dict(run_options)
        self._compiled = model.compile()
        self.values = {s.name: float(s.value) for s in specs}
        self.baseline = self._run()
        self.results = self.baseline
        self.last_update_ms = 0.0
        for name in self.outputs:
            if name not in self.baseline:
                raise ParameterError(
                    f"`{name}` is not a variable of the model" + _did_you_mean(name, self.baseline.names)
                )
        rows = len(self.outputs)
        self.figure, axes = plt.subplots(rows, 1, figsize=(7, 2.6 * rows), sharex=True, squeeze=False)
        self.axes = list(axes[:, 0])
        self._lines = []
        time_label = f"Time ({self.baseline.time_units})" if self.baseline.time_units else "Time"
        for ax, name in zip(self.axes, self.outputs, strict=True):
            ax.plot(self.baseline.time, self.baseline[name], color="0.6", ls="--", label="baseline")
            (line,) = ax.plot(self.results.time, self.results[name], color="C0", lw=2, label="now")
            units = self.baseline.units(name)
            ax.set_ylabel(f"{name} ({units})" if units else name)
            ax.legend(loc="best", fontsize="small")
            self._lines.append(line)
        self.axes[-1].set_xlabel(time_label)
        self.figure.suptitle(model.name)
        self.figure.tight_layout()
        self._widget = None

    def _run(self) -> Results:
        return self._compiled.run(method=self.method, params=dict(self.values), **self.run_options)

    def update(self, **values: float) -> Results:
        """Set constants (by name, any spelling), re-run and redraw.

        Returns
        -------
        Results
            The new run.

        Examples
        --------
        >>> from sysdyn.showcase import team_knowledge
        >>> sim = flight_simulator(team_knowledge(), ["Staff"], outputs=["Knowledge"])
        >>> float(sim.update(Staff=8)["Knowledge"][-1]) > float(sim.baseline["Knowledge"][-1])
        True
        """
        started = time.perf_counter()
        by_key = {canonical(s.name): s.name for s in self.specs}
        for name, value in values.items():
            key = canonical(name)
            if key not in by_key:
                raise ParameterError(f"`{name}` has no slider" + _did_you_mean(name, list(by_key.values())))
            self.values[by_key[key]] = float(value)
        self.results = self._run()
        for ax, line, name in zip(self.axes, self._lines, self.outputs, strict=True):
            line.set_data(self.results.time, self.results[name])
            ax.relim()
            ax.autoscale_view()
        self.figure.canvas.draw_idle()
        self.last_update_ms = (time.perf_counter() - started) * 1000
        return self.results

    def reset(self) -> Results:
        """Go back to the model's own values.

        Examples
        --------
        >>> from sysdyn.showcase import team_knowledge
        >>> sim = flight_simulator(team_knowledge(), ["Staff"], outputs=["Knowledge"])
        >>> _ = sim.update(Staff=1); sim.reset() is not None and sim.values["Staff"]
        4.0
        """
        return self.update(**{s.name: s.value for s in self.specs})

    @property
    def widget(self) -> Any:
        """The ipywidgets box (sliders, timing line and the figure), made on first use.

        Raises
        ------
        ImportError
            When ipywidgets is not installed.
        """
        if self._widget is None:
            self._widget = self._build_widget()
        return self._widget

    def _build_widget(self) -> Any:
        import ipywidgets as widgets
        import matplotlib.pyplot as plt

        status = widgets.HTML()
        output = widgets.Output()

        def show() -> None:
            # The inline backend shows a picture of the figure, so a new picture replaces the old one;
            # an interactive backend (ipympl) redraws its canvas in place instead.
            if "inline" in plt.get_backend().lower():
                from IPython.display import display

                with output:
                    output.clear_output(wait=True)
                    display(self.figure)

        sliders = []
        for spec in self.specs:
            slider = widgets.FloatSlider(
                value=self.values[spec.name],
                min=spec.low,
                max=spec.high,
                step=spec.step,
                description=spec.name,
                continuous_update=True,
                style={"description_width": "initial"},
                layout=widgets.Layout(width="420px"),
            )

            def changed(change: dict, name: str = spec.name) -> None:
                started = time.perf_counter()
                try:
                    self.update(**{name: change["new"]})
                except SysdynError as err:  # e.g. a division by zero at this value: say so, keep the sliders
                    status.value = f"<small style='color:#b00'>{html.escape(str(err))}</small>"
                    return
                show()
                shown = (time.perf_counter() - started) * 1000
                status.value = (
                    f"<small>run and redraw {self.last_update_ms:.1f} ms, shown in {shown:.1f} ms</small>"
                )

            slider.observe(changed, names="value")
            sliders.append(slider)
        if "inline" in plt.get_backend().lower():
            plt.close(self.figure)  # shown by the widget only, not a second time by the inline backend
        with output:
            from IPython.display import display

            display(self.figure)
        return widgets.VBox([*sliders, status, output])

    def _ipython_display_(self) -> None:  # pragma: no cover - exercised in notebooks
        from IPython.display import display

        if has_widgets():
            display(self.widget)
        else:
            display(self.figure)
            print('Sliders need ipywidgets: pip install "sysdyn-sim[notebooks]". Use .update(name=value).')

    def __repr__(self) -> str:
        values = ", ".join(f"{k}={v:g}" for k, v in self.values.items())
        return f"<FlightSimulator {self.model.name!r}: {values}>"


def flight_simulator(
    model: Model,
    params: Sequence[str] | Mapping[str, Any] | None = None,
    *,
    outputs: Sequence[str] | None = None,
    method: str | None = None,
    **run_options: Any,
) -> FlightSimulator:
    """Sliders for a model's constants that re-run and re-plot it as they move.

    Parameters
    ----------
    model : Model
        The model; it is compiled once and never changed.
    params : list of names, or dict of name -> (low, high[, step]), optional
        The constants to put on sliders (scalar constants only).  A name
        without a range gets 0 to twice its value.  Default: every scalar
        constant.
    outputs : list of str, optional
        Variables to plot, one panel each.  Default: the stocks.
    method : str, optional
        Solver (default: the model's own).
    **run_options
        Passed to every run (``seed``, ``dt``, ``stop``...).

    Returns
    -------
    FlightSimulator
        Displays as sliders above the plot in a notebook (the plot alone
        without ipywidgets); :meth:`FlightSimulator.update` sets values from
        code.

    Raises
    ------
    ParameterError
        A name that is not a scalar constant, or a bad range.

    Examples
    --------
    >>> from sysdyn.showcase import team_knowledge
    >>> sim = flight_simulator(team_knowledge(), {"learning rate": (0, 1, 0.05)})
    >>> sim.outputs, [s.high for s in sim.specs]
    (['Knowledge'], [1.0])
    """
    specs = _slider_specs(model, params)
    if outputs is None:
        outputs = [v.name for v in model.definition.variables if isinstance(v, Stock)]
    if isinstance(outputs, str):
        outputs = [outputs]
    if not outputs:
        raise ParameterError("nothing to plot: name the `outputs` (the model has no stocks)")
    return FlightSimulator(model, specs, outputs, method, run_options)
