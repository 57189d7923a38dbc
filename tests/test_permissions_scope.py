"""A user's region scope, the one rule the erasure page and the dashboard share."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from kirab.permissions import in_scope, region_scope


def person(role: str, regions=()) -> SimpleNamespace:
    """A logged-in user of ``role`` with ``regions``."""
    return SimpleNamespace(role=role, region_codes=list(regions), is_authenticated=True)


@pytest.mark.parametrize(
    ("user", "scope"),
    [
        (person("admin", ["35"]), None),
        (person("observer"), None),
        (person("organizer", ["32.16", "32.75"]), ["32.16", "32.75"]),
        (person("party_rep", ["32.16"]), []),
        (SimpleNamespace(is_authenticated=False), []),
    ],
)
def test_region_scope_by_role(user, scope):
    assert region_scope(user) == scope


def test_in_scope_takes_the_regions_beneath():
    assert in_scope("32.16.01", None)
    assert in_scope("32.16.01", ["32.16"]) and in_scope("32.16", ["32.16"])
    assert not in_scope("32.1", ["32.16"]) and not in_scope("32.160", ["32.16"])
    assert not in_scope("32.16", [])
