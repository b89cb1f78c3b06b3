"""The official results upload page and API: dry-run preview, confirmation, refusals, who may."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tallies.models import OfficialSnapshot
from tests.support import LINES_PEC_91_OFFICIAL, OPTIONS_PEC_91_OFFICIAL

pytestmark = pytest.mark.django_db
FIGURES = {**LINES_PEC_91_OFFICIAL, **OPTIONS_PEC_91_OFFICIAL}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def station_csv(values=FIGURES, name="official.csv"):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["region", "tik", "uik", *reversed(list(values))])
    writer.writerow(["Город Москва", "84 Пресненский район", "91", *reversed(list(values.values()))])
    return SimpleUploadedFile(name, out.getvalue().encode(), content_type="text/csv")


def form(contest, upload, **extra):
    return {
        "contest": contest.pk,
        "level": "station",
        "source": "CEC",
        "status": "final",
        "file": upload,
        **extra,
    }


def test_an_admin_checks_a_file_sees_the_preview_and_confirms_it(adam, contest):
    response = adam.post(
        reverse("official-import"), form(contest, station_csv({**FIGURES, "p7_RightCause": "x"}))
    )

    page = response.content.decode()
    assert response.status_code == 200 and not OfficialSnapshot.objects.exists()
    assert "official.csv: 1 rows would be stored" in page
    assert "<td>p7_RightCause</td>" in page and "<td>&#x27;x&#x27;</td>" not in page and "<td>x</td>" in page
    token = response.context["confirm"].initial["token"]

    done = adam.post(reverse("official-import-confirm"), {"token": token}, follow=True)

    snapshot = OfficialSnapshot.objects.get()
    assert snapshot.file_name == "official.csv"
    assert "1 rows imported as snapshot" in done.content.decode()
    values = snapshot.protocols.get().figures().options
    assert values["p6_UR"] == 1115 and "p7_RightCause" not in values  # missing, not 0


def test_a_refused_file_says_what_to_fix_and_stores_nothing(adam, contest):
    upload = station_csv({**FIGURES, "okrug": 1})

    page = adam.post(reverse("official-import"), form(contest, upload)).content.decode()

    assert "columns matching no line, option or place: [&#x27;okrug&#x27;]" in page
    assert not OfficialSnapshot.objects.exists()


def test_a_stale_or_forged_token_imports_nothing(adam, contest):
    response = adam.post(reverse("official-import-confirm"), {"token": "forged"}, follow=True)

    assert "upload the file again" in response.content.decode()
    assert not OfficialSnapshot.objects.exists()


def test_a_coordinator_may_not_import_official_results(client, coordinator, contest):
    client.force_login(coordinator)

    assert client.get(reverse("official-import")).status_code == 403
    answer = client.post(reverse("api-official-import"), form(contest, station_csv()))
    assert answer.status_code == 403


def test_the_api_dry_runs_then_imports_and_refuses_with_the_message(adam, contest):
    url = reverse("api-official-import")

    dry = adam.post(url, form(contest, station_csv(), dry_run="true"))
    assert dry.status_code == 200 and dry.json()["totals"]["ballots_valid"] == 1750
    assert dry.json()["coverage"]["consistent"] == 1 and not OfficialSnapshot.objects.exists()
    done = adam.post(url, form(contest, station_csv()))
    assert done.status_code == 201 and done.json()["snapshot_id"] == OfficialSnapshot.objects.get().pk
    again = adam.post(url, form(contest, station_csv()))
    assert again.status_code == 200 and again.json()["repeat"] is True
    refused = adam.post(url, form(contest, station_csv({**FIGURES, "okrug": 1}), dry_run="true"))
    assert refused.status_code == 400 and "'okrug'" in refused.json()["detail"]
