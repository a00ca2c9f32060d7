"""Chart text stays inside the picture: no label cut at the figure's edge or crossed by an axis line."""
from __future__ import annotations

import pytest
from matplotlib.text import Annotation

from summit_lessons import plots


def _annotations(chart: plots.Chart) -> list[tuple[str, object, object]]:
    plots.png_bytes(chart)  # lay the figure out as it is saved
    renderer = chart.fig._get_renderer()
    axes = chart.fig.axes[0].get_window_extent(renderer)
    return [(a.get_text(), a.get_window_extent(renderer), axes) for a in chart.fig.findobj(Annotation)]


@pytest.mark.parametrize("make", [plots.summit_day_chart, plots.deadlines_chart], ids=["summit day", "deadlines"])
def test_every_label_lies_inside_the_plot_area(make):
    chart = make()
    found = _annotations(chart)
    assert found, "the chart has no labels to check"
    for text, box, axes in found:
        # Inside the axes: not past the figure's edge, and the y-axis line never runs through it.
        assert axes.x0 <= box.x0 and box.x1 <= axes.x1, (text, box, axes)
        assert box.x1 <= chart.fig.bbox.x1, text


def test_summit_day_labels_are_never_shortened():
    chart = plots.summit_day_chart()
    shown = " ".join(" ".join(t.split()) for t, _, _ in _annotations(chart))
    timed = chart.table[chart.table["approximate"] != "—"]["event"]
    for name in timed:
        assert name in shown, name  # "… shake hands on…" was cut off
    assert "…" not in shown


def test_summit_day_table_caption_says_it_holds_the_untimed_events_too():
    chart = plots.summit_day_chart()
    assert (chart.table["approximate"] == "—").any(), "no untimed event in the data to check"
    assert "every event" in chart.caption and "time not given" in chart.caption
