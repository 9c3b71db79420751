"""Write the static site: index.html, one page per section, and the Vega JavaScript beside them."""

import functools
from dataclasses import dataclass
from pathlib import Path

import altair as alt
import vl_convert as vlc

from dashboards import sections
from dashboards.data import SiteData
from dashboards.export import write_images
from dashboards.html import Links, Page, Table, Tiles, render_page
from dashboards.plan import capacity as plan_capacity
from dashboards.sections_plan import recommendations
from dashboards.sections_report import report_blocks

SCRIPT = "assets/vega-bundle.js"  # Vega, Vega-Lite and vega-embed, from vl-convert's bundled copies


@dataclass(frozen=True, slots=True, kw_only=True)
class SiteResult:
    out: Path
    pages: list[str]  # file names, index.html first
    charts: int
    images: list[str]

    def to_dict(self) -> dict:
        return {"out": str(self.out), "pages": self.pages, "charts": self.charts, "images": self.images}


@functools.cache
def vega_bundle() -> str:
    """One offline script defining window.vegaEmbed / vega / vegaLite for altair's Vega-Lite version."""
    major_minor = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
    return vlc.javascript_bundle(vl_version=major_minor)


def provenance_line(data: SiteData) -> str:
    p = data.provenance
    runs = ", ".join(f"#{r['run_id']} {Path(str(r['path'])).name}" for r in p.runs.head(5).to_dicts())
    more = f" and {p.runs.height - 5} more" if p.runs.height > 5 else ""
    return (
        f"Generated {p.generated_at} from warehouse {p.warehouse} · ingest runs: {runs or 'none'}{more}"
        f" · mined models: {', '.join(p.mined_models) or 'none'}"
    )


def all_pages(data: SiteData) -> list[Page]:
    capacity = kv_capacity = None
    if data.plan is not None:
        capacity, kv_capacity = plan_capacity(data.plan), plan_capacity(data.plan, "kv_capacity_tokens")
    pages = [
        sections.overview(data),
        sections.lengths(data),
        sections.seasonality(data),
        sections.latency(data),
        sections.concurrency(data, capacity, kv_capacity),
        sections.prefix_and_tenants(data),
    ]
    if data.plan is not None:
        pages.append(recommendations(data.plan))
    return [index(data, pages)] + pages


def index(data: SiteData, pages: list[Page]) -> Page:
    links = [(p.slug, p.title, _summary(p)) for p in pages]
    if data.plan is None:
        links.append(
            (
                "index",
                "Recommendations",
                "not included: run `tracefit recommend --out plan.json`, then `tracefit dashboard --plan plan.json`",
            )
        )
    t = data.totals
    return Page(
        slug="index",
        title="tracefit dashboard",
        intro="What the request logs say, section by section.",
        blocks=[
            Tiles(
                items=[
                    (f"{t.get('requests', 0):,}", "requests"),
                    (str(t.get("models", 0)), "models"),
                    (str(t.get("tenants", 0)), "tenants"),
                    (f"{t.get('first_arrival') or '—'} → {t.get('last_arrival') or '—'}", "time span"),
                ]
            ),
            *report_blocks(data.report),
            Links(items=links),
            Table(
                title="Sources (ingest runs)",
                columns=list(data.provenance.runs.columns),
                rows=data.provenance.runs.to_dicts(),
            ),
        ],
    )


def _summary(page: Page) -> str:
    empty = sum(1 for b in page.blocks if getattr(b, "why", None))
    return f"{len(page.figures)} charts" + (f", {empty} without data (the page says why)" if empty else "")


def build_site(data: SiteData, out: Path, *, png: bool = False, svg: bool = False) -> SiteResult:
    pages = all_pages(data)
    out.mkdir(parents=True, exist_ok=True)
    (out / SCRIPT).parent.mkdir(exist_ok=True)
    _write_atomic(out / SCRIPT, vega_bundle())
    nav = [(p.slug, "Home" if p.slug == "index" else p.title) for p in pages]
    line = provenance_line(data)
    for page in pages:
        _write_atomic(out / f"{page.slug}.html", render_page(page, nav, line, SCRIPT))
    formats = tuple(f for f, on in (("png", png), ("svg", svg)) if on)
    images = write_images(pages, out / "images", formats) if formats else []
    return SiteResult(
        out=out,
        pages=[f"{p.slug}.html" for p in pages],
        charts=sum(len(p.figures) for p in pages),
        images=[str(i.relative_to(out)) for i in images],
    )


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)  # a reader (or a run killed mid-write) sees the old page or the new one, never a part


__all__ = ["SiteResult", "build_site"]
