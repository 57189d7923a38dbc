"""User management for admins (``/manage/users``)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from kirab import clock
from kirab.auth.models import User
from kirab.auth.services import create_user, generate_password, set_password, update_user
from kirab.database import db
from kirab.permissions import can_manage_users, require
from kirab.regions.forms import party_choices
from kirab.regions.models import NATIONAL_TIMEZONE
from kirab.submissions import create_once
from kirab.transactions import run_edit, run_or_show
from kirab.users.forms import EditUserForm, NewUserForm, SetPasswordForm, role_label

bp = Blueprint("users", __name__, url_prefix="/manage/users")


@bp.get("")
@require(can_manage_users)
def index():
    """Every user with role, scope and state."""
    users = db.session.execute(db.select(User).order_by(User.email)).scalars()
    return render_template("users/index.html", users=list(users), role_label=role_label)


@bp.route("/new", methods=["GET", "POST"])
@require(can_manage_users)
def new():
    """Create a user; the password (typed or generated) is shown once."""
    form = NewUserForm()
    form.party.choices = party_choices(full_names=True)
    if form.validate_on_submit():
        shown: dict = {}

        def answer(created) -> str:
            shown["user"], shown["password"] = created
            return url_for("users.edit", user_id=created[0].id)

        url = create_once(
            form,
            "user.new",
            current_user,
            clock.now(),
            lambda: create_user(
                form.email.data,
                form.role.data,
                actor=current_user,
                name=form.name.data or "",
                region_codes=form.region_codes(),
                party_number=form.party_number(),
                password=form.password.data or None,
            ),
            answer,
        )
        if shown:  # the password is shown this once; a repeated post goes to the user's page
            return render_template("users/password_shown.html", **shown)
        if url is not None:
            return redirect(url)
    status = 422 if request.method == "POST" else 200
    return render_template("users/form.html", form=form, user=None), status


def filled_user_form(user: User) -> EditUserForm:
    """The edit form showing the user as stored, opened at their version."""
    form = EditUserForm(formdata=None, obj=user)
    form.regions.data = " ".join(user.region_codes)
    form.party.data = str(user.party_number or "")
    form.open_at(user.version)
    return form


@bp.route("/<id:user_id>", methods=["GET", "POST"])
@require(can_manage_users)
def edit(user_id: int):
    """Change a user's role, scope, party and state."""
    user = db.get_or_404(User, user_id)
    form = EditUserForm() if request.method == "POST" else filled_user_form(user)
    form.party.choices = party_choices(full_names=True)
    if form.validate_on_submit():
        saved, _user = run_edit(
            form,
            lambda: filled_user_form(user),
            NATIONAL_TIMEZONE,
            lambda: update_user(
                user,
                actor=current_user,
                name=form.name.data or "",
                role=form.role.data,
                region_codes=form.region_codes(),
                party_number=form.party_number(),
                active=form.active.data,
                expected_version=form.expected_version(),
            ),
        )
        if saved:
            flash(_("The user %(email)s has been saved.", email=user.email), "success")
            return redirect(url_for("users.index"))
    status = 422 if request.method == "POST" else 200
    return render_template("users/form.html", form=form, user=user), status


@bp.route("/<id:user_id>/password", methods=["GET", "POST"])
@require(can_manage_users)
def password(user_id: int):
    """Set a new password for a user; it is shown once."""
    user = db.get_or_404(User, user_id)
    if user.id == current_user.id:
        # One's own password is changed by giving the current one.
        return redirect(url_for("auth.change_password"))
    form = SetPasswordForm()
    if form.validate_on_submit():
        new_password = form.password.data or generate_password()
        saved, _none = run_or_show(
            form, lambda: set_password(user, new_password, actor=current_user)
        )
        if saved:
            return render_template("users/password_shown.html", user=user, password=new_password)
    status = 422 if request.method == "POST" else 200
    return render_template("users/password.html", form=form, user=user), status
