"""The README documents every command, and its CLI reference matches --help (sqlite-utils style)."""

from pathlib import Path

from tracefit.reference import BEGIN, END, commands, reference

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def test_every_command_is_in_the_readme():
    missing = [path for path, _ in commands() if f"### `{path}`" not in README]
    assert not missing, f"undocumented commands {missing}: run `make readme`"


def test_reference_matches_help():
    current = README[README.index(BEGIN):README.index(END) + len(END)]
    assert current == reference(), "README CLI reference is stale: run `make readme`"


def test_every_command_has_an_example():
    lacking = [path for path, cmd in commands() if "Example" not in (cmd.help or "")]
    assert not lacking, f"commands without an example in --help: {lacking}"


def test_readme_shows_the_two_commands():
    assert "make demo" in README and "make test" in README
