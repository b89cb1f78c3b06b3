"""The demo's logins: one person for every role, created only by `manage.py run_demo`.

Platform staff; the demo organisation's admin, a coordinator of the whole organisation and one
limited to a region; two observers with live mandates; the admin and an observer of a second
organisation (to show that organisations see nothing of each other). Staff, admins and
coordinators log in with a second factor (observers/login_security.py): so that the demo needs
no authenticator app, each gets single-use six-digit backup codes, printed with the login.

A demo account is marked by its e-mail address at `demo.invalid` (a reserved domain, RFC 2606).
A user of the same name without that mark was not made by the demo: DemoError, nothing touched.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django_otp.plugins.otp_static.models import StaticDevice

from elections.models import Commission, Contest, PollingStation
from observers.models import Membership, Observer, Organization
from observers.services import mandates

PASSWORD = "observe-2011-demo"
MARK = "demo.invalid"
BACKUP_CODES = 5
DEVICE_NAME = "demo backup codes"
ROLES = {
    "admin": "Organisation admin",
    "coordinator": "Coordinator",
    "observer": "Observer",
}  # printed in English


class DemoError(Exception):
    """The demo cannot create its logins here; the message says why."""


@dataclass(frozen=True)
class Login:
    """One printed login: username, password, what the person is, backup codes (empty: no 2FA)."""

    username: str
    password: str
    role: str
    backup_codes: tuple[str, ...] = field(default=())


def demo_user(username: str, *, staff: bool = False) -> User:
    """Return the demo's user `username`, created with the demo password if missing.

    Raises DemoError when a user of that name exists that the demo did not create.
    """
    user, created = get_user_model().objects.get_or_create(
        username=username, defaults={"email": f"{username}@{MARK}", "is_staff": staff}
    )
    if not user.email.endswith(f"@{MARK}"):
        raise DemoError(
            f"A user named {username!r} exists that the demo did not create: run the demo on a "
            "database of its own (unset DATABASE_URL to use the embedded one)."
        )
    if created:
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    return user


def backup_codes(user: User) -> tuple[str, ...]:
    """Return the user's unused demo backup codes, creating BACKUP_CODES of them the first time."""
    device, _ = StaticDevice.objects.get_or_create(user=user, name=DEVICE_NAME)
    if not device.token_set.exists():
        for _index in range(BACKUP_CODES):
            # Six digits: the second-factor field takes what an authenticator app shows.
            device.token_set.create(token=f"{secrets.randbelow(10**6):06d}")
    return tuple(device.token_set.order_by("pk").values_list("token", flat=True))


def member(
    username: str, organization: Organization, role: str, territory: Commission | None = None
) -> Login:
    """Give the demo user `username` its role in `organization`; return its login with backup codes."""
    user = demo_user(username)
    Membership.objects.update_or_create(
        user=user, organization=organization, defaults={"role": role, "territory": territory}
    )
    where = f" of {territory.name}" if territory else ""
    label = f"{ROLES[role]}{where}, {organization.name}"
    return Login(username, PASSWORD, label, backup_codes(user))


def staff(username: str = "staff") -> Login:
    """Platform staff: reviews organisations' sign-ups (is_staff, not a superuser)."""
    user = demo_user(username, staff=True)
    return Login(username, PASSWORD, "Platform staff (reviews organisations)", backup_codes(user))


def field_observer(
    username: str, organization: Organization, contest: Contest, stations: list[PollingStation]
) -> tuple[Login, Observer]:
    """An observer of `organization` with a live mandate for `stations` (issued once); no 2FA."""
    user = demo_user(username)
    Membership.objects.update_or_create(
        user=user, organization=organization, defaults={"role": Membership.Role.OBSERVER}
    )
    observer, _ = Observer.objects.get_or_create(
        organization=organization, user=user, defaults={"display_name": f"{username} (demo)"}
    )
    if not observer.mandates.live().filter(election=contest.election).exists():
        mandates.issue_mandate(
            organization=organization,
            observer=observer,
            election=contest.election,
            stations=stations,
            issued_by=None,
        )
    numbers = ", ".join(f"PEC {station.number}" for station in stations)
    return Login(username, PASSWORD, f"Observer, {organization.name} ({numbers})"), observer
