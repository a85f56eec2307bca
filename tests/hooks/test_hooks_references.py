"""Reference and RefStatus: what providers return, checked on construction."""
from __future__ import annotations

import pytest

from ocs_assistant_plugin import Reference, ReferenceProvider, RefStatus
from ocs_assistant_plugin.schemas import ReferenceSchema

GOOD = dict(kind="experiment", id=7, label="Support bot", url="/experiments/7", assistant_id=3,
            status="published")


def test_status_is_a_str_enum_with_liveness():
    assert RefStatus("unreleased") is RefStatus.UNRELEASED
    assert RefStatus.PUBLISHED == "published" and str(RefStatus.RELEASED) == "released"
    assert [s.value for s in RefStatus if s.is_live] == ["unreleased", "published"]


def test_reference_converts_status_and_users():
    user = Reference(**{**GOOD, "kind": "experiment", "status": RefStatus.UNRELEASED})
    ref = Reference(**{**GOOD, "kind": "pipeline", "id": "p-1", "status": "released",
                       "users": [user]})

    assert ref.status is RefStatus.RELEASED and not ref.is_live
    assert ref.users == (user,) and user.is_live
    assert ReferenceSchema().dump(ref)["users"][0]["status"] == "unreleased"
    with pytest.raises(AttributeError):
        ref.label = "changed"  # frozen


@pytest.mark.parametrize("field, value", [
    ("status", "live"),
    ("status", None),
    ("kind", None),
    ("kind", ""),
    ("label", 5),
    ("url", None),
    ("id", 1.5),
    ("id", True),
    ("assistant_id", "3"),
    ("users", "experiment"),
    ("users", [{"kind": "experiment"}]),
])
def test_a_bad_value_is_an_error_naming_the_field(field, value):
    with pytest.raises((TypeError, ValueError), match=f"Reference.{field}"):
        Reference(**{**GOOD, field: value})


def test_provider_protocol_is_structural():
    class Experiments:
        kind, section, label = "experiment", "Experiments", "Experiment"

        def find_references(self, assistant_ids, team_id):
            return []

        def archive(self, reference):
            pass

    assert isinstance(Experiments(), ReferenceProvider)
    assert not isinstance(object(), ReferenceProvider)
