"""Uploads: a size limit (``OCS_ASSISTANTS_MAX_UPLOAD_BYTES``) answered 413 on the API and the
pages, and filenames that cannot climb folders, hide NULs or reverse their extension."""
from __future__ import annotations

import io

import pytest

from ocs_assistant_plugin.errors import ConfigurationError
from plugin_host import ApiClient, snapshot
from security_helpers import Browser

LIMIT = 1000


@pytest.fixture
def app_config():
    return {"OCS_ASSISTANTS_MAX_UPLOAD_BYTES": LIMIT}


@pytest.fixture
def bot(api):
    return api.create(builtin_tools=["file_search"])


@pytest.fixture
def unchanged(api, bot, openai_client, openai_standin):
    before = snapshot(api, openai_client)
    openai_standin.reset_counts()
    yield
    assert openai_standin.count() == openai_standin.count(method="GET")
    assert snapshot(api, openai_client) == before


def test_the_default_limit_is_openais_per_file_limit(make_app):
    assert make_app().config["OCS_ASSISTANTS_MAX_UPLOAD_BYTES"] == 512 * 1024 * 1024


@pytest.mark.parametrize("bad", [0, -1, "10", 1.5, True])
def test_a_bad_limit_names_its_key(make_app, bad):
    with pytest.raises(ConfigurationError, match="OCS_ASSISTANTS_MAX_UPLOAD_BYTES"):
        make_app(OCS_ASSISTANTS_MAX_UPLOAD_BYTES=bad)


def test_a_file_at_the_limit_is_taken(api, bot):
    response = api.upload(bot["id"], "file_search", "fits.txt", b"x" * LIMIT)

    assert response.status_code == 201


@pytest.mark.parametrize("size", [LIMIT + 1, 200_000])
def test_a_file_over_the_limit_is_413_in_the_json_shape(api, bot, unchanged, size):
    response = api.upload(bot["id"], "file_search", "big.txt", b"x" * size)

    assert response.status_code == 413
    error = response.get_json()["error"]
    assert error["code"] == "payload_too_large" and "file" in error["fields"]


def test_a_sync_upload_over_the_limit_is_413(api, bot, unchanged):
    record_id = 1  # no such file: the size is refused before anything is looked up
    response = api.post(f"/assistants/{bot['id']}/sync/files/{record_id}/upload",
                        data={"file": (io.BytesIO(b"x" * 200_000), "big.txt")},
                        content_type="multipart/form-data")

    assert response.status_code == 413


def test_a_file_over_the_limit_is_the_edit_pages_error(app, bot, unchanged):
    browser = Browser(app)

    response = browser.client.post(
        f"/assistants/{bot['id']}/files", content_type="multipart/form-data",
        data={"tool": "file_search", "file": (io.BytesIO(b"x" * (LIMIT + 1)), "big.txt")})

    assert response.status_code == 413
    assert "The file is too large" in response.get_data(as_text=True)


@pytest.mark.parametrize("sent, kept", [
    ("../../etc/passwd", "passwd"),
    ("/etc/../shadow", "shadow"),
    ("a\x00b.txt", "ab.txt"),
    ("invoice\u202etxt.exe", "invoicetxt.exe"),
    ("\u2066report\u2069.pdf", "report.pdf"),
])
def test_filenames_are_cleaned(api, bot, sent, kept):
    response = api.upload(bot["id"], "file_search", sent, b"content")

    assert response.status_code == 201, response.get_json()
    assert response.get_json()["filename"] == kept


@pytest.mark.parametrize("sent", ["..", ".", "../..", "\u202e", "dir/.."])
def test_a_filename_with_nothing_usable_left_is_refused(api, bot, unchanged, sent):
    response = api.upload(bot["id"], "file_search", sent, b"content")

    assert response.status_code == 400
    assert "file" in response.get_json()["error"]["fields"]


def test_the_edit_page_cleans_filenames_too(app, api, bot):
    browser = Browser(app)

    response = browser.client.post(
        f"/assistants/{bot['id']}/files", content_type="multipart/form-data",
        data={"tool": "file_search", "file": (io.BytesIO(b"c"), "../x\u202e.txt")})

    assert response.status_code == 302
    assert [f["filename"] for f in api.get(f"/assistants/{bot['id']}").get_json()["files"]] \
        == ["x.txt"]
