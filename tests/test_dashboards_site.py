"""The built site: escaped, offline, provenance on every page, and empty sections that say why."""

import json
import re

from click.testing import CliRunner

from tests.dashboards_fixture import EVIL_FILE, EVIL_MODEL, EVIL_TENANT, built_site, make_warehouse
from tracefit.cli import cli

SCRIPT_SRC = re.compile(r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*\"?([^\" >]+)", re.I)


def _pages(kind: str) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(built_site(kind).glob("*.html"))}


def test_one_page_per_section_plus_index():
    assert set(_pages("hostile")) == {
        "index.html",
        "overview.html",
        "lengths.html",
        "seasonality.html",
        "latency.html",
        "concurrency.html",
        "tenants.html",
        "recommendations.html",
    }
    assert "recommendations.html" not in _pages("bare")  # no --plan, no page (the index says how)
    assert "tracefit recommend" in _pages("bare")["index.html"]


def test_log_strings_never_appear_as_markup():
    pages = _pages("hostile")
    for name, text in pages.items():
        for payload in (EVIL_TENANT, EVIL_MODEL, "<b>day</b>", "<img src=x", "alert(3)</script>"):
            assert payload not in text, f"{name} holds {payload!r} unescaped"
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages["tenants.html"]  # shown, as text
    assert "&lt;script&gt;alert(3)&lt;/script&gt;" in pages["recommendations.html"]  # plan reasons too
    assert (
        EVIL_FILE.rsplit("/", 1)[-1].replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        in pages["index.html"]
    )


def test_specs_are_json_the_browser_can_parse_back():
    text = _pages("hostile")["tenants.html"]
    blobs = re.findall(r'<script type="application/json" data-chart="[^"]+">(.*?)</script>', text, re.S)
    assert blobs and all(json.loads(b) for b in blobs)
    assert any(EVIL_TENANT in json.dumps(json.loads(b), ensure_ascii=False) for b in blobs)


def test_pages_load_nothing_from_the_network():
    site = built_site("hostile")
    for name, text in _pages("hostile").items():
        sources = SCRIPT_SRC.findall(text)
        assert sources, name
        for src in sources:
            assert not re.match(r"(?i)(https?:)?//", src), f"{name} loads {src}"
            assert src.endswith(".html") or (site / src).is_file(), f"{name}: {src} is missing"
    bundle = (site / "assets" / "vega-bundle.js").read_text()
    assert "vegaEmbed" in bundle and len(bundle) > 100_000


def test_every_page_says_when_from_what_and_which_runs():
    for name, text in _pages("bare").items():
        assert "Generated " in text and "wh.duckdb" in text and "ingest runs: #1" in text, name


def test_sections_without_data_say_why():
    bare = _pages("bare")
    assert bare["latency.html"].count("carry no latencies") >= 3
    assert "class=chart" not in bare["latency.html"] and "data-chart=" not in bare["latency.html"]
    assert "carry no tenant field" in bare["tenants.html"] and "no prefix block ids" in bare["tenants.html"]


def test_cli_json_and_images(tmp_path):
    db = make_warehouse(tmp_path / "wh.duckdb", latency=False)
    out = tmp_path / "site"
    result = CliRunner().invoke(cli, ["dashboard", "--db", str(db), "--out", str(out), "--svg", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["pages"][0] == "index.html" and report["charts"] == len(report["images"]) > 0
    assert all((out / image).read_text().startswith("<svg") for image in report["images"])


def test_cli_explains_a_missing_warehouse(tmp_path):
    result = CliRunner().invoke(cli, ["dashboard", "--db", str(tmp_path / "none.duckdb"), "--out", str(tmp_path)])
    assert result.exit_code == 1 and "no warehouse here" in result.output


def test_mined_tables_are_used_where_present():
    pages = _pages("hostile")
    assert "mined models: small-model" in pages["index.html"]
    assert "1: daily 09" in pages["seasonality.html"]  # regime labels from mined_regimes
    assert '"kind":"spike"' in pages["latency.html"]  # change point drawn on the drift chart
    assert "hit_rate" in pages["tenants.html"] and "part of mining" not in pages["tenants.html"]


def test_plan_page_explains_the_replica_scaler():
    from dashboards.sections_plan import recommendations

    plan = {
        "windows": [],
        "autoscale": {
            "interval_s": 900.0,
            "lookback_s": 3600.0,
            "bucket_s": 900.0,
            "quantile": 0.99,
            "ratio": 2.3348,
            "intervals": 667,
        },
    }
    caption = next(b.caption for b in recommendations(plan).blocks if getattr(b, "name", "") == "replica_schedule")
    assert "ceil(2.3348 × the busiest 15-min request rate of the last 60 min" in caption and "667" in caption
    plan["windows"] = [{"autoscale": {"rps_per_replica": 2.5, "load_per_replica": 0.6}}]  # --scale-on load
    caption = next(b.caption for b in recommendations(plan).blocks if getattr(b, "name", "") == "replica_schedule")
    assert "the busiest 15-min engine load (prompt and output tokens/s" in caption
    assert "÷ the window's busy s/s per replica" in caption
    assert not next(
        b.caption for b in recommendations({"windows": []}).blocks if getattr(b, "name", "") == "replica_schedule"
    )
