"""Languages and formats: the Kazakh login is Kazakh, blank choices are translated, kk dates and
numbers follow Kazakh usage, and seats are «места» / «орындар», not the observers' «мандаты»."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db.models.fields import BLANK_CHOICE_LABEL
from django.urls import reverse
from django.utils import formats, translation


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "expected", "foreign"),
    [
        ("kk", "Пайдаланушы атын және құпиясөзді енгізіңіз.", "Введите"),
        ("ru", "Введите имя пользователя", "Enter"),
    ],
)
def test_it_shows_the_two_factor_login_in_the_pages_language(client, settings, language, expected, foreign):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    page = client.get(reverse("login")).content.decode()

    assert expected in page and f">{foreign}" not in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "expected", "english"),
    [
        ("two_factor:profile", "Тіркелгі қауіпсіздігі", "Account Security"),
    ],
)
def test_it_shows_the_two_factor_account_pages_in_kazakh(
    client, settings, django_user_model, name, expected, english
):
    """django-two-factor-auth has no Kazakh catalog: ours translates its pages' messages."""
    client.force_login(django_user_model.objects.create_user("kanat", password="pw-kanat"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "kk"

    page = client.get(reverse(name)).content.decode()

    assert expected in page and english not in page


@pytest.mark.parametrize(("language", "label"), [("ru", "— Выберите —"), ("kk", "— Таңдаңыз —")])
def test_it_translates_the_blank_choice_of_every_dropdown(language, label):
    with translation.override(language):
        assert str(BLANK_CHOICE_LABEL) == label


def test_it_formats_kazakh_dates_and_numbers_the_kazakh_way():
    moment = datetime.datetime(2026, 12, 7, 14, 45)

    with translation.override("kk"):
        assert formats.date_format(moment, "SHORT_DATETIME_FORMAT") == "07.12.2026 14:45"
        assert formats.number_format(
            Decimal("1234.5"), decimal_pos=1, use_l10n=True, force_grouping=True
        ) == ("1\xa0234,5")


@pytest.mark.parametrize(("language", "seats"), [("ru", "Места"), ("kk", "Орындар")])
def test_it_calls_seats_seats_not_mandates(language, seats):
    with translation.override(language):
        assert translation.gettext("Seats") == seats
        assert "андат" not in translation.gettext("Seat allocation")
