"""Output serializers of the public API: what a published release stored, as JSON.

Counts are integers, percentages exact strings ("61.23"), differences official − observer.
Organisation, election and contest names are the ones the release froze; election, contest and
option names are given in the request's language (Accept-Language, see config.openapi) where the
release froze them by language (tallies.selectors.release_layout.localized_content), else as
stored. Places (commissions, regions) and organisations have one name, given as it is.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from tallies.api.result_serializers import PLACE_NAME, CoverageSerializer
from tallies.models import Release, ReleaseCommission, ReleaseFile, ReleaseStation
from tallies.selectors.release_layout import localized_content

IN_LANGUAGE = (
    "In the request's language (Accept-Language) where the release froze names by language, else the"
    " one stored name; an organisation has one name."
)


class PublicNamedSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField(help_text=IN_LANGUAGE)


class PublicChainHeadSerializer(serializers.Serializer):
    sequence = serializers.IntegerField()
    entry_hash = serializers.CharField()


class PublicSourceSerializer(serializers.Serializer):
    """One source's figures: {line code: count}, {option code: votes}, turnout and shares in %."""

    stations = serializers.IntegerField()
    lines = serializers.DictField(child=serializers.IntegerField())
    options = serializers.DictField(child=serializers.IntegerField())
    turnout = serializers.CharField(allow_null=True)
    shares = serializers.DictField(child=serializers.CharField(allow_null=True))


class PublicCommissionFiguresSerializer(serializers.Serializer):
    observer = PublicSourceSerializer(allow_null=True)
    official = PublicSourceSerializer(allow_null=True)
    compared_observer = PublicSourceSerializer(allow_null=True)
    compared_official = PublicSourceSerializer(allow_null=True)
    coverage = CoverageSerializer(
        required=False, help_text="What the copies cover here (releases since issue 22)."
    )


class PublicStationFiguresSerializer(serializers.Serializer):
    observer = PublicSourceSerializer(allow_null=True)
    official = PublicSourceSerializer(allow_null=True)
    differences = serializers.DictField(
        child=serializers.DictField(child=serializers.ListField(child=serializers.IntegerField())),
        help_text="lines|options -> code -> [observer, official]",
    )


def _frozen(release: Release, key: str) -> dict[str, Any]:
    return release.content["release"][key]


class PublicReleaseSerializer(serializers.ModelSerializer[Release]):
    """A published release: who, what, when, and the hashes that pin it."""

    organization = serializers.SerializerMethodField()
    election = serializers.SerializerMethodField()
    contest = serializers.SerializerMethodField()
    audit_chain_head = serializers.SerializerMethodField()
    permalink = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Release
        fields = [
            "id",
            "number",
            "organization",
            "election",
            "contest",
            "publish_at",
            "created_at",
            "changelog",
            "manifest_sha256",
            "audit_chain_head",
            "permalink",
            "url",
        ]

    @extend_schema_field(PublicNamedSerializer)
    def get_organization(self, release: Release) -> dict[str, Any]:
        return _frozen(release, "organization")

    @extend_schema_field(PublicNamedSerializer)
    def get_election(self, release: Release) -> dict[str, Any]:
        return {"slug": _frozen(release, "election")["slug"], "name": release.election_name}

    @extend_schema_field(PublicNamedSerializer)
    def get_contest(self, release: Release) -> dict[str, Any]:
        return {"slug": _frozen(release, "contest")["slug"], "name": release.contest_name}

    @extend_schema_field(PublicChainHeadSerializer)
    def get_audit_chain_head(self, release: Release) -> dict[str, Any]:
        return _frozen(release, "audit_chain_head")

    def get_permalink(self, release: Release) -> str:
        return self.context["request"].build_absolute_uri(release.get_absolute_url())

    def get_url(self, release: Release) -> str:
        return reverse("public-api-release", args=[release.pk], request=self.context["request"])


class PublicFileSerializer(serializers.ModelSerializer[ReleaseFile]):
    url = serializers.SerializerMethodField()

    class Meta:
        model = ReleaseFile
        fields = ["name", "content_type", "size", "sha256", "url"]

    def get_url(self, found: ReleaseFile) -> str:
        path = found.release.get_absolute_url() + "files/" + found.name
        return self.context["request"].build_absolute_uri(path)


class PublicReleaseDetailSerializer(PublicReleaseSerializer):
    """A release with its summary: coverage, seats, violations, layout, files, supersession."""

    superseded_by = serializers.SerializerMethodField()
    summary = serializers.SerializerMethodField()
    files = serializers.SerializerMethodField()

    class Meta(PublicReleaseSerializer.Meta):
        fields = [*PublicReleaseSerializer.Meta.fields, "superseded_by", "summary", "files"]

    def get_superseded_by(self, release: Release) -> int | None:
        newer = release.superseded_by()
        return newer.number if newer else None

    @extend_schema_field(
        serializers.DictField(
            help_text=(
                "release.json's top-level keys except the commission, station and receipt lists; the"
                " election's, the contest's and the options' names (release, layout.options) in the"
                " request's language where the release froze them by language, `names` in every"
                " language. Region names are as stored (a place has one name)."
            )
        )
    )
    def get_summary(self, release: Release) -> dict[str, Any]:
        """release.json's top-level keys except the commission, station and receipt lists, names in
        the active language (release_layout.localized_content)."""
        return localized_content(release)

    @extend_schema_field(PublicFileSerializer(many=True))
    def get_files(self, release: Release) -> list[dict[str, Any]]:
        files = release.files.defer("content").select_related(
            "release__organization", "release__contest__election"
        )
        return PublicFileSerializer(files, many=True, context=self.context).data  # type: ignore[return-value]


class PublicCommissionSerializer(serializers.ModelSerializer[ReleaseCommission]):
    figures = PublicCommissionFiguresSerializer()
    name = serializers.CharField(help_text=PLACE_NAME)

    class Meta:
        model = ReleaseCommission
        fields = [
            "commission_id",
            "parent_id",
            "level",
            "code",
            "name",
            "path",
            "stations_compared",
            "stations_discrepant",
            "figures",
        ]


class PublicStationSerializer(serializers.ModelSerializer[ReleaseStation]):
    figures = PublicStationFiguresSerializer()
    photo_url = serializers.SerializerMethodField()

    class Meta:
        model = ReleaseStation
        fields = [
            "station_id",
            "parent_id",
            "number",
            "path",
            "registered_voters",
            "observer_code",
            "copy_submitted_at",
            "is_discrepant",
            "figures",
            "photo_url",
            "photo_sha256",
        ]

    def get_photo_url(self, row: ReleaseStation) -> str | None:
        release = self.context["release"]
        if not release.show_photos or row.photo_id is None:
            return None
        path = f"{release.get_absolute_url()}s/{row.station_id}/photo.jpg"
        return self.context["request"].build_absolute_uri(path)
