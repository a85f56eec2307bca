"""The "Try it" panel in a real headless Chromium: the answer streams from the JSON API's try
route (fetch + ReadableStream), cited files are named, the conversation goes on, errors show."""
from __future__ import annotations

import re

import openai
import pytest
from playwright.sync_api import expect

from browser_support import csrf_token, serve
from plugin_host import ApiClient

pytestmark = pytest.mark.browser

POLICY = b"Refunds are paid within 30 days of the refund request.\nShipping takes five days.\n"
MENU = b"The canteen serves soup and bread on Mondays.\n"
QUESTION = "How is a refund paid after a refund request?"


@pytest.fixture
def app_config():
    return {"OCS_ASSISTANTS_CSRF_ENABLED": True, "OCS_ASSISTANTS_BACKEND": "responses"}


@pytest.fixture
def helpdesk(app):
    api = ApiClient(app)
    assistant = api.create(name="Helpdesk", builtin_tools=["file_search"])
    for name, content in (("policy.txt", POLICY), ("menu.txt", MENU)):
        uploaded = api.upload(assistant["id"], "file_search", name, content,
                              headers={"X-CSRFToken": csrf_token(api)})
        assert uploaded.status_code == 201, uploaded.get_json()
    return assistant


@pytest.fixture
def try_calls(page):
    """Every request the page sends to the try route: (headers, JSON body, answer's type)."""
    calls = []

    def record(response):
        if response.url.endswith("/try"):
            request = response.request
            calls.append((request.headers, request.post_data_json,
                          response.headers.get("content-type", "")))

    page.on("response", record)
    return calls


def send(page, message: str) -> None:
    panel = page.get_by_test_id("try-panel")
    panel.get_by_label("Message").fill(message)
    panel.get_by_role("button", name="Send").click()


def test_a_try_streams_an_answer_that_names_the_cited_file(site, page, helpdesk, try_calls):
    page.goto(f"{site}/{helpdesk['id']}")
    send(page, QUESTION)

    turn = page.get_by_test_id("try-turn")
    expect(turn.get_by_test_id("try-answer")).to_have_text(
        f'You said: "{QUESTION}" From policy.txt: '
        '"Refunds are paid within 30 days of the refund request."')
    expect(turn.get_by_test_id("try-citations")).to_have_text(re.compile(r"policy\.txt"))
    expect(turn.get_by_test_id("try-usage")).to_have_text(re.compile(r"\d+ tokens in, \d+ out"))
    expect(page.get_by_role("button", name="Send")).to_be_enabled()
    [(headers, body, answer_type)] = try_calls
    assert headers["accept"] == "text/event-stream" and headers["x-csrftoken"]
    assert body == {"input": QUESTION, "previous_response_id": None}
    assert answer_type.startswith("text/event-stream")


def test_a_conversation_goes_on_until_a_new_one_is_started(site, page, helpdesk, try_calls):
    page.goto(f"{site}/{helpdesk['id']}")
    send(page, "Hello")
    expect(page.get_by_test_id("try-answer")).to_have_text('You said: "Hello"')
    send(page, "What soup is there?")

    answers = page.get_by_test_id("try-answer")
    expect(answers).to_have_count(2)
    expect(answers.nth(1)).to_contain_text('You said: "What soup is there?" (turn 2)')
    expect(answers.nth(1)).to_contain_text("From menu.txt")
    expect(page.get_by_text(re.compile(r"This conversation: \d+ tokens in"))).to_be_visible()

    page.get_by_role("button", name="New conversation").click()
    expect(page.get_by_test_id("try-turn")).to_have_count(0)
    send(page, "Hello again")
    expect(page.get_by_test_id("try-answer")).to_have_text('You said: "Hello again"')

    first_id = try_calls[1][1]["previous_response_id"]
    assert first_id and first_id.startswith("resp_")
    assert [body["previous_response_id"] for _, body, _ in try_calls] == [None, first_id, None]


def test_openai_failing_shows_the_error_in_the_panel(site, page, helpdesk, openai_standin):
    page.goto(f"{site}/{helpdesk['id']}")
    openai_standin.inject_fault(status=500, times=None, path_prefix="/v1/responses")
    send(page, "Anyone there?")

    alert = page.get_by_test_id("try-panel").get_by_role("alert")
    expect(alert).to_contain_text("OpenAI answered 500")
    expect(page.get_by_label("Message")).to_have_value("Anyone there?")  # ready to send again

    openai_standin.clear_faults()
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_test_id("try-answer").last).to_have_text('You said: "Anyone there?"')
    expect(alert).to_be_hidden()


def test_an_answer_broken_off_midway_keeps_its_text_and_shows_the_error(
        make_app, page, helpdesk, openai_standin):
    # A second app on the same database whose client lets the stream through as it comes.
    with openai.OpenAI(api_key=openai_standin.api_key, base_url=openai_standin.base_url,
                       max_retries=0, timeout=5) as client:
        streaming_app = make_app(client=client, OCS_ASSISTANTS_CSRF_ENABLED=True,
                                 OCS_ASSISTANTS_BACKEND="responses")
        base_url, stop = serve(streaming_app)
        try:
            page.goto(f"{base_url}/assistants/{helpdesk['id']}")
            openai_standin.inject_fault(kind="cut", path_prefix="/v1/responses")
            send(page, QUESTION)

            expect(page.get_by_test_id("try-panel").get_by_role("alert")).to_contain_text(
                "OpenAI could not be reached")
            expect(page.get_by_test_id("try-answer")).to_contain_text('You said: "How')
            expect(page.get_by_test_id("try-usage")).to_have_count(0)
        finally:
            stop()


def test_a_version_page_tries_the_released_version(site, page, app, helpdesk):
    version = ApiClient(app).post(f"/assistants/{helpdesk['id']}/release",
                                  json={"label": "v1"}).get_json()

    page.goto(f"{site}/{version['id']}")
    send(page, "soup")

    expect(page.get_by_test_id("try-citations")).to_have_text(re.compile(r"menu\.txt"))


def test_an_empty_message_is_not_sent(site, page, helpdesk, try_calls):
    page.goto(f"{site}/{helpdesk['id']}")
    send(page, "   ")

    expect(page.get_by_test_id("try-panel").get_by_role("alert")).to_have_text(
        "Type a message first.")
    assert try_calls == []
