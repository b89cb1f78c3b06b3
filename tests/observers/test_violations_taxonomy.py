"""The violation taxonomy and the stage checklists ship as data, loaded by migration and command."""

import importlib
from io import StringIO

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command

from observers.models import ChecklistItem, ViolationType
from observers.models.visits import Stage
from observers.selectors import violations
from observers.services import visits

pytestmark = pytest.mark.django_db
MIGRATION = importlib.import_module("observers.migrations.0003_fill_reference_data")


# Every code of domain.md §4.0–4.6, plus the standard home-voting categories of §4.3 (⚠DK).
DOMAIN_CODES = """
PRE-REG-PARTY PRE-DEREG-LIST PRE-DEREG-CAND PRE-REG-BARRIERS PRE-ADMIN-RES PRE-MEDIA PRE-ASSEMBLY
PRE-VOTER-LIST PRE-COMM-BIAS PRE-COMPLAINTS
OPN-BALLOTS-NOT-COUNTED OPN-PROCEDURE OPN-BOX-SEAL
VOT-OVERALL-NEG VOT-NO-ID VOT-GROUP VOT-PROXY VOT-SECRECY VOT-BOX-SEAL VOT-SIGNATURES VOT-SIG-VS-TURNOUT
VOT-ADD-LIST VOT-STUFFING VOT-TURNOUT-INFLATION VOT-UNAUTH-PERSONS VOT-OBS-OBSTRUCTED VOT-FORCED-VOTING
VOT-MOBILE-COMMS VOT-BALLOT-ACCOUNTING VOT-ACCESSIBILITY
HOM-NOT-ACCOMPANIED HOM-OBSERVERS-NOT-INFORMED HOM-EXCESS-BALLOTS HOM-LATE-REQUESTS HOM-BOX-NOT-SEALED
HOM-BOX-OPENED-OUT-OF-ORDER
CNT-OVERALL-NEG CNT-DELAYED-START CNT-VOTERS-FROM-LIST CNT-BOX-TOTAL CNT-RESIDUAL-WINNER CNT-NO-VISIBILITY
CNT-NO-ANNOUNCE CNT-SKIPPED-CHECKS CNT-STUFFING CNT-PROTOCOL-NOT-POSTED CNT-PROTOCOL-REFUSED CNT-OBS-EXCLUDED
CNT-END-OF-DAY
TAB-SERIOUS TAB-PEC-PROTOCOL-AT-TEC TAB-PROTOCOL-AMENDED TAB-DELAYS TAB-DATA-ENTRY-HIDDEN TAB-NONTRANSPARENT
TAB-TEC-CLOSED TAB-TEC-POSTPONED TAB-NO-PER-STATION-PUB TAB-OFFICIAL-VS-OBSERVER
OBS-NOT-ADMITTED-CHARTER OBS-REMOVED-STREAMING OBS-REMOVED-POLICE OBS-DISTANCE OBS-MOVEMENT OBS-NO-RECORDING
OBS-NO-LISTS OBS-COMPLAINT-REFUSED OBS-IGNORED OBS-PRESSURE OBS-PCR OBS-MANDATE-WITHHELD OBS-PSEUDO
""".split()  # noqa: SIM905  (one row per table of domain.md §4)
PREFIX_STAGES = {
    "PRE": {Stage.PRE_ELECTION},
    "OPN": {Stage.OPENING},
    "VOT": {Stage.VOTING},
    "HOM": {Stage.MOBILE_VOTING},
    "CNT": {Stage.COUNTING},
    "TAB": {Stage.TABULATION},
    "PST": {Stage.POST_ELECTION},
}


def test_it_loads_every_code_of_the_domain_taxonomy_in_the_data_migration():
    ViolationType.objects.all().delete()
    ChecklistItem.objects.all().delete()

    MIGRATION.fill(django_apps, None)

    loaded = set(ViolationType.objects.values_list("code", flat=True))
    assert ChecklistItem.objects.count() == len(visits.checklist()["items"])

    assert set(DOMAIN_CODES) <= loaded
    assert len(set(DOMAIN_CODES)) == len(DOMAIN_CODES) == 72


def test_it_labels_every_type_and_category_in_russian_kazakh_and_english(reference_data):
    categories = {row["code"]: row["labels"] for row in violations.taxonomy()["categories"]}

    for row in ViolationType.objects.all():
        assert all(row.labels.get(language, "").strip() for language in ("ru", "kk", "en")), row.code
        assert all(categories[row.category].get(language) for language in ("ru", "kk", "en")), row.code


def test_it_puts_each_type_at_the_stage_its_prefix_names(reference_data):
    for row in ViolationType.objects.exclude(code__startswith="OBS-"):
        assert row.stage in PREFIX_STAGES[row.code.split("-")[0]], row.code


def test_it_offers_observer_rights_types_at_every_stage_but_other_stages_types_nowhere(reference_data):
    counting = set(violations.types_for_stage(Stage.COUNTING).values_list("code", flat=True))

    assert {"CNT-STUFFING", "OBS-NOT-ADMITTED-CHARTER", "HOM-OBSERVERS-NOT-INFORMED"} <= counting
    assert "VOT-STUFFING" not in counting


def test_it_ships_checklists_for_each_election_day_stage_in_three_languages(reference_data):
    items = list(ChecklistItem.objects.all())

    assert {item.stage for item in items} == {"opening", "voting", "mobile_voting", "counting", "tabulation"}
    for item in items:
        assert all(item.labels.get(language) for language in ("ru", "kk", "en")), item.code
        assert (item.problem_if is None) == (item.answer == ChecklistItem.Answer.NUMBER), item.code
    assert ChecklistItem.objects.get(code="counting-copy-issued").problem_if is False
    assert ChecklistItem.objects.get(code="voting-group-voting").problem_if is True


def test_it_reloads_the_files_without_duplicates_and_restores_edited_labels(reference_data):
    before = (ViolationType.objects.count(), ChecklistItem.objects.count())
    ViolationType.objects.filter(code="VOT-STUFFING").update(labels={"en": "edited"})

    call_command("load_field_reference", stdout=StringIO())

    assert (ViolationType.objects.count(), ChecklistItem.objects.count()) == before
    assert ViolationType.objects.get(code="VOT-STUFFING").labels["ru"] == "Вброс бюллетеней"
