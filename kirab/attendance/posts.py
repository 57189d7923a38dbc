"""Which counting post a phone counts for, remembered per event in its session.

A gate counter sends a running tally again and again; the post's name must
not depend on retyping it. After each tally the post is kept in the
browser's session (Flask's signed cookie), so the next page offers it
again, with or without script. Only the server writes it; a value that is
not a short text is ignored.
"""

from __future__ import annotations

from flask import session

from kirab.attendance.models import COUNTER_MAX

POSTS_KEY = "posts"
# Events a phone remembers a post for; the oldest is forgotten first, keeping the cookie small.
REMEMBERED_EVENTS = 10


def remembered_post(event_id: int) -> str:
    """The post this browser last sent a tally for at the event, or ""."""
    posts = session.get(POSTS_KEY)
    if not isinstance(posts, dict):
        return ""
    post = posts.get(str(event_id))
    return post if isinstance(post, str) and len(post) <= COUNTER_MAX else ""


def remember_post(event_id: int, post: str) -> None:
    """Keep ``post`` as the one this browser counts for at the event."""
    found = session.get(POSTS_KEY)
    posts = dict(found) if isinstance(found, dict) else {}
    posts.pop(str(event_id), None)
    posts[str(event_id)] = post
    # Dictionaries keep their insertion order: the first ones are the oldest.
    session[POSTS_KEY] = dict(list(posts.items())[-REMEMBERED_EVENTS:])
