"""Official results import through the API: the same service as the command and the upload page.

POST a multipart form to /api/official-results/: with ``dry_run`` true the answer is the report
and nothing is stored (200); otherwise the file is imported in one transaction (201, or 200 for a
file already imported at that level). A refused file answers 400 with the message naming the row,
column or header to fix. Platform staff and admins of an approved organisation only.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from elections.models import Contest
from tallies.forms.official import LEVEL_CHOICES
from tallies.models import OfficialSnapshot
from tallies.services import results_uploads
from tallies.services.columns import column_map_from
from tallies.services.import_report import ImportReport


class MayImportResults(BasePermission):
    message = "Only platform staff and organisation admins import official results."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return results_uploads.may_import_results(request.user)


class OfficialImportRequestSerializer(serializers.Serializer):
    """The import's file and options (as `manage.py import_results`)."""

    file = serializers.FileField(help_text=".csv, .csv.gz or .zip")
    contest = serializers.PrimaryKeyRelatedField(queryset=Contest.objects.all(), help_text="contest id")
    level = serializers.ChoiceField(choices=[code for code, _ in LEVEL_CHOICES])
    source = serializers.CharField(max_length=300, help_text="who published the figures")  # type: ignore[assignment]
    status = serializers.ChoiceField(
        choices=OfficialSnapshot.Status.values, default=OfficialSnapshot.Status.FINAL
    )
    columns = serializers.JSONField(
        required=False, help_text='column map, e.g. {"columns": {"Явка": "voters_took_part"}}'
    )
    key = serializers.CharField(
        required=False, default="", help_text="national files: election_id of the rows"
    )
    skip_bad_cells = serializers.BooleanField(
        default=False, help_text="read a cell that is not a count as missing"
    )
    dry_run = serializers.BooleanField(default=False)


class ImportCoverageSerializer(serializers.Serializer):
    stations = serializers.IntegerField()
    complete = serializers.IntegerField()
    partial = serializers.IntegerField()  # type: ignore[assignment]  # a field, not BaseSerializer.partial
    consistent = serializers.IntegerField()
    inconsistent = serializers.IntegerField()
    not_checkable = serializers.IntegerField()


class ImportBadCellSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    column = serializers.CharField()
    text = serializers.CharField()


class ImportReportSerializer(serializers.Serializer):
    """What the file holds: totals (votes) and missing figures by line or option code, first rows."""

    file_name = serializers.CharField()
    level = serializers.CharField()
    rows = serializers.IntegerField()
    totals = serializers.DictField(child=serializers.IntegerField())
    missing = serializers.DictField(child=serializers.IntegerField())
    first_rows = serializers.ListField(child=serializers.DictField())
    bad_cells = ImportBadCellSerializer(many=True)
    coverage = ImportCoverageSerializer(allow_null=True)
    snapshot_id = serializers.IntegerField(allow_null=True)
    created = serializers.BooleanField()
    repeat = serializers.BooleanField()


class OfficialImportView(APIView):
    """Dry-run or import an official results file."""

    permission_classes = [IsAuthenticated, MayImportResults]
    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="official_results_import",
        request={"multipart/form-data": OfficialImportRequestSerializer},
        responses={
            200: ImportReportSerializer,
            201: ImportReportSerializer,
            400: OpenApiResponse(
                description=(
                    "Refused: a field of the request ({field: [messages]}), or the file itself "
                    '({"detail": what to fix}).'
                )
            ),
            403: OpenApiResponse(description="Not platform staff nor an organisation admin."),
        },
    )
    def post(self, request: Request) -> Response:
        """Read the file (always), store it unless `dry_run`; the report says what it holds."""
        given = OfficialImportRequestSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data: dict[str, Any] = given.validated_data
        report = _import(data)  # ImportFileError answers 400 {"detail": ...} (config.api)
        answer = status.HTTP_201_CREATED if report.created else status.HTTP_200_OK
        return Response(ImportReportSerializer(_as_dict(report)).data, status=answer)


def _import(data: dict[str, Any]) -> ImportReport:
    options = results_uploads.UploadOptions(
        contest_id=data["contest"].pk,
        level=data["level"],
        source=data["source"],
        status=data["status"],
        columns=data.get("columns") or None,
        key=data["key"],
        skip_bad_cells=data["skip_bad_cells"],
    )
    if options.columns is not None:
        column_map_from(options.columns, "columns")
    path = results_uploads.store_upload(data["file"])
    if data["dry_run"]:
        return results_uploads.preview(path, options, data["file"].name)[0]
    return results_uploads.run(path, options, dry_run=False, file_name=data["file"].name)


def _as_dict(report: ImportReport) -> dict[str, Any]:
    coverage = report.coverage
    return {
        **report.__dict__,
        "bad_cells": [cell.__dict__ for cell in report.bad_cells],
        "coverage": None if coverage is None else {**coverage.__dict__, "partial": coverage.partial},
    }
