"""Page markup. Everything from the data is escaped: log strings are text, never markup.

Chart specs travel as JSON inside <script type="application/json"> with <, > and & written as
\\u003c, \\u003e, \\u0026, so no string in a spec can close the script element.
"""

import html
import json
from dataclasses import dataclass, field

import altair as alt

STYLE = """
body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{background:#1d2330;color:#fff;padding:12px 28px}header a{color:#cfd8ea;margin-right:16px;text-decoration:none}
header a.here{color:#fff;font-weight:600;border-bottom:2px solid #7aa2f7}
main{max-width:1180px;margin:0 auto;padding:8px 28px 40px}h1{margin:18px 0 4px}
.prov{color:#5b6475;font-size:13px;margin:0 0 18px}.card{background:#fff;border-radius:8px;padding:16px 18px;
margin:14px 0;box-shadow:0 1px 3px rgba(0,0,0,.08);overflow-x:auto}.card h2{font-size:17px;margin:0 0 8px}
.empty{color:#8a5a00;background:#fff8e6;border-left:4px solid #f0b400;padding:10px 14px}
.caption{color:#5b6475;font-size:13px;margin:6px 0 0}table{border-collapse:collapse;font-size:13px}
td,th{padding:4px 10px;border-bottom:1px solid #e4e7ec;text-align:right;vertical-align:top}
td:first-child,th:first-child{text-align:left}td.text{text-align:left}ul.reasons{margin:0;padding-left:18px;text-align:left}
.tiles{display:flex;flex-wrap:wrap;gap:12px}.tile{background:#fff;border-radius:8px;padding:12px 16px;min-width:150px;
box-shadow:0 1px 3px rgba(0,0,0,.08)}.tile b{display:block;font-size:22px}a.tile{color:inherit;text-decoration:none;max-width:340px}a.tile b{font-size:18px;color:#2b59c3}.tile span{color:#5b6475;font-size:13px}
footer{color:#5b6475;font-size:12px;text-align:center;padding:18px}
"""

BOOT = """
document.querySelectorAll('script[type="application/json"][data-chart]').forEach(function (el) {
  var target = document.getElementById(el.getAttribute('data-chart'));
  vegaEmbed(target, JSON.parse(el.textContent), {actions: false, renderer: 'svg'})
    .then(function () { target.setAttribute('data-rendered', 'true'); })
    .catch(function (err) {
      target.setAttribute('data-rendered', 'error');
      target.textContent = 'This chart could not be drawn: ' + err;
      console.error(err);
    });
});
"""


@dataclass(frozen=True, slots=True, kw_only=True)
class Figure:
    name: str  # file-name stem for --png/--svg, [a-z0-9_]
    title: str
    chart: alt.TopLevelMixin | None = None
    why: str | None = None  # shown instead of the chart when there is nothing to draw
    caption: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Table:
    title: str
    columns: list[str]
    rows: list[dict]
    caption: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Tiles:
    items: list[tuple[str, str]]  # (value, label)


@dataclass(frozen=True, slots=True, kw_only=True)
class Links:
    items: list[tuple[str, str, str]]  # (page slug, title, one-line summary)


@dataclass(frozen=True, slots=True, kw_only=True)
class Page:
    slug: str  # file name without .html
    title: str
    intro: str = ""
    blocks: list = field(default_factory=list)

    @property
    def figures(self) -> list[Figure]:
        return [b for b in self.blocks if isinstance(b, Figure) and b.chart is not None]


def esc(value) -> str:
    return html.escape("—" if value is None else str(value), quote=True)


def script_json(spec: dict) -> str:
    text = json.dumps(spec, separators=(",", ":"), allow_nan=False, default=str)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def cell(value) -> str:
    if isinstance(value, list):
        return "<ul class=reasons>" + "".join(f"<li>{esc(v)}</li>" for v in value) + "</ul>"
    if isinstance(value, float):
        return esc(f"{value:.4g}" if abs(value) < 1000 else f"{value:,.0f}")
    if isinstance(value, int) and not isinstance(value, bool):
        return esc(f"{value:,}")
    return esc(value)


def chart_spec(chart: alt.TopLevelMixin) -> dict:
    """The chart's Vega-Lite spec with its data inline. Altair's 5,000-row cap guards notebooks; a page
    embeds each chart's rows once, and a 14-day demo's hourly overview already has 6,048."""
    with alt.data_transformers.disable_max_rows():
        return chart.to_dict()


def render_block(block, index: int) -> str:
    if isinstance(block, Tiles):
        tiles = "".join(f"<div class=tile><b>{esc(v)}</b><span>{esc(k)}</span></div>" for v, k in block.items)
        return f"<div class=tiles>{tiles}</div>"
    if isinstance(block, Links):
        cards = "".join(
            f'<a class=tile href="{esc(slug)}.html"><b>{esc(title)}</b><span>{esc(note)}</span></a>'
            for slug, title, note in block.items
        )
        return f"<div class=tiles>{cards}</div>"
    if isinstance(block, Table):
        head = "".join(f"<th>{esc(c).replace('_', '_<wbr>')}</th>" for c in block.columns)  # wrap long names
        body = "".join(
            "<tr>"
            + "".join(
                f"<td class={'text' if isinstance(r.get(c), (str, list)) else 'num'}>{cell(r.get(c))}</td>"
                for c in block.columns
            )
            + "</tr>"
            for r in block.rows
        )
        caption = f"<p class=caption>{esc(block.caption)}</p>" if block.caption else ""
        return f"<section class=card><h2>{esc(block.title)}</h2><table><tr>{head}</tr>{body}</table>{caption}</section>"
    caption = f"<p class=caption>{esc(block.caption)}</p>" if block.caption else ""
    if block.chart is None:
        return (
            f"<section class=card><h2>{esc(block.title)}</h2>"
            f"<p class=empty>No chart: {esc(block.why or 'no data')}</p>{caption}</section>"
        )
    div = f"chart-{index}"
    return (
        f"<section class=card><h2>{esc(block.title)}</h2><div class=chart id={div}></div>"
        f'<script type="application/json" data-chart="{div}">{script_json(chart_spec(block.chart))}</script>'
        f"{caption}</section>"
    )


def render_page(page: Page, nav: list[tuple[str, str]], provenance: str, script_src: str) -> str:
    links = "".join(
        f'<a href="{esc(slug)}.html"{" class=here" if slug == page.slug else ""}>{esc(title)}</a>'
        for slug, title in nav
    )
    blocks = "".join(render_block(b, i) for i, b in enumerate(page.blocks))
    intro = f"<p>{esc(page.intro)}</p>" if page.intro else ""
    return (
        f"<!doctype html><html lang=en><head><meta charset=utf-8>"
        f'<meta name=viewport content="width=device-width,initial-scale=1">'
        f"<title>{esc(page.title)} · tracefit</title><style>{STYLE}</style></head><body>"
        f"<header><nav>{links}</nav></header><main><h1>{esc(page.title)}</h1>"
        f"<p class=prov>{esc(provenance)}</p>{intro}{blocks}</main>"
        f"<footer>{esc(provenance)}</footer>"
        f'<script src="{esc(script_src)}"></script><script>{BOOT}</script></body></html>'
    )
