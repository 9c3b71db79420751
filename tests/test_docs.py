"""The README documents every command, and its CLI reference matches --help (sqlite-utils style)."""

from pathlib import Path

from click.testing import CliRunner

from tracefit.cli import cli
from tracefit.reference import BEGIN, END, commands, help_text, reference

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def test_every_command_is_in_the_readme():
    missing = [path for path, _ in commands() if f"### `{path}`" not in README]
    assert not missing, f"undocumented commands {missing}: run `make readme`"


def test_reference_matches_help():
    current = README[README.index(BEGIN) : README.index(END) + len(END)]
    assert current == reference(), "README CLI reference is stale: run `make readme`"


def test_every_command_has_an_example():
    lacking = [path for path, cmd in commands() if "Example" not in (cmd.help or "")]
    assert not lacking, f"commands without an example in --help: {lacking}"


def test_readme_shows_the_two_commands():
    assert "make demo" in README and "make test" in README


def test_reference_shows_what_the_user_sees():
    # each section is the command's own --help, usage line included ("tracefit profile measure ...")
    for path, command in commands():
        shown = CliRunner().invoke(cli, [*path.split()[1:], "--help"], prog_name="tracefit").output
        assert help_text(path, command).splitlines()[0] == shown.splitlines()[0], path
