"""Drawings of causal loop diagrams: every label readable, every loop labelled inside itself."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_hex
from matplotlib.patches import FancyArrowPatch
from matplotlib.path import Path

import sysdyn as sd
from sysdyn.loops import archetypes, drawing
from sysdyn.loops.placement import half_size, wrap_label
from sysdyn.showcase import team_knowledge


def _aar() -> sd.CausalLoopDiagram:
    cld = sd.CausalLoopDiagram("After-action reviews")
    cld.link("Mistakes reviewed", "Lessons learned", "+")
    cld.link("Lessons learned", "Team capability", "+", delay=True)
    cld.link("Team capability", "Mistakes", "-")
    cld.link("Mistakes", "Mistakes reviewed", "+")
    return cld


SHIPPED = {
    **{name: factory for name, (factory, _) in archetypes.ARCHETYPES.items()},
    "After-action reviews": _aar,
    "Team knowledge (model)": lambda: team_knowledge().to_cld(),
}


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


_SCENES: dict[str, tuple] = {}


def _scene(name: str):
    """The diagram, its loops and its composed drawing (computed once per test session)."""
    if name not in _SCENES:
        cld = SHIPPED[name]()
        loops = drawing._short_loops(cld)
        _SCENES[name] = (cld, loops, drawing._best_scene(cld, None, loops, loops[:12]))
    return _SCENES[name]


def _extents(fig):
    """Window extents of every text (with its box, if it has one)."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    out = []
    for t in fig.axes[0].texts:
        patch = t.get_bbox_patch()
        box = patch.get_window_extent(renderer) if patch is not None else t.get_window_extent(renderer)
        out.append((t.get_text(), box))
    return out


@pytest.mark.parametrize("name", list(SHIPPED))
def test_shipped_drawings_have_no_overlapping_labels(name):
    cld = SHIPPED[name]()
    fig = cld.draw()
    extents = _extents(fig)
    width, height = fig.canvas.get_width_height()
    for i, (text, box) in enumerate(extents):
        assert box.x0 >= 0 and box.y0 >= 0 and box.x1 <= width and box.y1 <= height, f"{text!r} off the page"
        for other, box2 in extents[i + 1 :]:
            assert not box.overlaps(box2), f"{text!r} overlaps {other!r} in {name}"
    texts = [t for t, _ in extents]
    assert texts.count("||") == sum(lk.delay for lk in cld.links)
    assert sum(t in ("+", "\u2212", "?") for t in texts) == len(cld.links)
    assert sorted(t for t in texts if t in {lp.name for lp in cld.loops()}) == sorted(
        lp.name for lp in cld.loops()
    )


@pytest.mark.parametrize("name", list(SHIPPED))
def test_loop_labels_sit_inside_their_loops_and_links_miss_other_boxes(name):
    cld, _, scene = _scene(name)
    graph = cld.graph
    half = {v: half_size(wrap_label(graph.nodes[v]["label"])) for v in graph.nodes}
    for lp, spot, _ in scene.loop_spots:
        ring = drawing._ring(lp, scene.curves, scene.pos)
        assert Path(ring).contains_point(spot), f"{lp.name} is outside its loop in {name}"
    for (a, b), (pts, _) in scene.curves.items():
        assert len(pts) >= 3
        for v in graph.nodes:
            if v not in (a, b):
                inside = np.all(np.abs(pts - scene.pos[v]) < half[v], axis=1)
                assert not inside.any(), f"the link {a} -> {b} runs through {v} in {name}"


def test_two_variable_loops_bow_apart_and_loops_bow_outward():
    scene = _scene("Limits to Growth")[2]
    # the two links of a two-variable loop bend to opposite sides of the line between their variables
    (_, rad_ab), (_, rad_ba) = (
        scene.curves[("efforts", "performance")],
        scene.curves[("performance", "efforts")],
    )
    assert rad_ab > 0 and rad_ba > 0  # each to its own left: opposite sides
    aar = _scene("After-action reviews")[2]
    centre = np.mean(list(aar.pos.values()), axis=0)
    for (a, b), (pts, _) in aar.curves.items():
        chord_mid = (aar.pos[a] + aar.pos[b]) / 2
        curve_mid = pts[len(pts) // 2]
        assert np.linalg.norm(curve_mid - centre) > np.linalg.norm(chord_mid - centre)


def test_highlight_greys_everything_but_the_loop():
    cld = archetypes.shifting_the_burden()
    fig = cld.draw(highlight="R1")
    loop = cld.loops()["R1"]
    arrows = [p for p in fig.axes[0].patches if isinstance(p, FancyArrowPatch)]
    colours = [to_hex(p.get_edgecolor()) for p in arrows]
    assert colours.count(drawing._ACCENT) == loop.length + 1  # its links and its label's circular arrow
    assert colours.count(drawing._LIGHT) == len(cld.links) - loop.length
    labels = [t.get_text() for t in fig.axes[0].texts if t.get_text() in {"R1", "B1", "B2"}]
    assert labels == ["R1"]
    bold = {
        t.get_text().replace("\n", " ")
        for t in fig.axes[0].texts
        if t.get_fontweight() == "bold" and len(t.get_text()) > 2
    }
    assert bold == set(loop.variables)
    same = cld.draw(highlight=loop)
    assert [t.get_text() for t in same.axes[0].texts] == [t.get_text() for t in fig.axes[0].texts]


def test_drawing_into_axes_and_to_files(tmp_path):
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 5))
    assert archetypes.fixes_that_fail().draw(ax=left) is fig
    archetypes.escalation().draw(ax=right, loop_labels=0, path=tmp_path / "pair.svg")
    assert [t.get_text() for t in right.texts if t.get_text() in ("B1", "B2")] == []
    assert (tmp_path / "pair.svg").read_text().startswith("<?xml")
    empty = sd.CausalLoopDiagram("empty").draw()
    assert empty.axes[0].get_title() == "empty"
    single = sd.CausalLoopDiagram("one", [("Self-doubt", "Self-doubt", "+")]).draw()
    assert "R1" in [t.get_text() for t in single.axes[0].texts]


def test_layout_is_deterministic():
    first = _scene("Tragedy of the Commons")[2].pos
    again = drawing.layout(archetypes.tragedy_of_the_commons())
    assert first.keys() == again.keys()
    for key in first:
        np.testing.assert_array_equal(first[key], again[key])


def test_titles_from_a_model_doc_give_a_key_and_name_the_highlighted_loop():
    m = sd.models.load("capability_trap")
    fig = m.to_cld().draw(titles=m.doc, highlight="Reinvestment")
    assert [t.get_text() for t in fig.texts] == ["R2  Reinvestment"]
    assert "R2" in [t.get_text() for t in fig.axes[0].texts]
    key_top = fig.texts[0].get_window_extent().y1
    assert key_top < fig.axes[0].get_window_extent().y0  # the key sits under the diagram
    plt.close(fig)
    fig = sd.models.load("limits_to_growth").to_cld().draw(titles={"R1": "Growth", "B1": "Limit"})
    assert fig.texts[0].get_text() == "B1  Limit\nR1  Growth"
    plt.close(fig)
