"""The import page's second form: a vector store and its files become a responses assistant."""
from __future__ import annotations

from page_html import text_of


def test_the_form_imports_a_vector_store_and_opens_the_assistant(pages, api, openai_client):
    file = openai_client.files.create(file=("policy.md", b"Refunds in 5 days."),
                                      purpose="assistants")
    store = openai_client.vector_stores.create(name="Policies", file_ids=[file.id])

    response = pages.post_form("/import", {"vector_store_id": store.id, "model": "gpt-4o",
                                           "name": ""})

    assert response.status_code == 302, response.get_data(as_text=True)
    [made] = api.assistants()
    assert response.headers["Location"].endswith(f"/{made['id']}")
    assert (made["name"], made["backend"], made["vector_store_id"]) == (
        "Policies", "responses", store.id)
    assert [f["filename"] for f in made["files"]] == ["policy.md"]


def test_a_missing_model_is_shown_at_its_field_and_nothing_is_imported(pages, api):
    response = pages.post_form("/import", {"vector_store_id": "vs_1", "model": "", "name": ""})

    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="model-error"' in html and 'value="vs_1"' in html
    assert api.assistants() == []
    assert "Import vector store" in text_of(html)
