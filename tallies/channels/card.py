"""The observer's pocket card: the SMS format of one contest, generated from its protocol form.

Printed in the active language: one row per protocol line (its number as printed, its label),
one per ballot option (P and its position, its short name), and a worked example that the
parser (sms_format.parse) reads back to every figure of the form; and how the same goes to
the Telegram bot (tallies/channels/telegram.py, guided.py).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from elections.models import Contest
from tallies.channels.sms_format import line_key, option_key

EXAMPLE_CODE = "K7QH-3MZP"  # a pseudonymous code in the shape observers are given


def card(contest: Contest, with_contest: bool = False) -> str:
    """The card as plain text (one row per line and option, to print on an A6 card).

    `with_contest` puts the contest's slug after the station number, as a message must when
    the election has several contests.
    """
    header = [_("your code"), _("station number")]
    if with_contest:
        header.append(contest.slug)
    rows = [
        _("SMS format: %(contest)s") % {"contest": contest.local_name},
        _("One SMS per protocol: %(header)s, then code=number for every row below.")
        % {"header": " ".join(f"<{part}>" for part in header)},
        "",
    ]
    keys = []
    for line in contest.form.lines.order_by("position"):
        keys.append(line_key(line.number))
        rows.append(f"{keys[-1]:>4}  {line.label}")
    for option in contest.options.order_by("position"):
        keys.append(option_key(option.position))
        rows.append(f"{keys[-1]:>4}  {option.local_name}")
    example = [EXAMPLE_CODE, "91", *([contest.slug] if with_contest else [])]
    example += [f"{key}={n}" for n, key in enumerate(keys, 1)]
    rows += ["", _("Example: %(text)s") % {"text": " ".join(example)}]
    rows.append(_("Spaces, case, ':' for '=' and O for 0 do not matter. The reply says what was stored."))
    rows.append(_("Telegram bot: the same message without your code, or /enter to be asked line by line."))
    return "\n".join(rows)
