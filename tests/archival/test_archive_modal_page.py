"""The archive modal on the edit page, through Flask's test client with CSRF protection on."""
from __future__ import annotations

import re
from html import unescape

import pytest

from archive_host import CONFIG

TOKEN_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def app_config():
    return {"OCS_ASSISTANTS_CSRF_ENABLED": True, **CONFIG}


@pytest.fixture
def bot(api):
    """A working assistant (files need a CSRF token here; archiving them is tested elsewhere)."""
    return api.create(name="Support bot", builtin_tools=["file_search"])


@pytest.fixture
def browser(app):
    client = app.test_client()
    client.environ_base["HTTP_X_TEAM_ID"] = "1"
    return client


def page(browser, path, expect=200):
    response = browser.get("/assistants" + path)
    assert response.status_code == expect, response.get_data(as_text=True)[:1000]
    return unescape(response.get_data(as_text=True))


def modal(html: str) -> str:
    match = re.search(r'<dialog open id="archive-modal".*?</dialog>', html, re.S)
    assert match, "no archive modal on the page"
    return match.group(0)


def test_the_edit_page_offers_archiving_without_asking_providers(browser, host, bot_with_versions):
    html = page(browser, f"/{bot_with_versions['working']}")
    assert 'data-testid="archive-open"' in html
    assert "and its 2 versions in OpenAI" in html
    assert 'id="archive-modal"' not in html
    assert all(p.calls == [] for p in host.providers)


def test_the_modal_lists_every_section_with_links_and_actions(browser, host, bot_with_versions):
    working, v1, v2 = (bot_with_versions[k] for k in ("working", "v1", "v2"))
    host.experiment("Helpdesk v3", "published", assistant=v2)
    host.pipeline("Intake flow", "unreleased", working)
    flow = host.pipeline("Triage flow v1", "released", v1)
    host.experiment("Clinic bot v4", "published", pipeline=flow)

    dialog = modal(page(browser, f"/{working}?archive=check"))

    titles = re.findall(r"<h3>(.*?)</h3>", dialog)
    assert titles == ["Experiments", "Pipelines", "Experiments Referencing Pipeline"]
    assert '<a class="ocs-strong" href="/experiments/1">Helpdesk v3</a>' in dialog
    assert '<a class="ocs-strong" href="/pipelines/2">Intake flow</a>' in dialog
    assert '<a class="ocs-strong" href="/experiments/4">Clinic bot v4</a>' in dialog
    assert 'through <a href="/pipelines/3">Triage flow v1</a>' in dialog
    assert "uses version 2" in dialog and "uses the working assistant" in dialog
    assert "Open this published experiment version and archive it." in dialog
    assert "Open this pipeline and remove its reference to the assistant" in dialog
    assert 'data-testid="archive-confirm"' not in dialog


def test_confirming_an_unblocked_archive(browser, host, bot_with_versions, openai_client):
    working = bot_with_versions["working"]
    host.experiment("Helpdesk v1", "released", assistant=bot_with_versions["v1"])
    html = page(browser, f"/{working}?archive=check")
    dialog = modal(html)
    assert "Archived automatically with it" in dialog and "Helpdesk v1" in dialog
    assert "Archive with 2 versions" in dialog
    token = TOKEN_RE.search(dialog).group(1)

    assert browser.post(f"/assistants/{working}/archive").status_code == 403  # no CSRF token
    response = browser.post(f"/assistants/{working}/archive", data={"csrf_token": token})

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/assistants/{working}")
    after = page(browser, f"/{working}")
    assert "Archived the assistant and its 2 versions. It is being deleted in OpenAI. 1 released " \
           "object was archived with it." in after
    assert 'data-testid="archive-open"' not in after  # the read-only page of an archived one
    assert host.experiments.archived[0].label == "Helpdesk v1"


def test_a_reference_that_appears_before_the_confirm_reopens_the_modal(browser, host, bot):
    dialog = modal(page(browser, f"/{bot['id']}?archive=check"))
    token = TOKEN_RE.search(dialog).group(1)
    host.experiment("Just published", "published", assistant=bot["id"])

    response = browser.post(f"/assistants/{bot['id']}/archive", data={"csrf_token": token})

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/assistants/{bot['id']}?archive=check#archive-modal")
    html = page(browser, f"/{bot['id']}?archive=check")
    assert "Archiving was stopped: something now uses this assistant." in html
    assert "Just published" in modal(html)


def test_a_provider_error_is_shown_in_the_modal(browser, plugin, bot):
    from ocs_assistant_plugin import hookimpl

    class Broken:
        kind, section, label = "webhook", "Webhooks", "Webhook"

        def find_references(self, assistant_ids, team_id):
            return None

        def archive(self, reference):
            raise AssertionError("never archived")

    class Hooks:
        @hookimpl
        def ocs_reference_providers(self):
            return [Broken()]

    plugin.register(Hooks(), name="broken")
    dialog = modal(page(browser, f"/{bot['id']}?archive=check"))
    assert "Reference provider 'webhook' returned an invalid reference" in dialog
