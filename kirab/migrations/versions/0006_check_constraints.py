"""check constraints: the rules that allow no exception, kept by the database too

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 18:00:00.000000

The values of roles, statuses and kinds are written out here rather than
read from the models, so this revision keeps meaning what it meant when the
vocabularies change later (that takes a revision of its own).

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

COORDINATES = (
    "(latitude IS NULL AND longitude IS NULL) OR "
    "(latitude IS NOT NULL AND longitude IS NOT NULL"
    " AND latitude BETWEEN -90 AND 90 AND longitude BETWEEN -180 AND 180)"
)
CATEGORIES = "'party_rep', 'kpu', 'bawaslu', 'government', 'student', 'media', 'public', 'other'"

# Per table: (name as the naming convention makes it, condition).
CHECKS = {
    'regions': [
        ('ck_regions_level', "level IN ('national', 'province', 'regency', 'district')"),
    ],
    'dapil': [
        ('ck_dapil_number', 'number > 0'),
        ('ck_dapil_seats', 'seats > 0'),
    ],
    'parties': [
        ('ck_parties_scope', "scope IN ('national', 'aceh')"),
        ('ck_parties_number', 'number > 0'),
    ],
    'users': [
        ('ck_users_role', "role IN ('admin', 'organizer', 'party_rep', 'observer')"),
        ('ck_users_party_of_party_rep',
         "(role = 'party_rep' AND party_number IS NOT NULL)"
         " OR (role <> 'party_rep' AND party_number IS NULL)"),
        ('ck_users_session_version', 'session_version >= 1'),
    ],
    'routes': [
        ('ck_routes_position', 'position >= 0'),
    ],
    'stops': [
        ('ck_stops_receives_before_hand_over',
         'hands_over_at IS NULL OR receives_at < hands_over_at'),
    ],
    'handovers': [
        ('ck_handovers_two_stops', 'from_stop_id <> to_stop_id'),
    ],
    'handover_files': [
        ('ck_handover_files_kind', "kind IN ('scan', 'photo')"),
        ('ck_handover_files_size', 'size >= 0'),
    ],
    'events': [
        ('ck_events_kind',
         "kind IN ('handover', 'campus', 'parade', 'declaration', 'outreach')"),
        ('ck_events_status', "status IN ('draft', 'published', 'cancelled')"),
        ('ck_events_starts_before_end', 'starts_at < ends_at'),
        ('ck_events_capacity', 'capacity > 0'),
        ('ck_events_sequence', 'sequence >= 0'),
        ('ck_events_coordinates', COORDINATES),
    ],
    'venues': [
        ('ck_venues_coordinates', COORDINATES),
    ],
    'attendance_records': [
        ('ck_attendance_records_category', f'category IN ({CATEGORIES})'),
        ('ck_attendance_records_method', "method IN ('organizer', 'self_checkin', 'import')"),
    ],
    'expected_guests': [
        ('ck_expected_guests_category', f'category IN ({CATEGORIES})'),
    ],
    'headcount_tallies': [
        ('ck_headcount_tallies_category', f'category IN ({CATEGORIES})'),
        ('ck_headcount_tallies_count', 'count >= 0'),
    ],
    'feed_event_renderings': [
        ('ck_feed_event_renderings_sequence', 'sequence >= 0'),
    ],
    'feed_documents': [
        ('ck_feed_documents_data_version', 'data_version >= 0'),
    ],
    'feed_state': [
        ('ck_feed_state_version', 'version >= 0'),
    ],
}


def upgrade():
    # SQLite cannot add a constraint to a table; batch mode rebuilds the
    # table with it, PostgreSQL simply alters the table.
    for table, checks in CHECKS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, condition in checks:
                batch_op.create_check_constraint(op.f(name), condition)


def downgrade():
    for table, checks in reversed(CHECKS.items()):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, _condition in reversed(checks):
                batch_op.drop_constraint(op.f(name), type_='check')
