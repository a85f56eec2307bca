"""ocs_release: a frozen local version and its own clone in OpenAI, in one request per assistant."""
from __future__ import annotations

import pytest

from ocs_assistant_plugin import hookimpl
from plugin_host import SQLITE_ONLY, fire, on_every_statement, remote_assistant, store_file_ids
from version_helpers import CONFIG


# The request count does not depend on the database: 2500 files (uploading them is most of the
# time) run on SQLite only.
@pytest.mark.parametrize("file_count, database_url", [
    *((count, SQLITE_ONLY) for count in (0, 5, 600, 2500)),
    *(pytest.param(count, "postgresql", marks=pytest.mark.postgresql) for count in (0, 5, 600)),
], indirect=["database_url"])
def test_release_clones_in_one_request_whatever_the_number_of_files(
        file_count, api, release, imported_assistant, openai_client, openai_standin):
    working = imported_assistant(file_count, temperature=0.4, top_p=0.9,
                                 response_format={"type": "json_object"})
    openai_standin.reset_counts()

    mapping = release([working["id"]], label="2024-06 launch")

    assert openai_standin.count() == 1
    assert openai_standin.count("POST", "/v1/assistants") == 1
    version = api.get(f"/assistants/{mapping[working['id']]}").get_json()
    assert version["is_version"] and version["working_id"] == working["id"]
    assert version["version_number"] == 1 and version["release_label"] == "2024-06 launch"
    assert version["name"] == "Librarian v1"
    assert version["openai_id"] not in (None, working["openai_id"])
    assert version["vector_store_id"] not in (None, working["vector_store_id"])
    assert sorted((f["tool"], f["openai_id"], f["filename"]) for f in version["files"]) == sorted(
        (f["tool"], f["openai_id"], f["filename"]) for f in working["files"])

    remote = remote_assistant(openai_client, version["openai_id"])
    assert remote["name"] == "Librarian v1"
    assert remote["instructions"] == "Use the docs." and remote["model"] == "gpt-4o"
    assert remote["temperature"] == 0.4 and remote["top_p"] == 0.9
    assert remote["response_format"] == {"type": "json_object"}
    assert sorted(t["type"] for t in remote["tools"]) == ["code_interpreter", "file_search"]
    assert remote["tool_resources"]["file_search"]["vector_store_ids"] == [
        version["vector_store_id"]]
    assert remote["tool_resources"]["code_interpreter"]["file_ids"] == [
        f["openai_id"] for f in working["files"] if f["tool"] == "code_interpreter"]
    stored = store_file_ids(openai_client, version["vector_store_id"])
    assert stored == {f["openai_id"] for f in working["files"] if f["tool"] == "file_search"}
    assert len(stored) == file_count
    # the working assistant is untouched, and nothing was uploaded again
    assert remote_assistant(openai_client, working["openai_id"])["name"] == "Librarian"
    assert len(list(openai_client.files.list())) == file_count + 1


def test_release_of_several_assistants_makes_one_version_each(api, release, openai_standin,
                                                              openai_client):
    first = api.create(name="First", instructions="one",
                       function_tools=[{"name": "lookup", "description": "Find a thing",
                                        "parameters": {"type": "object", "properties": {}}}])
    second = api.create(name="Second", builtin_tools=["file_search"])
    assert api.upload(second["id"], "file_search", "faq.txt").status_code == 201
    openai_standin.reset_counts()

    mapping = release([first["id"], second["id"], first["id"]], label="v7")

    assert set(mapping) == {first["id"], second["id"]}
    assert openai_standin.count() == 2
    for working in (first, second):
        version = api.get(f"/assistants/{mapping[working['id']]}").get_json()
        assert version["name"] == f"{working['name']} v1" and version["release_label"] == "v7"
        remote = remote_assistant(openai_client, version["openai_id"])
        assert remote["name"] == f"{working['name']} v1"
    remote_first = remote_assistant(openai_client,
                                    api.get(f"/assistants/{mapping[first['id']]}")
                                    .get_json()["openai_id"])
    assert [t["function"]["name"] for t in remote_first["tools"] if t["type"] == "function"] == [
        "lookup"]
    assert api.get(f"/assistants/{first['id']}").get_json()["versions"] == [mapping[first["id"]]]


def test_version_numbers_count_up_per_assistant(api, release, versions_of):
    one = api.create(name="One")
    two = api.create(name="Two")

    release([one["id"]], label="a")
    api.patch(f"/assistants/{one['id']}", json={"instructions": "changed"})
    release([one["id"], two["id"]], label="b")

    assert [(n, label) for n, _, label, _ in versions_of(one["id"])] == [(1, "a"), (2, "b")]
    assert [(n, label) for n, _, label, _ in versions_of(two["id"])] == [(1, "b")]
    latest = api.get(f"/assistants/{versions_of(one['id'])[-1][1]}").get_json()
    assert latest["name"] == "One v2" and latest["instructions"] == "changed"


def test_an_empty_label_is_stored_as_none_and_empty_ids_release_nothing(api, release,
                                                                       openai_standin):
    bot = api.create(name="Bot")
    openai_standin.reset_counts()

    assert release([], label="x") == {}
    assert openai_standin.count() == 0
    version_id = release([bot["id"]], label="")[bot["id"]]
    assert api.get(f"/assistants/{version_id}").get_json()["release_label"] is None


def test_a_long_name_is_shortened_to_fit_the_version_suffix(api, release, openai_client):
    bot = api.create(name="N" * 256)

    version_id = release([bot["id"]])[bot["id"]]

    version = api.get(f"/assistants/{version_id}").get_json()
    assert version["name"] == "N" * 253 + " v1"
    assert remote_assistant(openai_client, version["openai_id"])["name"] == version["name"]


def test_released_observers_hear_of_each_new_version(app, api, plugin, release):
    heard = []

    class Observer:
        @hookimpl
        def ocs_assistant_released(self, assistant, version):
            heard.append((assistant.id, version.id, version.version_number))

    plugin.register(Observer())
    bot = api.create(name="Bot")

    version_id = release([bot["id"]])[bot["id"]]
    release([bot["id"]])  # unchanged: reused, nothing new to hear of

    assert heard == [(bot["id"], version_id, 1)]


def test_release_on_the_responses_backend_clones_the_vector_store(make_app, openai_client,
                                                                  openai_standin):
    from plugin_host import ApiClient

    app = make_app(OCS_ASSISTANTS_BACKEND="responses", **CONFIG)
    api = ApiClient(app)
    bot = api.create(name="Bot", builtin_tools=["file_search"])
    assert api.upload(bot["id"], "file_search", "faq.txt").status_code == 201
    working = api.get(f"/assistants/{bot['id']}").get_json()
    openai_standin.reset_counts()

    mapping = fire(app, "ocs_release", assistant_ids=[bot["id"]], team_id=1, release_label="r")

    version = api.get(f"/assistants/{mapping[bot['id']]}").get_json()
    assert openai_standin.count() == 1
    assert openai_standin.count("POST", "/v1/vector_stores") == 1
    assert version["openai_id"] is None and version["backend"] == "responses"
    assert version["vector_store_id"] not in (None, working["vector_store_id"])
    assert store_file_ids(openai_client, version["vector_store_id"]) == {
        f["openai_id"] for f in working["files"]}


@pytest.mark.parametrize("database_url", [SQLITE_ONLY], indirect=True)
@pytest.mark.parametrize("file_count", [5, 120])
def test_release_inserts_the_versions_file_rows_in_one_statement(
        file_count, app, api, release, imported_assistant):
    import sqlalchemy as sa

    working = imported_assistant(file_count)
    inserts = []

    def record(statement, _context):
        if statement.lstrip().upper().startswith("INSERT INTO OCS_ASSISTANT_FILES"):
            inserts.append(statement)

    with on_every_statement(app, record):
        version_id = release([working["id"]])[working["id"]]

    assert len(inserts) == 1
    version = api.get(f"/assistants/{version_id}").get_json()
    assert [(f["tool"], f["openai_id"], f["filename"]) for f in version["files"]] == [
        (f["tool"], f["openai_id"], f["filename"]) for f in working["files"]]
