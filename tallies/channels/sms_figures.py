"""From a parsed SMS to what submit_protocol_copy takes: observer, station, contest and figures.

Each function answers with the objects found or a reason (a translated sentence) why not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from elections.models import Contest, PollingStation
from observers.models import Mandate, Observer, Organization
from tallies.channels.sms_format import ParsedSms, line_key, option_key
from tallies.services.copy_validation import MAX_VOTES


def same_phone(registered: str, sender: str) -> bool:
    """True when two phone numbers agree on their last ten digits (+7 701…, 8 701…, 7701…)."""
    a, b = re.sub(r"\D", "", registered), re.sub(r"\D", "", sender)
    return len(a) >= 7 and len(b) >= 7 and a[-10:] == b[-10:]


def find_observer(organization: Organization, parsed: ParsedSms, sender: str) -> Observer | None:
    """The organisation's observer with the message's code whose registered phone sent it; or None.

    The pseudonymous code alone is not a credential (coordinators see it, it is printed on
    cards), so the sender's number, as the gateway's carrier reports it, must be the observer's
    phone. An observer without a phone on record cannot send copies by SMS.
    """
    observer = Observer.objects.filter(organization=organization, code=parsed.observer_code).first()
    if observer is None or not same_phone(observer.phone, sender):
        return None
    return observer


def find_station(observer: Observer, number: str) -> PollingStation | None:
    """The station numbered `number` in an election where `observer` holds a live mandate."""
    elections = Mandate.objects.live().filter(observer=observer).values("election_id")
    stations = PollingStation.objects.filter(pec__election_id__in=elections, number=number)
    return stations.select_related("pec__election").order_by("pk").first()


def find_contest(station: PollingStation, named: str) -> Contest | str:
    """The contest the message is about (by slug, or the station's election's only one); or why not."""
    contests = list(station.pec.election.contests.select_related("form").order_by("pk"))
    if named:
        contests = [contest for contest in contests if contest.slug.lower() == named]
    if len(contests) == 1:
        return contests[0]
    slugs = ", ".join(contest.slug for contest in station.pec.election.contests.order_by("pk"))
    return _("Name the contest after the station number, one of: %(slugs)s.") % {"slugs": slugs}


@dataclass
class SmsFigures:
    """Counts by line and option code, and what the message lacked or had too much of (short codes)."""

    lines: dict[str, int] = field(default_factory=dict)
    options: dict[str, int] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    not_understood: list[str] = field(default_factory=list)
    marked: list[str] = field(default_factory=list)  # "lines.<code>": typed as "-" or "?", not on the copy


NOT_ON_THE_COPY = ("-", "?")  # a value that marks a figure "not on the copy / unreadable"


def short_codes(contest: Contest) -> dict[str, tuple[str, str]]:
    """{short code: ("lines"|"options", code)} in form order: line numbers, then P<ballot position>."""
    codes = {line_key(line.number): ("lines", line.code) for line in contest.form.lines.order_by("position")}
    for option in contest.options.order_by("position"):
        codes[option_key(option.position)] = ("options", option.code)
    return codes


def read_figures(contest: Contest, parsed: ParsedSms) -> SmsFigures:
    """Match the message's pairs to the contest's short codes; a value must be a whole number.

    A count above MAX_VOTES (the bound copy_validation sets on every copy) is "not understood" here, so the
    reply names it by its short code rather than the service's field name. A value "-" or "?"
    marks the figure "not on the copy / unreadable" (`marked`): missing, never 0.
    """
    found = SmsFigures(not_understood=list(parsed.unknown))
    codes = short_codes(contest)
    for key, value in parsed.pairs.items():
        if key in codes and value in NOT_ON_THE_COPY:
            found.marked.append("{}.{}".format(*codes[key]))
            continue
        if key not in codes or not value.isdecimal() or int(value) > MAX_VOTES:
            found.not_understood.append(f"{key}={value}")
            continue
        kind, code = codes[key]
        getattr(found, kind)[code] = int(value)
    found.missing = [
        key
        for key, (kind, code) in codes.items()
        if code not in getattr(found, kind) and f"{kind}.{code}" not in found.marked
    ]
    return found
