"""Elections as data: contests, ballot options, protocol forms and the commission hierarchy.

Nothing here is specific to one country: a protocol form is an ordered list of lines with stable
codes plus control relations written as expressions, and the hierarchy is a tree of commissions
of any depth (CEC > region > TEC > PEC in Russia and Kazakhstan). A contest's seat rule is data
too, with a log of its changes.
"""

from elections.models.commissions import (
    PATH_SEPARATOR,
    Commission,
    CommissionQuerySet,
    PollingStation,
    PollingStationQuerySet,
    stations_within,
)
from elections.models.elections import BallotOption, Contest, Election, validate_time_zone
from elections.models.protocol_forms import ControlRelation, ProtocolForm, ProtocolLine, pick_label
from elections.models.seat_rules import SeatRule, SeatRuleChange

__all__ = [
    "PATH_SEPARATOR",
    "BallotOption",
    "Commission",
    "CommissionQuerySet",
    "Contest",
    "ControlRelation",
    "Election",
    "PollingStation",
    "PollingStationQuerySet",
    "ProtocolForm",
    "ProtocolLine",
    "SeatRule",
    "SeatRuleChange",
    "pick_label",
    "stations_within",
    "validate_time_zone",
]
