"""Cursor pagination on every list: limit, order, after, before, has_more, first/last id."""
from __future__ import annotations

import openai
import pytest

pytestmark = pytest.mark.filterwarnings("ignore:^deprecated$:DeprecationWarning")


@pytest.fixture
def five_assistants(openai_client):
    """Five assistants, oldest first (all created within the same second or two)."""
    return [openai_client.beta.assistants.create(model="gpt-4o", name=f"a{i}").id
            for i in range(5)]


def test_auto_pagination_walks_250_assistants_in_three_requests(openai_client, openai_standin):
    created = [openai_client.beta.assistants.create(model="gpt-4o", name=str(i)).id
               for i in range(250)]
    openai_standin.reset_counts()

    walked = [a.id for a in openai_client.beta.assistants.list(limit=100)]

    assert walked == created[::-1]  # newest first, stable within one second
    assert openai_standin.count("GET", "/v1/assistants") == 3


def test_default_page_is_20_newest_first(openai_client):
    created = [openai_client.beta.assistants.create(model="gpt-4o").id for _ in range(21)]

    page = openai_client.beta.assistants.list()

    assert [a.id for a in page.data] == created[::-1][:20]
    assert page.has_more is True
    assert (page.first_id, page.last_id) == (created[20], created[1])


def test_ascending_order(openai_client, five_assistants):
    page = openai_client.beta.assistants.list(order="asc", limit=2)

    assert [a.id for a in page.data] == five_assistants[:2]
    assert (page.first_id, page.last_id, page.has_more) == (five_assistants[0],
                                                            five_assistants[1], True)


def test_after_continues_past_the_cursor(openai_client, five_assistants):
    a0, a1, a2, a3, a4 = five_assistants

    page = openai_client.beta.assistants.list(limit=2, after=a3)
    last = openai_client.beta.assistants.list(limit=2, after=a1)

    assert [a.id for a in page.data] == [a2, a1] and page.has_more is True
    assert [a.id for a in last.data] == [a0] and last.has_more is False


def test_before_returns_the_previous_page(openai_client, five_assistants):
    a0, a1, a2, a3, a4 = five_assistants

    page = openai_client.beta.assistants.list(limit=2, before=a1)
    first = openai_client.beta.assistants.list(limit=2, before=a3)
    ascending = openai_client.beta.assistants.list(limit=2, before=a3, order="asc")

    assert [a.id for a in page.data] == [a3, a2] and page.has_more is True
    assert [a.id for a in first.data] == [a4] and first.has_more is False
    assert [a.id for a in ascending.data] == [a1, a2] and ascending.has_more is True


def test_after_and_before_together_bound_the_page(openai_client, five_assistants):
    a0, a1, a2, a3, a4 = five_assistants

    page = openai_client.beta.assistants.list(after=a4, before=a0)

    assert [a.id for a in page.data] == [a3, a2, a1]


def test_cursor_of_a_deleted_object_still_works(openai_client, five_assistants):
    a0, a1, a2, a3, a4 = five_assistants
    openai_client.beta.assistants.delete(a2)

    page = openai_client.beta.assistants.list(after=a2)

    assert [a.id for a in page.data] == [a1, a0]


def test_empty_list_envelope(openai_client, openai_standin):
    raw = openai_client.vector_stores.with_raw_response.list()

    assert raw.http_response.json() == {"object": "list", "data": [], "first_id": "",
                                        "last_id": "", "has_more": False}


@pytest.mark.parametrize("query, param", [
    ({"limit": 0}, "limit"), ({"limit": 101}, "limit"), ({"order": "sideways"}, "order"),
    ({"after": "asst_never"}, "after"), ({"before": "asst_never"}, "before"),
])
def test_invalid_list_parameters_are_refused(openai_client, query, param):
    with pytest.raises(openai.BadRequestError) as caught:
        openai_client.beta.assistants.list(**query)

    assert caught.value.param == param


def test_limit_accepts_1_and_100(openai_client, five_assistants):
    assert len(openai_client.beta.assistants.list(limit=1).data) == 1
    assert len(openai_client.beta.assistants.list(limit=100).data) == 5


def test_vector_stores_paginate(openai_client):
    created = [openai_client.vector_stores.create(name=str(i)).id for i in range(7)]

    walked = [s.id for s in openai_client.vector_stores.list(limit=3, order="asc")]

    assert walked == created


def test_vector_store_files_paginate_in_attach_order(openai_client, upload):
    files = [upload(f"{i}".encode(), f"{i}.txt").id for i in range(5)]
    store = openai_client.vector_stores.create(file_ids=files[::-1])  # attached newest first

    walked = [f.id for f in openai_client.vector_stores.files.list(store.id, limit=2)]

    assert walked == files  # desc by attach order


def test_files_paginate_with_after(openai_client, upload, openai_standin):
    files = [upload(filename=f"{i}.txt").id for i in range(5)]
    openai_standin.reset_counts()

    walked = [f.id for f in openai_client.files.list(limit=2, order="asc")]

    assert walked == files
    assert openai_standin.count("GET", "/v1/files") == 3
