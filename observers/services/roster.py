"""The roster: add observers one by one, or import a CSV/XLSX file after a dry run that must be clean.

An import never half-happens: `check_roster` reports every row's errors (row number as the
spreadsheet shows it, column, message) and `import_roster` checks the rows again and creates
all of them in one transaction, or raises RosterImportError and creates none. Cells that look
like spreadsheet formulas ("=cmd|...", "@SUM(...)") are refused: names end up in coordinators'
spreadsheets (CSV injection).

Login accounts live in the organisation's own namespace: the username a coordinator gives
("aigerim") becomes "aigerim@<organisation slug>" (`account_username`), and sign-up refuses "@"
in a username. So whether an account exists elsewhere on the platform never changes an answer
here (issue 12: no page tells whether a username exists); only the organisation's own accounts,
which its roster lists anyway, can collide.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from observers.errors import RosterError, RosterFileError, RosterImportError
from observers.models import Membership, Observer, Organization
from observers.services.roster_files import COLUMNS, MAX_BYTES, MAX_ROWS, read_rows

__all__ = ["COLUMNS", "MAX_BYTES", "MAX_ROWS", "RosterFileError"]

PHONE = re.compile(r"\+?\d{10,15}")
PHONE_SEPARATORS = re.compile(r"[\s().-]")
NO_ROWS = _("The file holds no observers below its header row.")
FORMULA_START = ("=", "@", "\t", "\r")
Found = tuple[str, str | Promise | None]  # (column, message or None)
Seen = dict[tuple[str, str], int]  # (column, value) → first row number, to report duplicates
NAME_MAX = Observer._meta.get_field("display_name").max_length or 200
USERNAME_MAX = 150  # django.contrib.auth's User.username


@dataclass(frozen=True)
class RosterRow:
    """One observer of an import file; `row` is its row number in the spreadsheet (header is 1)."""

    row: int
    name: str
    phone: str
    username: str = ""
    email: str = ""


@dataclass(frozen=True)
class RowError:
    """What is wrong with one cell: row number, column name and a message for the coordinator."""

    row: int
    column: str
    message: str


@dataclass(frozen=True)
class RosterCheck:
    """The dry run of an import: the rows read and every error found (clean when none)."""

    rows: list[RosterRow]
    errors: list[RowError]

    @property
    def is_clean(self) -> bool:
        return not self.errors


def normalize_phone(value: str) -> str | None:
    """Return `value` without spaces, dots, dashes and brackets ("+77011234567"), or None if not a phone."""
    phone = PHONE_SEPARATORS.sub("", value)
    return phone if PHONE.fullmatch(phone) else None


def looks_like_formula(value: str) -> bool:
    """Whether a spreadsheet would run `value` as a formula; "+7 701 123 45 67" is a phone, not one."""
    if value.startswith(FORMULA_START):
        return True
    return value.startswith(("+", "-")) and normalize_phone(value) is None


@transaction.atomic
def add_observer(
    *,
    organization: Organization,
    name: str,
    phone: str,
    username: str = "",
    email: str = "",
    password: str = "",
) -> Observer:
    """Add one observer with a new pseudonymous code, and a login account when `username` is given
    (named `account_username(organization, username)`).

    Without `password` the account cannot log in until one is set. Raises RosterError naming
    the field ("name", "phone", "username", "email") with nothing created.
    """
    row = RosterRow(
        row=0, name=name.strip(), phone=phone.strip(), username=username.strip(), email=email.strip()
    )
    errors = _row_errors(row, organization, seen={})
    if errors:
        raise RosterError(errors[0].column, errors[0].message)
    return _create(organization, row, password)


def check_roster(*, organization: Organization, content: bytes, filename: str) -> RosterCheck:
    """Dry run: read a CSV or XLSX roster (≤ 2 MB, ≤ 5,000 rows) and report every row's errors."""
    try:
        rows = [RosterRow(**values) for values in read_rows(content, filename)]
    except RosterFileError as error:
        return RosterCheck(rows=[], errors=[RowError(error.row, error.column, error.message)])
    if not rows:
        return RosterCheck(rows=[], errors=[RowError(2, "name", str(NO_ROWS))])
    return RosterCheck(rows=rows, errors=roster_errors(organization, rows))


def roster_errors(organization: Organization, rows: Iterable[RosterRow]) -> list[RowError]:
    """Every error of `rows`: missing or too long name, bad phone or e-mail, duplicates, formulas."""
    seen: Seen = {}
    return [error for row in rows for error in _row_errors(row, organization, seen)]


@transaction.atomic
def import_roster(*, organization: Organization, rows: list[RosterRow]) -> list[Observer]:
    """Create every observer of a clean roster in one transaction; raises RosterImportError otherwise."""
    if not rows:
        raise RosterImportError([RowError(2, "name", str(NO_ROWS))])
    errors = roster_errors(organization, rows)
    if errors:
        raise RosterImportError(errors)
    return [_create(organization, row, password="") for row in rows]


def rows_as_data(rows: Iterable[RosterRow]) -> list[dict[str, object]]:
    """The rows as plain dicts (for a signed confirmation token); RosterRow(**item) reads them back."""
    return [asdict(row) for row in rows]


def _row_errors(row: RosterRow, organization: Organization, seen: Seen) -> list[RowError]:
    cells = {"name": row.name, "phone": row.phone, "username": row.username, "email": row.email}
    errors = [
        RowError(row.row, column, str(_("Looks like a spreadsheet formula; remove the leading sign.")))
        for column, value in cells.items()
        if looks_like_formula(value)
    ]
    if errors:
        return errors
    checks = (
        _name_error(row),
        _phone_error(row, organization, seen),
        _username_error(row, organization, seen),
    )
    return [
        RowError(row.row, column, str(message)) for column, message in (*checks, _email_error(row)) if message
    ]


def _name_error(row: RosterRow) -> Found:
    if not row.name:
        return "name", _("The name is missing.")
    if len(row.name) > NAME_MAX:
        return "name", _("The name is longer than %(max)s characters.") % {"max": NAME_MAX}
    return "name", None


def _phone_error(row: RosterRow, organization: Organization, seen: Seen) -> Found:
    phone = normalize_phone(row.phone)
    if phone is None:
        return "phone", _("Not a phone number: give 10 to 15 digits, optionally after a +.")
    if ("phone", phone) in seen:
        return "phone", _("The same phone as row %(row)s.") % {"row": seen["phone", phone]}
    seen["phone", phone] = row.row
    if Observer.objects.filter(organization=organization, phone=phone, is_active=True).exists():
        return "phone", _("An observer with this phone is already on the roster.")
    return "phone", None


def account_username(organization: Organization, username: str) -> str:
    """The login name of a roster account: `username` in the organisation's namespace ("aigerim@golos")."""
    return f"{username}@{organization.slug}"


def _username_error(row: RosterRow, organization: Organization, seen: Seen) -> Found:
    username = row.username.lower()
    if not username:
        return "username", None
    if ("username", username) in seen:
        return "username", _("The same username as row %(row)s.") % {"row": seen["username", username]}
    seen["username", username] = row.row
    full = account_username(organization, row.username)
    try:
        get_user_model().username_validator(row.username)
    except ValidationError:
        return "username", _("Use only letters, digits and . + - _ in a username.")
    if "@" in row.username:
        return "username", _("Leave out the @: the account is named username@%(slug)s.") % {
            "slug": organization.slug
        }
    if len(full) > USERNAME_MAX:
        too_long = _("The username is longer than %(max)s characters.")
        return "username", too_long % {"max": USERNAME_MAX - len(organization.slug) - 1}
    if get_user_model().objects.filter(username__iexact=full).exists():  # one of this organisation's
        return "username", _("An account of this organisation has this username already.")
    return "username", None


def _email_error(row: RosterRow) -> Found:
    if not row.email:
        return "email", None
    try:
        validate_email(row.email)
    except ValidationError:
        return "email", _("Not an e-mail address.")
    return "email", None


def _create(organization: Organization, row: RosterRow, password: str) -> Observer:
    user = _account(organization, row, password) if row.username else None
    phone = normalize_phone(row.phone) or ""
    return Observer.objects.create(organization=organization, user=user, display_name=row.name, phone=phone)


def _account(organization: Organization, row: RosterRow, password: str) -> User:
    user = get_user_model().objects.create_user(
        username=account_username(organization, row.username), email=row.email, password=password or None
    )
    Membership.objects.create(user=user, organization=organization, role=Membership.Role.OBSERVER)
    return user
