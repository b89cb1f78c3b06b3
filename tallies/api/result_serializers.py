"""Output serializers of the results API: the selectors' dataclasses as JSON.

Percentages are DecimalFields, so they travel as exact strings ("60.40"); counts are integers;
differences are official − observer. Contests, elections and options (the rows' labels) are named
in the request's language (Accept-Language, config.openapi.LANGUAGE); places have one name.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from elections.models import Contest

PLACE_NAME = "As the election's commission list names it: a place has one name, in no particular language."


def percent_field(**kwargs: object) -> serializers.DecimalField:
    """A percentage as an exact string with two decimals ("60.40"), or null when undefined."""
    return serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True, **kwargs)  # type: ignore[arg-type]


class ResultsContestSerializer(serializers.ModelSerializer[Contest]):
    name = serializers.CharField(source="local_name", read_only=True, help_text="In the request's language.")
    election = serializers.CharField(
        source="election.local_name", read_only=True, help_text="In the request's language."
    )
    election_slug = serializers.CharField(source="election.slug", read_only=True)
    held_on = serializers.DateField(source="election.held_on", read_only=True)

    class Meta:
        model = Contest
        fields = ["id", "slug", "name", "kind", "election", "election_slug", "held_on"]


class CommissionRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField(help_text=PLACE_NAME)
    level = serializers.CharField()
    code = serializers.CharField()


class SnapshotSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    file_name = serializers.CharField()
    source = serializers.CharField()  # type: ignore[assignment]  # a field, not Field.source
    status = serializers.CharField()
    imported_at = serializers.DateTimeField()


class RunSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    finished_at = serializers.DateTimeField()


class ComparisonStateSerializer(serializers.Serializer):
    """Whether the comparison (the latest finished reconciliation run) is current or stale.

    Stale: the organisation's copies or the official results (a snapshot imported or withdrawn)
    changed after the run finished, so the compared figures (`compared_*`, `stations_compared`,
    `stations_discrepant`, `votes_moved`) describe the data as it was then, until the next run.
    """

    status = serializers.ChoiceField(
        choices=["current", "stale", "none"],
        help_text="current; stale (changed since the run finished); none (no comparison yet)",
    )
    computed_at = serializers.DateTimeField(
        allow_null=True, help_text="When the run finished (ISO 8601); null without a comparison."
    )
    copies_changed = serializers.BooleanField(help_text="Copies counted, revised or taken out since.")
    official_changed = serializers.BooleanField(help_text="An official snapshot imported or withdrawn since.")


class SourceSerializer(serializers.Serializer):
    """One source's figures: {line code: count}, {option code: votes}, turnout and shares in %."""

    stations = serializers.IntegerField()
    partial_stations = serializers.IntegerField(
        source="partial",
        help_text=(
            "of `stations`, those whose copies lack some figure (marked not on the copy): each total is"
            " over the stations giving it, each percentage over the stations giving all it needs"
            " (`turnout_stations`, `shares_stations`)"
        ),
    )
    lines = serializers.DictField(child=serializers.IntegerField(), source="figures.lines")
    options = serializers.DictField(child=serializers.IntegerField(), source="figures.options")
    turnout = percent_field()
    shares = serializers.DictField(child=percent_field())
    turnout_stations = serializers.IntegerField(
        allow_null=True,
        help_text=(
            "observer figures: the stations `turnout` is over, those of `stations` whose copies give every"
            " line it needs (voters on the list, voters who took part); fewer than `stations` when some"
            " lack one; the same for a derived official total (summed from station protocols, some"
            " lacking a line) and for the compared stations (those giving every line on both sides);"
            " null when the source does not say (a published total, one protocol)"
        ),
    )
    turnout_lacking = serializers.ListField(
        child=serializers.CharField(),
        allow_null=True,
        help_text="observer figures: the lines (`lines.<code>`) the other stations' copies lack",
    )
    shares_stations = serializers.IntegerField(
        allow_null=True,
        help_text="observer figures: the stations `shares` are over, those whose copies give every option",
    )
    shares_lacking = serializers.ListField(
        child=serializers.CharField(),
        allow_null=True,
        help_text="observer figures: the options (`options.<code>`) the other stations' copies lack",
    )


class FigureRowSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["line", "option"])
    code = serializers.CharField()
    number = serializers.CharField()
    label = serializers.CharField(  # type: ignore[assignment]  # a field, not Field.label
        help_text="The line's label, or the option's short name, in the request's language."
    )
    observer = serializers.IntegerField(allow_null=True)
    official = serializers.IntegerField(allow_null=True)
    difference = serializers.IntegerField(allow_null=True, help_text="official − observer")


class CoverageSerializer(serializers.Serializer):
    """What the copies cover in the commission; a total is null when it is not known.

    `*_source`: "official" (the official file), "app" (the station list), "" (unknown).
    """

    stations_with_copies = serializers.IntegerField()
    stations_total = serializers.IntegerField(allow_null=True)
    stations_source = serializers.CharField()  # type: ignore[assignment]  # a field, not Field.source
    stations_percent = percent_field()
    registered_voters_covered = serializers.IntegerField()
    registered_voters_total = serializers.IntegerField(allow_null=True)
    registered_voters_source = serializers.CharField()
    registered_voters_percent = percent_field()
    votes_covered = serializers.IntegerField()
    votes_official = serializers.IntegerField(allow_null=True)
    tecs_with_copies = serializers.IntegerField(allow_null=True)
    tecs_total = serializers.IntegerField(allow_null=True)
    regions_with_copies = serializers.IntegerField(allow_null=True, help_text="The root only.")
    regions_total = serializers.IntegerField(allow_null=True, help_text="The root only.")


class ChildSerializer(serializers.Serializer):
    commission = CommissionRefSerializer()
    station_id = serializers.IntegerField(allow_null=True, help_text="Set for a precinct (PEC).")
    official_turnout = percent_field()
    observer_turnout = percent_field()
    observer_turnout_stations = serializers.IntegerField(
        allow_null=True,
        help_text="the stations `observer_turnout` is over when some copies lack a turnout line; null: all",
    )
    official_turnout_stations = serializers.IntegerField(
        allow_null=True,
        help_text=(
            "the stations `official_turnout` is over when some station protocols under a derived"
            " official total lack a turnout line; null: all"
        ),
    )
    stations_with_copies = serializers.IntegerField()
    stations_compared = serializers.IntegerField()
    stations_discrepant = serializers.IntegerField()


class DiscrepantStationSerializer(serializers.Serializer):
    station_id = serializers.IntegerField(source="station.pk")
    number = serializers.CharField(source="station.number")
    commission_id = serializers.IntegerField(source="station.pec_id")
    differences = FigureRowSerializer(many=True)


class DiscrepantPageSerializer(serializers.Serializer):
    count = serializers.IntegerField(source="paginator.count")
    page = serializers.IntegerField(source="number")
    num_pages = serializers.IntegerField(source="paginator.num_pages")
    results = DiscrepantStationSerializer(many=True, source="object_list")


class StoredFiguresSerializer(serializers.Serializer):
    """Whether `coverage`, the station counts and the children's counts are stored figures
    (tallies.selectors.stored_figures): a request reads them instead of counting every station."""

    status = serializers.ChoiceField(
        choices=["current", "updating", "none"],
        help_text="current (as the tallies count now); updating (as of computed_at, the tallies moved"
        " since: being updated); none (nothing stored yet: counted for this request, exact)",
    )
    computed_at = serializers.DateTimeField(
        allow_null=True, help_text="When the stored figures were counted (ISO 8601); null for none."
    )


class CommissionResultsSerializer(serializers.Serializer):
    """A commission's results: each source, the comparison, children, a page of discrepant stations."""

    contest_id = serializers.IntegerField(source="contest.pk")
    commission = CommissionRefSerializer()
    breadcrumb = CommissionRefSerializer(many=True)
    snapshot = SnapshotSerializer(allow_null=True)
    run = RunSerializer(allow_null=True)
    comparison = ComparisonStateSerializer()
    observer = SourceSerializer(allow_null=True, help_text="All stations with the organisation's copies.")
    official = SourceSerializer(allow_null=True, help_text="All stations of the commission.")
    compared_observer = SourceSerializer(allow_null=True, help_text="Compared stations only.")
    compared_official = SourceSerializer(allow_null=True, help_text="Compared stations only.")
    comparison_level = serializers.ChoiceField(
        choices=["station", "tec", "region", "nation", "none"],
        help_text="The level of the official results: only 'station' compares stations one by one.",
    )
    coverage = CoverageSerializer()
    figures = StoredFiguresSerializer()
    official_in_regions_with_copies = SourceSerializer(
        allow_null=True, help_text="The root only: the official figures of the regions with copies."
    )
    stations_compared = serializers.IntegerField()
    stations_discrepant = serializers.IntegerField()
    votes_moved = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="official − observer over the stations compared one by one; empty when none was.",
    )
    children = ChildSerializer(many=True)
    discrepant_stations = DiscrepantPageSerializer()


class FindingSerializer(serializers.Serializer):
    label = serializers.CharField()  # type: ignore[assignment]  # a field, not Field.label
    expression = serializers.CharField()
    lhs = serializers.IntegerField()
    rhs = serializers.IntegerField()
    difference = serializers.IntegerField()


class CopyRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    observer_code = serializers.CharField(source="observer.code")
    channel = serializers.CharField()
    submitted_at = serializers.DateTimeField()


class StationResultsSerializer(serializers.Serializer):
    """One station: the organisation's current copy against the official protocol.

    `comparison` is the state of the organisation's comparison (its latest run, whose official
    snapshot the rows use), as the station page says it: the view gives it in
    context["comparison"] (tallies.selectors.station_sets.freshness).
    """

    contest_id = serializers.IntegerField(source="contest.pk")
    station_id = serializers.IntegerField(source="station.pk")
    number = serializers.CharField(source="station.number")
    breadcrumb = CommissionRefSerializer(many=True)
    snapshot = SnapshotSerializer(allow_null=True)
    run = RunSerializer(allow_null=True)
    copy = CopyRefSerializer(allow_null=True)
    observer = SourceSerializer(allow_null=True)
    official = SourceSerializer(allow_null=True)
    is_discrepant = serializers.BooleanField(allow_null=True)
    rows = FigureRowSerializer(many=True)
    findings = FindingSerializer(many=True)
    comparison = serializers.SerializerMethodField()

    @extend_schema_field(ComparisonStateSerializer)
    def get_comparison(self, results: Any) -> dict[str, Any]:
        return ComparisonStateSerializer(self.context["comparison"]).data  # type: ignore[return-value]


class RegionShareSerializer(serializers.Serializer):
    """Turnout or a share in a region (percent, exact strings; null when not given)."""

    observer = serializers.CharField(allow_null=True, help_text="At the stations with copies.")
    margin = serializers.CharField(
        allow_null=True, help_text="95 % margin in points; null: the design allows none."
    )
    official = serializers.CharField(allow_null=True)
    difference = serializers.CharField(allow_null=True, help_text="official − observer; null: not compared.")
    outside_margin = serializers.BooleanField(allow_null=True)
    implied = serializers.CharField(
        allow_null=True, help_text="What the official total implies for the stations without copies."
    )


class RegionRowSerializer(serializers.Serializer):
    """One region against its official total (tallies.selectors.regional); caveats as codes."""

    commission_id = serializers.IntegerField()
    name = serializers.CharField(help_text=PLACE_NAME)
    status = serializers.ChoiceField(choices=["no_official", "no_copies", "one_copy", "no_margin", "margin"])
    coverage = serializers.DictField(
        required=False, help_text="Stations, registered voters and votes covered."
    )
    tecs_with_copies = serializers.IntegerField(required=False)
    tecs_total = serializers.IntegerField(required=False, allow_null=True)
    no_margin_reasons = serializers.ListField(child=serializers.CharField(), required=False)
    quantile = serializers.CharField(required=False, allow_null=True, help_text="Student's t used, if any.")
    turnout = RegionShareSerializer(required=False)
    shares = serializers.DictField(child=RegionShareSerializer(), required=False)
    unobserved_stations = serializers.IntegerField(required=False, allow_null=True)
    consistent = serializers.BooleanField(
        required=False, allow_null=True, help_text="False: the copies hold more than the official total."
    )
    caveats = serializers.ListField(child=serializers.CharField())


class RegionalComparisonSerializer(serializers.Serializer):
    """Every region against its official regional total; empty `regions` unless the official
    results are regional totals."""

    contest_id = serializers.IntegerField()
    snapshot = SnapshotSerializer(allow_null=True)
    caveats = serializers.DictField(child=serializers.CharField(), help_text="Caveat code → its meaning.")
    regions = RegionRowSerializer(many=True)
