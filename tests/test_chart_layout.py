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


@pytest.mark.parametrize("make", [plots.territory_chart, plots.summit_day_chart, plots.offer_chart,
                                  plots.verdicts_chart, plots.deadlines_chart],
                         ids=["territory", "summit day", "offer", "verdicts", "deadlines"])
def test_every_chart_title_lies_inside_the_figure(make):
    """A title centred on axes that long tick labels push right was cut at the PNG's edge."""
    chart = make()
    plots.png_bytes(chart)  # drawn as it is saved
    renderer = chart.fig._get_renderer()
    titles = plots.titles_of(chart.fig)
    assert titles, "the chart has no title to check"
    for title in titles:
        box, fig = title.get_window_extent(renderer), chart.fig.bbox
        assert fig.x0 <= box.x0 and box.x1 <= fig.x1 and fig.y0 <= box.y0 and box.y1 <= fig.y1, (title.get_text(), box)
        # wrapped, never shortened: every word of the chart's title is still there
        assert " ".join(title.get_text().split()) == " ".join(chart.title.split())
