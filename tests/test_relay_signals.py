"""The relay tells the events area of stop changes by signals, never by importing it."""

import ast
import subprocess
import sys
from pathlib import Path

from kirab.database import db
from kirab.relay.models import Relay, Route
from kirab.relay.stops import ordered_stops
from tests.factories import make_event
from tests.test_relay_import import JALUR_VII_CSV, stops

RELAY = Path(__file__).resolve().parent.parent / "kirab" / "relay"
SIGNALS = ("window_changing", "stop_removing", "moving_with", "stops_moved")


def imported_modules(path: Path) -> set[str]:
    """Every module a Python file imports, at any depth of its code."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_the_relay_never_imports_the_events_area():
    found = {
        path.name: sorted(
            name for name in imported_modules(path) if name.startswith("kirab.events")
        )
        for path in RELAY.glob("*.py")
    }
    assert {name: modules for name, modules in found.items() if modules} == {}


def test_an_app_built_anywhere_has_the_events_receivers_connected():
    """A fresh interpreter that only builds the app, as the CLI and gunicorn do."""
    script = (
        "from kirab import create_app\n"
        "from kirab.relay import signals\n"
        "create_app({'TESTING': True, 'KIRAB_ENV': 'testing', 'SECRET_KEY': 'x',"
        " 'SQLALCHEMY_DATABASE_URI': 'sqlite://'})\n"
        f"print(all(getattr(signals, name).receivers for name in {SIGNALS!r}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=RELAY.parent.parent,
        check=False,
        timeout=60,
    )
    assert result.stdout.strip() == "True", result.stderr


def test_the_import_command_hears_the_events_refusal(runner, app, tmp_path):
    """A stop with events that a file leaves out stays, on the command line too."""
    relay = Relay(name="Kirab Pemilu 2024")
    route = Route(relay=relay, name="Jalur VII")
    db.session.add_all([relay, route])
    db.session.flush()
    args = ["import-route", "--relay", "Kirab Pemilu 2024", "--route", "Jalur VII"]
    full, short = tmp_path / "full.csv", tmp_path / "short.csv"
    full.write_text(JALUR_VII_CSV)
    short.write_text(
        "\n".join(line for line in JALUR_VII_CSV.splitlines() if ",32.08," not in line)
    )
    db.session.commit()
    assert runner.invoke(args=[*args, str(full)]).exit_code == 0
    make_event(ordered_stops(route)[0])
    db.session.commit()
    refused = runner.invoke(args=[*args, str(short)])
    assert refused.exit_code == 1
    assert "KPU Kabupaten Kuningan masih memiliki kegiatan" in refused.output
    assert len(stops(route)) == 5
