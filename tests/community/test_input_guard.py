"""A NUL byte anywhere in a request is a 400 with a message on both databases, never a 500."""
from __future__ import annotations

import pytest


@pytest.mark.parametrize("path, query", [
    ("/initiatives", {"q": "soep\x00"}), ("/initiatives", {"near": "Sint-Baafsplein\x00"}),
    ("/initiatives", {"district": "44021\x00"}), ("/", {"model": "buddy\x00"}), ("/areas/X%00", {}),
    ("/print", {"q": "\x00"}), ("/api/hsds/services", {"page": "1\x00"}),
])
def test_nul_in_a_query_or_path_is_refused(client, path, query):
    response = client.get(path, query_string=query)
    assert response.status_code == 400
    assert b"NUL" in response.data


def test_nul_in_a_form_is_refused_before_any_view(client):
    response = client.post("/login", data={"email": "a\x00@example.org", "password": "x"})
    assert response.status_code == 400
    assert b"NUL" in response.data
