"""The manifest, the service worker and the pages it may keep (served over HTTP)."""

from __future__ import annotations

import json
import shutil

from kirab.main import offline
from tests.conftest import login
from tests.factories import make_user


def test_the_manifest_names_the_app_in_indonesian_with_icons_that_exist(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    manifest = json.loads(response.data)
    assert manifest["name"] == "Kirab Pemilu"
    assert manifest["lang"] == "id"
    assert manifest["start_url"] == "/"
    assert manifest["display"] == "standalone"
    assert manifest["description"].startswith("Agenda, rute")
    assert {icon["sizes"] for icon in manifest["icons"]} == {"192x192", "512x512"}
    for icon in manifest["icons"]:
        image = client.get(icon["src"])
        assert image.status_code == 200
        assert image.mimetype == "image/png"


def test_the_service_worker_is_served_from_the_root_with_its_shell(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    source = response.get_data(as_text=True)
    assert "__VERSION__" not in source and "__SHELL__" not in source
    assert "__OFFLINE_PAGE__" not in source
    shell = json.loads(source.split("var SHELL = ", 1)[1].split(";\n", 1)[0])
    assert "/static/css/kirab.css" in shell
    for path in shell:
        assert client.get(path).status_code == 200, path


def test_a_changed_shell_file_gives_a_new_worker_version(app, tmp_path):
    static = tmp_path / "static"
    shutil.copytree(app.static_folder, static)
    before = offline._shell_version(str(static))
    (static / "css" / "kirab.css").write_text("body { color: black; }", encoding="utf-8")
    offline._shell_version.cache_clear()
    assert offline._shell_version(str(static)) != before
    offline._shell_version.cache_clear()


def test_the_offline_page_names_nobody(client):
    user = make_user("organizer", email="org.offline@kirab.example", regions=["32.16"])
    login(client, user)
    response = client.get("/offline")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "Anda sedang luring" in text
    assert "org.offline@kirab.example" not in text
    assert "Keluar" not in text  # no log-out button: the page is the same for everyone


def test_public_pages_carry_the_hidden_offline_note_and_the_manifest(client):
    text = client.get("/agenda").get_data(as_text=True)
    assert '<link rel="manifest" href="/manifest.webmanifest">' in text
    assert "data-offline-note hidden" in text
    assert "Terakhir diperbarui" in text


def test_pages_for_a_logged_in_person_are_marked_not_to_be_kept(client):
    login(client, make_user("observer", email="obs.offline@kirab.example"))
    response = client.get("/agenda")
    assert "no-store" in response.headers["Cache-Control"]
    assert "private" in response.headers["Cache-Control"]
