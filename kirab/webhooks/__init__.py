"""Webhooks for integrators: every agenda change POSTed as JSON, signed by Standard Webhooks.

``receivers`` writes one pending delivery per endpoint and event of a
recorded change in the change's transaction (the same outbox pattern as
``kirab.notifications``); ``sender`` posts them from the worker.
"""
