"""What the bot's guided entry says and which buttons it shows (tallies/channels/guided.py).

Every sentence is translated (ru, kk, en) and built in the active language, which the caller
sets to the observer's. Buttons carry callback data ``<entry token>:<version>:<action>[:<arg>]``
(64 bytes at most, as the Bot API allows); `read_button` splits it back.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from elections.models import Contest, ControlRelation, PollingStation
from elections.protocol import Figures
from tallies.channels.sms_format import line_key, option_key
from tallies.channels.telegram_api import Keyboard
from tallies.models import TelegramEntry
from tallies.services.submission import check_relations

STATION_BUTTONS = 24  # a mobile team's stations beyond this are chosen by typing the number
ROW = 4  # buttons per row: station numbers and line numbers are short


@dataclass(frozen=True)
class Question:
    """One figure to ask: its answer key (``lines.<code>``), short code ("10", "P6"), label."""

    key: str
    short: str
    label: str


@dataclass(frozen=True)
class Button:
    """A pressed button's callback data, split: entry token, version, action, argument."""

    token: str
    version: int
    action: str
    argument: str


def questions(contest: Contest) -> list[Question]:
    """The contest's lines (by position) then ballot options (by position), in the active language."""
    asked = [
        Question(f"lines.{line.code}", line_key(line.number), line.label)
        for line in contest.form.lines.order_by("position")
    ]
    asked += [
        Question(f"options.{option.code}", option_key(option.position), option.local_name)
        for option in contest.options.order_by("position")
    ]
    return asked


def button(entry: TelegramEntry, action: str, argument: object = "") -> str:
    """The callback data of a button of `entry` in its current state (version)."""
    return f"{entry.token}:{entry.version}:{action}:{argument}"


def read_button(data: str) -> Button | None:
    """The parts of a button's callback data; None when it is not one of ours."""
    parts = data.split(":", 3)
    if len(parts) != 4 or not parts[1].isdecimal():
        return None
    return Button(parts[0], int(parts[1]), parts[2], parts[3])


def save(entry: TelegramEntry) -> None:
    """Save a changed state; a new version makes the buttons of earlier messages stale."""
    entry.version += 1
    entry.updated_at = timezone.now()
    entry.save()


def _rows(buttons: list[tuple[str, str]], width: int = ROW) -> Keyboard:
    return [buttons[i : i + width] for i in range(0, len(buttons), width)]


def cancel_row(entry: TelegramEntry) -> list[tuple[str, str]]:
    return [(_("Cancel"), button(entry, "x"))]


def choose_station(entry: TelegramEntry, stations: list[PollingStation]) -> tuple[str, Keyboard]:
    """The question "which station" with a button per station (the first STATION_BUTTONS)."""
    text = _("Which polling station is the protocol of? Press its number, or send it.")
    if len(stations) > STATION_BUTTONS:
        text += " " + _("Only the first %(count)s of your %(total)s stations have a button.") % {
            "count": STATION_BUTTONS,
            "total": len(stations),
        }
    shown = [(station.number, button(entry, "s", station.pk)) for station in stations[:STATION_BUTTONS]]
    return text, [*_rows(shown), cancel_row(entry)]


def choose_contest(entry: TelegramEntry, contests: list[Contest]) -> tuple[str, Keyboard]:
    text = _("Station %(station)s. Which contest is the protocol of?") % {"station": _station(entry)}
    return text, [[(contest.local_name, button(entry, "c", contest.pk))] for contest in contests] + [
        cancel_row(entry)
    ]


def ask(entry: TelegramEntry, asked: list[Question]) -> tuple[str, Keyboard]:
    """The question of line `entry.step`: its number and label, the answer so far if any."""
    question = asked[entry.step]
    values = {"index": entry.step + 1, "total": len(asked), "code": question.short, "label": question.label}
    if question.key.startswith("lines."):
        text = _("%(index)s/%(total)s. Line %(code)s: %(label)s") % values
    else:
        text = _("%(index)s/%(total)s. %(code)s, votes for: %(label)s") % values
    if question.key in entry.answers:
        text += "\n" + _("Now: %(value)s. Send the figure again to change it.") % {
            "value": shown_value(entry.answers[question.key])
        }
    if entry.step == 0:
        text += "\n" + _("Send the figure as written on your copy; '-' if it is not on the copy.")
    buttons = [(_("Not on the copy"), button(entry, "m", entry.step))]
    if entry.step > 0 and not entry.back_to_review:
        buttons.insert(0, (_("Back"), button(entry, "b", entry.step)))
    return text, [buttons, cancel_row(entry)]


def not_a_figure(text: str, question: Question) -> str:
    return _(
        "“%(text)s” is not a whole number. Send the figure of %(code)s as written on your copy, "
        "or '-' if it is not on the copy."
    ) % {"text": text[:40], "code": question.short}


def shown_value(value: int | None) -> str:
    return _("not on the copy") if value is None else str(value)


def review(entry: TelegramEntry, asked: list[Question]) -> tuple[str, Keyboard]:
    """Every answer, the control relations checked on them (as the stored copy's findings will
    be), and the buttons: confirm, correct a line, cancel."""
    rows = [
        _("Station %(station)s, %(contest)s: check against your copy before confirming.")
        % {"station": _station(entry), "contest": _contest(entry)},
        "",
    ]
    rows += [f"{q.short} = {shown_value(entry.answers.get(q.key))} · {q.label}" for q in asked]
    rows += ["", *relations_summary(entry, asked)]
    rows.append(_("To correct a line, press its number or send code=figure, e.g. 9=41."))
    fixes = [(q.short, button(entry, "f", i)) for i, q in enumerate(asked)]
    confirm = [(_("Confirm and store"), button(entry, "ok"))]
    return "\n".join(rows), [confirm, *_rows(fixes, 6), cancel_row(entry)]


def figures(entry: TelegramEntry) -> tuple[Figures, list[str]]:
    """The entry's counts as Figures, and the keys marked "not on the copy"."""
    counts: dict[str, dict[str, int]] = {"lines": {}, "options": {}}
    missing = []
    for key, value in entry.answers.items():
        kind, code = key.split(".", 1)
        if value is None:
            missing.append(key)
        else:
            counts[kind][code] = value
    return Figures(counts["lines"], counts["options"]), missing


def relations_summary(entry: TelegramEntry, asked: list[Question]) -> list[str]:
    """The control relations checked on the answers by the submission service's own evaluation
    (tallies.services.submission.check_relations): broken ones with both sides, unchecked ones."""
    assert entry.contest is not None
    relations = ControlRelation.objects.filter(form_id=entry.contest.form_id).order_by("pk")
    options = sum(q.key.startswith("options.") for q in asked)
    checked = check_relations(relations, figures(entry)[0], options)
    broken = [(r, c) for r, c in checked if c is not None and not c.holds]
    unchecked = [r for r, c in checked if c is None]
    lines = []
    if not broken:
        lines.append(
            _("Control relations: all %(count)s checked hold.") % {"count": len(checked) - len(unchecked)}
        )
    for relation, check in broken:
        values = {"relation": relation.label, "lhs": check.lhs, "rhs": check.rhs}
        lines.append(_("Does not hold: %(relation)s (%(lhs)s and %(rhs)s).") % values)
    if broken:
        lines.append(
            _("Check these lines against the protocol; if the protocol says so, confirm all the same.")
        )
    if unchecked:
        lines.append(
            _("Not checked (a figure is not on the copy): %(relations)s.")
            % {"relations": "; ".join(relation.label for relation in unchecked)}
        )
    return lines


def _station(entry: TelegramEntry) -> str:
    return entry.station.number if entry.station else "?"


def _contest(entry: TelegramEntry) -> str:
    return entry.contest.local_name if entry.contest else "?"
