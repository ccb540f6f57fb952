"""The `workbench` command: the library's verbs for the terminal.

Each command that produces results takes `--json` and then prints exactly one
JSON document on stdout; messages and progress go to stderr. Expected failures
exit 1 with one line on stderr, never a traceback.
"""

from __future__ import annotations

import sys

import click

from workbench.errors import WorkbenchError
from workbench.workspace import Workspace


def one_line(exc: Exception) -> str:
    """The message on one line; DuckDB's "Did you mean ..." hint is kept."""
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    hints = [ln for ln in lines[1:] if ln.startswith("Did you mean")]
    return " ".join(lines[:1] + hints)


class _Group(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except WorkbenchError as exc:
            click.echo(f"error: {one_line(exc)}", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("Cancelled: nothing was half-done.", err=True)
            sys.exit(130)


@click.group(cls=_Group)
@click.option(
    "--home",
    type=click.Path(file_okay=False),
    envvar="WORKBENCH_HOME",
    help="Workspace folder (default: WORKBENCH_HOME, else the project's data/).",
)
@click.version_option(package_name="workbench")
@click.pass_context
def main(ctx: click.Context, home: str | None) -> None:
    """Workbench: pull data into DuckDB, see what is dirty, clean it, query it."""
    ctx.obj = Workspace(home)


def register() -> None:
    from workbench.cli import basic, clean, dedupe, kaggle, profile, sql

    for module in (basic, sql, clean, dedupe, kaggle, profile):
        for command in module.COMMANDS:
            main.add_command(command)


register()
