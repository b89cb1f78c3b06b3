"""The OpenAPI schema documents the error answers every operation can give, with their body."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(client) -> dict:
    return client.get("/api/schema/", {"format": "json"}).json()


def test_every_operation_documents_403_and_404_and_the_detail_body(schema):
    operations = [op for path in schema["paths"].values() for op in path.values()]

    assert len(operations) > 20
    for operation in operations:
        assert {"403", "404"} <= set(operation["responses"])
    jpeg = schema["paths"]["/api/evidence/{id}/file/"]["get"]["responses"]
    assert "content" not in jpeg["404"]  # DRF renders it empty for a JPEG answer
    body = schema["paths"]["/api/copies/"]["post"]["responses"]["403"]
    assert body["description"] == "Not an observer."  # the view's own text is kept
    assert body["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorDetail"}
    assert schema["components"]["schemas"]["ErrorDetail"]["required"] == ["detail"]


def test_operations_that_take_a_body_document_400_413_and_415(schema):
    submit = schema["paths"]["/api/copies/"]["post"]["responses"]
    read = schema["paths"]["/api/copies/"]["get"]["responses"]

    assert {"400", "413", "415"} <= set(submit) and "201" in submit
    assert not {"413", "415"} & set(read)


def test_an_unrouted_api_url_answers_404_in_the_documented_json_shape(client):
    response = client.get("/api/contests/-1/results/")

    assert response.status_code == 404 and response.json() == {"detail": "Not found."}


def test_an_unrouted_page_answers_the_html_404_page(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


def test_operations_that_take_query_parameters_document_the_400_they_give(schema, client, observer):
    stages = schema["paths"]["/api/checklist-items/"]["get"]["responses"]
    client.force_login(observer.user)

    response = client.get("/api/checklist-items/", {"stage": "arrival\x00"})

    assert response.status_code == 400 and "detail" in response.json()
    assert "400" in stages and "content" in stages["400"]
