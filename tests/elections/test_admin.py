"""Reference data in the admin, with import/export, for platform staff only."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from elections.models import Contest, ControlRelation, ProtocolForm, ProtocolLine

pytestmark = pytest.mark.django_db
LABELS = '{"en": "a relation"}'

PAGES = [
    "admin:elections_protocolform_changelist",
    "admin:elections_protocolline_changelist",
    "admin:elections_controlrelation_changelist",
    "admin:elections_contest_changelist",
    "admin:elections_commission_changelist",
    "admin:elections_pollingstation_changelist",
    "admin:observers_violationtype_changelist",
    "admin:observers_checklistitem_changelist",
    "admin:elections_protocolline_export",
    "admin:elections_protocolline_import",
]


@pytest.fixture
def root(client):
    """The superuser's browser (Django's admin is for platform staff)."""
    user = get_user_model().objects.create_superuser("root", "root@example.org", "pw-root")
    client.force_login(user)
    return client


@pytest.mark.parametrize("name", PAGES)
def test_it_opens_reference_data_pages_for_staff(root, contest, name):
    assert root.get(reverse(name)).status_code == 200


def test_it_keeps_the_2011_form_lines_and_relations_in_the_admin(root, contest):
    response = root.get(
        reverse("admin:elections_protocolline_changelist"), {"form__id__exact": contest.form_id}
    )

    assert ProtocolLine.objects.filter(form=contest.form).count() == 18
    assert "ballots_unaccounted" in response.content.decode()
    assert ControlRelation.objects.filter(form=contest.form).count() == 4
    assert ProtocolForm.objects.count() == Contest.objects.values("form").distinct().count()


def test_it_refuses_the_admin_to_a_coordinator(client, coordinator):
    client.force_login(coordinator)

    response = client.get(reverse("admin:elections_protocolline_changelist"))

    assert response.status_code == 302


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("ballots_valid == __import__('os')", "expression"),
        ("ballots_valid == no_such_line", "Unknown line codes: no_such_line"),
    ],
)
def test_it_refuses_a_relation_that_could_not_be_evaluated(root, contest, expression, message):
    url = reverse("admin:elections_controlrelation_add")
    data = {
        "form": contest.form_id,
        "code": "bad",
        "expression": expression,
        "tolerance": 0,
        "labels": LABELS,
    }

    response = root.post(url, data)

    assert response.status_code == 200 and message in response.content.decode()
    assert not ControlRelation.objects.filter(code="bad").exists()


def test_it_accepts_a_relation_on_the_forms_lines(root, contest):
    url = reverse("admin:elections_controlrelation_add")
    expression = "ballots_valid + ballots_invalid <= ballots_received"
    data = {"form": contest.form_id, "code": "ok", "expression": expression, "tolerance": 0, "labels": LABELS}

    root.post(url, data)

    assert ControlRelation.objects.get(code="ok").expression == expression
