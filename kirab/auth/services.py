"""Accounts: creating users, checking passwords, roles, scopes and deactivation."""

from __future__ import annotations

import secrets

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm.attributes import flag_modified
from werkzeug.security import check_password_hash, generate_password_hash

from kirab.audit.services import check_version, record
from kirab.auth.models import ORGANIZER, PARTY_REP, ROLES, User, UserRegion
from kirab.auth.signals import user_deactivated
from kirab.database import db
from kirab.errors import DomainError
from kirab.regions.models import Party, Region
from kirab.text import clean_text

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 128
NAME_MAX = 120

# Checked against when the email is unknown, so both failures take as long.
_DUMMY_HASH: str | None = None


def normalise_email(email: str) -> str:
    """Validate an email address and return it in lower case; raise DomainError."""
    try:
        result = validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError:
        raise DomainError(_("Enter a valid email address."), "email") from None
    return result.normalized.lower()


def generate_password() -> str:
    """Return a new random password that is easy to type on a phone."""
    return secrets.token_urlsafe(12)


def hash_password(password: str) -> str:
    """Hash a password with the configured algorithm (scrypt by default)."""
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def check_new_password(password: str) -> None:
    """Refuse passwords that are too short or too long."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(
            _("The password must have at least %(n)d characters.", n=MIN_PASSWORD_LENGTH),
            "password",
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise DomainError(
            _("The password may have at most %(n)d characters.", n=MAX_PASSWORD_LENGTH),
            "password",
        )


def find_user(email: str) -> User | None:
    """Return the user with this email (any case), or None."""
    return db.session.execute(
        db.select(User).where(User.email == email.strip().lower())
    ).scalar_one_or_none()


def authenticate(email: str, password: str) -> User | None:
    """Return the active user with these credentials, or None; log a success.

    Unknown emails, wrong passwords and deactivated accounts all give None
    after the same amount of hashing work.
    """
    global _DUMMY_HASH
    user = find_user(email)
    if user is None:
        if _DUMMY_HASH is None:
            _DUMMY_HASH = hash_password(generate_password())
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    record(user, "user.login", user)
    return user


def _check_role_fields(role: str, region_codes: list[str], party_number: int | None):
    """Validate role, regions and party together; return the Party or None."""
    if role not in ROLES:
        raise DomainError(_("Choose one of the roles."), "role")
    for code in region_codes:
        if db.session.get(Region, code) is None:
            raise DomainError(_("Unknown region code: %(code)s", code=code), "regions")
    if role == ORGANIZER and not region_codes:
        raise DomainError(_("An organizer needs at least one region."), "regions")
    party = None
    if role == PARTY_REP:
        if party_number is None:
            raise DomainError(_("A party representative needs a party."), "party")
        party = db.session.get(Party, party_number)
        if party is None:
            raise DomainError(_("Unknown party number: %(n)s", n=party_number), "party")
    elif party_number is not None:
        raise DomainError(_("Only party representatives belong to a party."), "party")
    return party


def create_user(
    email: str,
    role: str,
    *,
    actor=None,
    name: str = "",
    region_codes: list[str] | None = None,
    party_number: int | None = None,
    password: str | None = None,
) -> tuple[User, str]:
    """Create a user; return it and its password (generated when not given)."""
    email = normalise_email(email)
    if find_user(email) is not None:
        raise DomainError(_("A user with this email already exists."), "email")
    region_codes = sorted(set(region_codes or []))
    _check_role_fields(role, region_codes, party_number)
    name = clean_text(name, "name", NAME_MAX)
    if password is None:
        password = generate_password()
    else:
        check_new_password(password)
    user = User(
        email=email,
        name=name,
        role=role,
        party_number=party_number if role == PARTY_REP else None,
        password_hash=hash_password(password),
        region_links=[UserRegion(region_code=code) for code in region_codes],
    )
    db.session.add(user)
    db.session.flush()
    record(
        actor,
        "user.create",
        user,
        email=email,
        role=role,
        regions=region_codes,
        party=user.party_number,
    )
    return user, password


def update_user(
    user: User,
    *,
    actor,
    name: str,
    role: str,
    region_codes: list[str],
    party_number: int | None,
    active: bool,
    expected_version: int | None = None,
) -> User:
    """Change a user's name, role, scope and whether the account is active.

    With ``expected_version``, an account saved since then is refused with ``StaleEdit``.
    """
    check_version(user, expected_version)
    region_codes = sorted(set(region_codes))
    _check_role_fields(role, region_codes, party_number)
    if user.id == getattr(actor, "id", None) and (not active or role != user.role):
        raise DomainError(_("You cannot deactivate yourself or change your own role."), "role")
    name = clean_text(name, "name", NAME_MAX)
    if user.active and not active:
        # Ending the session version logs the user out everywhere; what later areas keep
        # for the user ends too (the personal feed), through their receivers.
        user.session_version += 1
        user_deactivated.send(user)
    user.name = name
    user.role = role
    user.party_number = party_number if role == PARTY_REP else None
    user.active = active
    user.region_links = [UserRegion(region_code=code) for code in region_codes]
    # The regions live in another table: mark the row changed so its version rises too.
    flag_modified(user, "role")
    db.session.flush()
    record(
        actor,
        "user.update",
        user,
        role=role,
        regions=region_codes,
        party=user.party_number,
        active=active,
    )
    return user


def set_password(user: User, password: str, *, actor) -> None:
    """Give the user a new password and end their other sessions."""
    check_new_password(password)
    user.password_hash = hash_password(password)
    user.session_version += 1
    db.session.flush()
    record(actor, "user.password", user)


def change_own_password(user: User, current: str, new: str) -> None:
    """Change one's own password after checking the current one."""
    if not check_password_hash(user.password_hash, current):
        raise DomainError(_("The current password is not correct."), "current_password")
    set_password(user, new, actor=user)
