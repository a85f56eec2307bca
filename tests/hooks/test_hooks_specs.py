"""Meta-tests that keep the hook reference documentation honest (like datasette's test_docs)."""
from __future__ import annotations

import inspect

import pluggy
import pytest

from ocs_assistant_plugin import hookspecs

#: Every hook of DESIGN 2.1, and whether it stops at the first result.
DESIGN_HOOKS = {
    "ocs_reference_providers": False,
    "ocs_openai_client": True,
    "ocs_current_team_id": True,
    "ocs_authorize": True,
    "ocs_assistant_edit_opened": True,
    "ocs_release": True,
    "ocs_reference_archived": False,
    "ocs_assistant_pushed": False,
    "ocs_assistant_released": False,
    "ocs_assistant_archived": False,
}


def specs() -> dict:
    marker = f"{hookspecs.PROJECT_NAME}_spec"
    return {name: fn for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
            if hasattr(fn, marker)}


def test_every_design_hook_has_a_spec_and_nothing_else_does():
    assert set(specs()) == set(DESIGN_HOOKS)


@pytest.mark.parametrize("name", sorted(DESIGN_HOOKS))
def test_hookspec_is_documented(name):
    spec = specs()[name]
    doc = inspect.getdoc(spec)

    assert doc and len(doc.splitlines()[0]) > 10, f"{name} has no docstring"
    for param in inspect.signature(spec).parameters:
        assert f" {param}:" in doc, f"{name}'s docstring does not document {param!r}"
    assert ":return:" in doc, f"{name}'s docstring does not say what it returns"
    assert "Example::" in doc, f"{name}'s docstring has no example"
    firstresult = getattr(spec, f"{hookspecs.PROJECT_NAME}_spec")["firstresult"]
    assert firstresult == DESIGN_HOOKS[name]
    if firstresult:
        assert "firstresult" in doc, f"{name}'s docstring does not say it is firstresult"


@pytest.mark.parametrize("name", sorted(DESIGN_HOOKS))
def test_every_hook_is_prefixed_and_on_the_app_plugin_manager(plugin, name):
    assert name.startswith("ocs_")
    caller = getattr(plugin.hook, name)
    assert caller.spec is not None and caller.spec.namespace is hookspecs


def test_hookimpl_marker_is_the_projects():
    from ocs_assistant_plugin import hookimpl

    assert isinstance(hookimpl, pluggy.HookimplMarker)
    assert hookimpl.project_name == "ocs_assistant_plugin"
