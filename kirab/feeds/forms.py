"""The form that creates or resets a personal feed."""

from kirab.submissions import SubmissionForm


class FeedTokenForm(SubmissionForm):
    """Nothing to fill in: the CSRF token proves the person asked for it on this site,
    and the submission key that a repeated post does not reset the address again."""
