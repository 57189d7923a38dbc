"""Logging in and out, and changing one's own password."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user

from kirab.auth.forms import ChangePasswordForm, LoginForm
from kirab.auth.services import authenticate, change_own_password
from kirab.auth.session import log_in, log_out
from kirab.extensions import limiter
from kirab.permissions import is_committee
from kirab.transactions import run_or_show
from kirab.urls import safe_next

bp = Blueprint("auth", __name__)


def login_limit() -> str:
    """The configured limit on failed logins per client address."""
    return current_app.config["LOGIN_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    login_limit, methods=["POST"], deduct_when=lambda response: response.status_code != 302
)
def login():
    """Show the login form; on success go where the visitor was heading."""
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is not None:
            log_in(user)
            if form.next.data:
                return redirect(safe_next(form.next.data))
            return redirect(url_for(landing_page(user)))
        # One message for a wrong password and an unknown email alike.
        form.password.errors.append(_("The email or password is not correct."))
    status = 422 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


def landing_page(user) -> str:
    """Where a user lands after logging in: the committee's dashboard, or home."""
    return "manage.dashboard" if is_committee(user) else "main.home"


@bp.post("/logout")
def logout():
    """End the session for good: a copy of its cookie is refused from now on."""
    log_out()
    flash(_("You are logged out."), "info")
    return redirect(url_for("main.home"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Let anyone logged in change their own password."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        saved, _none = run_or_show(
            form,
            lambda: change_own_password(
                current_user, form.current_password.data, form.password.data
            ),
        )
        if saved:
            # The new password ended every session, this one included: renew it.
            login_user(current_user._get_current_object())
            flash(_("Your password has been changed."), "success")
            return redirect(url_for(landing_page(current_user)))
    status = 422 if request.method == "POST" else 200
    return render_template("auth/password.html", form=form), status
