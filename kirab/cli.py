"""Command-line commands: ``init-db``, ``seed-demo``, ``seed-national``, ``create-user``,
``import-route``, ``feed-token``, ``notifications``, ``worker`` and ``webhook-add``; ``backup`` and
``restore`` live in kirab/backup.py."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import click
from flask import Flask, current_app
from flask_babel import gettext as _
from flask_migrate import upgrade

from kirab.auth.models import ROLES
from kirab.auth.services import create_user
from kirab.database import db
from kirab.errors import DomainError


def run_command(action, explain=None):
    """Run ``action`` as the command's one transaction: commit what it did and return its result.

    A broken rule (``DomainError``) rolls everything back, prints its message (and the lines
    ``explain(error)`` gives) on standard error and ends the command with exit status 1.
    """
    try:
        result = action()
    except DomainError as error:
        db.session.rollback()
        click.echo(f"Error: {error.message}", err=True)
        for line in explain(error) if explain else ():
            click.echo(f"  {line}", err=True)
        sys.exit(1)
    db.session.commit()
    return result


def active_user_or_exit(email: str):
    """The active user with ``email``; otherwise a message and exit status 1."""
    from kirab.auth.services import find_user

    user = find_user(email)
    if user is None or not user.active:
        click.echo(f"Error: no active user with the email {email}.", err=True)
        sys.exit(1)
    return user


@click.command("init-db")
def init_db_command():
    """Create or upgrade the schema, then load missing reference data."""
    upgrade(directory=current_app.extensions["migrate"].directory)
    from kirab.regions.reference import load_reference_data

    counts = load_reference_data()
    db.session.commit()
    added = ", ".join(f"{kind}: {count}" for kind, count in counts.items())
    click.echo(f"Database ready ({added} added).")


@click.command("seed-demo")
def seed_demo_command():
    """Load the Jalur VII demo and its users once; later runs change nothing."""
    from kirab.demo import seed_demo, write_logins

    path = Path(current_app.instance_path) / "demo-logins.txt"
    result = seed_demo()
    if not result.created:
        click.echo(f"The demo is already loaded; its logins are in {path}.")
        return
    db.session.commit()
    write_logins(path, result.logins)
    click.echo(f"Demo loaded. Logins (also in {path}, shown only now):")
    for role, email, password in result.logins:
        click.echo(f"  {role:10} {email:40} {password}")


@click.command("seed-national")
@click.option(
    "--scale",
    default=1.0,
    show_default=True,
    type=click.FloatRange(0, 2, min_open=True),
    help="Share of the national size: 1.0 is about 305 stops and 650,000 records.",
)
@click.option(
    "--seed", default=2023, show_default=True, type=int, help="The same seed gives the same data."
)
def seed_national_command(scale, seed):
    """Load a national relay in bulk into a database that holds no relay yet."""
    from kirab.auth.services import check_new_password, generate_password, hash_password
    from kirab.demo import write_logins
    from kirab.seeding import seed_national

    started, cpu = time.perf_counter(), time.process_time()
    # One password and one hash for every account: hashing a thousand times would take minutes.
    password = os.environ.get("KIRAB_SEED_PASSWORD") or generate_password()

    def load():
        check_new_password(password)
        return seed_national(scale=scale, seed=seed, password_hash=hash_password(password))

    result = run_command(load)
    path = Path(current_app.instance_path) / "national-logins.txt"
    write_logins(path, [("every user", "*@kirab-nasional.example", password)])
    click.echo(f"National relay loaded (scale {scale}, seed {seed}):")
    for table, count in result.counts.items():
        click.echo(f"  {table:20} {count:>9,}")
    click.echo(
        f"Every user's password is in {path}. Took {time.perf_counter() - started:.1f} s "
        f"({time.process_time() - cpu:.1f} s of CPU in this process)."
    )


@click.command("create-user")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--region", "regions", multiple=True, help="Region code; may repeat.")
@click.option("--party", type=int, help="Ballot number of a party representative's party.")
@click.option("--name", default="", help="The person's name.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user_command(email, role, regions, party, name, password_stdin):
    """Create a user; without --password-stdin a password is generated and printed."""
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    user, password = run_command(
        lambda: create_user(
            email, role, name=name, region_codes=list(regions), party_number=party,
            password=password,
        )
    )  # fmt: skip
    click.echo(f"Created {user.role} {user.email}.")
    if not password_stdin:
        click.echo(f"Password: {password}")


@click.command("import-route")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--relay", "relay_name", required=True, help="Name of the relay; created if new.")
@click.option("--route", "route_name", required=True, help="Name of the route; created if new.")
def import_route_command(csv_file, relay_name, route_name):
    """Import a route's stops from CSV, all or nothing, by the same rules as the web form."""
    from kirab.relay.imports import ImportRejected, import_route
    from kirab.relay.models import Relay, Route
    from kirab.relay.planning import create_relay, create_route

    def load():
        relay = db.session.execute(
            db.select(Relay).where(Relay.name == relay_name)
        ).scalar_one_or_none() or create_relay(relay_name, actor=None)
        route = db.session.execute(
            db.select(Route).where(Route.relay_id == relay.id, Route.name == route_name)
        ).scalar_one_or_none() or create_route(relay, route_name, actor=None)
        return route, import_route(route, csv_file.read_bytes(), actor=None)

    def line_problems(error):
        problems = error.errors if isinstance(error, ImportRejected) else []
        return [
            f"{_('Line %(line)d', line=problem.line)}: {problem.message}" for problem in problems
        ]

    route, result = run_command(load, line_problems)
    click.echo(
        f"{route.name}: {len(result.created)} added, {len(result.updated)} changed, "
        f"{len(result.removed)} removed, {result.unchanged} unchanged."
    )


@click.command("feed-token")
@click.argument("email")
def feed_token_command(email):
    """Create or reset a user's personal feed and print its address (shown only now)."""
    from kirab import clock
    from kirab.feeds.rendering import link
    from kirab.feeds.tokens import issue_token

    user = active_user_or_exit(email)
    token = run_command(lambda: issue_token(user, actor=None, now=clock.now()))
    click.echo(
        f"Personal feed of {user.email} (shown only now; resetting stops old subscriptions):"
    )
    click.echo(link("feeds.personal", "id", token=token))


@click.command("notifications")
@click.argument("email")
@click.option("--email", "mode", required=True, type=click.Choice(["immediate", "digest", "off"]),
              help="Changes by e-mail at once, as a daily digest, or not at all.")  # fmt: skip
@click.option("--digest-hour", type=click.IntRange(0, 23), help="Local hour of the digest.")
@click.option("--lang", type=click.Choice(["id", "en"]), help="Language of the mails.")
def notifications_command(email, mode, digest_hour, lang):
    """Choose how changes reach a person, as on their account page."""
    from kirab import clock
    from kirab.notifications.services import set_preferences

    user = active_user_or_exit(email)
    run_command(
        lambda: set_preferences(
            user, email_mode=mode, digest_hour=digest_hour, lang=lang, actor=None, now=clock.now()
        )
    )
    click.echo(f"E-mail for {user.email}: {mode}.")


@click.command("worker")
def worker_command():
    """Send the outbox (mails of agenda changes) and keep running.

    Without ``KIRAB_MAIL_URL`` in development it starts a local debugging
    SMTP server that prints every mail it receives.
    """
    from kirab.notifications import worker
    from kirab.notifications.smtp import MailSettingError

    app = current_app._get_current_object()
    try:
        server = worker.configured_server(app)
    except MailSettingError as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(1)
    if server is None:
        if app.config["KIRAB_ENV"] not in ("development", "testing"):
            click.echo("Error: set KIRAB_MAIL_URL (smtp://user:pass@host:587).", err=True)
            sys.exit(1)
        from kirab.notifications.debugserver import start_debugging_server

        server = start_debugging_server()
        click.echo(f"No KIRAB_MAIL_URL: mails go to a debugging server at {server.safe_url}.")
    from kirab.webhooks import receivers as _webhook_receivers  # noqa: F401
    from kirab.webhooks.sender import send_due as send_webhooks

    sender = worker.mail_sender(app)
    click.echo(f"Worker sending the outbox through {server.safe_url}, and the webhooks.")
    worker.run(app, [lambda: worker.one_round(server, sender), send_webhooks])


@click.command("webhook-add")
@click.argument("url")
@click.option("--region", "regions", multiple=True, help="Region code; may repeat. None: all.")
def webhook_add_command(url, regions):
    """Register a webhook endpoint and print its signing secret (shown only now)."""
    from kirab import clock
    from kirab.webhooks.services import add_endpoint

    endpoint, secret = run_command(lambda: add_endpoint(url, regions, actor=None, now=clock.now()))
    click.echo(f"Webhook {endpoint.id} registered for {endpoint.url}.")
    click.echo(f"Signing secret (shown only now): {secret}")


def register_commands(app: Flask) -> None:
    """Attach the commands to ``flask --app kirab``."""
    from kirab.backup import backup_command, restore_command

    for command in (
        init_db_command,
        seed_demo_command,
        seed_national_command,
        create_user_command,
        import_route_command,
        feed_token_command,
        notifications_command,
        worker_command,
        webhook_add_command,
        backup_command,
        restore_command,
    ):
        app.cli.add_command(command)
