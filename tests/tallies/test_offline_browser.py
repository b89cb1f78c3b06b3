"""Fault case (e): a phone goes offline, queues copies, comes back: every copy accepted exactly once.

Drives Debian's Chromium (tests/browser.py) against the live server. The queued copies carry
a photo each (the form's "photos" input): every copy and every photo is stored exactly once, and
a photo is kept encrypted on the phone and comes back intact when a refused copy is reopened.
"""

from __future__ import annotations

import hashlib
import io

import pytest
from django.urls import reverse
from django.utils.translation import gettext, override
from PIL import Image

from observers.models import Evidence
from tallies.models import CopyPhoto, ProtocolCopy
from tests.browser import LANGUAGES, assert_fits_a_phone
from tests.support import LINES_PEC_91_COPY, OPTIONS_PEC_91_COPY

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

WAITING = "Saved on this phone, will be sent when online (%(n)s waiting)"
# The outbox has been read (dataset.count is set after each replay) and is empty.
HIDDEN = (
    "() => { const box = document.getElementById('outbox'); return box.dataset.count === '0' && box.hidden; }"
)
MARKER = 4242  # a figure typed into every queued copy, to look for in the stored bytes
# The service worker has stored the form page, its stylesheet and its script.
CACHED_FOR_OFFLINE = """async () => {
  const names = await caches.keys();
  return names.length === 1 && (await (await caches.open(names[0])).keys()).length >= 3;
}"""
# The outbox's IndexedDB, read from the page: [{id, attention, plain: the stored bytes as text}].
READ_OUTBOX = """async (name) => {
  const db = await new Promise((ok, ko) => { const r = indexedDB.open(name); r.onsuccess = () => ok(r.result);
                                             r.onerror = () => ko(r.error); });
  if (!db.objectStoreNames.contains("entries")) { db.close(); return []; }
  const read = (store, work) => new Promise((ok) => {
    const r = work(db.transaction(store).objectStore(store)); r.onsuccess = () => ok(r.result); });
  const entries = await read("entries", (s) => s.getAll());
  const key = await read("keys", (s) => s.get("aes"));
  db.close();
  const exportable = await crypto.subtle.exportKey("raw", key).then(() => true, () => false);
  return Promise.all(entries.map(async (e) => ({id: e.id, attention: e.attention, exportable,
                                                plain: await e.body.data.text()})));
}"""
# The files of the one queued entry: their names and the stored (encrypted) bytes.
READ_FILES = """async (name) => {
  const db = await new Promise((ok) => { const r = indexedDB.open(name); r.onsuccess = () => ok(r.result); });
  const [entry] = await new Promise((ok) => {
    const r = db.transaction("entries").objectStore("entries").getAll(); r.onsuccess = () => ok(r.result); });
  db.close();
  const bytes = new Uint8Array(await entry.files[0].sealed.data.arrayBuffer());
  return {names: entry.files.map((f) => f.filename), bytes: Array.from(bytes)};
}"""

FILE_IN_FORM = """async () => { const file = document.querySelector("input[name=photos]").files[0];
  return {name: file.name, bytes: Array.from(new Uint8Array(await file.arrayBuffer()))}; }"""


def phone(browser, live_server, client, user, language="en", **options):
    """A 360 px browser context logged in as `user`, and a page in it."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale=language, **options)
    client.force_login(user)
    cookie = {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}
    context.add_cookies([cookie])
    return context, context.new_page()


def open_form(page, live_server, contest):
    page.goto(live_server.url + reverse("copy-new", args=[contest.pk]))
    page.wait_for_function("() => document.querySelector('form[data-outbox]') && window.indexedDB")


def jpeg(shade: int) -> bytes:
    """A small JPEG of one colour; a different `shade` gives different bytes (another photo)."""
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (shade, 90, 160)).save(out, "JPEG")
    return out.getvalue()


def fill_and_send(page, number: str, *photos: bytes) -> str:
    """Type a full copy for station `number` with `photos`, press Send; return its client_uuid."""
    if photos:
        files = [
            {"name": f"pec-{number}-{i}.jpg", "mimeType": "image/jpeg", "buffer": photo}
            for i, photo in enumerate(photos, start=1)
        ]
        page.set_input_files("input[name=photos]", files=files)
    choose_station(page, number)
    for code, value in {**LINES_PEC_91_COPY, "voters_on_list": MARKER}.items():
        page.fill(f"input[name='lines.{code}']", str(value))
    for code, value in OPTIONS_PEC_91_COPY.items():
        page.fill(f"input[name='options.{code}']", str(value))
    key = page.input_value("input[name=client_uuid]")
    send(page)
    return key


# The station is chosen among the observer's mandates; a number none of them has becomes an
# option the server refuses (as a stale page would send), to get a copy sent back for attention.
CHOOSE_STATION = """(number) => {
  const select = document.querySelector("select[name=station]");
  let option = [...select.options].find((o) => (o.text.match(/\\d+/g) || [])[0] === number);
  if (!option) { option = new Option(number, "999999"); select.add(option); }
  select.value = option.value;
}"""


def choose_station(page, number: str) -> None:
    page.evaluate(CHOOSE_STATION, number)


def send(page) -> None:
    """Press Send; the PEC 91 copy breaks a control relation, so confirm "send as it is"."""
    page.click("form[data-outbox] button[type=submit]")
    if page.locator("#relations-confirm").is_visible():
        page.click("#relations-confirm [data-relations-send]")


def wait_waiting(page, count: int) -> None:
    page.wait_for_function(f"() => document.getElementById('outbox').dataset.count === '{count}'")


def on_posts(page, handle) -> None:
    """Route the copy form's POSTs through `handle(route)`; its GETs go through untouched."""
    page.route(
        "**/copies/new/**",
        lambda route: handle(route) if route.request.method == "POST" else route.continue_(),
    )


def wait_until(page, predicate: str, seconds: float = 20) -> None:
    """Poll an async page function (wait_for_function takes a returned promise as truthy)."""
    for _ in range(int(seconds * 10)):
        if page.evaluate(predicate):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"still false after {seconds}s: {predicate}")


def outbox(page, user):
    return page.evaluate(READ_OUTBOX, f"observer-outbox-{user.pk}")


def test_it_queues_copies_offline_and_sends_each_exactly_once(
    browser, live_server, client, contest, observer
):
    context, page = phone(browser, live_server, client, observer.user)
    open_form(page, live_server, contest)
    context.set_offline(True)

    keys, photos = [], {number: jpeg(shade) for shade, number in enumerate(["91", "92", "120"])}
    for n, (number, photo) in enumerate(photos.items(), start=1):
        keys.append(fill_and_send(page, number, photo))
        wait_waiting(page, n)

    assert WAITING % {"n": 3} in page.inner_text("#outbox")
    assert len(set(keys)) == 3, "each new blank form must get a new client_uuid"
    assert page.input_value("input[name=client_uuid]") not in keys
    stored = outbox(page, observer.user)
    assert sorted(e["id"] for e in stored) == sorted(keys)
    assert not any(str(MARKER) in e["plain"] or "120" in e["plain"] for e in stored), "stored in clear"
    assert not any(e["exportable"] for e in stored)
    assert ProtocolCopy.objects.count() == 0

    context.set_offline(False)
    page.wait_for_function(HIDDEN, timeout=20000)

    copies = ProtocolCopy.objects.select_related("station")
    assert sorted(str(c.client_uuid) for c in copies) == sorted(keys)
    assert sorted(c.station.number for c in copies) == ["120", "91", "92"]
    assert Evidence.objects.count() == 3 and CopyPhoto.objects.count() == 3
    for copy in copies:
        [attached] = CopyPhoto.objects.filter(copy=copy).select_related("evidence")
        assert attached.evidence.original_sha256 == hashlib.sha256(photos[copy.station.number]).hexdigest()
    assert outbox(page, observer.user) == []
    context.close()


def test_it_resends_a_copy_whose_answer_was_lost_and_the_server_keeps_one(
    browser, live_server, client, contest, observer
):
    context, page = phone(browser, live_server, client, observer.user, service_workers="block")
    open_form(page, live_server, contest)

    def lose_the_answer(route):
        route.fetch()  # the server receives and stores the copy ...
        route.abort("internetdisconnected")  # ... but the phone never hears back

    on_posts(page, lose_the_answer)
    key = fill_and_send(page, "91", jpeg(7))
    wait_waiting(page, 1)
    assert ProtocolCopy.objects.filter(client_uuid=key).count() == 1
    assert CopyPhoto.objects.count() == 1

    page.unroute("**/copies/new/**")
    page.reload()  # a page load replays the outbox
    page.wait_for_function(HIDDEN, timeout=20000)

    assert ProtocolCopy.objects.count() == 1
    assert Evidence.objects.count() == 1 and CopyPhoto.objects.get().copy.client_uuid.hex == key.replace(
        "-", ""
    )
    assert outbox(page, observer.user) == []
    context.close()


def test_it_sends_a_copy_again_when_the_retry_after_of_a_503_is_over(
    browser, live_server, client, contest, observer
):
    context, page = phone(browser, live_server, client, observer.user, service_workers="block")
    open_form(page, live_server, contest)
    on_posts(page, lambda route: route.fulfill(status=503, headers={"Retry-After": "1"}, body="busy"))
    key = fill_and_send(page, "91")
    wait_waiting(page, 1)
    assert ProtocolCopy.objects.count() == 0

    page.unroute("**/copies/new/**")
    # No reload and no `online` event, and the regular replay is 30 s away: only the replay that
    # the Retry-After asked for can send it within these 10 s.
    page.wait_for_function(HIDDEN, timeout=10000)

    assert ProtocolCopy.objects.filter(client_uuid=key).count() == 1
    assert outbox(page, observer.user) == []
    context.close()


def test_it_keeps_a_copy_the_server_refuses_until_the_observer_corrects_it(
    browser, live_server, client, contest, observer
):
    context, page = phone(browser, live_server, client, observer.user)
    open_form(page, live_server, contest)
    context.set_offline(True)
    key = fill_and_send(page, "9999")  # no such station: the server will show the form again
    wait_waiting(page, 1)

    context.set_offline(False)
    page.wait_for_function(
        "() => document.getElementById('outbox').dataset.attentionCount === '1'", timeout=20_000
    )
    assert [e["attention"] for e in outbox(page, observer.user)] == [True]
    assert ProtocolCopy.objects.count() == 0

    page.click("#outbox a[data-outbox-open]")
    page.wait_for_function(f"() => document.querySelector('input[name=client_uuid]').value === '{key}'")
    assert page.input_value("select[name=station]") == "999999"  # as it was sent
    choose_station(page, "92")
    send(page)
    page.wait_for_url("**/copies/*/")

    assert ProtocolCopy.objects.get().client_uuid.hex == key.replace("-", "")
    assert outbox(page, observer.user) == []
    context.close()


def test_it_warns_before_a_logout_deletes_waiting_copies(browser, live_server, client, contest, observer):
    context, page = phone(browser, live_server, client, observer.user, service_workers="block")
    open_form(page, live_server, contest)
    context.set_offline(True)
    fill_and_send(page, "91")
    wait_waiting(page, 1)
    on_posts(page, lambda route: route.abort())
    context.set_offline(False)  # online, but every replay fails: the copy keeps waiting
    page.evaluate("caches.open('observer-offline-v1')")  # as the service worker would have
    dialogs = []

    page.once("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.click("form[data-outbox-logout] button")
    page.wait_for_timeout(500)
    assert len(dialogs) == 1 and "1" in dialogs[0]
    assert len(outbox(page, observer.user)) == 1, "a dismissed warning keeps the copy"

    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.click("form[data-outbox-logout] button")
    databases = page.evaluate("indexedDB.databases().then((all) => all.map((d) => d.name))")
    assert f"observer-outbox-{observer.user.pk}" not in databases
    assert page.evaluate("caches.keys()") == []
    context.close()


def test_it_keeps_the_photos_encrypted_and_gives_them_back_intact(
    browser, live_server, client, contest, observer
):
    context, page = phone(browser, live_server, client, observer.user)
    open_form(page, live_server, contest)
    photo, page2 = jpeg(200), jpeg(201)
    context.set_offline(True)
    fill_and_send(page, "9999", photo, page2)  # refused when online, so it comes back into the form
    wait_waiting(page, 1)

    stored = page.evaluate(READ_FILES, f"observer-outbox-{observer.user.pk}")
    assert stored["names"] == ["pec-9999-1.jpg", "pec-9999-2.jpg"]
    assert photo[:64] not in bytes(stored["bytes"])
    context.set_offline(False)
    page.wait_for_function("() => document.getElementById('outbox').dataset.attentionCount === '1'")
    page.click("#outbox a[data-outbox-open]")
    page.wait_for_function("() => document.querySelector('input[name=photos]').files.length === 2")

    given_back = page.evaluate(FILE_IN_FORM)
    assert given_back["name"] == "pec-9999-1.jpg" and bytes(given_back["bytes"]) == photo
    assert Evidence.objects.count() == 0, "a refused copy stores none of its photos"
    context.close()


def test_it_reopens_the_form_offline_with_a_new_key(browser, live_server, client, contest, observer):
    context, page = phone(browser, live_server, client, observer.user)
    open_form(page, live_server, contest)
    wait_until(page, CACHED_FOR_OFFLINE)
    first = page.input_value("input[name=client_uuid]")
    context.set_offline(True)

    response = page.reload()

    assert response.from_service_worker
    assert page.locator("input[name='lines.voters_on_list']").count() == 1
    assert page.input_value("input[name=client_uuid]") not in ("", first)
    context.close()


@pytest.mark.parametrize("language", LANGUAGES)
def test_it_shows_the_waiting_copies_on_a_phone(browser, live_server, client, contest, observer, language):
    context, page = phone(browser, live_server, client, observer.user, language)
    open_form(page, live_server, contest)
    context.set_offline(True)
    fill_and_send(page, "91")
    wait_waiting(page, 1)

    with override(language):
        assert gettext(WAITING) % {"n": 1} in page.inner_text("#outbox")
    assert_fits_a_phone(page, language)
    context.close()


def test_it_serves_the_service_worker_for_the_whole_site(client):
    response = client.get(reverse("service-worker"))

    assert response.status_code == 200 and response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert b'addEventListener("fetch"' in response.content
