"""The README lists every log format in the registry, with its example command."""

from pathlib import Path

from ingest.formats import FORMATS

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def test_every_format_is_listed_with_its_example():
    table = README[README.index("### Log formats") :]
    missing = [f.name for f in FORMATS.values() if f"| `{f.name}` |" not in table or f"`{f.example}`" not in table]
    assert not missing, f"README 'Log formats' lacks {missing}"
