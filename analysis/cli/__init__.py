"""The ``channelsim`` command line: one ``app`` with every command registered here.

Commands are plain functions in ``commands``, ``studies``, ``calibrate`` and
``fit_choice``; each parses its options, calls one function of ``analysis`` or ``sim`` and
prints. Errors are one line on stderr and exit status 2 (``main``).
"""

from __future__ import annotations

import sys

import typer

from analysis.cli import calibrate, client, commands, fit_choice, pilot, studies
from analysis.cli.help import PlainCommand, PlainGroup

app = typer.Typer(
    cls=PlainGroup,
    help="channelsim: stress-test a sales-channel strategy before rollout.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
COMMANDS = {
    "validate": commands.validate,
    "run": commands.run,
    "compare": commands.compare,
    "report": commands.report,
    "diagnose": commands.diagnose,
    "dashboard": commands.dashboard,
    "sweep": studies.sweep,
    "sensitivity": studies.sensitivity,
    "discover": studies.discover,
    "optimize": studies.optimize,
    "breakeven": studies.breakeven,
    "pilot-design": pilot.pilot_design,
    "calibrate": calibrate.calibrate,
    "init": client.init,
    "fit-roster": client.fit_roster,
    "fit-choice": fit_choice.fit_choice,
}
for _name, _command in COMMANDS.items():
    app.command(_name, cls=PlainCommand)(_command)


def usage_line(exc) -> str:
    """A usage error of the command line (bad option, missing argument) as one line."""
    ctx = getattr(exc, "ctx", None)
    where = ctx.command_path if ctx is not None else "channelsim"
    message = " ".join(exc.format_message().split()).replace("Input should be", "must be")
    return f"{where}: {message} (see {where} --help)"


def _click_exceptions():
    """Click's exception module (Typer >= 0.24 carries its own copy of Click)."""
    try:
        from typer._click import exceptions
    except ImportError:  # an older Typer on the real Click
        from click import exceptions
    return exceptions


def main(args: list[str] | None = None) -> None:
    """Entry point of the ``channelsim`` script: errors are one line and exit status 2."""
    cx = _click_exceptions()
    command = typer.main.get_command(app)
    try:
        code = command.main(args=args, prog_name="channelsim", standalone_mode=False)
    except cx.NoArgsIsHelpError as exc:
        typer.echo(exc.ctx.get_help())
        sys.exit(0)
    except cx.UsageError as exc:
        typer.echo(usage_line(exc), err=True)
        sys.exit(2)
    except cx.ClickException as exc:
        typer.echo(f"channelsim: {exc.format_message()}", err=True)
        sys.exit(exc.exit_code)
    except (KeyboardInterrupt, typer.Abort):
        typer.echo("interrupted", err=True)
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)
