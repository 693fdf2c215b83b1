"""Production static files: far-future caching and compression, as every page references them.

`collectstatic` runs into a temporary STATIC_ROOT with the production storage (hashed names,
compressed copies); a fresh client then loads the home page and every stylesheet, script and icon
it links, as a browser would, through WhiteNoise.
"""

import re

import pytest
from django.core.management import call_command
from django.test import Client, override_settings

PRODUCTION_STATIC = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}


@pytest.fixture
def production_static(tmp_path):
    with override_settings(DEBUG=False, STATIC_ROOT=tmp_path, STORAGES=PRODUCTION_STATIC):
        call_command("collectstatic", interactive=False, verbosity=0)
        yield tmp_path


def test_every_asset_a_page_links_is_cached_for_a_year_and_compressed(
    production_static, demo, login
):
    client = Client()
    client.force_login(demo["staff"])
    page = client.get("/")
    assert page.status_code == 200
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', page.content.decode())
    assert any(a.endswith(".css") for a in assets) and any(a.endswith(".js") for a in assets)
    for url in assets:
        assert re.search(r"\.[0-9a-f]{12}\.", url), f"{url} is not a hashed (cacheable) name"
        response = client.get(url, HTTP_ACCEPT_ENCODING="gzip, br")
        assert response.status_code == 200, url
        cache = response.headers["Cache-Control"]
        assert "max-age=315360000" in cache and "immutable" in cache, (url, cache)
        if url.endswith((".css", ".js", ".svg")):
            assert response.headers.get("Content-Encoding") in {"gzip", "br"}, url
        response.close()


def test_favicon_ico_leads_to_the_icon(production_static):
    response = Client().get("/favicon.ico", follow=True)
    assert response.redirect_chain[0][0].startswith("/static/favicon.")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("image/svg")
