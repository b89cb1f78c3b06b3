"""Photo-only copies transcribed at the desk (issue 18): two blind entries, the agreed figures stored
as the observer's copy and tallied; where the entries differ, a third coordinator settles the lines."""

from __future__ import annotations

import re
import uuid

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from observers.models import AuditEntry
from tallies.errors import FieldError
from tallies.models import ProtocolCopy, StationTallyState
from tallies.services import desk
from tallies.services.desk.transcription import differences, entries_of
from tests.support import LINES_PEC_91_COPY, OPTIONS_PEC_91_COPY
from tests.tallies.support import assert_equals_recompute, revision_of, root_tally, typed, without

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_storage")]


def test_it_tallies_a_photo_only_copy_once_two_blind_entries_agree(
    photographed, observer, coordinator, dave, contest, station, organization,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        typed(photographed, coordinator)
    assert revision_of(photographed) is None
    assert not StationTallyState.objects.filter(station=station).exists()  # one entry counts nowhere

    with django_capture_on_commit_callbacks(execute=True):
        typed(photographed, dave)

    revision = revision_of(photographed)
    assert (revision.observer, revision.entered_by, revision.channel) == (observer, dave, "transcription")
    assert revision.figures().options["p6_UR"] == 445 and revision.figures().lines == LINES_PEC_91_COPY
    assert StationTallyState.objects.get(station=station).current_copy == revision
    tally = root_tally(contest, organization)
    assert (tally.option_totals["p6_UR"], tally.stations_count) == (445, 1)
    assert_equals_recompute(contest, organization)
    agreed = AuditEntry.objects.get(action="protocol_copy.transcription_agreed")
    assert agreed.after["transcribers"] == ["carol", "dave"] and agreed.after["revision"] == revision.pk
    assert agreed.after["observer"] == observer.code
    assert list(ProtocolCopy.objects.awaiting_transcription()) == []


def test_it_checks_the_control_relations_on_the_agreed_figures(photographed, coordinator, dave):
    lines = {**LINES_PEC_91_COPY, "ballots_valid": LINES_PEC_91_COPY["ballots_valid"] + 7}
    typed(photographed, coordinator, lines=lines)
    typed(photographed, dave, lines=lines)

    assert revision_of(photographed).findings.exists()


def test_it_refuses_a_second_entry_by_the_same_coordinator_and_a_third_entry(
    photographed, coordinator, dave, erin
):
    first = typed(photographed, coordinator)
    with pytest.raises(FieldError, match="another coordinator"):
        typed(photographed, coordinator)
    again = typed(photographed, coordinator, key=first.copy.client_uuid)  # a resend: the same entry
    typed(photographed, dave, {**OPTIONS_PEC_91_COPY, "p6_UR": 446})
    with pytest.raises(FieldError, match="two entries"):
        typed(photographed, erin)

    assert (again.created, again.copy) == (False, first.copy)


def test_it_has_a_third_coordinator_settle_the_differing_lines_with_a_reason(
    photographed, observer, coordinator, dave, erin, contest, organization,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        typed(photographed, coordinator)
        typed(photographed, dave, {**OPTIONS_PEC_91_COPY, "p6_UR": 446, "p1_SR": 139})
    assert revision_of(photographed) is None and not root_tally_exists(contest, organization)
    assert desk.transcription.differences(desk.transcription.entries_of(photographed)) == {
        "options.p1_SR": (193, 139),
        "options.p6_UR": (445, 446),
    }

    with pytest.raises(FieldError, match="third coordinator"):
        desk.settle_transcription(copy=photographed, values={}, reason="photo", by=dave)
    with pytest.raises(FieldError) as missing:
        desk.settle_transcription(copy=photographed, values={"options.p1_SR": 193}, reason="x", by=erin)
    assert missing.value.field == "options.p6_UR"
    with django_capture_on_commit_callbacks(execute=True):
        revision = desk.settle_transcription(
            copy=photographed, values={"options.p1_SR": 193, "options.p6_UR": 446},
            reason="the photo shows 446 and 193", by=erin,
        )  # fmt: skip

    assert (revision.observer, revision.entered_by) == (observer, erin)
    assert (revision.figures().options["p6_UR"], revision.figures().options["p1_SR"]) == (446, 193)
    assert root_tally(contest, organization).option_totals["p6_UR"] == 446
    assert_equals_recompute(contest, organization)
    settled = AuditEntry.objects.get(action="protocol_copy.transcription_settled")
    assert settled.reason == "the photo shows 446 and 193"
    assert settled.before["differing"]["options.p6_UR"] == [445, 446]
    assert settled.after["transcribers"] == ["carol", "dave"]


def root_tally_exists(contest, organization) -> bool:
    return StationTallyState.objects.filter(organization=organization, contest=contest).exists()


def test_it_keeps_the_transcription_to_coordinators_of_the_stations_territory(photographed, tina):
    with pytest.raises(PermissionDenied):
        typed(photographed, tina)  # Tina coordinates TEC 85 (station 120); this is station 91


def test_it_sends_a_photo_only_copy_to_its_own_queue_not_to_the_blind_second_entry(photographed, dave):
    with pytest.raises(FieldError, match="photos only"):
        desk.blind_entry(
            copy=photographed, lines=LINES_PEC_91_COPY, options=OPTIONS_PEC_91_COPY,
            client_uuid=uuid.uuid4(), by=dave,
        )  # fmt: skip


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)


def test_it_lists_the_copy_in_the_queue_and_shows_the_photo_beside_an_empty_form(
    photographed, as_dave, contest
):
    queue = as_dave.get(reverse("desk-queue", args=[contest.pk, "photos"]), HTTP_ACCEPT_LANGUAGE="ru")
    home = as_dave.get(reverse("desk-home", args=[contest.pk]), HTTP_ACCEPT_LANGUAGE="kk")
    page = as_dave.get(reverse("desk-transcribe", args=[photographed.pk])).content.decode()

    assert reverse("desk-transcribe", args=[photographed.pk]) in queue.content.decode()
    assert "Фото для переноса цифр" in queue.content.decode()
    assert reverse("desk-queue", args=[contest.pk, "photos"]) in home.content.decode()
    assert "js/photo_viewer.js" in page and "data-photo-viewer" in page and not INLINE_SCRIPT.search(page)
    assert reverse("evidence-file", args=[photographed.photos.get().evidence_id]) in page
    assert 'name="options.p6_UR"' in page and 'value="445"' not in page


def test_it_keeps_the_first_entry_out_of_the_second_coordinators_sight(
    photographed, coordinator, as_dave, contest, station
):
    typed(photographed, coordinator, {**OPTIONS_PEC_91_COPY, "p6_UR": 4457})

    pages = [
        as_dave.get(reverse("desk-transcribe", args=[photographed.pk])),
        as_dave.get(reverse("desk-station", args=[contest.pk, station.pk])),
        as_dave.get(reverse("desk-queue", args=[contest.pk, "photos"])),
    ]

    assert all(page.status_code == 200 and "4457" not in page.content.decode() for page in pages)


def test_it_stores_the_agreed_figures_through_the_pages(photographed, coordinator, as_dave, contest):
    typed(photographed, coordinator)
    data = {f"lines.{code}": value for code, value in LINES_PEC_91_COPY.items()}
    data.update({f"options.{code}": value for code, value in OPTIONS_PEC_91_COPY.items()})

    response = as_dave.post(
        reverse("desk-transcribe", args=[photographed.pk]), {**data, "client_uuid": str(uuid.uuid4())}
    )

    assert response.status_code == 302 and response.url == reverse("desk-queue", args=[contest.pk, "photos"])
    assert revision_of(photographed).entered_by.username == "dave"


def test_it_settles_through_the_page_showing_both_values(
    photographed, coordinator, dave, erin, client, contest
):
    typed(photographed, coordinator)
    typed(photographed, dave, {**OPTIONS_PEC_91_COPY, "p6_UR": 446})
    client.force_login(erin)
    url = reverse("desk-transcription-settle", args=[photographed.pk])

    page = client.get(url).content.decode()
    response = client.post(url, {"options.p6_UR": 446, "reason": "read on the photo"})

    assert "Entry 1: 445 · Entry 2: 446" in page and 'name="options.p1_SR"' not in page
    assert response.status_code == 302
    assert revision_of(photographed).figures().options["p6_UR"] == 446


def test_it_lists_the_transcribed_copy_not_the_desks_entries_among_the_observers_copies(
    photographed, observer, coordinator, dave, client
):
    entries = [typed(photographed, coordinator).copy, typed(photographed, dave).copy]
    client.force_login(observer.user)

    page = client.get(reverse("copy-list")).content.decode()

    listed = {int(pk) for pk in re.findall(r'href="/copies/(\d+)/"', page)}
    assert listed == {photographed.pk, revision_of(photographed).pk}
    assert not listed & {entry.pk for entry in entries}


LOST = "lines.ballots_lost"  # a line one can fail to read on a photo (PEC 91's copy gives 5)
WITHOUT_LOST = without(LINES_PEC_91_COPY, "ballots_lost")


def test_it_adopts_entries_that_mark_the_same_figure_unreadable(photographed, coordinator, dave):
    typed(photographed, coordinator, lines=WITHOUT_LOST, missing=[LOST])
    typed(photographed, dave, lines=WITHOUT_LOST, missing=[LOST])

    revision = revision_of(photographed)
    assert "ballots_lost" not in revision.figures().lines  # absent, never 0
    assert revision.figures().lines == WITHOUT_LOST and revision.figures().options == OPTIONS_PEC_91_COPY


def test_it_takes_a_figure_marked_unreadable_in_one_entry_as_a_difference_even_from_0(
    photographed, coordinator, dave, erin
):
    typed(photographed, coordinator, lines=WITHOUT_LOST, missing=[LOST])
    typed(photographed, dave, lines={**LINES_PEC_91_COPY, "ballots_lost": 0})

    assert revision_of(photographed) is None
    assert differences(entries_of(photographed)) == {LOST: (None, 0)}
    revision = desk.settle_transcription(copy=photographed, values={LOST: 5}, reason="read at 200%", by=erin)
    assert revision.figures().lines == LINES_PEC_91_COPY


def test_it_offers_the_unreadable_box_on_the_transcription_page(photographed, coordinator, dave, as_dave):
    typed(photographed, coordinator, lines=WITHOUT_LOST, missing=[LOST])
    url = reverse("desk-transcribe", args=[photographed.pk])
    data = {f"lines.{code}": value for code, value in WITHOUT_LOST.items()}
    data.update({f"options.{code}": value for code, value in OPTIONS_PEC_91_COPY.items()})

    page = as_dave.get(url).content.decode()
    blank = as_dave.post(url, {**data, "client_uuid": str(uuid.uuid4())})
    marked = as_dave.post(url, {**data, f"missing.{LOST}": "on", "client_uuid": str(uuid.uuid4())})

    assert f'name="missing.{LOST}"' in page
    assert blank.status_code == 200 and "mark it as not on the copy" in blank.content.decode()
    assert marked.status_code == 302 and "ballots_lost" not in revision_of(photographed).figures().lines


def test_it_shows_the_third_coordinator_which_entry_marked_the_figure_unreadable(
    photographed, coordinator, dave, erin, client
):
    typed(photographed, coordinator, lines=WITHOUT_LOST, missing=[LOST])
    typed(photographed, dave, lines={**LINES_PEC_91_COPY, "ballots_lost": 0})
    client.force_login(erin)

    page = client.get(reverse("desk-transcription-settle", args=[photographed.pk]), HTTP_ACCEPT_LANGUAGE="ru")

    assert f'name="{LOST}"' in page.content.decode() and "None" not in page.content.decode()
    assert "Ввод 1: нет в копии / не читается · Ввод 2: 0" in page.content.decode()
