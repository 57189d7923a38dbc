"""User accounts with one role each."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kirab.database import UTCDateTime, db, one_of, utcnow
from kirab.regions.models import Party


class Role(StrEnum):
    """What a user may do; the value is what the database and the forms hold."""

    ADMIN = "admin"
    ORGANIZER = "organizer"
    PARTY_REP = "party_rep"
    OBSERVER = "observer"


ADMIN, ORGANIZER, PARTY_REP, OBSERVER = Role.ADMIN, Role.ORGANIZER, Role.PARTY_REP, Role.OBSERVER
# Plain strings, so libraries that treat enums by their names (click) see the values.
ROLES = tuple(role.value for role in Role)


class UserRegion(db.Model):
    """A region an organizer manages or a party representative follows."""

    __tablename__ = "user_regions"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), primary_key=True)


class User(UserMixin, db.Model):
    """A person who logs in: admin, organizer, party representative or observer."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(one_of("role", ROLES), name="role"),
        # A party representative speaks for exactly one party; nobody else has one.
        CheckConstraint(
            "(role = 'party_rep' AND party_number IS NOT NULL)"
            " OR (role <> 'party_rep' AND party_number IS NULL)",
            name="party_of_party_rep",
        ),
        CheckConstraint("session_version >= 1", name="session_version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    party_number: Mapped[int | None] = mapped_column(ForeignKey("parties.number"))
    active: Mapped[bool] = mapped_column(default=True)
    # Part of the session identity: bumping it logs the user out everywhere.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Rises with every save of the account; an edit form opened at an older one is refused.
    version: Mapped[int] = mapped_column(server_default="1")

    party: Mapped[Party | None] = relationship()
    region_links: Mapped[list[UserRegion]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def region_codes(self) -> list[str]:
        """Codes of the regions the user manages or follows, sorted."""
        return sorted(link.region_code for link in self.region_links)

    @property
    def is_active(self) -> bool:
        """Deactivated users cannot log in (Flask-Login reads this)."""
        return self.active

    def get_id(self) -> str:
        """Session identity: the id and the session version together."""
        return f"{self.id}:{self.session_version}"

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class LoginSession(db.Model):
    """One login on one device, checked on every request; logging out ends it for good.

    The cookie carries a random token; only its hash is kept here, so the
    table alone does not let anyone take over a session.
    """

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Moved on at most once a minute, so most requests write nothing.
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<LoginSession {self.id} of user {self.user_id}>"
