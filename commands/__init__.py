"""The `flask` CLI commands of Kontor, one module per area."""

from flask import Flask


def register_all(app: Flask) -> None:
    from commands.amazon import amazon_cli
    from commands.datev import datev_cli
    from commands.demo import demo_command
    from commands.jobs import jobs_cli
    from commands.mailsink import mailsink_cli
    from commands.rates import rates_cli
    from commands.reports import reports_cli
    from commands.sandbox import sandbox_cli
    from commands.tokens import tokens_cli
    from commands.users import users_cli

    for command in (
        users_cli,
        demo_command,
        jobs_cli,
        mailsink_cli,
        rates_cli,
        reports_cli,
        datev_cli,
        sandbox_cli,
        tokens_cli,
        amazon_cli,
    ):
        app.cli.add_command(command)
