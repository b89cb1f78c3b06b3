"""Line roles as data: turnout, the voters who took part and the turnout discrepancy class read roles."""

import pytest

from elections import roles
from elections.protocol import Figures
from elections.services import define_protocol_form
from tallies.selectors.discrepancies import turnout_codes
from tallies.selectors.layout import Layout

pytestmark = pytest.mark.django_db


def form(code, lines):
    spec = {
        "code": code,
        "name": code,
        "lines": [{"number": str(n), **line} for n, line in enumerate(lines, 1)],
    }
    return define_protocol_form(spec=spec)


def test_a_form_with_other_codes_gets_its_turnout_from_roles_alone():
    made = form(
        "roles-only",
        [
            {"code": "spisok", "role": "registered"},
            {"code": "vydano_a", "role": "ballots_issued"},
            {"code": "vydano_b", "role": "ballots_issued"},
            {"code": "urny", "role": "ballots_in_boxes"},
            {"code": "isporcheno"},
        ],
    )
    layout = Layout(tuple(made.lines.all()), ())

    assert layout.turnout(Figures({"spisok": 1000, "vydano_a": 300, "vydano_b": 200})) == 50
    assert turnout_codes(layout) == {"spisok", "vydano_a", "vydano_b", "urny"}
    line = made.lines.get(code="vydano_a")
    assert line.is_turnout_numerator and made.lines.get(code="spisok").is_turnout_base  # flags follow roles


def test_a_took_part_line_is_the_voters_who_took_part_even_beside_ballots_issued_lines():
    made = form(
        "with-took-part",
        [
            {"code": "list", "role": "registered"},
            {"code": "issued", "role": "ballots_issued"},
            {"code": "came", "role": "took_part"},
        ],
    )

    assert [line.code for line in roles.took_part_lines(made.lines.all())] == ["came"]


def test_a_form_without_roles_still_reads_its_turnout_flags():
    made = form(
        "flags-only",
        [
            {"code": "a", "turnout_base": True},
            {"code": "b", "turnout_numerator": True},
            {"code": "ballots_in_stationary_boxes"},
        ],
    )

    assert roles.base_line(made.lines.all()).code == "a"
    assert turnout_codes(Layout(tuple(made.lines.all()), ())) == {"a", "b", "ballots_in_stationary_boxes"}
