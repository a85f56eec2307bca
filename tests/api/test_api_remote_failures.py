"""OpenAI unreachable, failing or misconfigured: a clear 502/503, and nothing saved."""
from __future__ import annotations

import socket

import openai
import pytest
import sqlalchemy as sa

from plugin_host import (ApiClient, on_every_statement, remote_assistant_ids, remote_store_ids,
                         snapshot)


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"  # nothing listens there once the socket is closed


@pytest.fixture
def unreachable_client():
    client = openai.OpenAI(api_key="sk-x", base_url=closed_port_url(), max_retries=0, timeout=5)
    yield client
    client.close()


def test_unreachable_openai_is_503_and_nothing_is_saved(make_app, unreachable_client):
    api = ApiClient(make_app(client=unreachable_client))

    response = api.post("/assistants", json={"name": "Bot", "model": "gpt-4o"})

    assert response.status_code == 503
    error = response.get_json()["error"]
    assert error["code"] == "remote_unavailable"
    assert "could not be reached" in error["message"]
    assert api.assistants() == []


def test_openai_answering_500_is_503_and_nothing_is_saved(api, openai_client, openai_standin):
    openai_standin.inject_fault(status=500, times=None, method="POST", path_prefix="/v1/assistants")

    response = api.post("/assistants", json={"name": "Bot", "model": "gpt-4o",
                                             "builtin_tools": ["file_search"]})

    assert response.status_code == 503
    assert "500" in response.get_json()["error"]["message"]
    openai_standin.clear_faults()
    assert api.assistants() == []
    assert remote_assistant_ids(openai_client) == set()
    assert remote_store_ids(openai_client) == set()  # the store made for it was deleted again


def test_import_while_openai_fails_saves_nothing(api, openai_client, openai_standin):
    openai_standin.inject_fault(status=503, times=None, method="GET")

    response = api.post("/assistants/import", json={"openai_assistant_id": "asst_123"})

    assert response.status_code == 503
    openai_standin.clear_faults()
    assert api.assistants() == []


def test_refused_credentials_are_502(make_app, openai_standin):
    client = openai.OpenAI(api_key="sk-wrong", base_url=openai_standin.base_url, max_retries=0)
    try:
        api = ApiClient(make_app(client=client))
        response = api.post("/assistants", json={"name": "Bot", "model": "gpt-4o"})
    finally:
        client.close()

    assert response.status_code == 502
    assert response.get_json()["error"]["code"] == "remote_auth_failed"
    assert api.assistants() == []


def test_no_openai_client_for_the_team_is_503_with_a_clear_message(make_app, openai_standin):
    api = ApiClient(make_app(client=None))

    response = api.post("/assistants", json={"name": "Bot", "model": "gpt-4o"})

    assert response.status_code == 503
    error = response.get_json()["error"]
    assert error["code"] == "remote_not_configured"
    assert "No OpenAI API key configured for team 1" in error["message"]
    assert openai_standin.count() == 0
    assert api.assistants() == []


def test_database_failure_after_create_deletes_the_remote_assistant(app, api, openai_client):
    def refuse_assistant_inserts(statement, context):
        if statement.lstrip().upper().startswith("INSERT INTO OCS_ASSISTANTS"):
            raise context.dialect.loaded_dbapi.OperationalError("disk full")

    with on_every_statement(app, refuse_assistant_inserts), \
            pytest.raises(sa.exc.OperationalError):
        api.post("/assistants", json={"name": "Bot", "model": "gpt-4o",
                                      "builtin_tools": ["file_search"]})

    assert api.assistants() == []
    assert remote_assistant_ids(openai_client) == set()
    assert remote_store_ids(openai_client) == set()


def test_database_failure_after_upload_deletes_the_file(app, api, openai_client):
    assistant = api.create(builtin_tools=["file_search"])
    before = snapshot(api, openai_client)

    def refuse_file_inserts(statement, context):
        if statement.lstrip().upper().startswith("INSERT INTO OCS_ASSISTANT_FILES"):
            raise context.dialect.loaded_dbapi.OperationalError("disk full")

    with on_every_statement(app, refuse_file_inserts), pytest.raises(sa.exc.OperationalError):
        api.upload(assistant["id"], "file_search")

    assert snapshot(api, openai_client) == before


def test_unexpected_errors_are_json_500_when_not_propagated(make_app, openai_client):
    app = make_app(PROPAGATE_EXCEPTIONS=False)
    api = ApiClient(app)

    def refuse(statement, context):
        raise context.dialect.loaded_dbapi.OperationalError("database down")

    with on_every_statement(app, refuse):
        response = api.get("/assistants")

    assert response.status_code == 500
    assert response.get_json()["error"]["code"] == "internal_error"
