"""One station at the desk: its copies side by side with the accepted values, decisions and audit
entries; and the diff between a copy and its blind second entry."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import BooleanField, ExpressionWrapper, Prefetch, Q
from django.utils.translation import gettext_lazy as _

from elections.models import Contest, PollingStation
from observers.models import AuditEntry, Organization
from tallies.models import (
    ConflictResolution,
    LineVerification,
    ProtocolCopy,
    Quarantine,
    StationTallyState,
)
from tallies.selectors.accepted import accepted_for_stations, countable_copies
from tallies.selectors.desk.figures import code_of, copy_values, labels
from tallies.selectors.layout import Layout


@dataclass(frozen=True)
class DeskRow:
    """One line or option at a station: each current copy's value, the accepted value, its status."""

    code: str
    label: str
    values: list[int | None]
    verified: list[bool]
    accepted: int | None
    status: str  # "agreed", "resolved", "conflict" or "none" (no countable copy)

    @property
    def cells(self) -> list[tuple[int | None, bool]]:
        """(value, verified) per current copy."""
        return list(zip(self.values, self.verified, strict=True))


@dataclass(frozen=True)
class StationDesk:
    """Everything the desk knows about one station and contest for one organisation."""

    station: PollingStation
    copies: list[ProtocolCopy]  # current copies, the table's columns
    earlier: list[ProtocolCopy]  # superseded revisions
    rows: list[DeskRow]
    state: StationTallyState | None
    resolutions: list[ConflictResolution]
    audit: list[AuditRow]
    countable: set[int] = field(default_factory=set)

    @property
    def missing(self) -> list[DeskRow]:
        """Figures no countable copy gives (marked "not on the copy"): missing, not 0, in the tally."""
        if not self.countable:
            return []
        return [row for row in self.rows if row.status == "none"]


_GIVES_FIGURES = ExpressionWrapper(Q(figure_values__isnull=False), output_field=BooleanField())


def station_desk(organization: Organization, contest: Contest, station: PollingStation) -> StationDesk:
    """Gather a station's copies side by side with accepted values, decisions and audit entries."""
    every: list[ProtocolCopy] = list(
        ProtocolCopy.objects.filter(organization=organization, contest=contest, station=station)
        .without_photo_entries()  # unseen: the entries of a photo-only copy stay blind to each other
        .annotate(gives_figures=_GIVES_FIGURES)
        .select_related("observer", "entered_by", "revised_by")
        .prefetch_related("findings__relation", "photos__evidence", _active_quarantines())
        .order_by("submitted_at", "pk")
    )
    current = [c for c in every if not hasattr(c, "revised_by")]
    countable = set(countable_copies(organization.pk, contest.pk, [station.pk]).values_list("pk", flat=True))
    resolutions = list(
        ConflictResolution.objects.filter(organization=organization, contest=contest, station=station)
        .select_related("line", "option", "resolved_by")
        .order_by("resolved_at", "pk")
    )
    rows = _desk_rows(organization, contest, station, current, countable, resolutions)
    state = StationTallyState.objects.filter(
        organization=organization, contest=contest, station=station
    ).first()
    audit = _audit_entries(organization, contest, station, [c.pk for c in every])
    earlier = [c for c in every if c not in current]
    return StationDesk(station, current, earlier, rows, state, resolutions, audit, countable)


def _active_quarantines() -> Prefetch:
    return Prefetch(
        "quarantines", Quarantine.objects.active().select_related("created_by"), "active_quarantines"
    )


def _desk_rows(
    organization: Organization,
    contest: Contest,
    station: PollingStation,
    current: list[ProtocolCopy],
    countable: set[int],
    resolutions: list[ConflictResolution],
) -> list[DeskRow]:
    values = copy_values(current)
    verified = _verified(current)
    resolved = {code_of(r): r.value for r in resolutions}  # in time order: the latest wins
    accepted = accepted_for_stations(organization.pk, contest.pk, [station.pk]).get(station.pk)
    conflicts = set(accepted.conflicts) if accepted else set()
    rows = []
    for code, label in labels(Layout.of(contest)).items():
        counted = {values[c.pk][code] for c in current if c.pk in countable and code in values[c.pk]}
        value, status = _accepted(code, counted, resolved.get(code), conflicts)
        row_values = [values[c.pk].get(code) for c in current]
        rows.append(
            DeskRow(code, label, row_values, [(c.pk, code) in verified for c in current], value, status)
        )
    return rows


def _accepted(
    code: str, counted: set[int], resolution: int | None, conflicts: set[str]
) -> tuple[int | None, str]:
    """The accepted value of one code as tallies.selectors.accepted derives it, and why."""
    if code in conflicts:
        return None, "conflict"
    if len(counted) == 1:
        return next(iter(counted)), "agreed"
    if counted and resolution is not None:
        return resolution, "resolved"
    return None, "none"


def _verified(copies: list[ProtocolCopy]) -> set[tuple[int, str]]:
    rows = LineVerification.objects.filter(copy__in=[c.pk for c in copies]).select_related("line", "option")
    return {(row.copy_id, code_of(row)) for row in rows}


ACTIONS = {
    "protocol_copy.quarantined": _("copy quarantined"),
    "protocol_copy.released": _("copy released from quarantine"),
    "protocol_copy.line_verified": _("figure verified"),
    "protocol_copy.phoned_in": _("copy phoned in"),
    "protocol_copy.blind_entry": _("blind second entry"),
    "protocol_copy.blind_entry_confirmed": _("blind entry confirmed"),
    "station.conflict_resolved": _("conflict resolved"),
    "protocol_copy.transcribed": _("photos typed blind"),
    "protocol_copy.transcription_agreed": _("blind entries agreed"),
    "protocol_copy.transcription_settled": _("blind entries settled"),
}


@dataclass(frozen=True)
class AuditRow:
    """An audit entry as the desk shows it: the action's label and a sentence saying what changed."""

    entry: AuditEntry
    label: str
    sentence: str


def _audit_entries(
    organization: Organization, contest: Contest, station: PollingStation, copy_ids: list[int]
) -> list[AuditRow]:
    about_copies = Q(object_type="tallies.protocolcopy", object_id__in=[str(pk) for pk in copy_ids])
    about_station = Q(
        object_type="elections.pollingstation", object_id=str(station.pk), after__contest=contest.pk
    )
    entries = AuditEntry.objects.filter(about_copies | about_station, organization=organization)
    names = labels(Layout.of(contest))
    return [
        AuditRow(entry, str(ACTIONS.get(entry.action, entry.action)), audit_sentence(entry, names))
        for entry in entries.select_related("actor").order_by("-sequence")[:200]
    ]


SCOPES = {"all": _("the whole copy"), "results": _("its results only")}


def audit_sentence(entry: AuditEntry, names: dict[str, str]) -> str:
    """Say in words what a desk action changed, from the entry's before/after (never raw JSON).

    `names` maps "lines.<code>"/"options.<code>" to "N. label" (tallies.selectors.desk.figures).
    An action this function does not know is named by its label only.
    """
    before, after = entry.before or {}, entry.after or {}
    facts = {
        "copy": entry.object_id,
        "line": names.get(str(after.get("code") or before.get("code")), after.get("code", "")),
        "value": after.get("value", ""),
        "scope": SCOPES.get(str(after.get("scope") or before.get("scope")), ""),
        "chosen": after.get("chosen_copy") or "",
        "entry": after.get("transcription") or before.get("transcription") or "",
        "revision": after.get("revision") or "",
        "entries": len(after.get("entries") or []),
    }
    template = _SENTENCES.get(entry.action)
    if entry.action == "station.conflict_resolved" and not facts["chosen"]:
        template = _("%(line)s: the value %(value)s was typed by the coordinator.")
    return str(template % facts) if template else str(ACTIONS.get(entry.action, entry.action))


_SENTENCES = {
    "protocol_copy.quarantined": _("Copy %(copy)s was held out of the tally (%(scope)s)."),
    "protocol_copy.released": _("Copy %(copy)s was released from quarantine (%(scope)s)."),
    "protocol_copy.line_verified": _("On copy %(copy)s, %(line)s = %(value)s was verified."),
    "protocol_copy.phoned_in": _("Copy %(copy)s was entered from a phone call."),
    "protocol_copy.blind_entry": _("Copy %(copy)s was typed again blind, as entry %(entry)s."),
    "protocol_copy.blind_entry_confirmed": _("The blind entry %(entry)s of copy %(copy)s was confirmed."),
    "station.conflict_resolved": _("%(line)s: the value %(value)s of copy %(chosen)s was accepted."),
    "protocol_copy.transcribed": _("The photos of copy %(copy)s were typed blind (entry %(entries)s of 2)."),
    "protocol_copy.transcription_agreed": _(
        "The two blind entries of copy %(copy)s agree: their figures are stored as copy %(revision)s."
    ),
    "protocol_copy.transcription_settled": _(
        "The lines where the blind entries of copy %(copy)s differ were settled: copy %(revision)s."
    ),
}


@dataclass(frozen=True)
class DiffRow:
    """A line where a copy and its blind entry differ, with the latest resolution if any."""

    code: str
    label: str
    copy_value: int | None
    entry_value: int | None
    resolved: int | None


def blind_diff(copy: ProtocolCopy, entry: ProtocolCopy) -> list[DiffRow]:
    """The lines and options where `entry` (the blind entry) differs from `copy`, in form order."""
    values = copy_values([copy, entry])
    resolutions = ConflictResolution.objects.filter(
        organization_id=copy.organization_id, contest_id=copy.contest_id, station_id=copy.station_id
    ).select_related("line", "option")
    resolved = {code_of(r): r.value for r in resolutions.order_by("resolved_at", "pk")}
    return [
        DiffRow(code, label, values[copy.pk].get(code), values[entry.pk].get(code), resolved.get(code))
        for code, label in labels(Layout.of(copy.contest)).items()
        if values[copy.pk].get(code) != values[entry.pk].get(code)
    ]
