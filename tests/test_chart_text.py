"""Data text reaches matplotlib as plain text: a "$" is a dollar sign, never mathtext."""
from __future__ import annotations

import pytest
from matplotlib.text import Text

import tinydata
from summit_lessons import plots

BROKEN = r"Zone $\frac{1}{$ east"
MONEY = "US$5bn then US$10bn"


@pytest.fixture(scope="module")
def dollars(tmp_path_factory):
    t = tinydata.TABLES
    tables = {
        "territory": t["territory"].replace("Area A", BROKEN).replace("Area B", MONEY),
        "offer_terms": t["offer_terms"].replace("Withdraw from the rest of a region", MONEY)
                                        .replace("Freeze the front line in two regions", BROKEN),
        "events": t["events"].replace("Air Force One lands", MONEY).replace("Talks begin", BROKEN)
                             .replace("Agree a ceasefire", MONEY),
        "deadlines": t["deadlines"].replace("Agree a ceasefire", BROKEN).replace("The leaders met instead.", MONEY),
    }
    return tinydata.frames(tinydata.write(tmp_path_factory.mktemp("dollars") / "data", tables))


def _charts(f):
    return {
        "territory": plots.territory_chart(f["territory"]),
        "offer": plots.offer_chart(f["offer_terms"]),
        "summit day": plots.summit_day_chart(f["events"]),
        "deadlines": plots.deadlines_chart(f["deadlines"], f["events"]),
    }


def test_dollar_signs_render_literally_in_every_chart(dollars):
    for name, chart in _charts(dollars).items():
        png = plots.png_bytes(chart)  # raised ValueError for BROKEN while mathtext was on
        assert png.startswith(b"\x89PNG"), name
        texts = [t for t in chart.fig.findobj(Text) if "$" in t.get_text()]
        assert texts, f"{name}: the test data did not reach the chart"
        for t in texts:
            # what the renderer uses: (text, is_math); False means drawn character by character
            shown, is_math = t._preprocess_math(t.get_text())
            assert is_math is False and shown == t.get_text(), (name, t.get_text())
