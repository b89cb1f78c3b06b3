"""What the demo adds after the main job, so that every role has something to do and see.

After the summary is computed and the organisation's first release is published from it, the
demo gives its observers mandates at stations without a copy yet and leaves work in every queue:
a copy with a generated protocol photo, a copy that breaks a control relation, two copies of one
station that disagree (a conflict), a quarantined copy, and a violation act with a photo as
evidence. A second organisation gets an admin and an observer with a copy of its own, to show
that neither organisation sees the other's data. Everything goes through the services the pages
use; every step is idempotent (fixed client keys, existing rows kept), so the demo can run again.

The demo copies are made from the station's official protocol, changed where the scenario needs a
difference, and say so in their note: they are not observers' data.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile

from elections.models import Commission, Contest, PollingStation
from elections.protocol import Figures
from observers.models import Membership, Observer, Organization, ViolationAct, ViolationType
from observers.services import evidence as evidence_service
from observers.services import violations
from tallies.demo_people import Login, field_observer, member, staff
from tallies.demo_photo import protocol_photo
from tallies.models import OfficialSnapshot, ProtocolCopy, Quarantine, Release
from tallies.services import photos, releases
from tallies.services.desk.quarantine import quarantine
from tallies.services.submission import submit_protocol_copy

KEYS = uuid.UUID("5d6c2f0e-9b7a-4c1d-8e3f-2a1b0c9d8e7f")  # client keys: a rerun stores nothing new
NOTE = "demo copy: made from the official protocol by run_demo, not an observer's data"
PREFERRED_REGION = "Город Санкт-Петербург"
SECOND_ORG = "demo-second-organisation"
ACT_TYPE = "CNT-NO-VISIBILITY"


@dataclass(frozen=True)
class Stations:
    """The scenario's stations: `home` outside `region`, the other three inside it."""

    region: Commission
    home: PollingStation
    flagged: PollingStation
    conflict: PollingStation
    held: PollingStation


@dataclass(frozen=True)
class Staged:
    """What the scenario left: the logins to print, the release and one line per queue item."""

    logins: list[Login]
    release: Release
    items: list[str]


def stage(contest: Contest, organization: Organization, snapshot: OfficialSnapshot) -> Staged:
    """Create the personas, publish the first release and fill the queues (see module docstring)."""
    stations = pick_stations(contest, organization)
    logins = [
        staff(),
        member("admin", organization, Membership.Role.ADMIN),
        member("coordinator", organization, Membership.Role.COORDINATOR),
        member("coordinator-spb", organization, Membership.Role.COORDINATOR, stations.region),
    ]
    admin = Membership.objects.get(organization=organization, user__username="admin").user
    release = publish_first_release(organization, contest, admin)
    observer_login, observer = field_observer(
        "observer", organization, contest, [stations.home, stations.conflict]
    )
    flagged_login, flagged = field_observer(
        "observer-flagged", organization, contest, [stations.flagged, stations.conflict, stations.held]
    )
    items = fill_queues(contest, snapshot, stations, observer, flagged)
    logins += [observer_login, flagged_login, *second_organization(contest, snapshot, stations)]
    return Staged(logins, release, items)


def pick_stations(contest: Contest, organization: Organization) -> Stations:
    """Choose four stations without a copy of `organization`: one outside the region, three in it.

    The region is St Petersburg when the election has it (the real data), else its last region.
    """
    regions = Commission.objects.filter(election=contest.election, parent__parent__isnull=True)
    regions = regions.exclude(parent__isnull=True).order_by("path")
    region = regions.filter(name=PREFERRED_REGION).first() or regions.last()
    if region is None:
        raise ValueError(f"{contest.election.slug} has no region below its root commission")
    taken = ProtocolCopy.objects.filter(organization=organization).exclude(note=NOTE).values("station_id")
    free = (
        PollingStation.objects.filter(pec__election=contest.election)
        .exclude(pk__in=taken)
        .order_by("pec__path")
    )
    inside = list(free.filter(pec__path__startswith=region.path)[:3])  # paths end with "/"
    home = free.exclude(pec__path__startswith=region.path).first()
    if home is None or len(inside) < 3:
        raise ValueError(f"{contest.election.slug} has too few stations without copies for the demo")
    return Stations(region, home, *inside)


def publish_first_release(organization: Organization, contest: Contest, admin: object) -> Release:
    """Publish release 1 of the main job's figures (before the scenario's copies); keep it if it exists."""
    existing = (
        Release.objects.filter(organization=organization, contest=contest, coalition__isnull=True)
        .order_by("number")
        .first()
    )
    if existing is not None:
        return existing
    return releases.publish_release(
        organization=organization,
        contest=contest,
        published_by=admin,  # type: ignore[arg-type]
        changelog="First release: the observers' copies against the official protocols (the main job).",
    )


def fill_queues(
    contest: Contest, snapshot: OfficialSnapshot, stations: Stations, observer: Observer, flagged: Observer
) -> list[str]:
    """Submit the scenario's copies, quarantine one, file the act; return one line per item."""
    official = {s.pk: official_figures(snapshot, s) for s in (stations.home, stations.flagged, stations.held)}
    official[stations.conflict.pk] = official_figures(snapshot, stations.conflict)
    copy_with_photo(contest, observer, stations.home, official[stations.home.pk])
    broken = changed(official[stations.flagged.pk], p6_UR=+100)  # UR +100 without the totals
    submit(contest, flagged, stations.flagged, broken, "flagged")
    submit(contest, observer, stations.conflict, official[stations.conflict.pk], "conflict-a")
    other = changed(official[stations.conflict.pk], p6_UR=-50, p4_KPRF=+50)
    submit(contest, flagged, stations.conflict, other, "conflict-b")
    held = submit(contest, flagged, stations.held, official[stations.held.pk], "held")
    hold(held)
    act_with_evidence(contest, flagged, stations.flagged, broken)
    return [
        f"PEC {stations.home.number}: a copy with a generated protocol photo (observer)",
        f"PEC {stations.flagged.number}: a copy breaking ballots_valid == options_total, "
        "and a violation act with a photo (observer-flagged)",
        f"PEC {stations.conflict.number}: two copies that disagree on United Russia and KPRF (a conflict)",
        f"PEC {stations.held.number}: a quarantined copy (coordinator-spb's desk)",
    ]


def official_figures(snapshot: OfficialSnapshot, station: PollingStation) -> Figures:
    """The station's figures in `snapshot`; every line of the form, 0 where the file has none."""
    protocol = snapshot.protocols.get(commission_id=station.pec_id)
    figures = protocol.figures()
    lines = {code: figures.lines.get(code, 0) for code in snapshot.contest.form.line_codes()}
    return Figures(lines, dict(figures.options))


def changed(figures: Figures, **options: int) -> Figures:
    """`figures` with the given options' votes moved by the given amounts."""
    moved = {code: value + options.get(code, 0) for code, value in figures.options.items()}
    return Figures(dict(figures.lines), moved)


def submit(
    contest: Contest, observer: Observer, station: PollingStation, figures: Figures, key: str
) -> ProtocolCopy:
    """Submit a demo copy under the observer's mandate (channel web), once per key."""
    return submit_protocol_copy(
        observer=observer,
        contest=contest,
        station=station,
        lines=figures.lines,
        options=figures.options,
        client_uuid=uuid.uuid5(KEYS, f"{contest.pk}|{key}"),
        channel=ProtocolCopy.Channel.WEB,
        entered_by=observer.user,
        note=NOTE,
    ).copy


def copy_with_photo(contest: Contest, observer: Observer, station: PollingStation, figures: Figures) -> None:
    """Submit a copy with a generated picture of its protocol attached (stored once)."""
    photo = SimpleUploadedFile(
        f"protocol-{station.number}.jpg", protocol_photo(contest, station.number, figures), "image/jpeg"
    )
    submission = {
        "contest": contest,
        "station": station,
        "lines": figures.lines,
        "options": figures.options,
        "client_uuid": uuid.uuid5(KEYS, f"{contest.pk}|photo"),
        "note": NOTE,
    }
    user = observer.user
    assert user is not None  # demo_people.field_observer gives every demo observer a login
    photos.submit_copy_with_photos(observer=observer, submission=submission, uploads=[photo], user=user)


def hold(copy: ProtocolCopy) -> None:
    """Quarantine `copy` as the regional coordinator would, unless it is held already."""
    if Quarantine.objects.active().filter(copy=copy).exists():
        return
    coordinator = Membership.objects.get(
        organization=copy.organization, user__username="coordinator-spb"
    ).user
    quarantine(
        copy=copy,
        scope=Quarantine.Scope.ALL,
        reason="The photo does not show the PEC's stamp: call the observer back before it counts.",
        by=coordinator,
    )


def act_with_evidence(
    contest: Contest, observer: Observer, station: PollingStation, figures: Figures
) -> None:
    """File a counting violation act at `station` with a generated photo as evidence (once)."""
    violations.load_violation_types()
    kind = (
        ViolationType.objects.filter(code=ACT_TYPE).first()
        or ViolationType.objects.filter(stage="counting").order_by("code").first()
    )
    zone = ZoneInfo(contest.election.time_zone)
    act, _created = violations.file_act(
        observer=observer,
        station=station,
        client_uuid=uuid.uuid5(uuid.NAMESPACE_URL, f"demo/act/{contest.pk}/{station.pk}"),  # once per run
        stage="counting",
        violation_type=kind,  # type: ignore[arg-type]
        occurred_at=datetime.combine(contest.election.held_on, time(20, 40), tzinfo=zone),
        description="Observers were kept ten metres from the count; the copy handed out gives United "
        "Russia 100 votes more than the valid ballots allow.",
        filing=ViolationAct.Filing.NOT_FILED,
    )
    if not act.evidence.exists():
        photo = SimpleUploadedFile(
            "act-evidence.jpg", protocol_photo(contest, station.number, figures), "image/jpeg"
        )
        evidence_service.upload_evidence(observer=observer, upload=photo, violation_act=act)


def second_organization(contest: Contest, snapshot: OfficialSnapshot, stations: Stations) -> list[Login]:
    """A second approved organisation with an admin and an observer who sent a copy at `home`."""
    organization, _ = Organization.objects.get_or_create(
        slug=SECOND_ORG,
        defaults={
            "name": "Citizen Watch (demo, second organisation)",
            "status": Organization.Status.APPROVED,
        },
    )
    admin = member("admin-other", organization, Membership.Role.ADMIN)
    login, observer = field_observer("observer-other", organization, contest, [stations.home])
    submit(contest, observer, stations.home, official_figures(snapshot, stations.home), "second-organisation")
    return [admin, login]
