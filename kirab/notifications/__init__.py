"""E-mail notifications of agenda changes, delivered through a transactional outbox.

``receivers`` hears ``changes.signals.change_recorded`` and writes one pending
delivery per person the change reaches, in the change's own transaction;
``worker`` sends them (``flask --app kirab worker``).
"""
