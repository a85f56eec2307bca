"""The edit page's sync report (DESIGN 1.1): shown as the page opens, with pull, push, restore
and per-file fixes. Drift is made in the stand-in through the real SDK."""
from __future__ import annotations

import io

import pytest

from page_html import badges, rows, text_of
from pages_client import PagesClient

BETA = {"headers": {"OpenAI-Beta": "assistants=v2"}}


def modify_remote(client, openai_id: str, **body) -> dict:
    return client.post(f"/assistants/{openai_id}", body=body, cast_to=object, options=BETA)


def read_remote(client, openai_id: str) -> dict:
    return client.get(f"/assistants/{openai_id}", cast_to=object, options=BETA)


def sync_badge(html: str) -> str:
    section = html.split('data-testid="sync-report"')[1].split("</h2>")[0]
    return text_of(section.split('data-testid="sync-state">')[1].split("</span>")[0])


def test_an_untouched_assistant_opens_in_sync(pages, api):
    created = api.create(name="Helper", instructions="Be kind.")

    html = pages.text(f"/{created['id']}")

    assert sync_badge(html) == "In sync"
    assert "Pull from OpenAI" not in html and "Push to OpenAI" not in html


def test_a_drifted_assistant_shows_local_and_openai_values_side_by_side(pages, api, openai_client):
    created = api.create(name="Helper", instructions="Be kind.", temperature=0.5)
    modify_remote(openai_client, created["openai_id"], instructions="Be terse.", temperature=1.5)

    html = pages.text(f"/{created['id']}")

    assert sync_badge(html) == "Out of sync"
    assert rows(html, "sync-differences") == ["Instructions Be kind. Be terse.",
                                              "Temperature 0.5 1.5"]
    assert "Pull from OpenAI" in html and "Push to OpenAI" in html
    assert 'data-ocs-confirm="Pull overwrites' in html  # the script asks before pulling


def test_pull_from_the_page_takes_openai_values_and_ends_in_sync(pages, api, openai_client):
    created = api.create(name="Helper", instructions="Be kind.")
    modify_remote(openai_client, created["openai_id"], instructions="Be terse.")

    response = pages.post_form(f"/{created['id']}/sync/pull", {})

    assert response.status_code == 302
    assert response.location == f"/assistants/{created['id']}#sync"
    assert api.get(f"/assistants/{created['id']}").get_json()["instructions"] == "Be terse."
    html = pages.text(f"/{created['id']}")
    assert sync_badge(html) == "In sync"
    assert "Pulled from OpenAI" in html


def test_push_from_the_page_overwrites_openai_and_ends_in_sync(pages, api, openai_client):
    created = api.create(name="Helper", instructions="Be kind.")
    modify_remote(openai_client, created["openai_id"], instructions="Be terse.")

    response = pages.post_form(f"/{created['id']}/sync/push", {})

    assert response.status_code == 302
    assert read_remote(openai_client, created["openai_id"])["instructions"] == "Be kind."
    assert sync_badge(pages.text(f"/{created['id']}")) == "In sync"


def test_sync_fixes_need_the_csrf_token(pages, api, openai_client):
    created = api.create(name="Helper", instructions="Be kind.")
    modify_remote(openai_client, created["openai_id"], instructions="Be terse.")
    pages.csrf_token()

    response = pages.post_form(f"/{created['id']}/sync/pull", {}, token=False)

    assert response.status_code == 403
    assert "CSRF token is missing" in response.get_data(as_text=True)
    assert api.get(f"/assistants/{created['id']}").get_json()["instructions"] == "Be kind."


def test_an_unknown_sync_action_is_refused(pages, api):
    created = api.create(name="Helper")

    response = pages.post_form(f"/{created['id']}/sync/explode", {})

    assert response.status_code == 400
    assert "Unknown sync action" in response.get_data(as_text=True)


def test_another_teams_assistant_cannot_be_pulled(app, api, openai_client):
    created = api.create(name="Helper", instructions="Be kind.")
    modify_remote(openai_client, created["openai_id"], instructions="Be terse.")

    response = PagesClient(app, team=2).post_form(f"/{created['id']}/sync/pull", {})

    assert response.status_code == 404
    assert api.get(f"/assistants/{created['id']}").get_json()["instructions"] == "Be kind."


def test_openai_failing_during_the_check_shows_the_error_state_not_a_500(
        pages, api, openai_standin):
    created = api.create(name="Helper")
    openai_standin.inject_fault(status=500, times=None, method="GET", path_prefix="/v1/assistants")

    response = pages.get(f"/{created['id']}")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert sync_badge(html) == "Check failed"
    assert "Could not compare assistant" in text_of(html)
    assert 'name="name"' in html  # the form is still there to work with


def test_an_assistant_deleted_in_openai_can_be_created_again(pages, api, openai_client):
    created = api.create(name="Helper")
    openai_client.delete(f"/assistants/{created['openai_id']}", cast_to=object, options=BETA)

    html = pages.text(f"/{created['id']}")
    assert sync_badge(html) == "Missing in OpenAI" and "Create in OpenAI" in html

    assert pages.post_form(f"/{created['id']}/sync/push", {}).status_code == 302
    assert sync_badge(pages.text(f"/{created['id']}")) == "In sync"


def test_a_failed_fix_is_shown_on_the_page_and_changes_nothing(pages, api, openai_client,
                                                               openai_standin):
    created = api.create(name="Helper", instructions="Be kind.")
    modify_remote(openai_client, created["openai_id"], instructions="Be terse.")
    openai_standin.inject_fault(status=500, times=None, method="POST",
                                path_prefix=f"/v1/assistants/{created['openai_id']}")

    response = pages.post_form(f"/{created['id']}/sync/push", {})

    assert response.status_code == 503
    html = response.get_data(as_text=True)
    assert "Push failed" in html and 'role="alert"' in html
    openai_standin.clear_faults()
    assert read_remote(openai_client, created["openai_id"])["instructions"] == "Be terse."


# -- per-file fixes -----------------------------------------------------------------------------


def test_a_file_only_in_openai_is_listed_and_can_be_kept_here(pages, api, openai_client):
    created = api.create(name="Helper", builtin_tools=["file_search"])
    extra = openai_client.files.create(file=("extra.txt", b"extra"), purpose="assistants").id
    openai_client.vector_stores.files.create(created["vector_store_id"], file_id=extra)

    html = pages.text(f"/{created['id']}")
    missing = html.split('data-testid="files-missing-locally"')[1].split("</ul>")[0]
    assert sync_badge(html) == "Out of sync" and "extra.txt" in missing and extra in missing
    # Both fix forms name the file with the fields the fix route reads.
    assert missing.count(f'<input type="hidden" name="openai_id" value="{extra}">') == 2
    assert missing.count('<input type="hidden" name="tool" value="file_search">') == 2
    assert missing.count('<input type="hidden" name="filename" value="extra.txt">') == 2
    assert missing.count('name="csrf_token"') == 2

    response = pages.post_form(f"/{created['id']}/sync/files",
                               {"fix": "keep", "openai_id": extra, "tool": "file_search",
                                "filename": "extra.txt"})

    assert response.status_code == 302
    [record] = api.get(f"/assistants/{created['id']}").get_json()["files"]
    assert (record["openai_id"], record["remote_only"]) == (extra, True)
    html = pages.text(f"/{created['id']}")
    assert sync_badge(html) == "In sync" and "“extra.txt” is now recorded here" in html
    assert "Remote only" in badges(html)


def test_a_file_only_in_openai_can_be_detached_there(pages, api, openai_client):
    created = api.create(name="Helper", builtin_tools=["file_search"])
    extra = openai_client.files.create(file=("extra.txt", b"extra"), purpose="assistants").id
    openai_client.vector_stores.files.create(created["vector_store_id"], file_id=extra)

    response = pages.post_form(f"/{created['id']}/sync/files",
                               {"fix": "detach", "openai_id": extra, "tool": "file_search"})

    assert response.status_code == 302
    assert api.get(f"/assistants/{created['id']}").get_json()["files"] == []
    assert sync_badge(pages.text(f"/{created['id']}")) == "In sync"


def test_a_local_file_gone_from_openai_is_uploaded_again(pages, api, openai_client):
    created = api.create(name="Helper", builtin_tools=["file_search"])
    record = pages.upload(created["id"], "file_search", "guide.txt", b"the guide")
    openai_client.vector_stores.files.delete(record["openai_id"],
                                             vector_store_id=created["vector_store_id"])

    html = pages.text(f"/{created['id']}")
    missing = html.split('data-testid="files-missing-remotely"')[1].split("</ul>")[0]
    assert "guide.txt" in missing and "content not stored here" not in missing

    response = pages.post_form(f"/{created['id']}/sync/files",
                               {"fix": "upload", "file_id": str(record["id"]),
                                "filename": "guide.txt"})

    assert response.status_code == 302
    html = pages.text(f"/{created['id']}")
    assert sync_badge(html) == "In sync" and "“guide.txt” is in OpenAI again." in html


def test_a_remote_only_file_gone_from_openai_needs_the_file_chosen(pages, api, openai_client):
    created = api.create(name="Helper", builtin_tools=["file_search"])
    extra = openai_client.files.create(file=("extra.txt", b"extra"), purpose="assistants").id
    openai_client.vector_stores.files.create(created["vector_store_id"], file_id=extra)
    pages.post_form(f"/{created['id']}/sync/files",
                    {"fix": "keep", "openai_id": extra, "tool": "file_search"})
    [record] = api.get(f"/assistants/{created['id']}").get_json()["files"]
    openai_client.files.delete(extra)

    html = pages.text(f"/{created['id']}")
    assert "content not stored here" in html and f'id="fix-file-{record["id"]}"' in html
    refused = pages.post_form(f"/{created['id']}/sync/files",
                              {"fix": "upload", "file_id": str(record["id"])})
    assert refused.status_code == 400
    assert "choose the file to upload" in refused.get_data(as_text=True)

    response = pages.client.post(
        f"/assistants/{created['id']}/sync/files",
        data={"csrf_token": pages.csrf_token(), "fix": "upload", "file_id": str(record["id"]),
              "file": (io.BytesIO(b"extra again"), "extra.txt")},
        content_type="multipart/form-data")

    assert response.status_code == 302
    [again] = api.get(f"/assistants/{created['id']}").get_json()["files"]
    assert again["remote_only"] is False and again["openai_id"] != extra
    assert sync_badge(pages.text(f"/{created['id']}")) == "In sync"


# -- versions -----------------------------------------------------------------------------------


def test_the_versions_list_links_each_version_to_its_read_only_page(pages, api, release_version):
    working = api.create(name="Helper", instructions="Be kind.")
    version_id = release_version(working["id"], "spring release")
    version = api.get(f"/assistants/{version_id}").get_json()

    html = pages.text(f"/{working['id']}")
    [row] = rows(html, "versions")
    assert row.startswith("v1 spring release") and version["openai_id"] in row
    assert f'href="/assistants/{version_id}">v1' in html

    page = pages.text(f"/{version_id}")
    assert 'data-testid="assistant-form"' not in page and "Version 1 is read-only." in page
    assert sync_badge(page) == "In sync" and "Restore in OpenAI" not in page


def test_a_version_changed_in_openai_is_restored_from_its_page(pages, api, openai_client,
                                                              release_version):
    working = api.create(name="Helper", instructions="Be kind.")
    version_id = release_version(working["id"], "spring release")
    version = api.get(f"/assistants/{version_id}").get_json()
    modify_remote(openai_client, version["openai_id"], instructions="Hacked.")

    html = pages.text(f"/{version_id}")
    assert sync_badge(html) == "Out of sync"
    assert rows(html, "sync-differences") == ["Instructions Be kind. Hacked."]
    assert "Restore in OpenAI" in html and "Pull from OpenAI" not in html
    assert "Push to OpenAI" not in html

    response = pages.post_form(f"/{version_id}/sync/restore", {})

    assert response.status_code == 302
    assert read_remote(openai_client, version["openai_id"])["instructions"] == "Be kind."
    assert api.get(f"/assistants/{version_id}").get_json()["instructions"] == "Be kind."
    assert sync_badge(pages.text(f"/{version_id}")) == "In sync"


def test_pulling_a_version_from_its_page_is_refused(pages, api, openai_client, release_version):
    working = api.create(name="Helper", instructions="Be kind.")
    version_id = release_version(working["id"], "spring release")
    version = api.get(f"/assistants/{version_id}").get_json()
    modify_remote(openai_client, version["openai_id"], instructions="Hacked.")

    response = pages.post_form(f"/{version_id}/sync/pull", {})

    assert response.status_code == 409
    assert "read-only" in response.get_data(as_text=True)
    assert api.get(f"/assistants/{version_id}").get_json()["instructions"] == "Be kind."
