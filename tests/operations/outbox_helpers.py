"""Shared by the outbox tests."""
from __future__ import annotations

#: The outbox runs right after each commit (eager) and retries after 1 s, doubling, at most 60 s:
#: tests never sleep for a backoff, they run the outbox at a later ``now``.
CONFIG = {
    "OCS_ASSISTANTS_TASK_BACKEND": "eager",
    "OCS_ASSISTANTS_OPERATIONS_RETRY_DELAY": 1.0,
    "OCS_ASSISTANTS_OPERATIONS_MAX_RETRY_DELAY": 60.0,
}


def deletes(standin, target: str) -> list[int | None]:
    """The statuses the stand-in answered to each DELETE of ``target`` (0: connection dropped)."""
    return [r.status for r in standin.requests
            if r.method == "DELETE" and r.path.endswith("/" + target)]


def targets_of(bot: dict) -> list[str]:
    """What archiving ``bot`` (no versions) deletes in OpenAI."""
    return [bot["openai_id"], bot["vector_store_id"], bot["files"][0]["openai_id"]]
