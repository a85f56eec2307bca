"""Test helpers shipped with the plugin: a faithful local OpenAI and the spec to check against.

- :class:`OpenAIStandIn`: the stand-in server (``with OpenAIStandIn() as s: ...``);
- :func:`spec_validator` / :func:`validate_response`: validate JSON against a component schema
  of the vendored OpenAI spec (``spec/``), raising :class:`SpecViolation`;
- :class:`SpecConformance`: an ``httpx2`` event hook that checks every response the SDK gets;
- ``python -m ocs_assistant_plugin.testing --port 8765`` runs the stand-in alone;
- the ``pytest_plugin`` module (a ``pytest11`` entry point) gives ``openai_standin`` and
  ``openai_client`` fixtures.

Names are imported on first use, so loading the pytest plugin (a submodule) stays cheap.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

_EXPORTS = {
    "DEFAULT_API_KEY": ".server",
    "OpenAIStandIn": ".server",
    "RecordedRequest": ".server",
    "Fault": ".faults",
    "SpecConformance": ".conformance",
    "SpecViolation": ".openapi",
    "load_spec": ".openapi",
    "spec_validator": ".openapi",
    "validate_response": ".openapi",
}

__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:
    from .conformance import SpecConformance
    from .faults import Fault
    from .openapi import SpecViolation, load_spec, spec_validator, validate_response
    from .server import DEFAULT_API_KEY, OpenAIStandIn, RecordedRequest


def __getattr__(name: str):
    try:
        module = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS))
