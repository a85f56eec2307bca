"""Importing an assistant that exists in OpenAI, by its id."""
from __future__ import annotations

from page_html import field_errors, input_value

BETA = {"headers": {"OpenAI-Beta": "assistants=v2"}}


def create_remote(client, **body) -> dict:
    return client.post("/assistants", body={"model": "gpt-4o", **body}, cast_to=object,
                       options=BETA)


def test_importing_copies_the_assistant_and_its_files_as_remote_only(pages, api, openai_client):
    guide = openai_client.files.create(file=("guide.txt", b"the guide"), purpose="assistants").id
    store = openai_client.vector_stores.create(name="docs", file_ids=[guide]).id
    remote = create_remote(openai_client, name="Legacy", instructions="Old rules.",
                           tools=[{"type": "file_search"}],
                           tool_resources={"file_search": {"vector_store_ids": [store]}})

    response = pages.post_form("/import", {"openai_assistant_id": f"  {remote['id']} "})

    assert response.status_code == 302
    [imported] = api.assistants()
    assert response.location == f"/assistants/{imported['id']}"
    assert (imported["name"], imported["instructions"], imported["openai_id"]) == (
        "Legacy", "Old rules.", remote["id"])
    [record] = imported["files"]
    assert (record["filename"], record["remote_only"]) == ("guide.txt", True)
    html = pages.text(response.location)
    assert "Imported “Legacy” from OpenAI with 1 file." in html


def test_an_unknown_id_is_shown_next_to_the_field_and_kept(pages, api):
    response = pages.post_form("/import", {"openai_assistant_id": "asst_missing"})

    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert field_errors(html) == {"openai_assistant_id": "No such assistant in OpenAI."}
    assert input_value(html, "openai_assistant_id") == "asst_missing"
    assert api.assistants() == []


def test_an_empty_id_is_required(pages, openai_standin):
    openai_standin.reset_counts()

    response = pages.post_form("/import", {"openai_assistant_id": "  "})

    assert response.status_code == 400
    assert "Required" in field_errors(response.get_data(as_text=True))["openai_assistant_id"]
    assert openai_standin.count() == 0


def test_importing_twice_is_refused_naming_the_copy(pages, api, openai_client):
    remote = create_remote(openai_client, name="Legacy")
    pages.post_form("/import", {"openai_assistant_id": remote["id"]})
    [first] = api.assistants()

    response = pages.post_form("/import", {"openai_assistant_id": remote["id"]})

    assert response.status_code == 409
    assert field_errors(response.get_data(as_text=True)) == {
        "openai_assistant_id": f"OpenAI assistant is already managed here by assistant "
                               f"{first['id']}."}
    assert len(api.assistants()) == 1


def test_openai_unavailable_is_an_alert_on_the_form(pages, openai_standin):
    openai_standin.inject_fault(status=503, times=None, path_prefix="/v1/assistants")

    response = pages.post_form("/import", {"openai_assistant_id": "asst_abc"})

    assert response.status_code == 503
    html = response.get_data(as_text=True)
    assert "OpenAI could not complete the request" in html
    assert input_value(html, "openai_assistant_id") == "asst_abc"


def test_importing_needs_the_csrf_token(pages, api, openai_client):
    remote = create_remote(openai_client, name="Legacy")
    pages.csrf_token()

    response = pages.post_form("/import", {"openai_assistant_id": remote["id"]}, token=False)

    assert response.status_code == 403 and api.assistants() == []
