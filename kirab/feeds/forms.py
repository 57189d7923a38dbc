"""The form that creates or resets a personal feed."""

from kirab.forms import KirabForm


class FeedTokenForm(KirabForm):
    """Nothing to fill in: the CSRF token proves the person asked for it on this site."""
