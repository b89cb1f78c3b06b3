"""Protocol forms: the ordered lines of a results protocol and the control relations between them.

A protocol form is an ordered list of lines with stable codes plus control relations written as
expressions; nothing here is specific to one country.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from elections.protocol import OPTIONS_TOTAL, RelationSyntaxError, parse_relation


def pick_label(labels: dict[str, str], fallback: str) -> str:
    """Return the label in the active language, else English, else Russian, else `fallback`."""
    language = (get_language() or "en").split("-")[0]
    for code in (language, "en", "ru"):
        if labels.get(code):
            return labels[code]
    return fallback


class ProtocolForm(models.Model):
    """A results protocol form: its ordered lines and control relations, shared by contests."""

    code = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=200)
    source = models.CharField(_("legal source of the form"), max_length=300, blank=True)

    def __str__(self) -> str:
        return self.name

    def line_codes(self) -> list[str]:
        return [line.code for line in self.lines.all()]


class ProtocolLine(models.Model):
    """One numbered line of a protocol form (e.g. line 10, "valid ballots"), counted in votes.

    `role` says what the line is for, whatever its code: the voters on the list, ballots
    received or issued, voters who took part, valid or invalid ballots (blank: none of these).
    A station's vote count is complete when every option and every valid/invalid line has a figure.
    """

    class Role(models.TextChoices):
        REGISTERED = "registered", _("Voters on the list")
        BALLOTS_RECEIVED = "ballots_received", _("Ballots received")
        BALLOTS_ISSUED = "ballots_issued", _("Ballots issued to voters")
        TOOK_PART = "took_part", _("Voters who took part")
        BALLOTS_IN_BOXES = "ballots_in_boxes", _("Ballots found in the boxes")
        VALID = "valid", _("Valid ballots")
        INVALID = "invalid", _("Invalid ballots")
        OTHER = "", _("Other")

    form = models.ForeignKey(ProtocolForm, models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(_("order on the form"))
    number = models.CharField(_("line number as printed"), max_length=8)
    code = models.SlugField(_("stable code"), max_length=64)
    labels = models.JSONField(_("labels by language"), default=dict)
    is_turnout_base = models.BooleanField(
        _("voters on the list"), default=False, help_text=_("Denominator of turnout.")
    )
    is_turnout_numerator = models.BooleanField(
        _("counts voters who took part"),
        default=False,
        help_text=_("Turnout numerator: the sum of the lines marked so (e.g. lines 3 + 4 + 5)."),
    )
    role = models.CharField(_("what the line is for"), max_length=20, choices=Role, blank=True, default="")
    headers = models.JSONField(
        _("column headers in known sources"),
        default=list,
        blank=True,
        help_text=_("How results files name this line, e.g. the CEC's wording; matched by name."),
    )

    class Meta:
        ordering = ["form", "position"]
        constraints = [
            models.UniqueConstraint(fields=["form", "code"], name="unique_line_code_per_form"),
            models.UniqueConstraint(fields=["form", "position"], name="unique_line_position"),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.label}"

    @property
    def label(self) -> str:
        return pick_label(self.labels, self.code)


class ControlRelation(models.Model):
    """A control relation between protocol lines, e.g. ``ballots_valid == options_total``.

    The expression compares two sums of line codes (and ``options_total``, the sum of the votes
    for all ballot options) with ``==``, ``<=`` or ``>=``; `tolerance` is the absolute difference
    in votes still accepted. A protocol that breaks a relation is flagged, never rejected: that
    is what observers exist to record (domain.md §3.3).
    """

    form = models.ForeignKey(ProtocolForm, models.CASCADE, related_name="control_relations")
    code = models.SlugField(max_length=64)
    expression = models.CharField(max_length=300)
    tolerance = models.PositiveIntegerField(_("tolerance (votes)"), default=0)
    labels = models.JSONField(_("description by language"), default=dict)

    class Meta:
        ordering = ["form", "id"]
        constraints = [
            models.UniqueConstraint(fields=["form", "code"], name="unique_relation_code_per_form"),
        ]

    def __str__(self) -> str:
        return self.expression

    def clean(self) -> None:
        """Refuse an expression the parser refuses or one naming a line the form lacks.

        Raises ValidationError on `expression`: a relation that cannot be evaluated would make
        every later copy of the form fail instead of being flagged (the admin path; specs are
        checked the same way by elections.services.define_protocol_form).
        """
        try:
            names = parse_relation(self.expression).names()
        except RelationSyntaxError as error:
            raise ValidationError({"expression": str(error)}) from error
        if self.form_id is not None:
            unknown = names - set(self.form.line_codes()) - {OPTIONS_TOTAL}
            if unknown:
                message = _("Unknown line codes: %(codes)s") % {"codes": ", ".join(sorted(unknown))}
                raise ValidationError({"expression": message})

    @property
    def label(self) -> str:
        return pick_label(self.labels, self.expression)
