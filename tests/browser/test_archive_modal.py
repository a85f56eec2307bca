"""The archive modal in a real headless Chromium: a blocked assistant shows the three sections with
links and actions; an unblocked one is archived with the confirm button, and deleted in OpenAI."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from ocs_assistant_plugin import Reference, hookimpl
from plugin_host import ASSISTANTS_BACKEND, ApiClient, fire, remote_assistant_ids

pytestmark = pytest.mark.browser


class HostObjects:
    """The host's experiments and pipelines (in memory) and its two reference providers."""

    def __init__(self):
        self.rows = []  # (kind, id, label, assistant_id, status, pipeline_id)

    def add(self, kind, label, status, assistant_id=None, pipeline_id=None):
        self.rows.append((kind, len(self.rows) + 1, label, assistant_id, status, pipeline_id))
        return len(self.rows)

    def reference(self, row, assistant_id, users=()):
        kind, row_id, label, _, status, _ = row
        return Reference(kind=kind, id=row_id, label=label, url=f"/host/{kind}s/{row_id}",
                         assistant_id=assistant_id, status=status, users=users)

    def provider(self, kind, section, label):
        host = self

        class Provider:
            def find_references(self, assistant_ids, team_id):
                found = []
                for row in host.rows:
                    if row[0] == kind and row[3] in assistant_ids:
                        users = [host.reference(u, row[3]) for u in host.rows
                                 if u[0] == "experiment" and u[5] == row[1]]
                        found.append(host.reference(row, row[3], users))
                return found

            def archive(self, reference):
                index = next(i for i, r in enumerate(host.rows) if r[1] == reference.id)
                host.rows[index] = host.rows[index][:4] + ("archived",) + host.rows[index][5:]

        provider = Provider()
        provider.kind, provider.section, provider.label = kind, section, label
        return provider

    @hookimpl
    def ocs_reference_providers(self):
        return [self.provider("experiment", "Experiments", "Experiment"),
                self.provider("pipeline", "Pipelines", "Pipeline")]


@pytest.fixture
def app_config():
    # archiving deletes remote assistant objects too
    return {"OCS_ASSISTANTS_CSRF_ENABLED": True, "OCS_ASSISTANTS_TASK_BACKEND": "eager",
            **ASSISTANTS_BACKEND}


@pytest.fixture
def host(app):
    host = HostObjects()
    app.extensions["ocs_assistants"].register(host, name="host_objects")
    return host


def release(app, working_id):
    return fire(app, "ocs_release", assistant_ids=[working_id], team_id=1,
                release_label="r1")[working_id]


def test_a_blocked_assistant_shows_the_three_sections(app, host, site, page):
    api = ApiClient(app)
    bot = api.create(name="Support bot")
    version = release(app, bot["id"])
    host.add("experiment", "Helpdesk v3", "published", assistant_id=version)
    host.add("pipeline", "Intake flow", "unreleased", assistant_id=bot["id"])
    flow = host.add("pipeline", "Triage flow v1", "released", assistant_id=version)
    host.add("experiment", "Clinic bot v2", "published", pipeline_id=flow)

    page.goto(f"{site}/{bot['id']}")
    page.get_by_test_id("archive-open").click()

    modal = page.get_by_test_id("archive-modal")
    expect(modal).to_be_visible()
    expect(modal.get_by_role("heading", level=3)).to_have_text(
        ["Experiments", "Pipelines", "Experiments Referencing Pipeline"])
    expect(modal.get_by_role("link", name="Helpdesk v3")).to_have_attribute(
        "href", "/host/experiments/1")
    expect(modal.get_by_role("link", name="Clinic bot v2")).to_have_attribute(
        "href", "/host/experiments/4")
    expect(modal.get_by_test_id("archive-action")).to_have_text([
        "Open this published experiment version and archive it.",
        "Open this pipeline and remove its reference to the assistant, or archive the pipeline.",
        "Open this published experiment version and archive it (it uses the pipeline "
        "“Triage flow v1”)."])
    expect(modal.get_by_test_id("archive-confirm")).to_have_count(0)
    assert page.evaluate("document.getElementById('archive-modal').matches(':modal')")

    modal.get_by_role("link", name="Close").click()
    expect(page.get_by_test_id("archive-modal")).to_have_count(0)


def test_archive_an_unblocked_assistant(app, host, site, page, openai_client):
    api = ApiClient(app)
    bot = api.create(name="Old bot")
    version = release(app, bot["id"])
    host.add("experiment", "Old bot v1", "released", assistant_id=version)
    openai_ids = {bot["openai_id"], api.get(f"/assistants/{version}").get_json()["openai_id"]}

    page.goto(f"{site}/{bot['id']}")
    page.get_by_test_id("archive-open").click()
    modal = page.get_by_test_id("archive-modal")
    expect(modal.get_by_test_id("archive-auto-entry")).to_have_text(re.compile(r"Old bot v1"))
    modal.get_by_test_id("archive-confirm").click()

    expect(page.get_by_role("status")).to_contain_text(
        "Archived the assistant and its 1 version. It is being deleted in OpenAI.")
    expect(page.get_by_test_id("archive-open")).to_have_count(0)
    assert [a["archived"] for a in (api.get(f"/assistants/{i}").get_json()
                                    for i in (bot["id"], version))] == [True, True]
    assert not openai_ids & remote_assistant_ids(openai_client)
    assert host.rows[0][4] == "archived"
