"""Files: multipart upload, retrieve, content, list, delete."""
from __future__ import annotations

import openai
import pytest


def test_upload_returns_a_processed_file(openai_client):
    payload = b"%PDF-1.7 \x00\xff binary"
    file = openai_client.files.create(file=("report.pdf", payload), purpose="assistants")

    assert file.id.startswith("file-")
    assert (file.object, file.filename, file.bytes) == ("file", "report.pdf", len(payload))
    assert (file.purpose, file.status) == ("assistants", "processed")
    assert file.expires_at is None
    assert openai_client.files.retrieve(file.id) == file


def test_content_returns_the_exact_bytes(openai_client):
    payload = bytes(range(256)) * 4 + b"\r\n--boundary-like\r\n"
    file = openai_client.files.create(file=("blob.bin", payload), purpose="user_data")

    assert openai_client.files.content(file.id).read() == payload


def test_expires_after_sets_expires_at(openai_client):
    file = openai_client.files.create(file=("tmp.jsonl", b"{}\n"), purpose="batch",
                                      expires_after={"anchor": "created_at", "seconds": 3600})

    assert file.expires_at == file.created_at + 3600


@pytest.mark.parametrize("kwargs, param, code", [
    ({"purpose": "training"}, "purpose", "invalid_value"),
    ({"purpose": "batch", "expires_after": {"anchor": "created_at", "seconds": 60}},
     "expires_after.seconds", "integer_below_min_value"),
    ({"purpose": "batch", "expires_after": {"anchor": "last_active_at", "seconds": 3600}},
     "expires_after.anchor", "invalid_value"),
    ({"purpose": "batch", "expires_after": {"anchor": "created_at", "seconds": "soon"}},
     "expires_after.seconds", "invalid_type"),
])
def test_invalid_upload_fields_are_refused(openai_client, kwargs, param, code):
    with pytest.raises(openai.BadRequestError) as caught:
        openai_client.files.create(file=("a.txt", b"a"), **kwargs)

    assert (caught.value.param, caught.value.code) == (param, code)
    assert openai_client.files.list().data == []


def test_upload_without_file_part_is_refused(openai_client):
    with pytest.raises(openai.BadRequestError) as caught:
        openai_client.post("/files", body={"purpose": "assistants"}, files=[],
                           options={"headers": {"Content-Type": "multipart/form-data"}},
                           cast_to=object)

    assert (caught.value.param, caught.value.code) == ("file", "missing_required_parameter")


def test_upload_with_unknown_form_field_is_refused(openai_client):
    with pytest.raises(openai.BadRequestError) as caught:
        openai_client.files.create(file=("a.txt", b"a"), purpose="assistants",
                                   extra_body={"colour": "blue"})

    assert caught.value.param == "colour"


def test_list_filters_by_purpose(openai_client, upload):
    kept = upload(purpose="assistants")
    upload(purpose="user_data")

    listed = openai_client.files.list(purpose="assistants")

    assert [f.id for f in listed.data] == [kept.id]


def test_list_default_limit_is_10000(openai_client, upload):
    for index in range(25):  # more than the 20 of other lists
        upload(filename=f"{index}.txt")

    page = openai_client.files.list()

    assert len(page.data) == 25 and page.has_more is False


@pytest.mark.parametrize("limit", [0, 10001])
def test_list_limit_outside_1_to_10000_is_refused(openai_client, limit):
    with pytest.raises(openai.BadRequestError) as caught:
        openai_client.files.list(limit=limit)

    assert caught.value.param == "limit"


def test_delete_file(openai_client, upload):
    file = upload()

    deleted = openai_client.files.delete(file.id)

    assert (deleted.id, deleted.object, deleted.deleted) == (file.id, "file", True)
    with pytest.raises(openai.NotFoundError):
        openai_client.files.retrieve(file.id)


@pytest.mark.parametrize("call", ["retrieve", "delete", "content"])
def test_unknown_file_is_404(openai_client, call):
    with pytest.raises(openai.NotFoundError) as caught:
        getattr(openai_client.files, call)("file-missing")

    assert caught.value.body["message"] == "No file found with id 'file-missing'."
