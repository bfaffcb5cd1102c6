"""The network circle in a real Chromium: contacts drawn and listed as text, nothing about them in any
request, kept encrypted in a file or on the device, the finder's filter for what is thin, axe, phones."""
from __future__ import annotations

import json
import os
from pathlib import Path

from axe import run_axe

HOSTILE = "<img src=x onerror=alert(1)>"
CONTACTS = [
    {"name": "Oma Rita", "ring": "1", "sector": "family", "functions": ["emotional"], "mutual": True},
    {"name": HOSTILE, "ring": "2", "sector": "community", "strain": True, "channels": ["phone"]},
    {"name": "Dokter Jansens", "ring": "3", "sector": "professional", "functions": ["advice"], "often": "monthly"},
]
NAMES = ["Oma Rita", HOSTILE, "Dokter Jansens"]
WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective));
window.print = () => { window.__printed = (window.__printed || 0) + 1; };
"""


def _shots(tmp_path) -> Path:
    folder = Path(os.environ.get("BUURTKRACHT_SHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _open(page, live_server, lang="en"):
    requests, dialogs = [], []
    page.add_init_script(WATCH)
    page.on("request", lambda r: requests.append((r.url, r.post_data or "")))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(f"{live_server.url}/network-circle?lang={lang}")
    page.wait_for_selector("#circle-svg svg")
    return requests, dialogs


def _add(page, contact):
    page.fill("#contact-name", contact["name"])
    page.select_option("#contact-ring", contact["ring"])
    page.select_option("#contact-sector", contact["sector"])
    extra = contact.get("functions") or contact.get("channels") or contact.get("often") or contact.get("mutual") \
        or contact.get("strain")
    if extra and not page.locator("details.circle-more").evaluate("d => d.open"):
        page.click("details.circle-more summary")
    for code in contact.get("functions", []):
        page.check(f"input[data-function={code}]")
    for code in contact.get("channels", []):
        page.check(f"input[data-channel={code}]")
    if contact.get("often"):
        page.select_option("#contact-often", contact["often"])
    if contact.get("mutual"):
        page.check("#contact-mutual")
    if contact.get("strain"):
        page.check("#contact-strain")
    page.press("#contact-name", "Enter")  # the keyboard's way to submit


def _assert_nothing_left(requests):
    for url, body in requests:
        for name in NAMES + ["Oma", "Rita", "Jansens", "onerror"]:
            assert name not in url and name not in body, (url, name)
            assert name.replace(" ", "+") not in url and name.replace(" ", "%20") not in url


def test_contacts_are_drawn_and_listed_as_text_and_never_sent(page, live_server, tmp_path):
    requests, dialogs = _open(page, live_server)
    for contact in CONTACTS:
        _add(page, contact)
    assert page.locator("#circle-status").inner_text() == "Dokter Jansens is in the circle."
    # In the drawing: one group per contact, the full name as its title, the name (shortened) as text.
    assert page.locator("#circle-svg g.contact").count() == 3
    assert page.locator("#circle-svg g.contact title").all_text_contents() == NAMES
    assert page.locator("#circle-svg g.contact text").all_text_contents() == ["Oma Rita", "<img src=x …",
                                                                             "Dokter Jans…"]
    assert page.locator("#circle-svg line.tie-strain").count() == 1
    # In the list, as text, in the same order, with words for ring and sector.
    assert page.locator("#circle-table tbody th").all_text_contents() == NAMES
    row = page.locator("#circle-table tbody tr").nth(1).locator("td").all_text_contents()
    assert row[:7] == ["In between", "Neighbours, colleagues, clubs and associations", "", "", "Phone", "No", "Yes"]
    assert page.evaluate("() => document.querySelectorAll('img[src=x], main img').length") == 0
    assert dialogs == [] and page.evaluate("() => window.__csp") == []
    # What the drawing shows, and the finder filter for what is thin.
    summary = page.locator("#circle-summary li").all_text_contents()
    assert "3 people in the circle." in summary
    assert "People from 3 of the 4 sectors." in summary
    assert "No one yet in: Friends and acquaintances." in summary
    assert "Nobody brings yet: Belonging, Practical help, Stability and security." in summary
    assert "Support goes both ways with 1 of them." in summary
    assert "Marked as more of a strain than a support: 1." in summary
    hidden = page.locator("#offers-hidden input").evaluate_all("els => els.map(e => e.name + '=' + e.value)")
    assert hidden == ["function=belonging", "function=practical", "function=stability"]
    # No friends or acquaintances yet: a buddy scheme or a peer network could fit (links with the model only).
    assert page.locator("#offers-models-intro").inner_text() == \
        "Ways of working that could fit, for Friends and acquaintances:"
    links = page.locator("#offers-models a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert links == ["/initiatives?model=buddy", "/initiatives?model=peer"]
    assert page.locator("#offers-models a").all_text_contents() == ["Personal friend (buddy scheme)", "Peer network"]
    # Own view: the person's words, not a label.
    page.check("input[name=view-feel][value=strengthening]")
    assert page.locator("#circle-view-text").inner_text() == "In your words: strengthening: it gives me energy."
    # Change and remove from the list.
    page.locator("#circle-table tbody tr").nth(2).locator("button").first.click()
    assert page.input_value("#contact-name") == "Dokter Jansens"
    page.fill("#contact-name", "Dr J")
    page.click("#contact-submit")
    assert page.locator("#circle-table tbody th").all_text_contents() == ["Oma Rita", HOSTILE, "Dr J"]
    # A tap on someone in the drawing opens them in the form too.
    page.locator("#circle-svg g.contact circle").first.click()
    assert page.input_value("#contact-name") == "Oma Rita" and page.is_visible("#contact-cancel")
    page.click("#contact-cancel")
    assert not any(v for v in run_axe(page)), run_axe(page)
    # Print: the print stylesheet hides the form and keeps the drawing and the list.
    page.click("button[data-print]")
    assert page.evaluate("() => window.__printed") == 1
    page.emulate_media(media="print")
    assert not page.locator("#contact-form").is_visible()
    assert page.locator("#circle-svg svg").is_visible() and page.locator("#circle-table").is_visible()
    page.emulate_media(media="screen")
    folder = _shots(tmp_path)
    for width in (360, 640, 1280):  # 640: a 1280 px screen at 200% zoom
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(folder / f"network-circle-{width}.png"), full_page=True)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    page.set_viewport_size({"width": 360, "height": 900})
    assert not any(v for v in run_axe(page))
    # The finder with the thin functions: an ordinary query, no names.
    page.check("input[name=cost]")
    page.click("#offers-form button[type=submit]")
    page.wait_for_url("**/initiatives?*")
    assert page.url.endswith("/initiatives?function=belonging&function=practical&function=stability&cost=free")
    _assert_nothing_left(requests)
    assert all(url.startswith(live_server.url) for url, _ in requests)


def test_saved_file_and_device_copy_are_encrypted_and_open_only_with_the_passphrase(page, live_server, tmp_path):
    requests, dialogs = _open(page, live_server)
    for contact in CONTACTS:
        _add(page, contact)
    page.fill("#keep-passphrase", "short")
    page.click("#keep-save")
    assert page.locator("#keep-status").inner_text() == "Choose a passphrase of at least 8 characters."
    page.fill("#keep-passphrase", "paarse olifant 7")
    with page.expect_download() as info:
        page.click("#keep-save")
    path = tmp_path / "circle.circle"
    info.value.save_as(path)
    envelope = json.loads(path.read_text())
    assert envelope["format"] == "buurtkracht-network-circle" and envelope["cipher"] == "AES-GCM-256"
    assert envelope["iterations"] >= 300000
    text = path.read_text()
    assert not any(name in text for name in ("Oma", "Jansens", "onerror", "family"))
    # On this device: only when ticked, and encrypted.
    assert page.evaluate("() => localStorage.length") == 0
    page.check("#keep-remember")
    page.wait_for_function("() => localStorage.length === 1")
    stored = page.evaluate("() => localStorage.getItem('buurtkracht-network-circle')")
    assert not any(name in stored for name in ("Oma", "Jansens", "onerror"))
    assert page.evaluate("() => document.cookie") == ""
    # A new page: empty; a wrong passphrase opens nothing; the right one brings the circle back.
    page.reload()
    page.wait_for_selector("#circle-svg svg")
    assert page.locator("#circle-svg g.contact").count() == 0
    assert page.locator("#keep-open-local").is_visible()
    page.fill("#keep-passphrase", "verkeerde wachtzin")
    page.set_input_files("#keep-file", str(path))
    page.wait_for_function("() => document.getElementById('keep-status').textContent.length > 0")
    assert page.locator("#keep-status").inner_text().startswith("This file could not be opened")
    assert page.locator("#circle-svg g.contact").count() == 0
    page.fill("#keep-passphrase", "paarse olifant 7")
    page.set_input_files("#keep-file", str(path))
    page.wait_for_selector("#circle-svg g.contact >> nth=2")
    assert page.locator("#keep-status").inner_text() == "Opened: 3 people."
    assert page.locator("#circle-table tbody th").all_text_contents() == NAMES
    page.reload()
    page.wait_for_selector("#circle-svg svg")
    page.fill("#keep-passphrase", "paarse olifant 7")
    page.click("#keep-open-local")
    page.wait_for_selector("#circle-svg g.contact >> nth=2")
    page.click("#keep-forget")
    assert page.evaluate("() => localStorage.length") == 0
    assert dialogs == []
    _assert_nothing_left(requests)


def test_the_summary_counts_what_is_thin(page, live_server):
    _open(page, live_server)
    result = page.evaluate("""() => {
        const S = window.NetworkCircle.summarize, F = ['emotional', 'belonging', 'practical', 'stability', 'advice'];
        const c = (sector, ring, functions, mutual, strain) => ({sector, ring, functions, mutual, strain});
        return {
            empty: S([], F),
            pros: S([c('professional', '3', ['practical'], false, false), c('professional', '2', [], false, true)], F),
            mixed: S([c('family', '1', ['emotional', 'belonging'], true, false), c('none', '1', ['advice'], false, false)], F),
        };
    }""")
    empty, pros, mixed = result["empty"], result["pros"], result["mixed"]
    assert empty["count"] == 0 and empty["functionsEmpty"] == ["emotional", "belonging", "practical", "stability",
                                                               "advice"]
    assert not empty["oneWay"] and not empty["professionalsOnly"]
    assert pros["professionalsOnly"] and pros["oneWay"] and pros["strain"] == 1
    assert pros["ringsEmpty"] == ["1"] and pros["sectorsEmpty"] == ["family", "friends", "community"]
    assert mixed["sectorsUsed"] == ["family"] and not mixed["oneWay"] and mixed["mutual"] == 1
    assert mixed["functionsEmpty"] == ["practical", "stability"] and mixed["ringsEmpty"] == ["2", "3"]
    assert not mixed["professionalsOnly"]


def test_the_page_works_in_dutch_and_french(page, live_server):
    for lang, added in (("nl", "Oma Rita staat in de cirkel."), ("fr", "Oma Rita est dans le cercle.")):
        _open(page, live_server, lang)
        _add(page, CONTACTS[0])
        assert page.locator("#circle-status").inner_text() == added
        assert not run_axe(page)


def test_a_saved_file_keeps_dated_drawings_shown_then_and_now(page, live_server, tmp_path):
    requests, dialogs = _open(page, live_server)
    assert page.locator("#circle-compare").is_hidden()
    envelope = page.evaluate("""() => window.NetworkCircle.seal({snapshots: [
        {date: '2026-01-10', contacts: [{name: 'Oma Rita', ring: '1', sector: 'family'}], view: {}},
        {date: '2026-05-02', contacts: [{name: 'Oma Rita', ring: '1', sector: 'family', mutual: true},
                                        {name: 'Buurvrouw An', ring: '2', sector: 'community'},
                                        {name: 'Kookclub', ring: '3', sector: 'community', functions: ['belonging']}],
         view: {feel: 'both'}}]}, 'paarse olifant 7')""")
    path = tmp_path / "earlier.circle"
    path.write_text(json.dumps(envelope))
    page.fill("#keep-passphrase", "paarse olifant 7")
    page.set_input_files("#keep-file", str(path))
    page.wait_for_selector("#circle-compare:not([hidden])")
    assert page.locator("#circle-svg g.contact").count() == 3  # the latest drawing is the one of now
    assert page.is_checked("input[name=view-feel][value=both]")
    assert page.locator("#compare-select option").all_text_contents() == ["2026-01-10", "2026-05-02"]
    assert page.locator("#compare-then h3").inner_text() == "Then: 2026-01-10"
    assert page.locator("#compare-then g.contact").count() == 1
    assert page.locator("#compare-now g.contact").count() == 3
    assert "1 person in the circle." in page.locator("#compare-then li").all_text_contents()
    page.select_option("#compare-select", "2026-05-02")
    assert page.locator("#compare-then g.contact").count() == 3
    # Saving again adds today's drawing to the earlier ones.
    _add(page, {"name": "Sam", "ring": "1", "sector": "friends"})
    with page.expect_download() as info:
        page.click("#keep-save")
    saved = tmp_path / "again.circle"
    info.value.save_as(saved)
    data = page.evaluate("text => window.NetworkCircle.unseal(JSON.parse(text), 'paarse olifant 7')",
                         saved.read_text())
    assert [s["date"] for s in data["snapshots"]][:2] == ["2026-01-10", "2026-05-02"]
    assert len(data["snapshots"]) == 3 and len(data["snapshots"][-1]["contacts"]) == 4
    assert not run_axe(page)
    assert dialogs == []
    for url, body in requests:
        assert "Rita" not in url + body and "Kookclub" not in url + body and "Sam" not in body
