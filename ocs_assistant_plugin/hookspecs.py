"""The plugin's hook specifications: the reference documentation of every hook.

Implement a hook with the ``hookimpl`` marker and register the object on the app's plugin::

    from ocs_assistant_plugin import hookimpl

    class HostHooks:
        @hookimpl
        def ocs_current_team_id(self):
            return g.team.id

    app.extensions["ocs_assistants"].register(HostHooks())

or ship it in a package with an entry point in the ``ocs_assistant_plugin`` group.

Call hooks with keyword arguments only. Implementations may accept fewer arguments than the
spec. Hooks marked *firstresult* stop at the first implementation that returns something other
than ``None``; the plugin's built-in implementations are registered ``trylast`` so every host or
third-party implementation is asked first.

The hooks come in three groups:

- **provided by the host** (and third parties): :func:`ocs_reference_providers`,
  :func:`ocs_openai_client`, :func:`ocs_current_team_id`, :func:`ocs_authorize`;
- **events the host fires, implemented by the plugin**: :func:`ocs_assistant_edit_opened`,
  :func:`ocs_release`, :func:`ocs_reference_archived`;
- **notifications for observers**: :func:`ocs_assistant_pushed`, :func:`ocs_assistant_released`,
  :func:`ocs_assistant_archived`.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable, Sequence

import pluggy

from .errors import ConfigurationError, RemoteNotConfigured

if TYPE_CHECKING:
    import openai

    from .models import Assistant
    from .references import Reference, ReferenceProvider

PROJECT_NAME = "ocs_assistant_plugin"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
#: Marks a hook implementation; also exported as ``ocs_assistant_plugin.hookimpl``.
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


# -- provided by the host ----------------------------------------------------------------------


@hookspec
def ocs_reference_providers() -> Sequence[ReferenceProvider] | ReferenceProvider | None:
    """Return the reference providers this plugin contributes.

    Called when archiving is checked. The results of all implementations are flattened; each
    provider's ``kind`` must be unique across all of them.

    :return: a list of objects shaped like
        :class:`ocs_assistant_plugin.references.ReferenceProvider` (``kind``, ``section``,
        ``label``, ``find_references(assistant_ids, team_id)``, ``archive(reference)``).

    Example::

        @hookimpl
        def ocs_reference_providers(self):
            return [ExperimentProvider(), PipelineProvider()]
    """


@hookspec(firstresult=True)
def ocs_openai_client(team_id: int) -> openai.OpenAI | None:
    """Return the ``openai.OpenAI`` client to use for a team.

    The host supplies per-team credentials here. The built-in implementation (asked last) builds
    a client from ``OCS_ASSISTANTS_OPENAI_API_KEY`` and ``OCS_ASSISTANTS_OPENAI_BASE_URL`` and
    returns ``None`` when no key is configured, which makes the request answer 503 "No OpenAI
    API key configured for team N". A client returned by the host stays the host's to close.

    Stops at the first non-``None`` result (firstresult).

    :param int team_id: the team whose assistants are being managed.
    :return: an ``openai.OpenAI`` instance, or ``None`` to let the next implementation answer.

    Example::

        @hookimpl
        def ocs_openai_client(self, team_id):
            return openai.OpenAI(api_key=Team.query.get(team_id).openai_key)
    """


@hookspec(firstresult=True)
def ocs_current_team_id() -> int | None:
    """Return the id of the team of the current request.

    Every JSON API call and admin page is scoped to this team: objects of another team answer
    404. With no implementation, or when it returns ``None``, requests answer 401
    ``not_authenticated``.

    Stops at the first non-``None`` result (firstresult).

    :return: the team id (``int``), or ``None`` when there is no signed-in team.

    Example::

        @hookimpl
        def ocs_current_team_id(self):
            return getattr(g, "team_id", None)
    """


@hookspec(firstresult=True)
def ocs_authorize(action: str, team_id: int, assistant: Assistant | None) -> bool | None:
    """Decide whether the current user may perform ``action``.

    The built-in implementation (asked last) denies everything unless
    ``OCS_ASSISTANTS_ALLOW_ALL`` is set. A denial answers 403 ``forbidden``.

    Stops at the first non-``None`` result (firstresult).

    :param str action: one of ``view``, ``create``, ``edit``, ``import``, ``sync``, ``release``,
        ``archive``, ``try`` (send a message to the assistant from its page or the API; the
        assistant must be readable with ``view`` too).
    :param int team_id: the team of the current request.
    :param assistant: the :class:`~ocs_assistant_plugin.models.Assistant` acted on, or ``None``
        for actions on the collection (``create``, ``import``, listing with ``view``).
    :return: ``True`` to allow, ``False`` to deny, ``None`` to let the next implementation decide.

    Example::

        @hookimpl
        def ocs_authorize(self, action, team_id, assistant):
            return current_user.is_team_admin(team_id) or None
    """


# -- events the host fires, implemented by the plugin -------------------------------------------


@hookspec(firstresult=True)
def ocs_assistant_edit_opened(assistant_id: int, team_id: int) -> dict[str, Any]:
    """The host opened the edit screen of an assistant: check it against OpenAI.

    The host fires this event; the plugin implements it (the sync check of DESIGN 1.1, without
    asking ``ocs_authorize``: the host decided to open the screen). OpenAI failures are part of
    the report (state ``error``), never an exception; another team's assistant raises
    ``NotFound``.

    Stops at the first non-``None`` result (firstresult).

    :param int assistant_id: the plugin's id of the assistant (working copy or version).
    :param int team_id: the team that owns it; another team's assistant is not found.
    :return: the sync report as a dict: ``state`` (``not_pushed``, ``in_sync``, ``out_of_sync``,
        ``remote_missing`` or ``error``), ``assistant_id``, ``openai_id``, ``is_version``,
        ``differences`` (``[{field, local, remote}]``), ``files_missing_locally``,
        ``files_missing_remotely`` and ``message``.

    Example::

        report = plugin.hook.ocs_assistant_edit_opened(assistant_id=7, team_id=1)
        if report["state"] != "in_sync":
            flash(report["message"])
    """


@hookspec(firstresult=True)
def ocs_release(assistant_ids: Sequence[int], team_id: int,
                release_label: str | None) -> dict[int, int]:
    """The host released a chatbot version that references these assistants: make versions.

    The host fires this event; the plugin implements it (DESIGN 1.2, without asking
    ``ocs_authorize``): each working assistant gets a frozen version with its own copy in OpenAI
    (a new assistant and vector store, the same files), or its latest unarchived version is
    reused when nothing changed since and ``OCS_ASSISTANTS_REUSE_UNCHANGED_VERSIONS`` is on
    (the default), then :func:`ocs_assistant_released` is fired for each new version.

    It joins the host's transaction: the new version rows are flushed into the host's
    ``db.session``, never committed nor rolled back. Fire it inside the transaction that writes
    the released chatbot version and commit once; if the host rolls back (or never commits),
    the versions vanish with its rows and the copies made in OpenAI are found and deleted by
    the remote-operations outbox (each carries a tag, and the intent to sweep it is recorded in
    a transaction of its own, committed before the copy is asked for on PostgreSQL). The
    working assistants stay locked (``SELECT ... FOR UPDATE``; SQLite's writer lock) until the
    host's transaction ends.

    All or nothing: a malformed argument raises ``InvalidInput``, an unknown id or another team's
    assistant ``NotFound``, a version or an archived assistant ``Conflict``, and a failed clone
    its remote error naming the assistant; then nothing of the release is left in the session
    (the host's own changes stay, for the host to commit or roll back), and whatever this
    release made in OpenAI is deleted again (a deletion that fails too is finished later by the
    remote-operations outbox).

    Stops at the first non-``None`` result (firstresult).

    :param list[int] assistant_ids: working assistants referenced by the released chatbot (an
        id given twice is released once).
    :param int team_id: the team that owns them.
    :param str release_label: the host's name for the release, e.g. ``"v3"`` (at most 256
        characters; ``None`` or ``""`` for none), kept on each new version.
    :return: ``{working_id: version_id}`` for every id in ``assistant_ids``; the released chatbot
        version should reference the version ids.

    Example::

        mapping = plugin.hook.ocs_release(assistant_ids=[7], team_id=1, release_label="v3")
        experiment_version.assistant_id = mapping[7]
    """


@hookspec
def ocs_reference_archived(reference: Reference) -> None:
    """The host archived a released object on its own: archive its assistant version if unused.

    The host fires this event; the plugin implements it (DESIGN 1.3): the assistant version the
    object referenced is archived once no other unarchived reference of any status uses it, its
    remote deletions are recorded in the outbox, and :func:`ocs_assistant_archived` is fired. No
    other reference is ever archived as a side effect (an older released version is the host's
    rollback target): report every object you archive, including containers frozen with it (a
    pipeline version released with an experiment version). Nothing happens when
    the reference points at a working assistant (archiving that stays the admin's decision), at
    an unknown or already archived assistant, or when the version is still referenced. Anything
    other than a ``Reference`` raises ``InvalidInput``.

    It joins the host's transaction: fire it once the host's own archive is flushed (the
    providers are asked through the same session), then commit once. The archive and its
    recorded deletions are only flushed; the deletions are carried out after the host commits,
    and a rollback undoes the archive and records nothing.

    :param reference: the :class:`~ocs_assistant_plugin.references.Reference` of the archived
        object (its ``assistant_id`` is the version it used).
    :return: nothing.

    Example::

        plugin.hook.ocs_reference_archived(reference=Reference(
            kind="experiment", id=12, label="Bot v2", url="/e/12",
            assistant_id=9, status=RefStatus.ARCHIVED))
    """


# -- notifications for observers ------------------------------------------------------------------


@hookspec
def ocs_assistant_pushed(assistant: Assistant) -> None:
    """An assistant was created or updated in OpenAI and the local copy saved.

    Called after the database commit, once per change that reached OpenAI: create, edit, file
    upload or removal, and the sync fixes that change OpenAI (push, restore of a version, the
    per-file upload, removing a file that was attached there, detaching an OpenAI-only file).
    Not called for an import, a pull or keeping an OpenAI-only file (nothing changes in
    OpenAI), nor for a release (see :func:`ocs_assistant_released`). Exceptions from
    implementations propagate to the caller; the change stays saved.

    :param assistant: the :class:`~ocs_assistant_plugin.models.Assistant` as saved.
    :return: nothing.

    Example::

        @hookimpl
        def ocs_assistant_pushed(self, assistant):
            audit_log.info("assistant %s pushed as %s", assistant.id, assistant.openai_id)
    """


@hookspec
def ocs_assistant_released(assistant: Assistant, version: Assistant) -> None:
    """A new version of an assistant was made for a release.

    Called once per new version, in the order of the released ids, once every copy exists in
    OpenAI; not called for an unchanged version that the release reused. From the plugin's own
    release route and CLI it comes after the commit; from :func:`ocs_release` it comes inside
    the host's transaction, before the host commits (a host that rolls back drops the version).

    :param assistant: the working :class:`~ocs_assistant_plugin.models.Assistant`.
    :param version: the version (an ``Assistant`` with ``is_version`` true).
    :return: nothing.

    Example::

        @hookimpl
        def ocs_assistant_released(self, assistant, version):
            notify(f"{assistant.name} released as v{version.version_number}")
    """


@hookspec
def ocs_assistant_archived(assistant: Assistant) -> None:
    """An assistant (working copy or version) was archived locally.

    Called after the commit, once per archived assistant: archiving a working assistant calls it
    for the working assistant, then for each of its versions; :func:`ocs_reference_archived`
    calls it for the version it archives, inside the host's transaction (before the host
    commits). Its remote deletions may still be pending in the remote-operations outbox.

    :param assistant: the archived :class:`~ocs_assistant_plugin.models.Assistant`.
    :return: nothing.

    Example::

        @hookimpl
        def ocs_assistant_archived(self, assistant):
            cache.delete(f"assistant:{assistant.id}")
    """


# -- the typed wrapper the plugin's own code calls ------------------------------------------------

AUTHORIZE_ACTIONS = ("view", "create", "edit", "import", "sync", "release", "archive", "try")


class HookRelay:
    """Typed calls of the hooks for the plugin's own code (tox's way): services call these
    methods instead of scattering ``pm.hook.ocs_...(...)`` through the codebase.

    :param hook: the app's hook relay (``pm.hook``).
    """

    def __init__(self, hook):
        self.hook = hook

    def current_team_id(self) -> int | None:
        return self.hook.ocs_current_team_id()

    def authorize(self, action: str, team_id: int, assistant=None) -> bool:
        if action not in AUTHORIZE_ACTIONS:
            raise ValueError(f"unknown authorization action {action!r}")
        return bool(self.hook.ocs_authorize(action=action, team_id=team_id, assistant=assistant))

    def openai_client(self, team_id: int | None):
        """The team's ``openai.OpenAI``; :class:`~.errors.RemoteNotConfigured` (503) when no
        implementation gives one."""
        client = self.hook.ocs_openai_client(team_id=team_id)
        if client is None:
            raise RemoteNotConfigured(
                f"No OpenAI API key configured for team {team_id}: set "
                "OCS_ASSISTANTS_OPENAI_API_KEY or implement the ocs_openai_client hook.")
        return client

    def reference_providers(self) -> list:
        """Every registered provider, flattened; a ``kind`` used twice is a configuration
        error."""
        providers, seen = [], {}
        for result in self.hook.ocs_reference_providers():
            for provider in _as_list(result):
                kind = getattr(provider, "kind", None)
                if not isinstance(kind, str) or not kind:
                    raise ConfigurationError(f"Reference provider {provider!r} has no `kind`.")
                if kind in seen:
                    raise ConfigurationError(
                        f"Two reference providers use kind {kind!r}: {seen[kind]!r} and {provider!r}.")
                seen[kind] = provider
                providers.append(provider)
        return providers

    def assistant_pushed(self, assistant) -> None:
        self.hook.ocs_assistant_pushed(assistant=assistant)

    def assistant_released(self, assistant, version) -> None:
        self.hook.ocs_assistant_released(assistant=assistant, version=version)

    def assistant_archived(self, assistant) -> None:
        self.hook.ocs_assistant_archived(assistant=assistant)


def _as_list(result) -> Iterable:
    if result is None:
        return []
    if isinstance(result, (list, tuple, set, frozenset)):
        return result
    return [result]
