"""The README's CLI reference, generated from --help (`make readme` rewrites it; a test checks it)."""

import re
import sys
from pathlib import Path

import click

from tracefit.cli import cli

BEGIN, END = "<!-- cli-reference -->", "<!-- /cli-reference -->"


def commands(group: click.Group = cli, prefix: str = "tracefit") -> list[tuple[str, click.Command]]:
    found = []
    for name in sorted(group.list_commands(None)):
        command = group.get_command(None, name)
        found.append((f"{prefix} {name}", command))
        if isinstance(command, click.Group):
            found += commands(command, f"{prefix} {name}")
    return found


def help_text(path: str, command: click.Command) -> str:
    """`command`'s --help as a user sees it: `path` ("tracefit profile measure") gives its parents."""
    # the root context carries the group's settings (-h/--help), as when a user runs the command
    ctx = cli.make_context("tracefit", ["--help"], resilient_parsing=True)
    *groups, name = path.split()[1:]
    for group in groups:
        ctx = click.Context(ctx.command.get_command(ctx, group), info_name=group, parent=ctx)
    with click.Context(command, info_name=name, parent=ctx, terminal_width=100, max_content_width=100) as ctx:
        return command.get_help(ctx)


def reference() -> str:
    parts = [BEGIN]
    for path, command in commands():
        parts += [f"### `{path}`", "", "```", help_text(path, command), "```", ""]
    parts.append(END)
    return "\n".join(parts)


def rewrite(readme: Path) -> bool:
    text = readme.read_text()
    pattern = re.compile(re.escape(BEGIN) + ".*?" + re.escape(END), re.S)
    new = (
        pattern.sub(lambda _: reference(), text)
        if pattern.search(text)
        else text.rstrip() + "\n\n## CLI reference\n\n" + reference() + "\n"
    )
    readme.write_text(new)
    return new != text


if __name__ == "__main__":
    changed = rewrite(Path(sys.argv[1] if len(sys.argv) > 1 else "README.md"))
    print("README CLI reference " + ("updated" if changed else "already current"))
