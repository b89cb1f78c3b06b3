"""A coordinator limited to a territory sees only the photos of acts and copies inside it."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from elections.models import Commission
from observers.models import Membership
from observers.services import evidence as service
from tallies.services import photos
from tests.observers.fixtures.evidence import make_act, make_copy, send
from tests.observers.fixtures.evidence_images import jpeg_with_exif
from tests.observers.fixtures.scopes import scope_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_storage")]


@pytest.fixture
def tim(organization, contest):
    """Tim coordinates Golos in the Tverskoy TEC (station 120) only."""
    user = get_user_model().objects.create_user(username="tim", password="pw-tim")
    tverskoy = Commission.objects.get(name="85 Тверской район")
    Membership.objects.create(
        user=user, organization=organization, role=Membership.Role.COORDINATOR, territory=tverskoy
    )
    return user


@pytest.fixture
def photos_of(observer, contest, station, other_station):
    """Golos photos: of an act at 91 and at 120, of a copy at 91 and at 120, and one of nothing."""

    def of_copy(at):  # type: ignore[no-untyped-def]
        copy = make_copy(observer, contest, at)
        attach = lambda e: photos.attach_copy_photo(copy=copy, evidence=e, user=observer.user)  # noqa: E731
        return send(observer, jpeg_with_exif(), then=attach)

    return {
        "act 91": send(observer, jpeg_with_exif(), violation_act=make_act(observer, contest, station)),
        "act 120": send(observer, jpeg_with_exif(), violation_act=make_act(observer, contest, other_station)),
        "copy 91": of_copy(station),
        "copy 120": of_copy(other_station),
        "loose": send(observer, jpeg_with_exif()),
    }


def visible(user, photos_of) -> set[str]:  # type: ignore[no-untyped-def]
    seen = set(service.visible_evidence(user, scope_of(user)).values_list("pk", flat=True))
    return {name for name, evidence in photos_of.items() if evidence.pk in seen}


def test_a_territorial_coordinator_sees_the_photos_of_stations_in_the_territory(tim, photos_of):
    assert visible(tim, photos_of) == {"act 120", "copy 120"}


def test_an_unrestricted_coordinator_and_the_uploader_see_them_all(coordinator, observer, photos_of):
    assert visible(coordinator, photos_of) == set(photos_of)
    assert visible(observer.user, photos_of) == set(photos_of)


def test_a_photo_of_two_copies_is_listed_once(tim, observer, contest, other_station, photos_of):
    second = make_copy(observer, contest, other_station)
    photos.attach_copy_photo(copy=second, evidence=photos_of["copy 120"], user=observer.user)

    assert service.visible_evidence(tim, scope_of(tim)).filter(pk=photos_of["copy 120"].pk).count() == 1
