"""Fault (f): one row altered directly in the database is named by `manage.py verify_audit_chain`."""

from __future__ import annotations

import subprocess
import sys

import pytest
from django.conf import settings

from tallies.models import ProtocolCopy
from tests.faults.checks import assert_nothing_lost
from tests.faults.conftest import SCALE
from tests.faults.processes import stack_env
from tests.tamper import behind_the_triggers

pytestmark = [pytest.mark.slow, pytest.mark.faults]


def verify_audit_chain(stack) -> subprocess.CompletedProcess:  # type: ignore[no-untyped-def]
    command = [sys.executable, "manage.py", "verify_audit_chain"]
    env = stack_env(stack.redis.url, stack.folder / "media")
    return subprocess.run(
        command, cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )


def test_a_figure_altered_behind_the_triggers_is_named(field, stack, phones):
    phones.send(SCALE["per_phone"])
    assert_nothing_lost(field, phones)  # which seals every copy into the chain
    assert verify_audit_chain(stack).returncode == 0
    copy = ProtocolCopy.objects.filter(contest=field.contest).order_by("?").first()

    behind_the_triggers(  # what someone with the database password could do
        "tallies_protocolcopy",  # the copy's last figure is an option's: 50 votes more
        "UPDATE tallies_protocolcopy SET figure_values[cardinality(figure_values)] ="
        " figure_values[cardinality(figure_values)] + 50 WHERE id = %s",
        [copy.pk],
    )

    result = verify_audit_chain(stack)
    assert result.returncode == 1
    assert f"SEAL BROKEN: copy {copy.pk} " in result.stdout
    assert f"station {copy.station.number}" in result.stdout
