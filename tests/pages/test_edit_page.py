"""The edit page: the form filled in, saving pushes, files per tool, read-only versions."""
from __future__ import annotations

import io
import json
import re

from ocs_assistant_plugin.models import Assistant
from page_html import field_errors, input_value, text_of, textarea_value
from pages_client import PagesClient
from plugin_host import remote_assistant, store_file_ids


def _form_of(html: str) -> dict:
    return {"name": input_value(html, "name"), "model": input_value(html, "model"),
            "temperature": input_value(html, "temperature"),
            "function_tools": textarea_value(html, "function_tools")}


def test_the_form_shows_the_assistant_as_saved(pages, api):
    tools = [{"name": "lookup", "description": "Find it",
              "parameters": {"type": "object", "properties": {}}}]
    created = api.create(name="Helper", temperature=0.3, function_tools=tools,
                         builtin_tools=["code_interpreter"])

    html = pages.text(f"/{created['id']}")

    form = _form_of(html)
    assert form["name"] == "Helper" and form["model"] == "gpt-4o" and form["temperature"] == "0.3"
    assert json.loads(form["function_tools"]) == tools
    assert 'value="code_interpreter" checked' in html
    assert created["openai_id"] in html


def test_saving_the_form_pushes_to_openai(pages, api, openai_client):
    created = api.create(name="Helper", builtin_tools=["file_search"])
    html = pages.text(f"/{created['id']}")
    form = {"name": "Helper 2", "model": "gpt-4o", "instructions": "New rules.",
            "description": "", "temperature": "1.5", "top_p": "0.9", "response_format": "auto",
            "builtin_tools": ["file_search"],
            "function_tools": textarea_value(html, "function_tools")}

    response = pages.post_form(f"/{created['id']}", form)

    assert response.status_code == 302 and response.location == f"/assistants/{created['id']}"
    saved = api.get(f"/assistants/{created['id']}").get_json()
    assert (saved["name"], saved["instructions"], saved["temperature"], saved["top_p"],
            saved["response_format"]) == ("Helper 2", "New rules.", 1.5, 0.9, "auto")
    remote = remote_assistant(openai_client, created["openai_id"])
    assert remote["name"] == "Helper 2" and remote["instructions"] == "New rules."
    assert "Changes saved and pushed to OpenAI." in pages.text(response.location)


def test_bad_input_on_the_edit_form_keeps_the_typed_values_and_changes_nothing(
        pages, api, openai_client):
    created = api.create(name="Helper")

    response = pages.post_form(f"/{created['id']}", {"name": "Renamed", "model": "",
                                                     "temperature": "-1"})

    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert set(field_errors(html)) == {"model", "temperature"}
    assert input_value(html, "name") == "Renamed" and input_value(html, "temperature") == "-1"
    assert api.get(f"/assistants/{created['id']}").get_json()["name"] == "Helper"
    assert remote_assistant(openai_client, created["openai_id"])["name"] == "Helper"


def test_openai_refusing_a_save_shows_an_alert_and_saves_nothing(pages, api, openai_standin):
    created = api.create(name="Helper")
    openai_standin.inject_fault(status=500, times=None, method="POST",
                                path_prefix=f"/v1/assistants/{created['openai_id']}")

    response = pages.post_form(f"/{created['id']}", {"name": "Renamed", "model": "gpt-4o"})

    assert response.status_code == 503
    html = response.get_data(as_text=True)
    assert "OpenAI could not complete the request" in html
    assert input_value(html, "name") == "Renamed"  # what was typed is not lost
    openai_standin.clear_faults()
    assert api.get(f"/assistants/{created['id']}").get_json()["name"] == "Helper"


def test_another_teams_assistant_is_not_found(app, api):
    created = api.create(name="Team one's")
    other_team = PagesClient(app, team=2)

    response = other_team.get(f"/{created['id']}")

    assert response.status_code == 404
    assert f"Assistant {created['id']} not found." in text_of(response.get_data(as_text=True))
    assert "Team one's" not in response.get_data(as_text=True)
    post = other_team.post_form(f"/{created['id']}", {"name": "Mine now", "model": "gpt-4o"})
    assert post.status_code == 404
    assert api.get(f"/assistants/{created['id']}").get_json()["name"] == "Team one's"


def test_a_missing_assistant_is_not_found(pages):
    assert pages.get("/999").status_code == 404


# -- files --------------------------------------------------------------------------------------


def test_upload_form_without_javascript_adds_the_file(pages, api, openai_client):
    created = api.create(builtin_tools=["file_search"])

    response = pages.client.post(
        f"/assistants/{created['id']}/files",
        data={"csrf_token": pages.csrf_token(), "tool": "file_search",
              "file": (io.BytesIO(b"The manual"), "manual.txt")},
        content_type="multipart/form-data")

    assert response.status_code == 302
    assert response.location == f"/assistants/{created['id']}#files"
    [record] = api.get(f"/assistants/{created['id']}").get_json()["files"]
    assert record["filename"] == "manual.txt"
    assert store_file_ids(openai_client, created["vector_store_id"]) == {record["openai_id"]}
    html = pages.text(f"/{created['id']}")
    assert "“manual.txt” uploaded to File search." in html and record["openai_id"] in html


def test_an_upload_needs_the_csrf_token(pages, api):
    created = api.create(builtin_tools=["file_search"])
    pages.csrf_token()

    response = pages.client.post(
        f"/assistants/{created['id']}/files",
        data={"tool": "file_search", "file": (io.BytesIO(b"x"), "a.txt")},
        content_type="multipart/form-data")
    via_api = pages.client.post(
        f"/assistants/api/assistants/{created['id']}/files",
        data={"tool": "file_search", "file": (io.BytesIO(b"x"), "a.txt")},
        content_type="multipart/form-data")

    assert response.status_code == 403
    assert "CSRF token is missing" in response.get_data(as_text=True)
    assert via_api.status_code == 403 and via_api.get_json()["error"]["code"] == "csrf_failed"
    assert list(via_api.get_json()["error"]["fields"]) == ["csrf_token"]
    assert api.get(f"/assistants/{created['id']}").get_json()["files"] == []


def test_the_api_upload_takes_the_token_as_a_header(pages, api):
    """What the page's script does: multipart to the JSON API, token in X-CSRF-Token."""
    created = api.create(builtin_tools=["code_interpreter"])

    response = pages.client.post(
        f"/assistants/api/assistants/{created['id']}/files",
        data={"tool": "code_interpreter", "file": (io.BytesIO(b"a,b\n"), "data.csv")},
        headers={"X-CSRF-Token": pages.csrf_token()}, content_type="multipart/form-data")

    assert response.status_code == 201 and response.get_json()["filename"] == "data.csv"


def test_an_upload_refused_shows_why_on_the_page(pages, api):
    created = api.create(builtin_tools=["code_interpreter"])

    response = pages.client.post(
        f"/assistants/{created['id']}/files",
        data={"csrf_token": pages.csrf_token(), "tool": "file_search",
              "file": (io.BytesIO(b"x"), "a.txt")},
        content_type="multipart/form-data")

    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "The file was not added" in html and "The file_search tool is off" in html
    no_file = pages.client.post(f"/assistants/{created['id']}/files",
                                data={"csrf_token": pages.csrf_token(), "tool": "code_interpreter"})
    assert no_file.status_code == 400
    assert "Choose a file to upload." in no_file.get_data(as_text=True)


def test_each_tool_lists_its_files_and_removing_one_detaches_it(pages, api, openai_client):
    created = api.create(builtin_tools=["code_interpreter", "file_search"])
    table = pages.upload(created["id"], "code_interpreter", "table.csv", b"a,b\n")
    manual = pages.upload(created["id"], "file_search", "manual.txt", b"text")

    html = pages.text(f"/{created['id']}")
    code_part = html.split('data-testid="files-code_interpreter"')[1].split(
        'data-testid="files-file_search"')[0]
    assert "table.csv" in code_part and "manual.txt" not in code_part
    assert "1 of 20 files" in code_part

    response = pages.post_form(f"/{created['id']}/files/{manual['id']}/remove",
                               {"tool": "file_search"})

    assert response.status_code == 302
    files = api.get(f"/assistants/{created['id']}").get_json()["files"]
    assert [f["id"] for f in files] == [table["id"]]
    assert store_file_ids(openai_client, created["vector_store_id"]) == set()
    assert "File removed." in pages.text(f"/{created['id']}")


def test_removing_a_file_needs_the_csrf_token(pages, api):
    created = api.create(builtin_tools=["code_interpreter"])
    record = pages.upload(created["id"], "code_interpreter", "t.csv", b"a")

    response = pages.post_form(f"/{created['id']}/files/{record['id']}/remove", {}, token=False)

    assert response.status_code == 403
    assert len(api.get(f"/assistants/{created['id']}").get_json()["files"]) == 1


# -- versions and archived assistants are read-only --------------------------------------------


def _version_of(app, working: dict, number: int = 1) -> int:
    db = app.extensions["sqlalchemy"]
    with app.app_context():
        row = Assistant(team_id=1, model=working["model"], name=f"{working['name']} v{number}",
                        is_version=True, working_id=working["id"], version_number=number,
                        release_label=f"release {number}", openai_id=f"asst_version{number}")
        db.session.add(row)
        db.session.commit()
        return row.id


def test_the_edit_page_lists_the_versions(app, pages, api):
    working = api.create(name="Helper")
    first, second = _version_of(app, working, 1), _version_of(app, working, 2)

    html = pages.text(f"/{working['id']}")

    versions = html.split('data-testid="versions"')[1]
    assert versions.index(f'href="/assistants/{second}">v2') < versions.index(
        f'href="/assistants/{first}">v1')
    assert "release 1" in versions and "asst_version2" in versions


def test_a_version_page_is_read_only(app, pages, api):
    working = api.create(name="Helper")
    version = _version_of(app, working)

    html = pages.text(f"/{version}")

    outside_try_panel = re.sub(r'<section class="ocs-card ocs-try".*?</section>', "", html,
                               flags=re.S)
    assert 'data-testid="assistant-form"' not in html and "<textarea" not in outside_try_panel
    assert "Version 1 is read-only." in html
    assert f'href="/assistants/{working["id"]}"' in html
    response = pages.post_form(f"/{version}", {"name": "Changed", "model": "gpt-4o"})
    assert response.status_code == 409
    assert "read-only" in response.get_data(as_text=True)
