"""The "Try it" panel on the edit page and on every version page, for those who may try."""
from __future__ import annotations

import re

from ocs_assistant_plugin import hookimpl
from plugin_host import ApiClient, add_assistant_row

PANEL = re.compile(r'data-testid="try-panel"\s+data-ocs-try="([^"]+)"')


def panel_url(html: str) -> str | None:
    found = PANEL.search(html)
    return found.group(1) if found else None


def test_the_edit_page_has_a_panel_sending_to_the_try_route(pages, app):
    assistant = ApiClient(app).create(name="Helpdesk")

    html = pages.text(f"/{assistant['id']}")

    assert panel_url(html) == f"/assistants/api/assistants/{assistant['id']}/try"
    assert "ocs_assistants/try.js" in html
    assert 'name="csrf_token"' in html[html.index('data-testid="try-panel"'):]


def test_every_version_page_has_a_panel_trying_that_version(pages, app):
    assistant = ApiClient(app).create(name="Helpdesk")
    version_id = add_assistant_row(app, name="Helpdesk", is_version=True, version_number=1,
                                   working_id=assistant["id"])

    html = pages.text(f"/{version_id}")

    assert panel_url(html) == f"/assistants/api/assistants/{version_id}/try"
    assert "Messages go to OpenAI with version 1" in html


def test_an_archived_assistant_has_no_panel(pages, app):
    archived_id = add_assistant_row(app, name="Old", archived=True)

    assert panel_url(pages.text(f"/{archived_id}")) is None


class ViewOnly:
    @hookimpl
    def ocs_authorize(self, action, team_id, assistant):
        return action in ("view", "sync")


def test_no_panel_for_those_who_may_not_try(pages, app):
    assistant = ApiClient(app).create(name="Helpdesk")
    app.extensions["ocs_assistants"].register(ViewOnly())

    html = pages.text(f"/{assistant['id']}")

    assert panel_url(html) is None and "try.js" not in html
