"""Shared by the release tests."""
from __future__ import annotations

#: The outbox runs right after each commit, in the test's thread: no background worker, and an
#: operation waiting for its retry is run by the test at a later ``now``.
CONFIG = {"OCS_ASSISTANTS_TASK_BACKEND": "eager"}
