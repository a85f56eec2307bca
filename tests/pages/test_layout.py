"""The pages inside a host: its layout by config, its own copy of a page by template path."""
from __future__ import annotations

from flask import Flask
from jinja2 import ChoiceLoader, DictLoader

from ocs_assistant_plugin.models import Assistant
from pages_client import PagesClient

HOST_LAYOUT = """<!doctype html><title>{% block title %}{% endblock %} | Host</title>
<nav id="host-nav">Host navigation</nav>{% block content %}{% endblock %}"""


def _with_templates(app: Flask, templates: dict) -> Flask:
    """Give the test host templates of its own, found before the plugin's (as a host's
    templates folder is)."""
    app.jinja_env.loader = ChoiceLoader([DictLoader(templates), app.jinja_env.loader])
    return app


def test_pages_take_the_layout_the_host_configures(make_app):
    app = _with_templates(make_app(OCS_ASSISTANTS_CSRF_ENABLED=True,
                                   OCS_ASSISTANTS_BASE_TEMPLATE="host_layout.html"),
                          {"host_layout.html": HOST_LAYOUT})

    html = PagesClient(app).text("/new")

    assert html.startswith("<!doctype html><title>New assistant | Host</title>")
    assert '<nav id="host-nav">' in html and 'class="ocs-topbar"' not in html
    assert "/assistants/static/ocs_assistants/assistants.css" in html
    assert 'name="csrf_token"' in html


def test_the_default_layout_is_the_plugins_own(pages):
    html = pages.text("/new")

    assert 'class="ocs-topbar"' in html and "<title>New assistant</title>" in html


def test_a_host_overrides_one_page_by_its_template_path(make_app):
    custom_list = """{% extends "ocs_assistants/_page.html" %}
{% block ocs_content %}<h1>Our bots</h1>{% for a in page.items %}<p>{{ a.name }}</p>{% endfor %}
{% endblock %}"""
    app = _with_templates(make_app(OCS_ASSISTANTS_CSRF_ENABLED=True),
                          {"ocs_assistants/list.html": custom_list})
    db = app.extensions["sqlalchemy"]
    with app.app_context():
        db.session.add(Assistant(team_id=1, name="Bot", model="gpt-4o"))
        db.session.commit()

    pages = PagesClient(app)

    assert "<h1>Our bots</h1><p>Bot</p>" in pages.text("/")
    assert "New assistant" in pages.text("/new")  # the other pages are the plugin's


def test_static_files_are_served_under_the_prefix(pages):
    css = pages.get("/static/ocs_assistants/assistants.css")
    script = pages.get("/static/ocs_assistants/assistants.js")

    assert css.status_code == 200 and ".ocs-badge" in css.get_data(as_text=True)
    assert script.status_code == 200 and "X-CSRF-Token" in script.get_data(as_text=True)
    css.close()
    script.close()


def test_an_archived_assistant_is_shown_read_only_without_asking_openai(app, pages,
                                                                        openai_standin):
    db = app.extensions["sqlalchemy"]
    with app.app_context():
        row = Assistant(team_id=1, name="Retired", model="gpt-4o", archived=True,
                        openai_id="asst_gone")
        db.session.add(row)
        db.session.commit()
        archived_id = row.id
    openai_standin.reset_counts()

    html = pages.text(f"/{archived_id}")

    assert "This assistant is archived and read-only." in html
    assert 'data-testid="assistant-form"' not in html and 'data-testid="sync-report"' not in html
    assert openai_standin.count() == 0
    assert pages.post_form(f"/{archived_id}", {"name": "x", "model": "gpt-4o"}).status_code == 409


def test_pages_follow_a_custom_prefix_and_blueprint_name(make_app):
    app = make_app(OCS_ASSISTANTS_CSRF_ENABLED=True, OCS_ASSISTANTS_URL_PREFIX="/admin/bots",
                   OCS_ASSISTANTS_BLUEPRINT_NAME="bots")
    pages = PagesClient(app)

    response = pages.post_form("/new", {"name": "Bot", "model": "gpt-4o",
                                        "builtin_tools": ["file_search"]})

    assert response.status_code == 302 and response.location == "/admin/bots/1"
    html = pages.text("/1")
    assert 'data-ocs-upload="/admin/bots/api/assistants/1/files"' in html
    assert 'href="/admin/bots/static/ocs_assistants/assistants.css"' in html
