"""Events on the agenda of a stop.

Importing the area connects its receivers of the relay's signals.
"""

from kirab.events import stop_moves  # noqa: F401  (connects the receivers)
