"""A version is read-only on every write path: 409 with a message, and nothing changes."""
from __future__ import annotations

import io

import pytest

from plugin_host import snapshot


@pytest.fixture
def drifted_version(api, release, openai_client):
    """A released version (file_search on, one file) of a working assistant, whose store in
    OpenAI was given one more file there (``extra_remote_file``: drift the sync check reports)."""
    bot = api.create(name="Bot", builtin_tools=["file_search", "code_interpreter"])
    assert api.upload(bot["id"], "file_search", "faq.txt").status_code == 201
    drifted_version = api.get(f"/assistants/{release([bot['id']])[bot['id']]}").get_json()
    extra = openai_client.files.create(file=("extra.txt", b"extra"), purpose="assistants")
    openai_client.vector_stores.files.create(drifted_version["vector_store_id"], file_id=extra.id)
    return {**drifted_version, "extra_remote_file": extra.id}


def _file(drifted_version):
    return drifted_version["files"][0]


WRITES = {
    "patch": lambda api, v: api.patch(f"/assistants/{v['id']}", json={"instructions": "x"}),
    "upload": lambda api, v: api.post(
        f"/assistants/{v['id']}/files", content_type="multipart/form-data",
        data={"tool": "code_interpreter", "file": (io.BytesIO(b"1,2"), "t.csv")}),
    "remove file by id": lambda api, v: api.delete(
        f"/assistants/{v['id']}/files/{_file(v)['id']}"),
    "remove file by openai id": lambda api, v: api.delete(
        f"/assistants/{v['id']}/files/{_file(v)['openai_id']}",
        query_string={"tool": "file_search"}),
    "pull": lambda api, v: api.post(f"/assistants/{v['id']}/pull"),
    "push": lambda api, v: api.post(f"/assistants/{v['id']}/push"),
    "release": lambda api, v: api.post(f"/assistants/{v['id']}/release", json={"label": "x"}),
    "sync upload file": lambda api, v: api.post(
        f"/assistants/{v['id']}/sync/files/{_file(v)['id']}/upload", json={}),
    "sync remove file": lambda api, v: api.post(
        f"/assistants/{v['id']}/sync/files/{_file(v)['id']}/remove", json={}),
    "sync keep remote file": lambda api, v: api.post(
        f"/assistants/{v['id']}/sync/remote-files/{v['extra_remote_file']}/keep", json={}),
    "sync remove remote file": lambda api, v: api.post(
        f"/assistants/{v['id']}/sync/remote-files/{v['extra_remote_file']}/remove", json={}),
}


def _page(api, path, data):
    """POST a form to an admin page (CSRF is off in the test host) as team 1."""
    prefix = api.app.config["OCS_ASSISTANTS_URL_PREFIX"]
    return api.client.post(prefix + path, data=data, headers={"X-Team-Id": "1"},
                           content_type="multipart/form-data")


PAGE_WRITES = {
    "page edit": lambda api, v: _page(api, f"/{v['id']}", {"name": "x", "model": "gpt-4o"}),
    "page upload": lambda api, v: _page(api, f"/{v['id']}/files", {
        "tool": "code_interpreter", "file": (io.BytesIO(b"1,2"), "t.csv")}),
    "page remove file": lambda api, v: _page(api, f"/{v['id']}/files/{_file(v)['id']}/remove",
                                             {}),
    "page pull": lambda api, v: _page(api, f"/{v['id']}/sync/pull", {}),
    "page push": lambda api, v: _page(api, f"/{v['id']}/sync/push", {}),
    "page file fix": lambda api, v: _page(api, f"/{v['id']}/sync/files", {
        "fix": "remove", "file_id": str(_file(v)["id"])}),
}


@pytest.mark.parametrize("write", list(WRITES))
def test_every_write_path_refuses_a_version(write, drifted_version, api, openai_client, openai_standin):
    before = snapshot(api, openai_client)
    openai_standin.reset_counts()

    response = WRITES[write](api, drifted_version)

    assert response.status_code == 409, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "conflict"
    assert f"version 1 of assistant {drifted_version['working_id']}" in error["message"].lower()
    assert openai_standin.count(method="POST") == 0
    assert openai_standin.count(method="DELETE") == 0
    assert snapshot(api, openai_client) == before


def test_the_working_assistant_stays_editable_after_a_release(drifted_version, api):
    response = api.patch(f"/assistants/{drifted_version['working_id']}", json={"instructions": "new"})

    assert response.status_code == 200
    assert api.get(f"/assistants/{drifted_version['id']}").get_json()["instructions"] == ""


@pytest.mark.parametrize("write", list(PAGE_WRITES))
def test_every_admin_page_write_refuses_a_version(write, drifted_version, api, openai_client,
                                                  openai_standin):
    before = snapshot(api, openai_client)
    openai_standin.reset_counts()

    response = PAGE_WRITES[write](api, drifted_version)

    assert response.status_code == 409, response.get_data(as_text=True)[:2000]
    assert f"version 1 of assistant {drifted_version['working_id']}" in response.get_data(
        as_text=True).lower()
    assert openai_standin.count(method="POST") == 0
    assert openai_standin.count(method="DELETE") == 0
    assert snapshot(api, openai_client) == before
