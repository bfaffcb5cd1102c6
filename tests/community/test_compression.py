"""Compression of our own dynamic pages (Flask-Compress, configured in config.py)."""
from __future__ import annotations

import gzip

import brotli
import pytest


def _page(client, encoding: str, path: str = "/"):
    return client.get(path, headers={"Accept-Encoding": encoding})


def test_brotli_is_preferred_when_the_browser_accepts_it(client):
    plain = _page(client, "identity")
    response = _page(client, "gzip, deflate, br, zstd")
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "br"
    assert "Accept-Encoding" in response.headers["Vary"]
    body = brotli.decompress(response.get_data())
    assert b"<html" in body and len(response.get_data()) < len(plain.get_data()) / 2
    assert int(response.headers["Content-Length"]) == len(response.get_data())


def test_gzip_for_a_browser_without_brotli(client):
    response = _page(client, "gzip")
    assert response.headers["Content-Encoding"] == "gzip"
    assert b"<html" in gzip.decompress(response.get_data())


@pytest.mark.parametrize("encoding", ["", "identity", "deflate", "zstd"])
def test_no_encoding_the_browser_did_not_ask_for(client, encoding):
    response = _page(client, encoding)
    assert "Content-Encoding" not in response.headers
    assert b"<html" in response.get_data()


def test_small_responses_stay_as_they_are(client):
    response = _page(client, "br, gzip", "/healthz")
    assert len(response.get_data()) < 1024
    assert "Content-Encoding" not in response.headers
    assert response.get_json()["status"] == "ok"


def test_static_files_and_error_pages_are_not_compressed(client):
    css = _page(client, "br, gzip", "/static/css/site.css")
    assert css.status_code == 200 and len(css.get_data()) >= 1024
    assert "Content-Encoding" not in css.headers
    css.close()
    missing = _page(client, "br, gzip", "/no-such-page")
    assert missing.status_code == 404
    assert "Content-Encoding" not in missing.headers
