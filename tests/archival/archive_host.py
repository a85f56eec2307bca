"""A host's objects that reference assistants, kept in memory, with its reference providers.

Reference providers are host code; this host keeps experiments, pipelines and scheduled messages
in plain Python objects (a real host queries its tables, as the example host's providers do and
``test_example_host_providers`` checks). It mirrors a real platform's shape:

- an *experiment* references an assistant directly and/or uses a pipeline;
- a *pipeline* references assistants; the experiments using it are its *users*;
- an *evaluation run* references an assistant directly (a third kind, a third section).

Each provider answers ``find_references`` from these objects, filtered by team and assistant ids,
counts its calls, and ``archive`` marks the object archived (as a host would in its transaction).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ocs_assistant_plugin import Reference, RefStatus, hookimpl

#: The test host's plugin config: the outbox runs right after each commit and retries after 1 s
#: (doubling): tests never sleep for a backoff, they run the outbox at a later ``now``.
CONFIG = {
    "OCS_ASSISTANTS_TASK_BACKEND": "eager",
    "OCS_ASSISTANTS_OPERATIONS_RETRY_DELAY": 1.0,
    "OCS_ASSISTANTS_OPERATIONS_MAX_RETRY_DELAY": 60.0,
}


@dataclass
class HostObject:
    kind: str
    id: int
    label: str
    team_id: int
    status: RefStatus
    assistant_ids: list[int] = field(default_factory=list)
    pipeline: "HostObject | None" = None

    @property
    def url(self) -> str:
        return f"/{self.kind}s/{self.id}"


class MemoryProvider:
    def __init__(self, host: "MemoryHost", kind: str, section: str, label: str):
        self.host = host
        self.kind = kind
        self.section = section
        self.label = label
        self.calls: list[tuple[list[int], int]] = []
        self.archived: list[Reference] = []

    def _reference(self, obj: HostObject, assistant_id: int, users=()) -> Reference:
        return Reference(kind=obj.kind, id=obj.id, label=obj.label, url=obj.url,
                         assistant_id=assistant_id, status=obj.status, users=tuple(users))

    def find_references(self, assistant_ids, team_id):
        self.calls.append((sorted(assistant_ids), team_id))
        wanted = set(assistant_ids)
        found = []
        for obj in self.host.objects:
            if obj.kind != self.kind or obj.team_id != team_id:
                continue
            for assistant_id in dict.fromkeys(obj.assistant_ids):
                if assistant_id in wanted:
                    users = [self._reference(u, assistant_id) for u in self.host.users_of(obj)]
                    found.append(self._reference(obj, assistant_id, users))
        return found

    def archive(self, reference: Reference) -> None:
        self.archived.append(reference)
        self.host.get(reference.kind, reference.id).status = RefStatus.ARCHIVED


class MemoryHost:
    """The objects, the providers (experiments, pipelines, evaluation runs) and the hook."""

    def __init__(self):
        self.objects: list[HostObject] = []
        self.experiments = MemoryProvider(self, "experiment", "Experiments", "Experiment")
        self.pipelines = MemoryProvider(self, "pipeline", "Pipelines", "Pipeline")
        self.evaluations = MemoryProvider(self, "evaluation_run", "Evaluation Runs",
                                          "Evaluation Run")
        self.providers = [self.experiments, self.pipelines, self.evaluations]

    @hookimpl
    def ocs_reference_providers(self):
        return list(self.providers)

    def add(self, kind: str, label: str, status, *, assistants=(), pipeline=None,
            team_id: int = 1) -> HostObject:
        obj = HostObject(kind=kind, id=len(self.objects) + 1, label=label, team_id=team_id,
                         status=RefStatus(status), assistant_ids=list(assistants),
                         pipeline=pipeline)
        self.objects.append(obj)
        return obj

    def experiment(self, label, status, *, assistant=None, pipeline=None, team_id=1):
        return self.add("experiment", label, status,
                        assistants=[assistant] if assistant is not None else [],
                        pipeline=pipeline, team_id=team_id)

    def pipeline(self, label, status, *assistants, team_id=1):
        return self.add("pipeline", label, status, assistants=assistants, team_id=team_id)

    def evaluation(self, label, status, assistant, team_id=1):
        return self.add("evaluation_run", label, status, assistants=[assistant],
                        team_id=team_id)

    def get(self, kind: str, object_id) -> HostObject:
        return next(o for o in self.objects if o.kind == kind and o.id == object_id)

    def users_of(self, obj: HostObject) -> list[HostObject]:
        return [o for o in self.objects if o.kind == "experiment" and o.pipeline is obj]


class ArchiveObserver:
    """Records ``ocs_assistant_archived`` notifications."""

    def __init__(self):
        self.archived: list[int] = []

    @hookimpl
    def ocs_assistant_archived(self, assistant):
        self.archived.append(assistant.id)
