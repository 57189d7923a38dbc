"""Import every model so that metadata and migrations see all tables."""

from kirab.attendance import counts  # noqa: F401 (its flush events keep the attendance totals)
from kirab.attendance.models import (
    AttendanceRecord,
    EventAttendance,
    EventPartyAttendance,
    ExpectedGuest,
    HeadcountTally,
)
from kirab.audit.models import AuditEntry
from kirab.auth.models import LoginSession, User, UserRegion
from kirab.changes.models import AgendaChange, AgendaChangeEvent
from kirab.dataversions import DataVersion
from kirab.events.models import Event, Venue
from kirab.feeds.models import FeedDocument, FeedToken, RenderedEvent
from kirab.notifications.models import Delivery, NotificationPreference
from kirab.pagecache import PageRendering
from kirab.regions.models import Dapil, DapilDistrict, Office, Party, Region
from kirab.relay.models import Handover, HandoverFile, Relay, Route, Stop
from kirab.storage import StoredFile
from kirab.submissions import Submission
from kirab.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

__all__ = [
    "AgendaChange",
    "AgendaChangeEvent",
    "AttendanceRecord",
    "AuditEntry",
    "Dapil",
    "DapilDistrict",
    "DataVersion",
    "Delivery",
    "Event",
    "EventAttendance",
    "EventPartyAttendance",
    "ExpectedGuest",
    "FeedDocument",
    "FeedToken",
    "Handover",
    "HandoverFile",
    "HeadcountTally",
    "LoginSession",
    "NotificationPreference",
    "Office",
    "PageRendering",
    "Party",
    "Region",
    "Relay",
    "RenderedEvent",
    "Route",
    "Stop",
    "StoredFile",
    "Submission",
    "User",
    "UserRegion",
    "Venue",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
]
