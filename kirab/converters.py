"""URL converters."""

from werkzeug.routing import IntegerConverter


class IdConverter(IntegerConverter):
    """A database id: a positive integer that fits a 32-bit column.

    Larger numbers are a 404, not a database error.
    """

    def __init__(self, map, *args, **kwargs):
        super().__init__(map, min=1, max=2**31 - 1)
