"""The network circle (/network-circle): a public page in three languages whose script gets its words
from a JSON island, with no form that sends a resident's contacts to the server and no inline code."""
from __future__ import annotations

import json
import re

import pytest

from community import taxonomy

ISLAND = re.compile(r'<script type="application/json" id="circle-config">(.*?)</script>', re.S)
FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)
HOSTILE = "</script><script>alert(1)</script><!--"


def _island(html: str) -> dict:
    found = ISLAND.findall(html)
    assert len(found) == 1
    return json.loads(found[0])


@pytest.mark.parametrize("lang, heading, family", [
    ("nl", "De netwerkcirkel", "Familie"), ("fr", "Le cercle du réseau", "Famille"),
    ("en", "The network circle", "Family")])
def test_the_page_renders_in_each_language_without_an_account(client, lang, heading, family):
    response = client.get(f"/network-circle?lang={lang}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'<html lang="{lang}">' in html
    assert heading in html
    config = _island(html)
    assert dict(config["vocabularies"]["sectors"])["family"] == family
    assert [code for code, _ in config["vocabularies"]["functions"]] == [
        "emotional", "belonging", "practical", "stability", "advice"]
    # Only the finder's own functions become a finder filter.
    assert config["finder_functions"] == list(taxonomy.NETWORK_FUNCTIONS.codes)
    assert config["finder_url"] == "/initiatives"
    # Working models suggested for empty sectors are finder codes, labelled in the page's language.
    models = {code for codes in config["sector_models"].values() for code in codes}
    assert models and models <= set(taxonomy.WORKING_MODELS.codes) <= set(config["models"])
    assert set(config["sector_models"]) <= set(taxonomy.CIRCLE_SECTORS.codes)
    assert 'src="/static/js/network-circle.js"' in html


def test_the_page_is_linked_from_the_navigation(client):
    html = client.get("/?lang=en").get_data(as_text=True)
    assert 'href="/network-circle"' in html


def test_the_island_escapes_script_endings_in_its_labels(client, monkeypatch):
    from community.services import network_circle
    real = network_circle.messages
    monkeypatch.setattr(network_circle, "messages", lambda: {**real(), "me": HOSTILE, "drawing": "a & b <b>"})
    html = client.get("/network-circle?lang=en").get_data(as_text=True)
    body = ISLAND.findall(html)[0]
    assert "</script" not in body and "<script" not in body and "<!--" not in body and "<b>" not in body
    config = json.loads(body)
    assert config["messages"]["me"] == HOSTILE
    assert config["messages"]["drawing"] == "a & b <b>"


def test_no_form_sends_contacts_to_the_server(client):
    html = client.get("/network-circle?lang=en").get_data(as_text=True)
    forms = {re.search(r'id="([^"]+)"', attrs).group(1): (attrs, body) for attrs, body in FORM.findall(html)
             if 'id="' in attrs}
    assert {"contact-form", "keep-form", "offers-form"} <= set(forms)
    for form_id in ("contact-form", "keep-form"):
        attrs, body = forms[form_id]
        assert 'action="#"' in attrs and "method=" not in attrs.lower()
        # A field without a name is never sent, even if the script did not run and the form was submitted.
        assert re.search(r"<(input|select|textarea)\b[^>]*\sname=", body) is None, form_id
    # The only form that reaches the server is the finder's ordinary search, by GET, with filter names.
    attrs, body = forms["offers-form"]
    assert 'action="/initiatives"' in attrs and 'method="get"' in attrs
    assert set(re.findall(r'\sname="([^"]+)"', body)) == {"cost", "childcare", "language", "day", "part", "near"}
    assert "method=\"post\"" not in html.lower()
    # The "how do you feel" choices are outside every form.
    assert all("view-feel" not in body for _, body in forms.values())


def test_the_policy_allows_no_inline_code_and_the_page_has_none(client):
    response = client.get("/network-circle")
    policy = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    html = response.get_data(as_text=True)
    assert re.search(r"<[a-z][^>]*\s(on[a-z]+|style)\s*=", html, re.I) is None
    assert re.search(r"<style\b", html, re.I) is None
    for attrs, body in re.findall(r"<script\b([^>]*)>(.*?)</script>", html, re.S):
        assert "src=" in attrs or 'type="application/json"' in attrs


def test_the_script_writes_names_as_text_only():
    from pathlib import Path
    source = (Path(__file__).resolve().parents[2] / "static" / "js" / "network-circle.js").read_text()
    for risky in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "fetch(",
                  "XMLHttpRequest", "sendBeacon", "cookie"):
        assert risky not in source, risky


def test_the_circle_words_are_in_every_language():
    for vocabulary in (taxonomy.CIRCLE_RINGS, taxonomy.CIRCLE_SECTORS, taxonomy.CIRCLE_FUNCTIONS,
                       taxonomy.CIRCLE_FREQUENCIES, taxonomy.CIRCLE_CHANNELS):
        for term in vocabulary.terms:
            assert term.nl and term.fr and term.en
    assert len(taxonomy.CIRCLE_SECTORS.codes) == 5 and taxonomy.CIRCLE_SECTORS.codes[-1] == "none"
