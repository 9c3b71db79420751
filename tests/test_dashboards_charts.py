"""Chart specs through to_dict(), and the plan reader's numbers and graceful degradation."""

import json
from datetime import UTC, date, datetime

import altair as alt
import polars as pl
import pytest

from dashboards import charts, charts_latency, charts_plan, plan
from dashboards.html import Figure, chart_spec, render_block, script_json
from tests.dashboards_fixture import plan_dict

HOURLY = pl.DataFrame(
    {
        "hour_ts": [datetime(2025, 3, 3, h, tzinfo=UTC) for h in (0, 0, 1)],
        "model": ["a", "b", "a"],
        "requests": [10, 4, 7],
        "prompt_tokens": [1000, 400, 700],
        "output_tokens": [100, 40, 70],
        "non_ok": [1, 0, 0],
        "non_ok_share": [0.1, 0.0, 0.0],
    }
)


def _values(spec: dict) -> list[dict]:
    return next(iter(spec["datasets"].values()))


def test_requests_over_time_is_a_line_per_model_on_utc_time():
    spec = charts.requests_over_time(HOURLY).to_dict()
    assert spec["mark"]["type"] == "line"
    assert spec["encoding"]["x"] | {"field": "hour_ts", "type": "temporal"} == spec["encoding"]["x"]
    assert spec["encoding"]["x"]["scale"]["type"] == "utc"
    assert spec["encoding"]["color"]["field"] == "model"
    assert [r["requests"] for r in _values(spec)] == [10, 4, 7]  # drawn as aggregated, nothing recomputed


def test_tokens_fold_prompt_and_output():
    spec = charts.tokens_over_time(HOURLY).to_dict()
    assert spec["transform"][0] == {"fold": ["prompt_tokens", "output_tokens"], "as": ["kind", "tokens"]}


def test_length_heatmap_facets_models_with_log_colour():
    hist = pl.DataFrame(
        {"model": ["a", "b"], "prompt_tokens_lo": [64, 128], "output_tokens_lo": [8, 16], "requests": [3, 9]}
    )
    spec = charts.length_heatmap(hist).to_dict()
    assert spec["facet"]["column"]["field"] == "model"
    assert spec["spec"]["mark"]["type"] == "rect"
    assert spec["spec"]["encoding"]["color"]["scale"]["type"] == "log"


def test_hour_of_week_orders_weekdays():
    cells = pl.DataFrame({"model": ["a"], "weekday": ["Tue"], "hour": [9], "rps_real": [2.0]})
    spec = charts.hour_of_week_heatmap(cells).to_dict()
    assert spec["spec"]["encoding"]["y"]["sort"] == charts.WEEKDAYS


def test_ttft_fit_lines_follow_intercept_plus_slope():
    sample = pl.DataFrame(
        {"model": ["a", "a"], "day": [date(2025, 3, 3)] * 2, "prompt_tokens": [100, 3000], "ttft_ms": [1.0, 2.0]}
    )
    daily = pl.DataFrame(
        {
            "model": ["a"],
            "day": [date(2025, 3, 3)],
            "ttft_ms_per_1k_prompt_tokens": [200.0],
            "ttft_ms_at_zero_prompt": [100.0],
        }
    )
    lines = charts_latency.ttft_fit_lines(sample, daily)
    # 100 ms + 200 ms per 1000 tokens: 1024 tokens -> 100 + 204.8 = 304.8 ms; last point at the largest prompt.
    assert lines.filter(pl.col("prompt_tokens") == 1024)["ttft_ms"].item() == pytest.approx(304.8)
    assert lines["prompt_tokens"].max() == 3000 and lines["ttft_ms"].max() == pytest.approx(700.0)
    spec = charts_latency.ttft_scatter(sample, daily).to_dict()
    assert [layer["mark"]["type"] for layer in spec["spec"]["layer"]] == ["circle", "line"]


def test_drift_marks_change_points_only_when_there_are_some():
    daily = pl.DataFrame({"model": ["a"], "day": [date(2025, 3, 3)], "ttft_ms_p50": [10.0], "ttft_ms_p95": [20.0]})
    points = pl.DataFrame(
        {"model": ["a"], "metric": ["ttft_ms_p95"], "day": [date(2025, 3, 3)], "kind": ["spike"], "ratio": [2.0]}
    )
    assert len(charts_latency.latency_drift(daily, points.clear()).to_dict()["layer"]) == 1
    marked = charts_latency.latency_drift(daily, points).to_dict()["layer"]
    assert marked[1]["mark"]["type"] == "rule"


def test_e2e_boxes_draw_whisker_box_and_median():
    windows = pl.DataFrame(
        {
            "model": ["a"],
            "window_label": ["00–06 UTC"],
            "window_order": [100],
            "requests": [5],
            **{f"e2e_ms_{q}": [float(i)] for i, q in enumerate(("p05", "p25", "p50", "p75", "p95"))},
        }
    )
    layers = charts_latency.e2e_boxes(windows).to_dict()["spec"]["layer"]
    assert [layer["mark"]["type"] for layer in layers] == ["rule", "bar", "tick"]


def test_roofline_points_from_the_plan():
    line, points = plan.roofline(plan_dict())
    decode = points.filter((pl.col("phase") == "decode") & (pl.col("window_label") == "weekdays 09–18"))
    # h100-sxm bf16, batch 256: intensity 2·256/2 = 256 FLOP/B; min(989.5, 3.35 TB/s · 256) = 857.6 TFLOP/s.
    assert decode["ops_per_byte"].item() == 256 and decode["tflops"].item() == pytest.approx(857.6)
    assert set(line["dtype"]) == {"bf16", "fp8"}
    spec = charts_plan.roofline(line, points).to_dict()
    assert spec["layer"][0]["encoding"]["x"]["scale"]["type"] == "log"


def test_schedule_reads_hours_and_start_end():
    cells = plan.schedule(plan_dict())
    assert cells.filter(pl.col("window_label") == "weekdays 09–18").height == 18
    weekend = cells.filter(pl.col("window_label") == "nights and weekends")
    assert weekend.height == 48 and set(weekend["weekday"]) == {"Sat", "Sun"}  # 2025-03-08 is a Saturday
    assert charts_plan.replica_schedule(cells).to_dict()["mark"]["type"] == "rect"


def test_plan_missing_keys_degrade():
    assert plan.config_rows({}) == [] and plan.schedule({}).is_empty() and plan.pareto({}).is_empty()
    assert isinstance(plan.roofline({}), str)
    assert "not in the catalog" in plan.roofline({"gpu": "abacus-9000"})
    rows = plan.config_rows({"windows": [{"predicted": {"ttft_ms": 5}}]})
    assert rows[0]["window"] == "window 1" and rows[0]["ttft_ms_p95"] == 5.0 and rows[0]["tp"] is None


def test_specs_cannot_close_their_script_element():
    text = script_json({"tenant": "</script><script>alert(1)</script>", "q": "a & b"})
    assert "<" not in text and ">" not in text and "&" not in text


def test_a_chart_over_altairs_row_cap_renders_and_the_cap_stays_for_others():
    # 6,048 rows: what a 14-day demo's overview chart held when `tracefit demo --days 14` failed on it
    frame = pl.DataFrame({"x": list(range(6048)), "y": [i % 7 for i in range(6048)]})
    chart = alt.Chart(frame).mark_line().encode(x="x:Q", y="y:Q")
    assert len(chart_spec(chart)["datasets"].popitem()[1]) == 6048
    html = render_block(Figure(name="big", title="big", chart=chart), 0)
    assert json.loads(html.split('data-chart="chart-0">')[1].split("</script>")[0])["datasets"]
    with pytest.raises(alt.MaxRowsError):  # the cap is lifted only while a page is rendered
        chart.to_dict()
