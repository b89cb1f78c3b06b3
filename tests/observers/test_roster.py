"""The roster: one observer at a time, and a CSV/XLSX import that is all or nothing after a dry run."""

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook

from observers.forms.roster import confirmation_token
from observers.models import Membership, Observer
from observers.services import roster
from observers.services.roster import RosterError, RosterImportError, RosterRow, RowError

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages are compared in English (pages default to Russian)."""
    with translation.override("en"):
        yield


HEADER = "name,phone,username,email\n"
CLEAN = HEADER + "Aigerim,+7 701 123 45 67,aigerim,a@example.org\nBolat,8 (702) 765-43-21,,\n"


def check(organization, text: str, filename="roster.csv"):
    return roster.check_roster(organization=organization, content=text.encode(), filename=filename)


def errors_of(organization, text: str) -> list[tuple[int, str]]:
    return [(error.row, error.column) for error in check(organization, text).errors]


def xlsx(rows) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_it_adds_an_observer_with_a_code_and_a_normalised_phone(organization):
    observer = roster.add_observer(organization=organization, name="Aigerim", phone="+7 (701) 123-45-67")

    assert (observer.display_name, observer.phone, observer.user) == ("Aigerim", "+77011234567", None)
    assert len(observer.code) == 9


def test_it_adds_an_account_that_can_log_in_with_the_given_password(organization, client):
    roster.add_observer(
        organization=organization, name="A", phone="87011234567", username="aigerim", password="s3cret-Pass!"
    )

    assert client.login(username="aigerim@golos", password="s3cret-Pass!")  # the organisation's namespace
    assert organization.memberships.get(user__username="aigerim@golos").role == "observer"


def test_it_refuses_a_bad_phone_and_adds_nobody(organization):
    with pytest.raises(RosterError) as refusal:
        roster.add_observer(organization=organization, name="A", phone="12-34")

    assert refusal.value.field == "phone"
    assert not Observer.objects.exists()


def test_it_finds_a_clean_file_clean_and_imports_nothing_yet(organization):
    result = check(organization, CLEAN)

    assert result.is_clean
    assert [row.name for row in result.rows] == ["Aigerim", "Bolat"]
    assert not Observer.objects.exists()


def test_it_reports_a_missing_name_with_its_row_and_column(organization):
    assert errors_of(organization, HEADER + "Aigerim,87011234567,,\n,87017654321,,\n") == [(3, "name")]


def test_it_reports_a_bad_phone(organization):
    assert errors_of(organization, HEADER + "Aigerim,call me,,\n") == [(2, "phone")]


def test_it_reports_a_username_used_twice_in_the_file(organization):
    text = HEADER + "A,87011234567,aigerim,\nB,87017654321,Aigerim,\n"

    [error] = check(organization, text).errors
    assert (error.row, error.column) == (3, "username")
    assert "row 2" in error.message


def test_a_username_taken_elsewhere_on_the_platform_changes_no_answer(organization, other_organization):
    """Issue 12: no page tells whether a username exists; a roster account is named in its organisation."""
    text = HEADER + "A,87011234567,aigerim,\n"
    unknown = [e.message for e in check(organization, text).errors]
    get_user_model().objects.create_user(username="aigerim")
    roster.add_observer(organization=other_organization, name="B", phone="87017654321", username="aigerim")

    assert [e.message for e in check(organization, text).errors] == unknown == []
    [observer] = roster.import_roster(organization=organization, rows=check(organization, text).rows)
    assert observer.user.username == "aigerim@golos"


def test_it_reports_a_username_of_its_own_roster_and_refuses_an_at_sign(organization):
    roster.add_observer(organization=organization, name="A", phone="87011234567", username="aigerim")

    found = check(organization, HEADER + "B,87017654321,Aigerim,\nC,87017654322,c@other,\n").errors
    assert [(e.row, e.column, e.message) for e in found] == [
        (2, "username", "An account of this organisation has this username already."),
        (3, "username", "Leave out the @: the account is named username@golos."),
    ]


def test_the_add_form_answers_alike_for_a_username_taken_elsewhere_and_a_free_one(carol, organization):
    """Issue 12: the roster's add form said "This username is taken" for any account on the platform."""
    get_user_model().objects.create_user(username="dave")
    url = reverse("roster-add", args=[organization.slug])

    def add(username, phone):  # the answer, with the username taken out
        response = carol.post(url, {"name": "N", "phone": phone, "username": username}, follow=True)
        messages = [str(m).replace(username, "NAME") for m in response.context["messages"]]
        return response.status_code, [re.sub(r"[A-Z0-9]{4}-[A-Z0-9]{4}", "CODE", m) for m in messages]

    assert add("dave", "87011234567") == add("nobody", "87017654321")
    assert set(Observer.objects.values_list("user__username", flat=True)) == {"dave@golos", "nobody@golos"}


def test_it_reports_a_phone_on_the_roster_and_a_phone_used_twice(organization):
    roster.add_observer(organization=organization, name="A", phone="+77011234567")

    text = HEADER + "B,+7 701 123 45 67,,\nC,+7(701)123-45-67,,\n"
    assert [e.message for e in check(organization, text).errors] == [
        "An observer with this phone is already on the roster.",
        "The same phone as row 2.",
    ]


def test_it_reports_a_bad_email(organization):
    assert errors_of(organization, HEADER + "A,87011234567,,not-an-address\n") == [(2, "email")]


@pytest.mark.parametrize("cell", ["=cmd|' /C calc'!A0", "@SUM(A1:A2)", '+HYPERLINK("http://x")', "-2+3"])
def test_it_rejects_a_cell_that_looks_like_a_formula(organization, cell):
    result = check(organization, HEADER + f'"{cell.replace(chr(34), chr(34) * 2)}",87011234567,,\n')

    assert [(e.row, e.column) for e in result.errors] == [(2, "name")]
    assert "formula" in result.errors[0].message


def test_it_lists_every_error_of_every_row(organization):
    text = HEADER + ",87011234567,,\nB,bad,,\n=1+1,87017654321,,\n"

    assert errors_of(organization, text) == [(2, "name"), (3, "phone"), (4, "name")]


def test_it_requires_the_name_and_phone_columns(organization):
    assert errors_of(organization, "fio,tel\nA,87011234567\n") == [(1, "name")]


def test_it_refuses_a_file_over_two_megabytes(organization):
    result = check(organization, CLEAN + "x" * roster.MAX_BYTES)

    assert not result.is_clean
    assert "2 MB" in result.errors[0].message


def test_it_refuses_more_than_5000_observers(organization):
    rows = "".join(f"Observer {n},+7701{n:07d},,\n" for n in range(roster.MAX_ROWS + 1))

    [error] = check(organization, HEADER + rows).errors
    assert error.row == roster.MAX_ROWS + 2


def test_it_refuses_another_file_type(organization):
    assert "csv" in check(organization, CLEAN, filename="roster.pdf").errors[0].message


def test_it_reads_a_semicolon_csv_in_windows_1251(organization):
    content = "name;phone\nАйгерим;87011234567\n".encode("cp1251")

    result = roster.check_roster(organization=organization, content=content, filename="roster.csv")

    assert result.is_clean
    assert result.rows[0].name == "Айгерим"


def test_it_reads_an_xlsx_roster_with_phones_typed_as_numbers(organization):
    content = xlsx([["Name", "Phone"], ["Aigerim", 87011234567], [None, None], ["Bolat", "+77017654321"]])

    result = roster.check_roster(organization=organization, content=content, filename="roster.xlsx")

    assert result.is_clean
    assert [(r.row, r.phone) for r in result.rows] == [(2, "87011234567"), (4, "+77017654321")]


def test_it_sees_an_xlsx_formula_as_text_and_rejects_it(organization):
    content = xlsx([["name", "phone"], ['=HYPERLINK("http://evil","Aigerim")', 87011234567]])

    result = roster.check_roster(organization=organization, content=content, filename="roster.xlsx")

    assert [(e.row, e.column) for e in result.errors] == [(2, "name")]


def test_it_refuses_a_broken_xlsx(organization):
    result = roster.check_roster(organization=organization, content=b"PK\x03\x04junk", filename="roster.xlsx")

    assert "xlsx" in result.errors[0].message


def test_it_imports_every_row_of_a_clean_roster(organization):
    observers = roster.import_roster(organization=organization, rows=check(organization, CLEAN).rows)

    assert sorted(o.display_name for o in observers) == ["Aigerim", "Bolat"]
    assert Observer.objects.get(display_name="Aigerim").user.username == "aigerim@golos"


def test_it_imports_nothing_when_one_row_is_bad(organization):
    rows = [RosterRow(2, "Aigerim", "87011234567"), RosterRow(3, "", "87017654321")]

    with pytest.raises(RosterImportError) as refusal:
        roster.import_roster(organization=organization, rows=rows)

    assert refusal.value.errors == [RowError(3, "name", "The name is missing.")]
    assert not Observer.objects.exists()


def upload(client, organization, content: str | bytes, name="roster.csv"):
    data = content.encode() if isinstance(content, str) else content
    url = reverse("roster-import", args=[organization.slug])
    return client.post(url, {"file": SimpleUploadedFile(name, data)}, HTTP_ACCEPT_LANGUAGE="en")


def test_it_shows_the_dry_run_errors_and_imports_nothing(carol, organization):
    response = upload(carol, organization, HEADER + "A,87011234567,,\nB,bad,,\n")

    assert [(e.row, e.column) for e in response.context["errors"]] == [(3, "phone")]
    assert "nothing was imported" in response.content.decode()
    assert "confirm" not in response.context
    assert not Observer.objects.exists()


def test_it_imports_a_clean_file_only_once_confirmed(carol, organization):
    dry_run = upload(carol, organization, CLEAN)
    assert not Observer.objects.exists()

    token = dry_run.context["confirm"].initial["token"]
    response = carol.post(reverse("roster-import-confirm", args=[organization.slug]), {"token": token})

    assert response.status_code == 302
    assert Observer.objects.filter(organization=organization).count() == 2


def test_it_refuses_a_tampered_confirmation(carol, organization):
    token = upload(carol, organization, CLEAN).context["confirm"].initial["token"]

    carol.post(reverse("roster-import-confirm", args=[organization.slug]), {"token": token + "x"})

    assert not Observer.objects.exists()


def test_it_refuses_a_confirmation_made_for_another_organisation(client, organization, other_organization):
    token = confirmation_token(other_organization, [RosterRow(2, "Mallory", "87011234567")])
    user = get_user_model().objects.create_user(username="carl")
    Membership.objects.create(user=user, organization=organization, role="coordinator")
    client.force_login(user)

    client.post(reverse("roster-import-confirm", args=[organization.slug]), {"token": token})

    assert not Observer.objects.exists()


def test_it_shows_names_and_phones_to_the_coordinator(carol, organization):
    roster.add_observer(organization=organization, name="Aigerim", phone="87011234567")

    html = carol.get(reverse("roster-list", args=[organization.slug])).content.decode()

    assert "Aigerim" in html and "87011234567" in html


def test_it_hides_the_roster_from_observers_and_other_organisations(
    client, observer, other_observer, organization
):
    client.force_login(observer.user)
    assert client.get(reverse("roster-list", args=[organization.slug])).status_code == 403
    Membership.objects.filter(user=other_observer.user).update(role="coordinator")
    client.force_login(other_observer.user)
    assert client.get(reverse("roster-list", args=[organization.slug])).status_code == 403
    assert (
        client.post(
            reverse("roster-add", args=[organization.slug]), {"name": "X", "phone": "87011234567"}
        ).status_code
        == 403
    )


def test_it_adds_an_observer_through_the_form(carol, organization):
    response = carol.post(
        reverse("roster-add", args=[organization.slug]), {"name": "Aigerim", "phone": "87011234567"}
    )

    assert response.status_code == 302
    assert organization.observers.get().display_name == "Aigerim"
