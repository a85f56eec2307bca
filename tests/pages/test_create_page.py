"""Creating an assistant through the form: saved and pushed, or every bad field named and kept."""
from __future__ import annotations

import json

from page_html import field_errors, input_value, text_of, textarea_value
from plugin_host import remote_assistant, remote_assistant_ids

GOOD_FORM = {
    "name": "Support bot",
    "model": "gpt-4o-mini",
    "description": "Answers questions about orders",
    "instructions": "Be kind.\r\nBe brief.",
    "temperature": "0.4",
    "top_p": "",
    "response_format": "",
    "builtin_tools": ["file_search", "code_interpreter"],
    "function_tools": json.dumps([{"name": "lookup_order", "description": "Find an order",
                                   "parameters": {"type": "object", "properties": {}}}]),
}


def test_the_form_creates_the_assistant_in_openai_and_opens_its_page(pages, api, openai_client):
    response = pages.post_form("/new", GOOD_FORM)

    assert response.status_code == 302
    [created] = api.assistants()
    assert response.location == f"/assistants/{created['id']}"
    assert created["instructions"] == "Be kind.\nBe brief."  # the browser's CRLF is a line break
    assert created["temperature"] == 0.4 and created["top_p"] is None
    assert created["builtin_tools"] == ["code_interpreter", "file_search"]
    remote = remote_assistant(openai_client, created["openai_id"])
    assert remote["name"] == "Support bot" and remote["model"] == "gpt-4o-mini"
    assert [t["type"] for t in remote["tools"]] == ["code_interpreter", "file_search", "function"]
    page = pages.text(response.location)
    assert "Assistant “Support bot” created and pushed to OpenAI." in page
    assert "created and pushed" not in pages.text(response.location)  # the notice shows once


def test_bad_input_names_each_field_keeps_what_was_typed_and_creates_nothing(
        pages, api, openai_client, openai_standin):
    typed = {**GOOD_FORM, "name": "", "temperature": "hot", "top_p": "7",
             "function_tools": '[{"name": "no spaces allowed"}]', "description": "x" * 600}
    openai_standin.reset_counts()

    response = pages.post_form("/new", typed)

    assert response.status_code == 400
    html = response.get_data(as_text=True)
    errors = field_errors(html)
    assert set(errors) == {"name", "temperature", "top_p", "function_tools", "description"}
    assert "Required" in errors["name"]
    assert errors["temperature"] == ("Enter a number from 0 to 2, or leave it empty for the "
                                     "default.")
    assert "from 0 to 1" in errors["top_p"]
    assert errors["function_tools"].startswith("item 1, name:")
    assert "512" in errors["description"]
    assert "Please correct 5 fields." in html
    assert input_value(html, "temperature") == "hot" and input_value(html, "top_p") == "7"
    assert input_value(html, "model") == "gpt-4o-mini"
    assert textarea_value(html, "instructions") == "Be kind.\nBe brief."
    assert textarea_value(html, "function_tools") == typed["function_tools"]
    assert 'value="file_search" checked' in html and 'value="code_interpreter" checked' in html
    assert openai_standin.count() == 0  # refused before anything was sent to OpenAI
    assert api.assistants() == [] and remote_assistant_ids(openai_client) == set()


def test_function_tools_that_are_not_json_say_where(pages, api):
    response = pages.post_form("/new", {**GOOD_FORM, "function_tools": '[{"name": "x",}]'})

    assert response.status_code == 400
    message = field_errors(response.get_data(as_text=True))["function_tools"]
    assert message.startswith("Not valid JSON (") and "line 1, column" in message
    assert api.assistants() == []


def test_function_tools_must_be_a_list(pages):
    response = pages.post_form("/new", {**GOOD_FORM, "function_tools": '{"name": "x"}'})

    assert "Must be a JSON list of functions" in field_errors(
        response.get_data(as_text=True))["function_tools"]


def test_a_json_schema_response_format_is_sent_to_openai(pages, api, openai_client):
    schema = {"name": "answer", "schema": {"type": "object", "properties": {}}, "strict": True}
    response = pages.post_form("/new", {**GOOD_FORM, "builtin_tools": [], "function_tools": "",
                                        "response_format": "json_schema",
                                        "json_schema": json.dumps(schema)})

    assert response.status_code == 302
    [created] = api.assistants()
    assert created["response_format"] == {"type": "json_schema", "json_schema": schema}
    remote = remote_assistant(openai_client, created["openai_id"])
    assert remote["response_format"]["json_schema"]["name"] == "answer"


def test_the_json_schema_format_needs_its_schema(pages, api):
    response = pages.post_form("/new", {**GOOD_FORM, "response_format": "json_schema",
                                        "json_schema": ""})

    assert response.status_code == 400
    assert "Required for the JSON schema format" in field_errors(
        response.get_data(as_text=True))["json_schema"]
    bad_name = pages.post_form("/new", {**GOOD_FORM, "response_format": "json_schema",
                                        "json_schema": '{"name": "has spaces"}'})
    message = field_errors(bad_name.get_data(as_text=True))["json_schema"]
    assert message.startswith("json_schema, name:")
    assert api.assistants() == []


def test_a_form_post_without_the_csrf_token_is_refused_with_a_clear_page(pages, api,
                                                                        openai_standin):
    openai_standin.reset_counts()

    response = pages.post_form("/new", GOOD_FORM, token=False)

    assert response.status_code == 403
    page = text_of(response.get_data(as_text=True))
    assert "The CSRF token is missing: reload the page and try again." in page
    assert "csrf_token" in page
    assert api.assistants() == [] and openai_standin.count() == 0


def test_a_forged_csrf_token_is_refused(pages, api):
    pages.csrf_token()  # the session has a token, but the form sends another one

    response = pages.client.post("/assistants/new", data={**GOOD_FORM, "csrf_token": "forged"})

    assert response.status_code == 403
    assert "The CSRF token is invalid or expired" in response.get_data(as_text=True)
    assert api.assistants() == []


def test_csrf_can_be_turned_off_by_a_host_that_protects_its_forms_itself(make_app):
    from pages_client import PagesClient

    pages = PagesClient(make_app(OCS_ASSISTANTS_CSRF_ENABLED=False))

    assert 'name="csrf_token"' not in pages.text("/new")
    assert pages.post_form("/new", GOOD_FORM, token=False).status_code == 302


def test_openai_failing_shows_an_alert_keeps_the_form_and_saves_nothing(
        pages, api, openai_client, openai_standin):
    openai_standin.inject_fault(status=500, times=None, method="POST", path_prefix="/v1/assistants")

    response = pages.post_form("/new", GOOD_FORM)

    assert response.status_code == 503
    html = response.get_data(as_text=True)
    assert "OpenAI could not complete the request" in html and 'role="alert"' in html
    assert input_value(html, "name") == "Support bot"
    openai_standin.clear_faults()
    assert api.assistants() == [] and remote_assistant_ids(openai_client) == set()


def test_a_team_is_needed(app):
    response = app.test_client().get("/assistants/new")

    assert response.status_code == 401
    assert "Sign in to a team" in response.get_data(as_text=True)


def test_a_host_that_denies_creation_gets_a_403_page(make_app):
    from pages_client import PagesClient

    pages = PagesClient(make_app(OCS_ASSISTANTS_CSRF_ENABLED=True, OCS_ASSISTANTS_ALLOW_ALL=False))

    response = pages.get("/new")

    assert response.status_code == 403
    assert "You may not create assistants in team 1." in response.get_data(as_text=True)
