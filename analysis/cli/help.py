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
  one or more values;
* a range reads ``[at least 1]`` or ``[1 to 5200]`` rather than ``[x>=1]``.
"""

from __future__ import annotations

from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption


def range_words(low, high) -> str | None:
    """A number's allowed range in words: ``at least 1``, ``at most 1``, ``1 to 5200``."""
    if low is None and high is None:
        return None
    if high is None:
        return f"at least {low}"
    if low is None:
        return f"at most {high}"
    return f"{low} to {high}"


class PlainArgument(TyperArgument):
    """An argument whose help names it (FILE) and, for several values, adds ``...``."""

    def display_type_rich(self, ctx) -> str | None:
        """No type beside the argument's name; ``...`` when it takes several values."""
        return "..." if self.nargs != 1 else None

    def _get_number_range_help_str(self) -> str | None:
        return range_words(self.min, self.max)


class PlainOption(TyperOption):
    """An option whose help gives its range in words."""

    def _get_number_range_help_str(self) -> str | None:
        if self.count and self.min == 0 and self.max is None:
            return None
        return range_words(self.min, self.max)


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
        # The class decides only how help shows the value; the parameter is otherwise Typer's.
        if type(param) is TyperOption:
            param.metavar = value_word(param)
            param.__class__ = PlainOption
        elif type(param) is TyperArgument:
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
