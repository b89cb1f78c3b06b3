"""The demo leaves work in every queue and a login for every role, on a generated election."""

import io
from decimal import Decimal

import pytest
from PIL import Image

from observers.models import Evidence, Membership, ViolationAct
from tallies import demo_scenario, generator
from tallies.demo_photo import protocol_photo
from tallies.models import CopyPhoto, OfficialSnapshot, ProtocolCopy, Quarantine, Release, StationTallyState

pytestmark = pytest.mark.django_db


@pytest.fixture
def staged(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        summary = generator.generate(seed=11, stations=120, falsify=Decimal("0.1"), regions=3, tecs=2)
    contest, organization = summary.contest, generator.generated_organization()
    snapshot = OfficialSnapshot.objects.get(contest=contest)
    with django_capture_on_commit_callbacks(execute=True):
        result = demo_scenario.stage(contest, organization, snapshot)
    return result, contest, organization, snapshot


def test_it_leaves_a_conflict_a_quarantine_a_photo_a_flag_and_an_act(staged):
    _, contest, organization, _ = staged
    copies = ProtocolCopy.objects.filter(organization=organization, note=demo_scenario.NOTE)
    conflicts = StationTallyState.objects.filter(organization=organization).exclude(conflicts=[])

    assert copies.count() == 5
    assert copies.filter(findings__isnull=False).distinct().count() == 1
    assert Quarantine.objects.active().filter(copy__in=copies).count() == 1
    assert CopyPhoto.objects.filter(copy__in=copies).count() == 1
    assert conflicts.count() == 1 and "options.p6_UR" in conflicts.get().conflicts
    act = ViolationAct.objects.get(organization=organization)
    assert Evidence.objects.filter(violation_act=act).count() == 1
    assert Release.objects.get(organization=organization, contest=contest).number == 1


def test_it_prints_a_login_for_every_role_with_codes_for_the_second_factor(staged):
    result, _, organization, _ = staged
    by_name = {login.username: login for login in result.logins}
    regional = Membership.objects.get(user__username="coordinator-spb", organization=organization)

    assert set(by_name) == {
        "staff", "admin", "coordinator", "coordinator-spb",
        "observer", "observer-flagged", "admin-other", "observer-other",
    }  # fmt: skip
    assert all(
        len(by_name[name].backup_codes) == 5 for name in ("staff", "admin", "coordinator", "admin-other")
    )
    assert not by_name["observer"].backup_codes and regional.territory is not None
    other = Membership.objects.get(user__username="admin-other").organization
    assert other != organization and ProtocolCopy.objects.filter(organization=other).count() == 1


def test_it_adds_nothing_when_the_demo_runs_again(staged, django_capture_on_commit_callbacks):
    result, contest, organization, snapshot = staged
    before = (ProtocolCopy.objects.count(), Evidence.objects.count(), Release.objects.count())

    with django_capture_on_commit_callbacks(execute=True):
        again = demo_scenario.stage(contest, organization, snapshot)

    assert (ProtocolCopy.objects.count(), Evidence.objects.count(), Release.objects.count()) == before
    assert again.logins == result.logins


def test_the_protocol_photo_is_a_jpeg_of_the_figures_and_the_same_each_time(staged):
    _, contest, _, snapshot = staged
    station = ProtocolCopy.objects.filter(note=demo_scenario.NOTE).first().station
    figures = demo_scenario.official_figures(snapshot, station)

    photo = protocol_photo(contest, station.number, figures)

    assert photo == protocol_photo(contest, station.number, figures)
    assert photo != protocol_photo(contest, station.number, demo_scenario.changed(figures, p6_UR=1))

    assert Image.open(io.BytesIO(photo)).format == "JPEG"
