"""Admins manage users in the web interface; bad input changes nothing."""

import re

import pytest
from sqlalchemy import func

from kirab.audit.models import AuditEntry
from kirab.auth.models import User
from kirab.database import db
from tests.conftest import csrf_token, login, opened_form
from tests.factories import make_user


@pytest.fixture
def admin_client(client, app):
    """A client logged in as an admin."""
    admin = make_user("admin", email="boss@kirab.example")
    db.session.commit()
    login(client, admin)
    return client


def user_count() -> int:
    """How many users exist."""
    return db.session.execute(db.select(func.count(User.id))).scalar()


def test_admin_creates_an_organizer_and_sees_the_password_once(admin_client):
    response = admin_client.post("/manage/users/new", data={
        "csrf_token": csrf_token(admin_client, "/manage/users/new"),
        "email": "Panitia@Kirab.Example", "name": "Panitia Bekasi", "role": "organizer",
        "regions": "32.16, 32.75", "party": "", "password": ""})  # fmt: skip
    assert response.status_code == 200
    password = re.search(r"<code>([^<]+)</code>", response.get_data(as_text=True))[1]
    user = db.session.execute(
        db.select(User).where(User.email == "panitia@kirab.example")
    ).scalar_one()
    assert user.region_codes == ["32.16", "32.75"]
    assert len(password) >= 12
    assert password not in admin_client.get("/manage/users").get_data(as_text=True)
    entry = db.session.execute(
        db.select(AuditEntry).where(
            AuditEntry.action == "user.create", AuditEntry.object_id == str(user.id)
        )
    ).scalar_one()
    assert entry.details["email"] == "panitia@kirab.example"


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"email": "", "role": "observer"}, "Masukkan alamat email"),
        ({"email": "not-an-email", "role": "observer"}, "alamat email yang valid"),
        ({"email": "x" * 250 + "@a.id", "role": "observer"}, "email"),
        ({"email": "new@kirab.example", "role": "emperor"}, ""),
        ({"email": "new@kirab.example", "role": "organizer", "regions": ""}, "wilayah"),
        ({"email": "new@kirab.example", "role": "organizer", "regions": "99.99"}, "99.99"),
        ({"email": "new@kirab.example", "role": "organizer",
          "regions": "<script>alert(1)</script>"}, "&lt;script&gt;"),
        ({"email": "new@kirab.example", "role": "party_rep", "party": ""}, "partai"),
        ({"email": "new@kirab.example", "role": "party_rep", "party": "99"}, ""),
        ({"email": "new@kirab.example", "role": "observer", "party": "1"}, "partai"),
        ({"email": "new@kirab.example", "role": "observer", "name": "n" * 121}, ""),
        ({"email": "new@kirab.example", "role": "observer", "password": "short"}, "10"),
        ({"email": "boss@kirab.example", "role": "observer"}, "sudah terdaftar"),
    ],
)  # fmt: skip
def test_bad_input_changes_nothing(admin_client, form, message):
    before = user_count()
    data = {"csrf_token": csrf_token(admin_client, "/manage/users/new"), "regions": "",
            "party": "", "password": "", **form}  # fmt: skip
    response = admin_client.post("/manage/users/new", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert "<script>alert(1)</script>" not in page
    assert user_count() == before


def test_admin_changes_role_and_deactivates(admin_client):
    user = make_user("observer", email="o@kirab.example")
    db.session.commit()
    response = admin_client.post(f"/manage/users/{user.id}", data={
        **opened_form(admin_client, f"/manage/users/{user.id}"),
        "name": "Pengawas", "role": "party_rep", "regions": "32", "party": "3",
        "active": ""})  # fmt: skip
    assert response.status_code == 302
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert (user.role, user.party_number, user.region_codes, user.active) == (
        "party_rep",
        3,
        ["32"],
        False,
    )


def test_an_admin_cannot_lock_themselves_out(admin_client):
    me = db.session.execute(db.select(User).where(User.email == "boss@kirab.example")).scalar_one()
    response = admin_client.post(f"/manage/users/{me.id}", data={
        **opened_form(admin_client, f"/manage/users/{me.id}"),
        "name": "", "role": "observer", "regions": "", "party": "", "active": "y"})  # fmt: skip
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(User, me.id).role == "admin"


def test_admin_sets_a_generated_password(admin_client):
    user = make_user("observer", email="o@kirab.example")
    db.session.commit()
    old_hash = user.password_hash
    response = admin_client.post(f"/manage/users/{user.id}/password", data={
        "csrf_token": csrf_token(admin_client, f"/manage/users/{user.id}/password"),
        "password": ""})  # fmt: skip
    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.get(User, user.id).password_hash != old_hash


def test_own_password_goes_through_the_account_page(admin_client):
    me = db.session.execute(db.select(User).where(User.email == "boss@kirab.example")).scalar_one()
    response = admin_client.get(f"/manage/users/{me.id}/password")
    assert response.status_code == 302 and response.location == "/account/password"
