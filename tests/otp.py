"""Log a coordinator in with a verified second factor, for tests that turn the 2FA requirement on.

tests/settings.py sets OTP_REQUIRED_FOR_COORDINATORS = False so the suite's force_login() keeps
working; a test that sets it to True (the `settings` fixture) logs coordinators in with this.
"""

from __future__ import annotations

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice


def verified_login(client: Client, user) -> TOTPDevice:
    """Log `user` in on `client` with a confirmed TOTP device that has verified the session."""
    device = TOTPDevice.objects.filter(user=user, name="default").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="default", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


def current_token(device: TOTPDevice) -> str:
    """The code the authenticator app would show now for `device`."""
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):0{device.digits}d}"
