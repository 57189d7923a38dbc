"""Personal feed tokens never reach a log: the app's, werkzeug's or gunicorn's."""

from __future__ import annotations

import logging
import threading
import urllib.request
from datetime import timedelta
from types import SimpleNamespace

import pytest
from werkzeug.serving import make_server

from kirab.database import db
from kirab.feeds.tokens import issue_token
from kirab.logmask import mask_tokens
from tests.conftest import extra_app
from tests.factories import make_user

TOKEN = "Zq3_kT9-abcDEF0123456789abcdefghijklmnopqrs"


@pytest.mark.parametrize(
    ("line", "masked"),
    [
        (f'"GET /calendar/{TOKEN}.ics HTTP/1.1" 200 -', '"GET /calendar/***.ics HTTP/1.1" 200 -'),
        (f"/calendar/{TOKEN}.ics?lang=en", "/calendar/***.ics?lang=en"),
        (f"https://kirab.example/calendar/{TOKEN}.ics", "https://kirab.example/calendar/***.ics"),
        (f"/calendar/{TOKEN}", "/calendar/***"),
        ("GET /calendar.ics?region=32.16", "GET /calendar.ics?region=32.16"),
        (
            f'"POST /events/12/check-in/{TOKEN} HTTP/1.1" 200 -',
            '"POST /events/12/check-in/*** HTTP/1.1" 200 -',
        ),
    ],
)
def test_tokens_are_masked_in_text(line, masked):
    assert mask_tokens(line) == masked


def test_the_app_logger_masks_tokens(app, caplog):
    with caplog.at_level(logging.INFO):
        app.logger.error("Exception on /calendar/%s.ics [GET]", TOKEN)
        app.logger.info(f"fetched /calendar/{TOKEN}.ics")
    assert TOKEN not in caplog.text
    assert caplog.text.count("/calendar/***.ics") == 2


def test_the_development_server_request_log_masks_tokens(app, migrated, caplog):
    user = make_user("party_rep", party=1, regions=["32.16"])
    token = issue_token(user, actor=user, now=user.created_at)
    db.session.commit()
    with extra_app(migrated) as served:
        server = make_server("127.0.0.1", 0, served)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            with caplog.at_level(logging.INFO, logger="werkzeug"):
                url = f"http://127.0.0.1:{server.server_port}/calendar/{token}.ics"
                with urllib.request.urlopen(url) as response:
                    assert response.status == 200
                    response.read()
                with pytest.raises(urllib.error.HTTPError) as unknown:
                    urllib.request.urlopen(url.replace(token, TOKEN))  # noqa: S310 (local)
                assert unknown.value.code == 404
                unknown.value.close()
        finally:
            server.shutdown()
            server.server_close()
            thread.join()
    records = [r for r in caplog.records if r.name == "werkzeug"]
    assert len(records) == 2
    assert token not in caplog.text and TOKEN not in caplog.text
    assert all("/calendar/***.ics" in r.getMessage() for r in records)


@pytest.fixture
def gunicorn_logger(tmp_path):
    """Gunicorn's logger as kirab/gunicorn_conf.py sets it up, writing to files."""
    from gunicorn.config import Config

    import kirab.gunicorn_conf as conf

    config = Config()
    for name in dir(conf):
        if name in config.settings:
            config.set(name, getattr(conf, name))
    config.set("accesslog", str(tmp_path / "access.log"))
    config.set("errorlog", str(tmp_path / "error.log"))
    config.set("access_log_format", '%(h)s "%(r)s" %(s)s %(U)s %(q)s "%(f)s" "%({referer}i)s"')
    logger = config.logger_class(config)
    yield logger, tmp_path
    for log in (logger.access_log, logger.error_log):
        for handler in list(log.handlers):
            handler.close()
            log.removeHandler(handler)


def test_gunicorn_access_and_error_logs_mask_tokens(gunicorn_logger):
    logger, folder = gunicorn_logger
    path = f"/calendar/{TOKEN}.ics"
    referer = f"https://kirab.example{path}"
    environ = {
        "REQUEST_METHOD": "GET", "RAW_URI": path + "?lang=en", "SERVER_PROTOCOL": "HTTP/1.1",
        "PATH_INFO": path, "QUERY_STRING": "lang=en", "REMOTE_ADDR": "127.0.0.1",
        "HTTP_REFERER": referer,
    }  # fmt: skip
    response = SimpleNamespace(status="200 OK", sent=1234, headers=[("ETag", '"x"')])
    request = SimpleNamespace(headers=[("Referer", referer), ("User-Agent", "ICSx5")])
    logger.access(response, request, environ, timedelta(milliseconds=3))
    logger.error("Error handling request %s", path)
    for log in (logger.access_log, logger.error_log):
        for handler in log.handlers:
            handler.flush()
    access = (folder / "access.log").read_text()
    errors = (folder / "error.log").read_text()
    assert TOKEN not in access and TOKEN not in errors
    assert '"GET /calendar/***.ics?lang=en HTTP/1.1" 200 /calendar/***.ics lang=en' in access
    assert access.count("https://kirab.example/calendar/***.ics") == 2
    assert "Error handling request /calendar/***.ics" in errors
