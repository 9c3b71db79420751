"""Charts as images (--png/--svg) through vl-convert, for slides and e-mail."""

from pathlib import Path

import vl_convert as vlc

from dashboards.html import Page, chart_spec


def write_images(pages: list[Page], folder: Path, formats: tuple[str, ...]) -> list[Path]:
    """Write every chart of every page as folder/<page>-<chart>.<format>; returns the paths."""
    written = []
    folder.mkdir(parents=True, exist_ok=True)
    for page in pages:
        for fig in page.figures:
            spec = chart_spec(fig.chart)
            for fmt in formats:
                path = folder / f"{page.slug}-{fig.name}.{fmt}"
                if fmt == "svg":
                    path.write_text(vlc.vegalite_to_svg(spec))
                else:
                    path.write_bytes(vlc.vegalite_to_png(spec, scale=2))
                written.append(path)
    return written
