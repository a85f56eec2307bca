"""Providers are host code: what they answer is checked, and a bad answer is a clear error naming
the provider and the field (502), never a 500; a duplicate ``kind`` is a configuration error."""
from __future__ import annotations

import pytest

from ocs_assistant_plugin import Reference, hookimpl
from ocs_assistant_plugin.lifecycle.archival import reference_providers
from ocs_assistant_plugin.errors import ConfigurationError


class FixedProvider:
    """A provider whose ``find_references`` answers whatever ``answer(ids)`` builds."""

    kind = "webhook"
    section = "Webhooks"
    label = "Webhook"

    def __init__(self, answer):
        self.answer = answer
        self.archived = []

    def find_references(self, assistant_ids, team_id):
        return self.answer(assistant_ids)

    def archive(self, reference):
        self.archived.append(reference)


class Providers:
    def __init__(self, *providers):
        self.providers = list(providers)

    @hookimpl
    def ocs_reference_providers(self):
        return self.providers


def ref(assistant_id, **overrides):
    values = dict(kind="webhook", id=7, label="CRM sync", url="/webhooks/7",
                  assistant_id=assistant_id, status="unreleased")
    values.update(overrides)
    return Reference(**values)


BAD_ANSWERS = {
    "status": (lambda ids: [ref(ids[0], status="live")], "webhook.status",
               "Reference.status must be one of unreleased, published, released, archived"),
    "not a reference": (lambda ids: [{"id": 1}], "webhook.find_references[0]",
                        "expected a Reference, got dict"),
    "none": (lambda ids: None, "webhook.find_references",
             "find_references() must return a list of Reference, got None"),
    "kind": (lambda ids: [ref(ids[0], kind="experiment")], "webhook.kind",
             "has kind 'experiment', not the provider's 'webhook'"),
    "assistant": (lambda ids: [ref(99999)], "webhook.assistant_id",
                  "points at assistant 99999, which is not one of those asked about"),
    "user kind": (lambda ids: [ref(ids[0], users=[ref(ids[0], kind="person")])],
                  "webhook.users[0].kind", "has kind 'person', which no registered provider"),
    "label": (lambda ids: [ref(ids[0], label=None)], "webhook.label",
              "Reference.label must be a str"),
}


@pytest.mark.parametrize("case", list(BAD_ANSWERS))
def test_a_bad_reference_is_a_clear_error_naming_provider_and_field(case, api, plugin, bot):
    answer, field, message = BAD_ANSWERS[case]
    plugin.register(Providers(FixedProvider(answer)), name="webhooks")
    for method, path in (("get", "archive-check"), ("post", "archive")):
        response = getattr(api, method)(f"/assistants/{bot['id']}/{path}")
        assert response.status_code == 502, response.get_json()
        error = response.get_json()["error"]
        assert error["code"] == "reference_provider_error"
        assert "Reference provider 'webhook'" in error["message"]
        assert list(error["fields"]) == [field]
        assert message in error["fields"][field][0]
    assert api.get(f"/assistants/{bot['id']}").get_json()["archived"] is False


def test_a_good_third_provider_gets_its_own_section(api, plugin, bot):
    plugin.register(Providers(FixedProvider(lambda ids: [ref(ids[0])])), name="webhooks")
    body = api.get(f"/assistants/{bot['id']}/archive-check").get_json()
    assert [(s["title"], [r["label"] for r in s["references"]]) for s in body["sections"]] == [
        ("Webhooks", ["CRM sync"])]
    assert body["sections"][0]["references"][0]["action"] == (
        "Open this webhook and remove its reference to the assistant, or archive the webhook.")


def test_two_providers_with_one_kind_are_a_configuration_error(app, plugin):
    plugin.register(Providers(FixedProvider(list), FixedProvider(list)), name="twice")
    with app.app_context(), pytest.raises(ConfigurationError) as error:
        reference_providers(plugin.deps)
    assert "Two reference providers use kind 'webhook'" in error.value.message


@pytest.mark.parametrize("missing", ["section", "label", "find_references", "archive"])
def test_a_provider_without_its_shape_is_a_configuration_error(missing, app, plugin):
    provider = FixedProvider(list)
    setattr(provider, missing, None)
    plugin.register(Providers(provider), name="broken")
    with app.app_context(), pytest.raises(ConfigurationError) as error:
        reference_providers(plugin.deps)
    assert f"webhook.{missing}" in error.value.fields
