"""The one kind of error a user can fix: a bad file, a setting, a folder, a machine limit.

Every such error subclasses :class:`UserError`; its message is one line per problem that
names what to change, and the command line prints it and exits with status 2 without a
traceback. Anything else is a defect of channelsim and keeps its traceback.
"""


class UserError(Exception):
    """An input, setting or environment problem the user can fix; ``str()`` says how."""
