"""Helpers for the migration tests: the report, and the stand-in read with the real SDK."""
from __future__ import annotations

import json

BETA = {"headers": {"OpenAI-Beta": "assistants=v2"}}


def report_of(result) -> dict:
    """The ``--json`` report (stdout only: the progress bar is on stderr)."""
    return json.loads(result.stdout)


def remote_exists(openai_client, openai_id: str) -> bool:
    """Whether the stand-in still has the assistant, read with the real SDK."""
    import openai

    try:
        openai_client.get(f"/assistants/{openai_id}", cast_to=object, options=BETA)
    except openai.NotFoundError:
        return False
    return True
