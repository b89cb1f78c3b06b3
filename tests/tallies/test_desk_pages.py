"""The desk's pages: queues, the station desk, the actions' forms, phone-in and blind entry."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from observers.models import AuditEntry
from tallies.models import ConflictResolution, LineVerification, ProtocolCopy, Quarantine
from tallies.services import desk
from tests.support import LINES_PEC_91_COPY, OPTIONS_PEC_91_COPY
from tests.tallies.support import raw_rows, submit_web_copy, unchanged_since, with_photo

pytestmark = pytest.mark.django_db

# Figures nobody else on the page could show: the blind-entry form must not leak them.
DISTINCT_OPTIONS = {**OPTIONS_PEC_91_COPY, "p5_Yabloko": 7919, "p7_RightCause": 6833}


@pytest.fixture
def copy(observer, contest, station, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return submit_web_copy(observer, contest, station, DISTINCT_OPTIONS)


def figures_post(lines=LINES_PEC_91_COPY, options=OPTIONS_PEC_91_COPY, **extra):
    data = {f"lines.{code}": value for code, value in lines.items()}
    data.update({f"options.{code}": value for code, value in options.items()})
    return {"client_uuid": str(uuid.uuid4()), **data, **extra}


def test_it_counts_each_queue_on_the_desk_home(carol, copy, contest):
    response = carol.get(reverse("desk-home", args=[contest.pk]))

    assert response.status_code == 200
    counts = {"findings": 1, "conflicts": 0, "quarantined": 0, "no-photo": 1, "phoned": 0, "photos": 0}
    assert response.context["counts"] == counts


def test_it_shows_the_relation_both_sides_and_the_difference_of_a_broken_control(carol, copy, contest):
    response = carol.get(reverse("desk-queue", args=[contest.pk, "findings"]))

    html = response.content.decode()
    for finding in copy.findings.select_related("relation"):
        assert finding.relation.label in html
        assert f"<td>{finding.lhs}</td>" in html and f"<td>{finding.rhs}</td>" in html
        assert f"{finding.difference:+d}</td>" in html


def test_it_lists_a_station_in_conflict_with_each_copys_value(
    carol, copy, bob, contest, station, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submit_web_copy(bob, contest, station, {**DISTINCT_OPTIONS, "p6_UR": 545})

    response = carol.get(reverse("desk-queue", args=[contest.pk, "conflicts"]))

    [(_row, codes, _accept)] = response.context["conflicts"]
    assert [(code, values) for code, _label, values, _form in codes] == [("options.p6_UR", [445, 545])]
    assert 'name="reason"' in response.content.decode()


def test_it_filters_the_queues_by_tec(carol, copy, contest, other_station, observer):
    submit_web_copy(observer, contest, other_station)
    tverskoy = other_station.pec.parent

    response = carol.get(reverse("desk-queue", args=[contest.pk, "no-photo"]), {"commission": tverskoy.pk})

    assert [c.station for c in response.context["page"]] == [other_station]


def test_it_resolves_a_conflict_from_the_queue_and_goes_back_to_it(
    carol, copy, bob, contest, station, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submit_web_copy(bob, contest, station, {**DISTINCT_OPTIONS, "p6_UR": 545})
    queue = reverse("desk-queue", args=[contest.pk, "conflicts"])

    with django_capture_on_commit_callbacks(execute=True):
        response = carol.post(
            reverse("desk-resolve", args=[contest.pk, station.pk]),
            {"code": "options.p6_UR", "chosen_copy": copy.pk, "reason": "photo shows 445", "next": queue},
        )

    assert response.status_code == 302 and response["Location"] == queue
    assert ConflictResolution.objects.get().value == 445
    assert carol.get(queue).context["page"].paginator.count == 0


def test_it_refuses_an_outside_address_to_go_back_to(carol, copy, bob, contest, station):
    submit_web_copy(bob, contest, station, {**DISTINCT_OPTIONS, "p6_UR": 545})

    response = carol.post(
        reverse("desk-resolve", args=[contest.pk, station.pk]),
        {"code": "options.p6_UR", "value": 500, "reason": "recount", "next": "https://evil.example/"},
    )

    assert response["Location"] == reverse("desk-station", args=[contest.pk, station.pk])


def test_it_quarantines_and_releases_from_the_station_desk(carol, copy, contest, station):
    station_url = reverse("desk-station", args=[contest.pk, station.pk])
    before = raw_rows()

    response = carol.post(reverse("desk-quarantine", args=[copy.pk]), {"scope": "all", "reason": "blurred"})
    held = Quarantine.objects.get()
    assert response["Location"] == station_url and held.reason == "blurred"
    assert "blurred" in carol.get(station_url).content.decode()

    carol.post(reverse("desk-release", args=[held.pk]), {"reason": "clear photo came"})
    held.refresh_from_db()
    assert held.released_at is not None and held.release_reason == "clear photo came"
    assert unchanged_since(before)


def test_it_says_why_a_quarantine_was_refused(carol, copy):
    response = carol.post(
        reverse("desk-quarantine", args=[copy.pk]), {"scope": "all", "reason": ""}, follow=True
    )

    assert not Quarantine.objects.exists()
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


def test_it_marks_a_figure_verified_from_the_station_desk(carol, copy, coordinator):
    carol.post(
        reverse("desk-verify", args=[copy.pk]), {"code": "lines.ballots_valid", "method": "photo", "note": ""}
    )

    verification = LineVerification.objects.get()
    assert (verification.line.code, verification.verified_by) == ("ballots_valid", coordinator)


def test_it_shows_copies_side_by_side_with_the_audit_entries_of_the_station(
    carol, copy, bob, coordinator, contest, station
):
    second = submit_web_copy(bob, contest, station, {**DISTINCT_OPTIONS, "p6_UR": 545})
    desk.quarantine(copy=second, scope="all", reason="smudged digits", by=coordinator)

    response = carol.get(reverse("desk-station", args=[contest.pk, station.pk]))

    view = response.context["desk"]
    assert [c.pk for c in view.copies] == [copy.pk, second.pk] and view.countable == {copy.pk}
    ur = next(row for row in view.rows if row.code == "options.p6_UR")
    assert (ur.values, ur.accepted, ur.status) == ([445, 545], 445, "agreed")
    assert [row.entry.action for row in view.audit] == ["protocol_copy.quarantined"]
    assert "smudged digits" in response.content.decode()


def test_it_stores_a_phoned_in_copy_for_the_chosen_observer(carol, observer, coordinator, contest, station):
    data = figures_post(observer=observer.pk, station=station.pk, note="called 21:40")

    response = carol.post(reverse("desk-phone-in", args=[contest.pk]), data)

    copy = ProtocolCopy.objects.get()
    assert response["Location"] == reverse("desk-station", args=[contest.pk, station.pk])
    assert (copy.channel, copy.observer, copy.entered_by) == ("phone", observer, coordinator)
    assert AuditEntry.objects.get().action == "protocol_copy.phoned_in"
    assert carol.get(reverse("desk-queue", args=[contest.pk, "phoned"])).context["page"].paginator.count == 1


def test_it_shows_the_blind_entry_form_without_the_copys_figures(client, dave, copy):
    client.force_login(dave)

    response = client.get(reverse("desk-blind-entry", args=[with_photo(copy).pk]))

    html = response.content.decode()
    assert response.status_code == 200 and 'name="options.p5_Yabloko"' in html
    assert "7919" not in html and "6833" not in html
    assert not any(field.value() for field in response.context["form"] if not field.is_hidden)


def test_it_stores_a_blind_entry_and_lists_exactly_the_differing_lines(client, dave, copy):
    client.force_login(dave)
    typed = {**DISTINCT_OPTIONS, "p5_Yabloko": 7916}

    response = client.post(
        reverse("desk-blind-entry", args=[with_photo(copy).pk]), figures_post(options=typed)
    )

    assert response["Location"] == reverse("desk-blind-diff", args=[copy.pk])
    rows = client.get(response["Location"]).context["rows"]
    assert [(row.code, row.copy_value, row.entry_value) for row, _form in rows] == [
        ("options.p5_Yabloko", 7919, 7916)
    ]


def test_it_confirms_a_matching_blind_entry(client, dave, copy):
    client.force_login(dave)
    client.post(
        reverse("desk-blind-entry", args=[with_photo(copy).pk]), figures_post(options=DISTINCT_OPTIONS)
    )

    response = client.post(reverse("desk-blind-confirm", args=[copy.pk]))

    assert response.status_code == 302
    assert LineVerification.objects.filter(copy=copy).count() == len(copy.figure_refs())


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("desk-blind-entry", lambda copy: [copy.pk]),
        ("desk-quarantine", lambda copy: [copy.pk]),
        ("desk-verify", lambda copy: [copy.pk]),
    ],
)
def test_it_hides_the_organisations_copies_from_another_organisations_coordinator(
    client, olga, copy, name, args
):
    client.force_login(olga)

    get = client.get(reverse(name, args=args(copy)))
    post = client.post(
        reverse(name, args=args(copy)), {"scope": "all", "reason": "x", "code": "lines.ballots_valid"}
    )

    assert get.status_code in (404, 405) and post.status_code == 404
    assert not Quarantine.objects.exists() and not AuditEntry.objects.exists()


def test_it_hides_the_station_desk_copies_of_another_organisation(client, olga, copy, contest, station):
    client.force_login(olga)

    response = client.get(reverse("desk-station", args=[contest.pk, station.pk]))

    assert response.status_code == 200 and response.context["desk"].copies == []


@pytest.mark.parametrize("name", ["desk-home", "desk-phone-in"])
def test_it_refuses_observers(client, observer, contest, name):
    client.force_login(observer.user)

    assert client.get(reverse(name, args=[contest.pk])).status_code == 403


def test_it_refuses_an_observer_posting_a_quarantine(client, observer, copy):
    client.force_login(observer.user)

    response = client.post(reverse("desk-quarantine", args=[copy.pk]), {"scope": "all", "reason": "mine"})

    assert response.status_code == 403 and not Quarantine.objects.exists()


def test_it_keeps_a_territory_coordinator_out_of_other_stations(client, tina, copy, contest, station):
    client.force_login(tina)

    assert client.get(reverse("desk-station", args=[contest.pk, station.pk])).status_code == 404
    assert (
        client.post(reverse("desk-quarantine", args=[copy.pk]), {"scope": "all", "reason": "x"}).status_code
        == 404
    )


def test_it_sends_anonymous_visitors_to_log_in(client, contest):
    response = client.get(reverse("desk-home", args=[contest.pk]))

    assert response.status_code == 302 and "login" in response["Location"]


def test_it_lists_the_disputed_lines_in_the_forms_order(
    carol, copy, bob, contest, station, django_capture_on_commit_callbacks
):
    lines = {**LINES_PEC_91_COPY, "ballots_valid": 1, "ballots_received": 2, "voters_on_list": 3}
    with django_capture_on_commit_callbacks(execute=True):
        submit_web_copy(bob, contest, station, {**DISTINCT_OPTIONS, "p6_UR": 545}, lines=lines)

    [(_row, codes, _accept)] = carol.get(reverse("desk-queue", args=[contest.pk, "conflicts"])).context[
        "conflicts"
    ]

    assert [code for code, *_rest in codes] == [
        "lines.voters_on_list",
        "lines.ballots_received",
        "lines.ballots_valid",
        "options.p6_UR",
    ]


def test_it_accepts_one_copy_for_every_disputed_line_with_one_reason(
    carol, copy, bob, contest, station, django_capture_on_commit_callbacks
):
    lines = {**LINES_PEC_91_COPY, "ballots_valid": 1}
    with django_capture_on_commit_callbacks(execute=True):
        submit_web_copy(bob, contest, station, {**DISTINCT_OPTIONS, "p6_UR": 545}, lines=lines)
    queue = reverse("desk-queue", args=[contest.pk, "conflicts"])

    with django_capture_on_commit_callbacks(execute=True):
        response = carol.post(
            reverse("desk-accept-copy", args=[contest.pk, station.pk]),
            {"chosen_copy": copy.pk, "reason": "the photo is this copy", "next": queue},
        )

    assert response["Location"] == queue
    resolutions = ConflictResolution.objects.order_by("pk")
    assert {(r.line.code if r.line else r.option.code, r.value) for r in resolutions} == {
        ("ballots_valid", LINES_PEC_91_COPY["ballots_valid"]),
        ("p6_UR", 445),
    }
    assert {r.reason for r in resolutions} == {"the photo is this copy"}
    assert carol.get(queue).context["page"].paginator.count == 0


def test_it_refuses_to_accept_a_copy_for_all_lines_without_a_reason(carol, copy, bob, contest, station):
    submit_web_copy(bob, contest, station, {**DISTINCT_OPTIONS, "p6_UR": 545})

    carol.post(
        reverse("desk-accept-copy", args=[contest.pk, station.pk]), {"chosen_copy": copy.pk, "reason": ""}
    )

    assert not ConflictResolution.objects.exists()


def test_it_lists_quarantined_copies_until_they_are_released(carol, copy, coordinator, contest):
    held = desk.quarantine(copy=copy, scope="results", reason="smudged digits", by=coordinator)
    queue = reverse("desk-queue", args=[contest.pk, "quarantined"])

    response = carol.get(queue)
    assert [c.pk for c in response.context["page"]] == [copy.pk]
    assert "smudged digits" in response.content.decode()

    desk.release(quarantine=held, reason="clear photo came", by=coordinator)
    assert carol.get(queue).context["page"].paginator.count == 0


def test_it_writes_audit_entries_as_sentences_not_json(carol, copy, coordinator, contest, station):
    desk.quarantine(copy=copy, scope="all", reason="smudged digits", by=coordinator)

    html = carol.get(reverse("desk-station", args=[contest.pk, station.pk]), HTTP_ACCEPT_LANGUAGE="en")

    page = html.content.decode()
    assert f"Copy {copy.pk} was held out of the tally (the whole copy)." in page
    assert "&quot;quarantine&quot;" not in page and '{"quarantine"' not in page


def test_it_shows_relations_by_their_labelled_line_numbers_not_as_code(carol, copy, contest):
    page = carol.get(reverse("desk-queue", args=[contest.pk, "findings"]), HTTP_ACCEPT_LANGUAGE="en")

    html = page.content.decode()
    assert "Line 2 = 3 + 4 + 5 + 6 + 17 − 18" in html
    assert "ballots_received ==" not in html


def test_it_sorts_the_commission_filter_as_people_read_numbers(carol, contest):
    from elections.services import StationRecord, ensure_hierarchy

    ensure_hierarchy(
        election=contest.election,
        root_name="ЦИК России",
        stations=[StationRecord(("Город Москва", f"{n} ТИК"), str(1000 + n)) for n in (100, 10, 9)],
    )

    form = carol.get(reverse("desk-home", args=[contest.pk])).context["form"]

    names = [label for _value, label in form.fields["commission"].choices][1:]
    tecs = [name for name in names if name.endswith("ТИК")]
    assert tecs == ["9 ТИК", "10 ТИК", "100 ТИК"]


def test_it_offers_a_blind_second_entry_only_for_a_copy_with_a_photo(carol, copy, contest, station):
    url = reverse("desk-station", args=[contest.pk, station.pk])
    blind = reverse("desk-blind-entry", args=[copy.pk])

    assert blind not in carol.get(url).content.decode()
    with_photo(copy)
    assert blind in carol.get(url).content.decode()
