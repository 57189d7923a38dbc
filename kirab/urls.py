"""Absolute links built from ``KIRAB_BASE_URL``, never from the request's Host."""

from flask import current_app, url_for


def absolute_url(endpoint: str, **values) -> str:
    """The absolute address of ``endpoint`` under the configured base URL."""
    return current_app.config["BASE_URL"] + url_for(endpoint, **values)
