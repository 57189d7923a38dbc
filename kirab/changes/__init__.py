"""The agenda's change log: what changed on the public agenda, kept as data.

Its entries feed ``/changes``, ``/changes.atom``, e-mail notifications and
webhooks; ``signals.change_recorded`` tells the areas that deliver them.
"""

from kirab.changes import recording  # noqa: F401  (connects the receivers)
