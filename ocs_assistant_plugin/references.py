"""What reference providers tell the plugin: which host objects use an assistant, and how.

A *reference provider* is any object with the shape of :class:`ReferenceProvider`, returned by an
``ocs_reference_providers`` hook implementation. The host registers one per object type it has
(experiments, pipelines); third-party packages ship more through the ``ocs_assistant_plugin``
entry-point group. Archiving asks every provider, in one batch, which objects reference an
assistant or any of its versions (DESIGN 1.3).
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Iterable, Protocol, runtime_checkable


class RefStatus(str, Enum):
    """The release state of a referencing host object."""

    UNRELEASED = "unreleased"  #: the editable working copy (a draft experiment, a working pipeline)
    PUBLISHED = "published"  #: the version participants use now
    RELEASED = "released"  #: an earlier released version, no longer published
    ARCHIVED = "archived"  #: ignored

    @property
    def is_live(self) -> bool:
        """Live references (unreleased or published) block archiving."""
        return self in (RefStatus.UNRELEASED, RefStatus.PUBLISHED)

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Reference:
    """One host object that references an assistant (or one of its versions).

    :param kind: the ``kind`` of the provider that found it, e.g. ``"experiment"``.
    :param id: the host object's id (``int`` or ``str``).
    :param label: what an admin sees, e.g. ``"Support bot v3"``.
    :param url: a link to the object in the host, where the admin can unblock archiving.
    :param assistant_id: the plugin's id of the assistant or version it references.
    :param status: a :class:`RefStatus` (or its string value).
    :param users: for containers (a pipeline), the objects that use it (experiments using the
        pipeline), each a ``Reference`` whose ``kind`` names another provider.

    Values are checked on construction, so a provider returning a wrong type fails with an error
    naming the field instead of somewhere deep inside the archive check.
    """

    kind: str
    id: int | str
    label: str
    url: str
    assistant_id: int
    status: RefStatus
    users: tuple["Reference", ...] = ()

    def __post_init__(self):
        for name in ("kind", "label", "url"):
            value = getattr(self, name)
            if not isinstance(value, str):
                raise TypeError(f"Reference.{name} must be a str, got {type(value).__name__}: {value!r}")
        if not self.kind:
            raise ValueError("Reference.kind must not be empty")
        if isinstance(self.id, bool) or not isinstance(self.id, (int, str)):
            raise TypeError(f"Reference.id must be an int or str, got {type(self.id).__name__}: {self.id!r}")
        if isinstance(self.assistant_id, bool) or not isinstance(self.assistant_id, int):
            raise TypeError("Reference.assistant_id must be an int (the plugin's assistant id), "
                            f"got {type(self.assistant_id).__name__}: {self.assistant_id!r}")
        try:
            status = RefStatus(self.status)
        except ValueError:
            allowed = ", ".join(s.value for s in RefStatus)
            raise ValueError(f"Reference.status must be one of {allowed}, got {self.status!r}") from None
        object.__setattr__(self, "status", status)
        if isinstance(self.users, (str, bytes)) or not isinstance(self.users, Iterable):
            raise TypeError(f"Reference.users must be a sequence of Reference, got {self.users!r}")
        users = tuple(self.users)
        for user in users:
            if not isinstance(user, Reference):
                raise TypeError(f"Reference.users must hold Reference objects, got {user!r}")
        object.__setattr__(self, "users", users)

    @property
    def is_live(self) -> bool:
        return self.status.is_live


@runtime_checkable
class ReferenceProvider(Protocol):
    """The shape of a reference provider (structural: no base class needed).

    ``kind`` names the object type (unique across providers), ``section`` titles its section in
    the archive modal (``"Experiments"``), ``label`` is the singular noun used in combined
    sections (``"Pipeline"`` gives ``"Experiments Referencing Pipeline"``).
    """

    kind: str
    section: str
    label: str

    def find_references(self, assistant_ids: list[int], team_id: int) -> Iterable[Reference]:
        """Every object of this kind in the team that references any of ``assistant_ids``."""

    def archive(self, reference: Reference) -> None:
        """Archive a released object that only referenced assistants being archived."""
