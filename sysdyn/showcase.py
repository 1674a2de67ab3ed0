"""A showcase run: ``python -m sysdyn.showcase``.

Builds the team-knowledge model (learning fills a capacity, forgetting
drains it), runs it with SciPy's RK45 and as a 1,000-run Euler ensemble over
the memory time, prints a table and saves a plot to ``team_knowledge.png``
in the current folder (or the path given as the first argument).
"""

from __future__ import annotations

import sys
import time

import numpy as np

from .model import Model

__all__ = ["team_knowledge", "main"]


def team_knowledge() -> Model:
    """The model of the README's example.

    Examples
    --------
    >>> m = team_knowledge()
    >>> round(float(m.run(method="euler")["Knowledge"][-1]), 2)
    19.3
    """
    m = Model(
        "Team knowledge",
        start=0,
        stop=50,
        dt=0.25,
        time_units="months",
        doc="Knowledge a team builds by learning and loses by forgetting.",
    )
    m.stock(
        "Knowledge",
        initial=10,
        inflows=["Learning"],
        outflows=["Forgetting"],
        units="ideas",
        doc="What the team knows.",
    )
    m.flow(
        "Learning",
        "learning_rate * Staff * (1 - Knowledge / Capacity)",
        units="ideas/month",
        doc="Learning slows as the team nears what it can hold (balancing loop).",
    )
    m.flow(
        "Forgetting", "Knowledge / memory_time", units="ideas/month", doc="Knowledge decays (balancing loop)."
    )
    m.constant("learning rate", 0.5, units="ideas/person/month")
    m.constant("Staff", 4, units="people")
    m.constant("Capacity", 100, units="ideas")
    m.constant("memory time", 12, units="months")
    m.aux("Knowledge per person", "Knowledge / Staff", units="ideas/person")
    return m


def main(argv: list[str] | None = None) -> int:
    """Run the showcase; returns the process exit code.

    ``argv`` is the command line without the program name (``sys.argv[1:]``
    by default); its first item, if any, is where the plot is saved.

    Examples
    --------
    >>> import os, tempfile
    >>> import matplotlib.pyplot as plt
    >>> tmp = tempfile.TemporaryDirectory()
    >>> main([os.path.join(tmp.name, "knowledge.png")])
    Team knowledge: RK45 run, 201 saved times
    ...
    final knowledge from 10.71 (memory 6 months) to 31.43 (memory 24 months)
    <BLANKLINE>
    plot saved to ...knowledge.png
    0
    >>> os.listdir(tmp.name)
    ['knowledge.png']
    >>> plt.close("all"); tmp.cleanup()
    """
    args = sys.argv[1:] if argv is None else argv
    out = args[0] if args else "team_knowledge.png"
    m = team_knowledge()
    res = m.run()
    df = res.to_pandas()
    print(f"{m.name}: RK45 run, {len(df)} saved times\n")
    print(df.iloc[::20].round(3).to_string())
    memory = np.linspace(6, 24, 1000)
    began = time.perf_counter()
    ens = m.run(method="euler", params={"memory time": memory})
    took = time.perf_counter() - began
    final = ens["Knowledge"][:, -1]
    print(f"\n1,000-run Euler ensemble over memory time 6..24 months in {took * 1000:.0f} ms:")
    print(f"final knowledge from {final.min():.2f} (memory 6 months) to {final.max():.2f} (memory 24 months)")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    res.plot("Knowledge", ax=axes[0])
    ens.plot("Knowledge", ax=axes[1])
    axes[1].set_title("Knowledge, 1,000 runs (memory time 6-24 months)")
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    print(f"\nplot saved to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
