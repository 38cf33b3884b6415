"""The one exception type users see: its message is printed as a single line by the CLI."""


class MusicGenError(Exception):
    """A problem the user can fix (bad input, missing file, missing dependency)."""
