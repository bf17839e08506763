"""Plain-words ``--help``: values named by what they are (FILE, FOLDER, N), never by type.

Typer's help shows a value's programming type beside each option and argument
(``<int range>``, ``<list[Path]>``, ``<bool>``). A consultant reads ``--out FOLDER`` or
``--reps N`` more easily, and a switch needs no value at all. The command and group classes
here change only how help names values; parsing, checks and errors stay Typer's.

* an option with a ``metavar`` shows it (the declarations in ``analysis.cli`` give one
  where a word says more than the option's name);
* an option without one shows its name in capitals (``--port PORT``);
* a switch (``--quiet``, ``--fit/--no-fit``, ``--help``) shows nothing;
* an argument shows its name only (already a word such as FILE), with ``...`` when it takes
  one or more values.
"""

from __future__ import annotations

from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption


class PlainArgument(TyperArgument):
    """An argument whose help names it (FILE) and, for several values, adds ``...``."""

    def display_type_rich(self, ctx) -> str | None:
        """No type beside the argument's name; ``...`` when it takes several values."""
        return "..." if self.nargs != 1 else None


def value_word(option: TyperOption) -> str:
    """The word help shows for an option's value: its metavar, its name, or none for a switch."""
    if option.is_flag:
        return ""
    if option.metavar:
        return option.metavar
    return (option.name or "value").upper()


def plain_words(params: list) -> None:
    """Give every parameter a plain word for its value (in place)."""
    for param in params:
        if isinstance(param, TyperOption):
            param.metavar = value_word(param)
        elif type(param) is TyperArgument:
            # The class decides how help shows the type; the argument is otherwise unchanged.
            param.__class__ = PlainArgument


class _PlainHelpOption:
    """The ``--help`` switch without a type beside it."""

    def get_help_option(self, ctx):
        """Typer's help option, shown as a switch."""
        option = super().get_help_option(ctx)
        if option is not None:
            option.metavar = ""
        return option


class PlainCommand(_PlainHelpOption, TyperCommand):
    """A command whose ``--help`` names values in words (register with ``cls=``)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        plain_words(self.params)


class PlainGroup(_PlainHelpOption, TyperGroup):
    """The ``channelsim`` group, its ``--help`` in the same words as its commands'."""
