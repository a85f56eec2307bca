"""ocs_openai_client: the host's client first, else one from config, else a clear 503."""
from __future__ import annotations

import openai

from plugin_host import ASSISTANTS_BACKEND, ApiClient, remote_assistant


def test_default_client_comes_from_config(make_app, openai_standin, openai_client):
    app = make_app(client=None, OCS_ASSISTANTS_OPENAI_API_KEY=openai_standin.api_key,
                   OCS_ASSISTANTS_OPENAI_BASE_URL=openai_standin.base_url,
                   OCS_ASSISTANTS_OPENAI_MAX_RETRIES=0, **ASSISTANTS_BACKEND)
    api = ApiClient(app)

    created = api.create(name="From config")

    assert remote_assistant(openai_client, created["openai_id"])["name"] == "From config"


def test_default_client_is_built_with_the_configured_options(make_app):
    app = make_app(client=None, OCS_ASSISTANTS_OPENAI_API_KEY="sk-config",
                   OCS_ASSISTANTS_OPENAI_BASE_URL="http://127.0.0.1:9/v1",
                   OCS_ASSISTANTS_OPENAI_MAX_RETRIES=4, OCS_ASSISTANTS_OPENAI_TIMEOUT=12.5)
    plugin = app.extensions["ocs_assistants"]

    with app.app_context():
        client = plugin.hook.ocs_openai_client(team_id=3)
        assert isinstance(client, openai.OpenAI)
        assert client.api_key == "sk-config" and str(client.base_url) == "http://127.0.0.1:9/v1/"
        assert client.max_retries == 4 and client.timeout == 12.5
        assert plugin.hook.ocs_openai_client(team_id=3) is client  # one per team and context
        assert plugin.hook.ocs_openai_client(team_id=4) is not client
    assert client.is_closed()  # closed with the application context


def test_host_client_wins_over_config(make_app, openai_client):
    app = make_app(client=openai_client, OCS_ASSISTANTS_OPENAI_API_KEY="sk-config")
    plugin = app.extensions["ocs_assistants"]

    with app.app_context():
        assert plugin.hook.ocs_openai_client(team_id=1) is openai_client


def test_no_key_and_no_host_client_answers_none(make_app):
    app = make_app(client=None)

    with app.app_context():
        assert app.extensions["ocs_assistants"].hook.ocs_openai_client(team_id=1) is None
