"""Seat rules as data of an election: how a contest's seats are allocated, and every change to it.

The tables keep their first names (tallies_seatrule, tallies_seatrulechange): the models moved
here from tallies (issue 16) without touching the data.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.append_only import APPEND_ONLY
from elections.models.elections import Contest


class SeatRule(models.Model):
    """How a contest's seats are allocated (e.g. Kazakhstan 2023: 69 seats, 5 % of voters who took part).

    The rule is data per contest: threshold and its base, quota or divisor method, seats; the
    arithmetic lives in tallies.analysis.seats.
    """

    class Base(models.TextChoices):
        VALID_VOTES = "valid_votes", _("Valid votes")
        VOTERS_TOOK_PART = "voters_took_part", _("Voters who took part")

    class Method(models.TextChoices):
        HARE = "hare_largest_remainder", _("Hare quota, largest remainder")
        DROOP = "droop_largest_remainder", _("Droop quota, largest remainder")
        DHONDT = "dhondt", _("D'Hondt")
        SAINTE_LAGUE = "sainte_lague", _("Sainte-Laguë")

    contest = models.OneToOneField(Contest, models.CASCADE, related_name="seat_rule")
    seats = models.PositiveSmallIntegerField()
    threshold_percent = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("0"))
    threshold_base = models.CharField(max_length=16, choices=Base, default=Base.VALID_VOTES)
    method = models.CharField(max_length=24, choices=Method, default=Method.HARE)
    next_party_if_single = models.BooleanField(
        default=False, help_text=_("If only one party passes, the next-largest takes part too.")
    )
    source = models.CharField(_("legal source"), max_length=300, blank=True)

    class Meta:
        db_table = "tallies_seatrule"


class SeatRuleChange(models.Model):
    """One change of a contest's seat rule: who, when, how, and the rule before and after (issue 12).

    Append-only (database triggers refuse updates and deletes). `before` is {} for a new rule;
    each side holds seats, threshold (percent, as text), base, method, next_party_if_single, source.
    """

    contest = models.ForeignKey(Contest, models.PROTECT, related_name="seat_rule_changes")
    changed_at = models.DateTimeField(default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    via = models.CharField(max_length=40, help_text=_("How it was changed, e.g. manage.py set_seat_rule."))
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict)

    class Meta:
        db_table = "tallies_seatrulechange"
        ordering = ["changed_at", "id"]
        triggers = APPEND_ONLY
