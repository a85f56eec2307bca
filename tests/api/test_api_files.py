"""POST /api/assistants/<id>/files and DELETE /api/assistants/<id>/files/<file_id>."""
from __future__ import annotations

import io

import openai
import pytest

from plugin_host import (
    ApiClient,
    remote_assistant,
    remote_file_ids,
    snapshot,
    store_file_ids,
)

BOTH_TOOLS = ["code_interpreter", "file_search"]


def test_file_search_upload_lands_in_the_vector_store(api, openai_client):
    assistant = api.create(builtin_tools=["file_search"])

    response = api.upload(assistant["id"], "file_search", "manual.pdf", b"%PDF manual")

    assert response.status_code == 201
    record = response.get_json()
    assert record["filename"] == "manual.pdf" and record["tool"] == "file_search"
    assert record["remote_only"] is False and record["bytes"] == len(b"%PDF manual")
    assert store_file_ids(openai_client, assistant["vector_store_id"]) == {record["openai_id"]}
    remote_file = openai_client.files.retrieve(record["openai_id"])
    assert remote_file.filename == "manual.pdf" and remote_file.purpose == "assistants"
    assert api.get(f"/assistants/{assistant['id']}").get_json()["files"] == [record]


def test_first_file_search_file_creates_the_store_when_missing(app, api, openai_client):
    assistant = api.create(builtin_tools=["code_interpreter"])
    api.patch(f"/assistants/{assistant['id']}", json={"builtin_tools": BOTH_TOOLS})

    record = api.upload(assistant["id"], "file_search").get_json()

    body = api.get(f"/assistants/{assistant['id']}").get_json()
    assert store_file_ids(openai_client, body["vector_store_id"]) == {record["openai_id"]}
    remote = remote_assistant(openai_client, assistant["openai_id"])
    assert remote["tool_resources"]["file_search"]["vector_store_ids"] == [body["vector_store_id"]]


def test_code_interpreter_files_are_set_on_the_assistant(api, openai_client):
    assistant = api.create(builtin_tools=["code_interpreter"])

    first = api.upload(assistant["id"], "code_interpreter", "a.csv", b"a,b\n1,2\n").get_json()
    second = api.upload(assistant["id"], "code_interpreter", "b.csv", b"c,d\n3,4\n").get_json()

    remote = remote_assistant(openai_client, assistant["openai_id"])
    assert sorted(remote["tool_resources"]["code_interpreter"]["file_ids"]) == sorted(
        [first["openai_id"], second["openai_id"]])
    files = api.get(f"/assistants/{assistant['id']}").get_json()["files"]
    assert [(f["filename"], f["tool"]) for f in files] == [("a.csv", "code_interpreter"),
                                                          ("b.csv", "code_interpreter")]


def test_a_path_is_reduced_to_its_filename(api):
    assistant = api.create(builtin_tools=["file_search"])

    record = api.upload(assistant["id"], "file_search", "home/me/report.txt").get_json()

    assert record["filename"] == "report.txt"


def _file(content: bytes = b"x", name: str = "x.txt"):
    return (io.BytesIO(content), name)


@pytest.mark.parametrize("form, field", [
    ({"tool": "file_search"}, "file"),
    ({"file": _file}, "tool"),
    ({"tool": "retrieval", "file": _file}, "tool"),
    ({"tool": "file_search", "file": _file, "extra": "1"}, "extra"),
    ({"tool": "file_search", "file": lambda: _file(b"", "empty.txt")}, "file"),
    ({"tool": "file_search", "file": lambda: _file(b"x", "")}, "file"),
    ({"tool": "code_interpreter", "file": _file}, "tool"),  # the tool is off
])
def test_bad_upload_changes_nothing(api, openai_client, openai_standin, form, field):
    assistant = api.create(builtin_tools=["file_search"])
    before = snapshot(api, openai_client)
    openai_standin.reset_counts()
    data = {key: value() if callable(value) else value for key, value in form.items()}

    response = api.post(f"/assistants/{assistant['id']}/files", data=data,
                        content_type="multipart/form-data")

    assert response.status_code == 400
    assert field in response.get_json()["error"]["fields"]
    assert openai_standin.count(method="POST") == 0
    assert snapshot(api, openai_client) == before


def test_upload_as_json_names_the_missing_fields(api):
    assistant = api.create(builtin_tools=["file_search"])

    response = api.post(f"/assistants/{assistant['id']}/files", json={"tool": "file_search"})

    assert response.status_code == 400
    assert "file" in response.get_json()["error"]["fields"]


def test_21st_code_interpreter_file_is_refused(api, openai_client, openai_standin):
    assistant = api.create(builtin_tools=["code_interpreter"])
    for i in range(20):
        response = api.upload(assistant["id"], "code_interpreter", f"f{i}.csv", b"%d" % i)
        assert response.status_code == 201
    before = snapshot(api, openai_client)
    openai_standin.reset_counts()

    response = api.upload(assistant["id"], "code_interpreter", "f20.csv", b"20")

    assert response.status_code == 400
    error = response.get_json()["error"]
    assert "file" in error["fields"] and "20" in error["fields"]["file"][0]
    assert openai_standin.count() == 0
    assert snapshot(api, openai_client) == before
    remote = remote_assistant(openai_client, assistant["openai_id"])
    assert len(remote["tool_resources"]["code_interpreter"]["file_ids"]) == 20


def test_failed_push_deletes_the_uploaded_file(api, openai_client, openai_standin):
    assistant = api.create(builtin_tools=["code_interpreter"])
    before = snapshot(api, openai_client)
    openai_standin.inject_fault(status=500, times=None, method="POST",
                                path_prefix=f"/v1/assistants/{assistant['openai_id']}")

    response = api.upload(assistant["id"], "code_interpreter", "data.csv", b"1,2")

    assert response.status_code == 503
    openai_standin.clear_faults()
    assert openai_standin.count("POST", "/v1/files") == 1
    assert openai_standin.count("DELETE", "/v1/files/") == 1
    assert snapshot(api, openai_client) == before


def test_failed_upload_saves_nothing(api, openai_client, openai_standin):
    assistant = api.create(builtin_tools=["file_search"])
    before = snapshot(api, openai_client)
    openai_standin.inject_fault(status=500, times=None, method="POST", path_prefix="/v1/files")

    response = api.upload(assistant["id"], "file_search")

    assert response.status_code == 503
    assert "uploading the file" in response.get_json()["error"]["message"]
    openai_standin.clear_faults()
    assert snapshot(api, openai_client) == before


def test_removing_a_file_search_file_detaches_and_deletes_it(api, openai_client):
    assistant = api.create(builtin_tools=["file_search"])
    kept = api.upload(assistant["id"], "file_search", "kept.txt", b"kept").get_json()
    gone = api.upload(assistant["id"], "file_search", "gone.txt", b"gone").get_json()

    response = api.delete(f"/assistants/{assistant['id']}/files/{gone['id']}",
                          query_string={"tool": "file_search"})

    assert response.status_code == 204 and response.data == b""
    assert store_file_ids(openai_client, assistant["vector_store_id"]) == {kept["openai_id"]}
    with pytest.raises(openai.NotFoundError):
        openai_client.files.retrieve(gone["openai_id"])
    files = api.get(f"/assistants/{assistant['id']}").get_json()["files"]
    assert [f["id"] for f in files] == [kept["id"]]


def test_removing_a_code_interpreter_file_by_its_openai_id(api, openai_client):
    assistant = api.create(builtin_tools=["code_interpreter"])
    record = api.upload(assistant["id"], "code_interpreter", "x.csv", b"1").get_json()

    response = api.delete(f"/assistants/{assistant['id']}/files/{record['openai_id']}")

    assert response.status_code == 204
    remote = remote_assistant(openai_client, assistant["openai_id"])
    assert remote["tool_resources"]["code_interpreter"]["file_ids"] == []
    assert record["openai_id"] not in remote_file_ids(openai_client)


def test_a_file_another_assistant_uses_is_kept_in_openai(app, api, openai_client):
    file = openai_client.files.create(file=("shared.txt", b"shared"), purpose="assistants")
    made = openai_client.post("/assistants", cast_to=object, body={
        "model": "gpt-4o", "name": "Shared", "tools": [{"type": "code_interpreter"}],
        "tool_resources": {"code_interpreter": {"file_ids": [file.id]}}},
        options={"headers": {"OpenAI-Beta": "assistants=v2"}})
    other = openai_client.post("/assistants", cast_to=object, body={
        "model": "gpt-4o", "name": "Other", "tools": [{"type": "code_interpreter"}],
        "tool_resources": {"code_interpreter": {"file_ids": [file.id]}}},
        options={"headers": {"OpenAI-Beta": "assistants=v2"}})
    mine = api.post("/assistants/import", json={"openai_assistant_id": made["id"]}).get_json()
    assert api.post("/assistants/import",
                    json={"openai_assistant_id": other["id"]}).status_code == 201

    response = api.delete(f"/assistants/{mine['id']}/files/{file.id}")

    assert response.status_code == 204
    assert file.id in remote_file_ids(openai_client)
    assert api.get(f"/assistants/{mine['id']}").get_json()["files"] == []


def test_removing_with_the_wrong_tool_is_404_and_changes_nothing(api, openai_client):
    assistant = api.create(builtin_tools=["file_search"])
    record = api.upload(assistant["id"], "file_search").get_json()
    before = snapshot(api, openai_client)

    response = api.delete(f"/assistants/{assistant['id']}/files/{record['id']}",
                          query_string={"tool": "code_interpreter"})

    assert response.status_code == 404
    assert snapshot(api, openai_client) == before


def test_removing_with_an_unknown_tool_names_the_tool(api):
    assistant = api.create(builtin_tools=["file_search"])
    record = api.upload(assistant["id"], "file_search").get_json()

    response = api.delete(f"/assistants/{assistant['id']}/files/{record['id']}",
                          query_string={"tool": "browser"})

    assert response.status_code == 400
    assert "tool" in response.get_json()["error"]["fields"]


def test_failed_detach_keeps_the_file(api, openai_client, openai_standin):
    assistant = api.create(builtin_tools=["code_interpreter"])
    record = api.upload(assistant["id"], "code_interpreter").get_json()
    before = snapshot(api, openai_client)
    openai_standin.inject_fault(status=502, times=None, method="POST",
                                path_prefix=f"/v1/assistants/{assistant['openai_id']}")

    response = api.delete(f"/assistants/{assistant['id']}/files/{record['id']}")

    assert response.status_code == 503
    openai_standin.clear_faults()
    assert snapshot(api, openai_client) == before


def test_upload_needs_the_csrf_token_when_protection_is_on(make_app, openai_client):
    import re

    app = make_app(OCS_ASSISTANTS_CSRF_ENABLED=True)
    api = ApiClient(app)
    assistant = api.create(builtin_tools=["file_search"])

    missing = api.upload(assistant["id"], "file_search")
    page = api.client.get("/assistants/new", headers={"X-Team-Id": "1"}).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    wrong = api.upload(assistant["id"], "file_search", headers={"X-CSRF-Token": "other"})
    right = api.upload(assistant["id"], "file_search", headers={"X-CSRF-Token": token})

    assert missing.status_code == 403 and "csrf_token" in missing.get_json()["error"]["fields"]
    assert wrong.status_code == 403 and "csrf_token" in wrong.get_json()["error"]["fields"]
    assert right.status_code == 201
    assert len(api.get(f"/assistants/{assistant['id']}").get_json()["files"]) == 1


def test_json_bodies_need_no_csrf_token(make_app):
    api = ApiClient(make_app(OCS_ASSISTANTS_CSRF_ENABLED=True))

    assert api.post("/assistants", json={"name": "A", "model": "gpt-4o"}).status_code == 201


def test_too_large_upload_is_413_in_the_error_shape(make_app, openai_client, openai_standin):
    app = make_app(MAX_CONTENT_LENGTH=1000)
    api = ApiClient(app)
    assistant = api.create(builtin_tools=["file_search"])
    openai_standin.reset_counts()

    response = api.upload(assistant["id"], "file_search", "big.txt", b"x" * 5000)

    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "request_entity_too_large"
    assert openai_standin.count() == 0


def test_a_failed_file_deletion_is_left_pending_in_the_outbox(app, api, openai_client,
                                                              openai_standin):
    import sqlalchemy as sa

    from ocs_assistant_plugin.models import RemoteOperation

    assistant = api.create(builtin_tools=["code_interpreter"])
    record = api.upload(assistant["id"], "code_interpreter").get_json()
    openai_standin.inject_fault(status=500, times=None, method="DELETE", path_prefix="/v1/files/")

    response = api.delete(f"/assistants/{assistant['id']}/files/{record['id']}")

    openai_standin.clear_faults()
    assert response.status_code == 204  # detached and saved; the deletion is retried later
    assert api.get(f"/assistants/{assistant['id']}").get_json()["files"] == []
    assert record["openai_id"] in remote_file_ids(openai_client)
    with app.app_context():
        db = app.extensions["sqlalchemy"]
        operation = db.session.execute(sa.select(RemoteOperation)).scalar_one()
        assert (operation.kind, operation.target, operation.status, operation.attempts) == (
            "delete_file", record["openai_id"], "pending", 1)
        assert "500" in operation.last_error
        assert operation.next_attempt_at > operation.created_at


def test_a_done_file_deletion_is_recorded_as_done(app, api):
    import sqlalchemy as sa

    from ocs_assistant_plugin.models import RemoteOperation

    assistant = api.create(builtin_tools=["file_search"])
    record = api.upload(assistant["id"], "file_search").get_json()

    api.delete(f"/assistants/{assistant['id']}/files/{record['id']}")

    with app.app_context():
        db = app.extensions["sqlalchemy"]
        operation = db.session.execute(sa.select(RemoteOperation)).scalar_one()
        assert (operation.status, operation.attempts, operation.last_error) == ("done", 1, None)
