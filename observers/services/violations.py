"""Violation acts: file one under a live mandate, co-sign it, track filing and complaints, review it.

The taxonomy is data (observers/data/violation_types.json, domain.md §4): a type has a stage and
a category; observer-rights types (§4.6) are cross-cutting and offered at every stage. An act is
seen only by its organisation: its author and co-signers, and the organisation's coordinators
(within their territory when they have one). Review goes new → verified or rejected, and the
reason of a rejection is shown to the observer (domain.md W9).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any, NamedTuple

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, models, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from elections.models import Commission, PollingStation, stations_within
from observers.access import AnyUser, CoordinatorScope, coordinated_rows, scope_rows
from observers.errors import ClientKeyConflict, FieldWorkError
from observers.models import (
    ComplaintStep,
    CoSigner,
    Observer,
    Organization,
    ViolationAct,
    ViolationType,
)
from observers.models.visits import Stage
from observers.selectors.violations import taxonomy, types_for_stage
from observers.services.visits import election_time, live_mandate_for

FUTURE_SLACK = dt.timedelta(minutes=10)  # a phone clock a few minutes fast is not an error

WRONG_TYPE = _("This type of violation does not belong to the chosen stage.")
NO_DESCRIPTION = _("Describe what happened.")
IN_THE_FUTURE = _("This time is in the future: enter the local time of the election.")
UNKNOWN_OBSERVER = _("No observer of your organisation has the code %(code)s.")
SELF_COSIGN = _("You cannot co-sign your own act.")
COSIGNER_MISSING = _("Enter an observer's code or a commission member's name.")
ANSWER_BEFORE_FILING = _("The answer cannot be earlier than the filing.")
ALREADY_REVIEWED = _("This act has already been reviewed.")
REASON_REQUIRED = _("Give the reason: the observer will see it.")
NOT_COORDINATOR = _("You do not coordinate this organisation.")
UNKNOWN_VERDICT = _("Verify or reject the act.")
VERDICTS = (ViolationAct.Review.VERIFIED, ViolationAct.Review.REJECTED)
# What an act says, compared when its key comes again. Filing and co-signers change after filing.
KEYED_FIELDS = ("station", "stage", "violation_type", "occurred_at", "description", "legal_article")


class FiledAct(NamedTuple):
    """The act `file_act` returns; `created` is False for a resend of the same key."""

    act: ViolationAct
    created: bool


@transaction.atomic
def load_violation_types() -> int:
    """Create or update every shipped violation type by code; return how many the file holds."""
    for row in taxonomy()["types"]:
        fields = {"stage": row["stage"], "category": row["category"], "labels": row["labels"]}
        ViolationType.objects.update_or_create(code=row["code"], defaults=fields)
    return len(taxonomy()["types"])


@transaction.atomic
def file_act(
    *,
    observer: Observer,
    station: PollingStation,
    client_uuid: uuid.UUID,
    stage: str,
    violation_type: ViolationType,
    occurred_at: datetime,
    description: str,
    legal_article: str = "",
    filing: str = ViolationAct.Filing.NOT_FILED,
    cosigner_codes: Iterable[str] = (),
    commission_member: str = "",
) -> FiledAct:
    """File an act keyed by the device's `client_uuid` (unique per observer); naive `occurred_at` is local.

    A resend with the same key returns the stored act (created=False), even after the mandate
    ended. Raises ClientKeyConflict naming the first of KEYED_FIELDS that differs when the key
    came with another act; FieldWorkError naming the field for an act that cannot be filed (no
    live mandate for `station`, a type of another stage, no description, a future time, an
    unknown co-signer).
    """
    fields = _act_fields(observer, station, stage, violation_type, occurred_at, description)
    fields.update(legal_article=legal_article.strip(), filing=filing, client_uuid=client_uuid)
    if resent := _act_sent_with(fields):
        return FiledAct(resent, created=False)
    live_mandate_for(observer, station)
    cosigners = [_organization_observer(observer, code) for code in cosigner_codes if code.strip()]
    try:
        with transaction.atomic():  # a savepoint: the same key may race in with another act
            act = ViolationAct.objects.create(**fields, created_at=timezone.now())
    except IntegrityError:
        if resent := _act_sent_with(fields):
            return FiledAct(resent, created=False)
        raise
    CoSigner.objects.bulk_create(CoSigner(act=act, observer=other) for other in dict.fromkeys(cosigners))
    if commission_member.strip():
        CoSigner.objects.create(act=act, name=commission_member.strip())
    return FiledAct(act, created=True)


def _act_sent_with(fields: dict[str, Any]) -> ViolationAct | None:
    """The act filed before with the key of `fields`, if any; ClientKeyConflict if it says otherwise."""
    act = ViolationAct.objects.filter(observer=fields["observer"], client_uuid=fields["client_uuid"]).first()
    if act is None:
        return None
    for name in KEYED_FIELDS:
        value = fields[name]
        stored, sent = (
            (getattr(act, f"{name}_id"), value.pk)
            if isinstance(value, models.Model)
            else (getattr(act, name), value)
        )
        if stored != sent:
            raise ClientKeyConflict(name)
    return act


def add_cosigner(*, act: ViolationAct, observer_code: str = "", name: str = "") -> CoSigner:
    """Add an observer of the act's organisation (by code) or a commission member (by name)."""
    if observer_code.strip():
        other = _organization_observer(act.observer, observer_code)
        return CoSigner.objects.get_or_create(act=act, observer=other)[0]
    if not name.strip():
        raise FieldWorkError("observer_code", COSIGNER_MISSING)
    return CoSigner.objects.get_or_create(act=act, observer=None, name=name.strip())[0]


def set_filing(*, act: ViolationAct, filing: str) -> ViolationAct:
    """Record where the act stands with the PEC: not filed, submitted, registered or refused."""
    act.filing = ViolationAct.Filing(filing)
    act.save(update_fields=["filing"])
    return act


def add_complaint_step(
    *, act: ViolationAct, body: str, filed_on: dt.date, answered_on: dt.date | None = None, outcome: str = ""
) -> ComplaintStep:
    """Add a step of the complaint track (PEC, TEC, CEC, court, prosecutor) with its dates and outcome."""
    if answered_on is not None and answered_on < filed_on:
        raise FieldWorkError("answered_on", ANSWER_BEFORE_FILING)
    return ComplaintStep.objects.create(
        act=act,
        body=ComplaintStep.Body(body),
        filed_on=filed_on,
        answered_on=answered_on,
        outcome=outcome.strip(),
    )


@transaction.atomic
def review_act(*, act: ViolationAct, reviewer: AnyUser, verdict: str, reason: str = "") -> ViolationAct:
    """Verify or reject a new act; a rejection needs a reason, which the observer sees."""
    act = ViolationAct.objects.select_for_update().get(pk=act.pk)
    if not _coordinates(reviewer, act):
        raise PermissionDenied(NOT_COORDINATOR)
    if act.review != ViolationAct.Review.NEW:
        raise FieldWorkError("verdict", ALREADY_REVIEWED)
    if verdict not in VERDICTS:
        raise FieldWorkError("verdict", UNKNOWN_VERDICT)
    if verdict == ViolationAct.Review.REJECTED and not reason.strip():
        raise FieldWorkError("reason", REASON_REQUIRED)
    act.review = ViolationAct.Review(verdict)
    act.review_reason, act.reviewed_by_id, act.reviewed_at = reason.strip(), reviewer.pk, timezone.now()
    act.save(update_fields=["review", "review_reason", "reviewed_by", "reviewed_at"])
    return act


def visible_acts(user: AnyUser, scope: CoordinatorScope | None) -> QuerySet[ViolationAct]:
    """Acts `user` may read: own and co-signed ones, and those of `scope` (the organisation the
    request works in, within its territory: observers.access.working_scope; None for none).
    """
    if not user.is_authenticated:
        return ViolationAct.objects.none()
    cosigned = CoSigner.objects.filter(observer__user_id=user.pk).values("act_id")
    readable = Q(observer__user_id=user.pk) | Q(pk__in=cosigned) | scope_rows(scope)
    return ViolationAct.objects.filter(readable).select_related(
        "observer", "organization", "violation_type", "station__pec__parent", "election"
    )


def coordinated_scope(user: AnyUser) -> Q:
    """A filter on acts of the approved organisations `user` coordinates, within their territory if any."""
    return coordinated_rows(user)


def review_queue(
    *, user: AnyUser, organization: Organization, stage: str = "", region: Commission | None = None
) -> QuerySet[ViolationAct]:
    """New acts of `organization` that `user` coordinates, oldest first, by stage and region."""
    acts = ViolationAct.objects.filter(coordinated_scope(user), _within(region), organization=organization)
    acts = acts.filter(review=ViolationAct.Review.NEW)
    if stage:
        acts = acts.filter(stage=stage)
    return acts.select_related("observer", "violation_type", "station__pec__parent", "election").order_by(
        "created_at", "id"
    )


def _coordinates(user: AnyUser, act: ViolationAct) -> bool:
    return ViolationAct.objects.filter(coordinated_scope(user), pk=act.pk).exists()


def _within(commission: Commission | None) -> Q:
    """A filter on acts at stations under `commission`; no restriction when it is None."""
    if commission is None:
        return Q()
    return stations_within(commission, "station__")


def _act_fields(
    observer: Observer,
    station: PollingStation,
    stage: str,
    violation_type: ViolationType,
    occurred_at: datetime,
    description: str,
) -> dict[str, Any]:
    election = station.pec.election
    moment = election_time(election, occurred_at)
    if stage not in Stage.values or not types_for_stage(stage).filter(pk=violation_type.pk).exists():
        raise FieldWorkError("violation_type", WRONG_TYPE)
    if not description.strip():
        raise FieldWorkError("description", NO_DESCRIPTION)
    if moment > timezone.now() + FUTURE_SLACK:
        raise FieldWorkError("occurred_at", IN_THE_FUTURE)
    return {
        "organization": observer.organization,
        "observer": observer,
        "station": station,
        "election": election,
        "stage": stage,
        "violation_type": violation_type,
        "occurred_at": moment,
        "description": description.strip(),
    }


def _organization_observer(author: Observer, code: str) -> Observer:
    other = Observer.objects.filter(
        organization_id=author.organization_id, code__iexact=code.strip(), is_active=True
    ).first()
    if other is None:
        raise FieldWorkError("cosigners", UNKNOWN_OBSERVER % {"code": code.strip()})
    if other.pk == author.pk:
        raise FieldWorkError("cosigners", SELF_COSIGN)
    return other
