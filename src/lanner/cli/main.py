"""The ``lanner`` command."""

from __future__ import annotations

import typer

from lanner.cli import flow_cmd, flow_test_cmd, plan_cmd, plugins_cmd, rollback_cmd, run_cmd, server_cmd

__all__ = ["app", "main"]

app = typer.Typer(
    name="lanner",
    help="Lanner: declarative, durable orchestration of Kestra-format YAML flows.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(flow_cmd.app, name="flow")
app.add_typer(server_cmd.app, name="server")
app.add_typer(plugins_cmd.app, name="plugins")
app.command("run")(run_cmd.run)
app.command("plan")(plan_cmd.plan)
app.command("apply")(plan_cmd.apply)
app.command("test")(flow_test_cmd.run_tests)
flow_cmd.app.command("rollback")(rollback_cmd.rollback)


def main() -> None:
    app()
