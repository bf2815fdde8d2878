"""No browser or proxy keeps a copy of a signed-in user's pages or of the API (`Cache-Control: no-store`);
static files and the pages of visitors who are not signed in keep the caching they had."""

import pytest
from django.test import Client

from kechuang.org.actions import create_token
from kechuang.tabular.models import ImportJob

pytestmark = pytest.mark.django_db

NO_STORE = "no-store"


def signed_in_pages():
    yield "/"
    yield "/enterprises/"
    yield "/enterprises/?town=²"  # a 400
    yield "/enterprises/0/"  # a 404
    yield "/tables/enterprises/export.xlsx"  # a download
    yield "/progress/cockpit/"
    yield "/plans/"
    yield "/audit/changes/"
    yield "/api/v1/docs"
    yield "/api/v1/openapi.json"
    yield "/api/v1/enterprises"
    yield "/api/v1/cockpit?as_of=x"  # a 422


def test_every_answer_to_a_signed_in_user_is_no_store(client_as):
    client = client_as("kjj")
    for url in signed_in_pages():
        response = client.get(url)
        assert response.status_code < 500, url
        assert response["Cache-Control"] == NO_STORE, (url, response.status_code)
    # a redirect after a change, and a page answering a POST
    response = client.post("/tables/enterprises/upload/", {})
    assert response.status_code == 302 and response["Cache-Control"] == NO_STORE
    assert not ImportJob.objects.exists()


def test_the_api_is_no_store_for_tokens_and_anonymous_callers_too(user):
    _, secret = create_token(user("kjj"), name="报表系统")
    client = Client()
    response = client.get("/api/v1/enterprises", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 200 and response["Cache-Control"] == NO_STORE
    response = client.get("/api/v1/enterprises")
    assert response.status_code == 401 and response["Cache-Control"] == NO_STORE
    response = client.get("/api/v1/enterprises", HTTP_AUTHORIZATION="Bearer kc_nothing")
    assert response.status_code == 401 and response["Cache-Control"] == NO_STORE


def test_static_files_keep_their_caching(client_as):
    response = client_as("kjj").get("/static/core/kechuang.css")
    assert response.status_code == 200
    assert NO_STORE not in response.get("Cache-Control", "") and "max-age" in response["Cache-Control"]


def test_the_login_page_keeps_its_own_headers(settings):
    with_middleware = Client().get("/accounts/login/")
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != "kechuang.core.caching.NoStoreMiddleware"]
    without = Client().get("/accounts/login/")
    assert with_middleware.status_code == without.status_code == 200
    assert with_middleware.get("Cache-Control") == without.get("Cache-Control")
    assert with_middleware.get("Cache-Control") != NO_STORE


def test_signing_in_and_out(user, demo_password):
    client = Client()
    response = client.post("/accounts/login/", {"username": "kjj", "password": demo_password})
    assert response.status_code == 302 and response["Cache-Control"] == NO_STORE
    assert client.get("/")["Cache-Control"] == NO_STORE
    response = client.post("/accounts/logout/")
    assert response.status_code == 302 and response.get("Cache-Control") != NO_STORE
