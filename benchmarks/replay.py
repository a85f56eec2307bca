"""Open Chat Studio's call patterns, replayed against the same stand-in in the same run.

Each function sends the requests Open Chat Studio's own code sends for the same job, in the same
order, one after another, through the same ``openai`` SDK (its typed methods, as that code uses
them). Each one names the Open Chat Studio function it follows (``apps/assistants`` in
github.com/dimagi/open-chat-studio); none of its code is copied.
"""
from __future__ import annotations

import warnings

RELEASE_FIRST_FILES = 100  # files given to the store create on a release
RELEASE_BATCH = 500  # files per batch after that


def _assistants(client):
    """``client.beta.assistants``, whose every call warns that it is deprecated."""
    warnings.simplefilter("ignore", DeprecationWarning)
    return client.beta.assistants


def sync_check(client, openai_assistant_id: str) -> list[str]:
    """Follows ``views.check_sync_status``: ``sync.get_diff_with_openai_assistant`` retrieves the
    assistant, then ``sync.get_out_of_sync_files`` retrieves it again and, through
    ``sync._get_tool_file_ids_from_openai``, lists its store's files with
    ``vector_stores.files.list`` at the SDK's default page (20), page after page. Drift or not,
    the calls are the same."""
    with warnings.catch_warnings():
        assistants = _assistants(client)
        assistants.retrieve(openai_assistant_id)
        assistant = assistants.retrieve(openai_assistant_id)
        store_ids = assistant.tool_resources.file_search.vector_store_ids
        if not store_ids:
            return []
        return [f.id for f in client.vector_stores.files.list(vector_store_id=store_ids[0])]


def release_clone(client, name: str, model: str, file_ids: list[str]) -> str:
    """Follows ``models.OpenAiAssistant.create_new_version`` -> ``sync.push_assistant_to_openai``
    for the new version: ``sync._update_or_create_vector_store`` creates a store with the first
    100 files (``create_remote_index``) and links the rest in batches of 500, one after another
    (``OpenAIRemoteIndexManager.link_files_to_remote_index``); then the assistant is created."""
    store = client.vector_stores.create(name=f"{name} - File Search",
                                        file_ids=file_ids[:RELEASE_FIRST_FILES])
    rest = file_ids[RELEASE_FIRST_FILES:]
    for start in range(0, len(rest), RELEASE_BATCH):
        client.vector_stores.file_batches.create(vector_store_id=store.id,
                                                 file_ids=rest[start:start + RELEASE_BATCH])
    with warnings.catch_warnings():
        return _assistants(client).create(
            model=model, name=name, tools=[{"type": "file_search"}],
            tool_resources={"file_search": {"vector_store_ids": [store.id]}}).id


def archive(client, openai_assistant_id: str, vector_store_id: str, file_ids: list[str]) -> None:
    """Follows ``tasks.delete_openai_assistant_task`` -> ``sync.delete_openai_assistant``: delete
    the assistant, then its vector store, then (``delete_openai_files_for_resource`` ->
    ``delete_file_from_openai``) each file no other resource uses, one at a time."""
    with warnings.catch_warnings():
        _assistants(client).delete(openai_assistant_id)
    client.vector_stores.delete(vector_store_id=vector_store_id)
    for file_id in file_ids:
        client.files.delete(file_id)


def import_assistant(client, openai_assistant_id: str) -> list[str]:
    """Follows ``sync.import_openai_assistant``: the assistant is retrieved, then
    ``sync._sync_tool_resources_from_openai`` lists its store's files at the SDK's default page
    (20) and, as the listing goes, ``sync._fetch_file_from_openai`` retrieves each File the new
    assistant does not hold yet (all of them), one at a time. Returns the filenames."""
    with warnings.catch_warnings():
        assistant = _assistants(client).retrieve(openai_assistant_id)
    file_search = assistant.tool_resources.file_search if assistant.tool_resources else None
    store_ids = file_search.vector_store_ids if file_search else None
    if not store_ids:
        return []
    return [client.files.retrieve(f.id).filename
            for f in client.vector_stores.files.list(vector_store_id=store_ids[0])]
