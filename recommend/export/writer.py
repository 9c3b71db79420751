"""Write an exporter's {relative path: text} under a folder."""

from pathlib import Path

from recommend.plan import PlanError


def write_files(files: dict[str, str], out: str | Path) -> list[Path]:
    out = Path(out)
    written = []
    for rel, text in sorted(files.items()):
        path = out / rel
        if Path(rel).is_absolute() or ".." in Path(rel).parts:
            raise PlanError(f"refusing to write outside {out}: {rel}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        if path.suffix == ".sh":
            path.chmod(0o755)
        written.append(path)
    return written
