"""normalize: two configurations that behave the same compare equal, and only those."""
from __future__ import annotations

from ocs_assistant_plugin.remote import AssistantSpec, normalize_spec, spec_differences, specs_equal
from ocs_assistant_plugin.remote.normalize import FILE_FIELDS, canonical_json

PARAMS = {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "integer"}},
          "required": ["a"]}
PARAMS_REORDERED = {"required": ["a"], "properties": {"b": {"type": "integer"},
                                                      "a": {"type": "string"}}, "type": "object"}


def spec(**fields) -> AssistantSpec:
    return AssistantSpec(model="gpt-4o", **fields)


def test_unset_sampling_equals_the_default():
    assert specs_equal(spec(temperature=None, top_p=None), spec(temperature=1.0, top_p=1))
    assert not specs_equal(spec(temperature=None), spec(temperature=0.7))


def test_unset_response_format_equals_auto():
    assert specs_equal(spec(response_format=None), spec(response_format="auto"))
    assert not specs_equal(spec(response_format=None), spec(response_format={"type": "text"}))


def test_json_schema_format_ignores_unset_members_and_key_order():
    a = {"type": "json_schema", "json_schema": {"name": "x", "schema": PARAMS, "strict": None,
                                                "description": None}}
    b = {"json_schema": {"schema": PARAMS_REORDERED, "name": "x", "strict": False},
         "type": "json_schema"}
    assert specs_equal(spec(response_format=a), spec(response_format=b))


def test_tool_order_is_irrelevant():
    f = {"name": "f", "parameters": PARAMS}
    g = {"name": "g"}
    assert specs_equal(
        spec(builtin_tools=("file_search", "code_interpreter"), function_tools=(f, g)),
        spec(builtin_tools=("code_interpreter", "file_search"), function_tools=(g, f)))


def test_function_parameters_compare_as_json():
    assert specs_equal(spec(function_tools=({"name": "f", "parameters": PARAMS},)),
                       spec(function_tools=({"name": "f", "parameters": PARAMS_REORDERED},)))
    changed = dict(PARAMS, required=["a", "b"])
    assert not specs_equal(spec(function_tools=({"name": "f", "parameters": PARAMS},)),
                           spec(function_tools=({"name": "f", "parameters": changed},)))


def test_function_tool_defaults_and_the_assistants_shape():
    flat = {"name": "f", "description": "", "parameters": None, "strict": None}
    wrapped = {"type": "function", "function": {"name": "f",
                                                "parameters": {"type": "object", "properties": {}},
                                                "strict": False}}
    assert specs_equal(spec(function_tools=(flat,)), spec(function_tools=(wrapped,)))
    assert not specs_equal(spec(function_tools=({"name": "f", "strict": True},)),
                           spec(function_tools=({"name": "f"},)))


def test_empty_text_equals_unset():
    assert specs_equal(spec(name="", description=None, instructions=""), spec())


def test_file_ids_are_sets():
    assert specs_equal(spec(code_interpreter_file_ids=("b", "a", "a")),
                       spec(code_interpreter_file_ids=("a", "b")))


def test_spec_differences_names_each_field_with_both_values():
    local = spec(name="Local", instructions="Same", temperature=None,
                 builtin_tools=("file_search",))
    remote = spec(name="Remote", instructions="Same", temperature=0.5)

    assert spec_differences(local, remote) == [
        ("name", "Local", "Remote"),
        ("temperature", 1.0, 0.5),
        ("builtin_tools", ("file_search",), ()),
    ]


def test_spec_differences_covers_files_only_when_asked():
    local, remote = spec(file_search_file_ids=("a",)), spec(file_search_file_ids=("b",))
    assert spec_differences(local, remote) == []
    assert spec_differences(local, remote, fields=FILE_FIELDS) == [
        ("file_search_file_ids", ("a",), ("b",))]


def test_normalize_spec_is_idempotent():
    once = normalize_spec(spec(temperature=None, response_format=None,
                               function_tools=({"name": "f", "parameters": PARAMS},)))
    assert normalize_spec(once) == once
    assert canonical_json(once.function_tools[0]["parameters"]) == canonical_json(PARAMS_REORDERED)
