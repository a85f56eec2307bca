"""plugin.register(...), entry points, and one plugin manager per app."""
from __future__ import annotations

import sys
import textwrap
import uuid

import pluggy
import pytest

from ocs_assistant_plugin import Reference, hookimpl
from ocs_assistant_plugin.errors import ConfigurationError


class Misspelt:
    @hookimpl
    def ocs_current_team(self):  # no such hook
        return 1


class WrongArgument:
    @hookimpl
    def ocs_openai_client(self, team):  # the spec's argument is team_id
        return None


@pytest.mark.parametrize("bad", [Misspelt, WrongArgument])
def test_register_rejects_an_invalid_hookimpl_and_leaves_nothing_registered(plugin, bad):
    before = plugin.pm.get_plugins()

    with pytest.raises(pluggy.PluginValidationError):
        plugin.register(bad())

    assert plugin.pm.get_plugins() == before
    plugin.pm.check_pending()  # the manager is still valid


def test_plugins_registered_on_one_app_do_not_leak_into_another(make_app):
    first, second = make_app(), make_app()

    class Observer:
        @hookimpl
        def ocs_reference_providers(self):
            return []

    first.extensions["ocs_assistants"].register(Observer(), name="observer")

    assert first.extensions["ocs_assistants"].pm.get_plugin("observer") is not None
    assert second.extensions["ocs_assistants"].pm.get_plugin("observer") is None


def test_built_in_implementations_are_registered_as_a_plugin(plugin):
    names = {plugin.pm.get_name(p) for p in plugin.pm.get_plugins()}

    assert "ocs_assistant_plugin.builtin_hooks" in names


class Provider:
    def __init__(self, kind):
        self.kind, self.section, self.label = kind, kind.title() + "s", kind.title()

    def find_references(self, assistant_ids, team_id):
        return [Reference(kind=self.kind, id=1, label="x", url="/x", assistant_id=assistant_ids[0],
                          status="published")]

    def archive(self, reference):
        pass


def test_reference_providers_are_flattened_across_plugins(plugin):
    class Host:
        @hookimpl
        def ocs_reference_providers(self):
            return [Provider("experiment"), Provider("pipeline")]

    class ThirdParty:
        @hookimpl
        def ocs_reference_providers(self):
            return [Provider("survey")]

    plugin.register(Host())
    plugin.register(ThirdParty())

    kinds = [p.kind for p in plugin.reference_providers()]
    assert {"experiment", "pipeline", "survey"} <= set(kinds)
    assert len(kinds) == len(set(kinds))  # installed third-party providers may add more


def test_two_providers_of_one_kind_are_a_clear_error(plugin):
    class Host:
        @hookimpl
        def ocs_reference_providers(self):
            return [Provider("experiment")]

    class Other:
        @hookimpl
        def ocs_reference_providers(self):
            return [Provider("experiment")]

    plugin.register(Host())
    plugin.register(Other())

    with pytest.raises(ConfigurationError, match="kind 'experiment'"):
        plugin.reference_providers()


# -- entry points ---------------------------------------------------------------------------


@pytest.fixture
def installed_dist(tmp_path, monkeypatch):
    """``install(source)``: a tiny distribution whose ``ocs_assistant_plugin`` entry point is a
    module with ``source``, found by importlib.metadata on sys.path (as ``pip install`` would)."""
    modules = []

    def install(source: str) -> str:
        module = f"ocs_test_provider_{uuid.uuid4().hex[:8]}"
        (tmp_path / f"{module}.py").write_text(textwrap.dedent(source))
        info = tmp_path / f"{module}-1.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 1.0\n")
        (info / "entry_points.txt").write_text(f"[ocs_assistant_plugin]\n{module} = {module}\n")
        monkeypatch.syspath_prepend(str(tmp_path))
        modules.append(module)
        return module

    yield install
    for module in modules:
        sys.modules.pop(module, None)


def test_entry_point_plugins_are_loaded_by_init_app(installed_dist, make_app):
    name = installed_dist("""
        from ocs_assistant_plugin import hookimpl

        class Surveys:
            kind, section, label = "survey", "Surveys", "Survey"
            def find_references(self, assistant_ids, team_id):
                return []
            def archive(self, reference):
                pass

        @hookimpl
        def ocs_reference_providers():
            return [Surveys()]
    """)

    plugin = make_app().extensions["ocs_assistants"]

    assert plugin.pm.get_plugin(name) is sys.modules[name]
    surveys = [p for p in plugin.reference_providers() if p.kind == "survey"]
    assert [type(p).__module__ for p in surveys] == [name]


def test_an_invalid_entry_point_plugin_fails_init_app_loudly(installed_dist, make_app):
    installed_dist("""
        from ocs_assistant_plugin import hookimpl

        @hookimpl
        def ocs_referense_providers():
            return []
    """)

    with pytest.raises(pluggy.PluginValidationError, match="ocs_referense_providers"):
        make_app()


def test_pushed_notification_fires_after_each_successful_push(api, plugin):
    class Observer:
        def __init__(self):
            self.seen = []

        @hookimpl
        def ocs_assistant_pushed(self, assistant):
            self.seen.append((assistant.id, assistant.openai_id, assistant.instructions))

    observer = Observer()
    plugin.register(observer)

    created = api.create(name="Bot", builtin_tools=["file_search"])
    api.patch(f"/assistants/{created['id']}", json={"instructions": "v2"})
    record = api.upload(created["id"], "file_search").get_json()
    api.delete(f"/assistants/{created['id']}/files/{record['id']}")
    api.patch(f"/assistants/{created['id']}", json={"temperature": 7})  # refused: no push

    assert observer.seen == [(created["id"], created["openai_id"], "")] + [
        (created["id"], created["openai_id"], "v2")] * 3
