"""Photos of protocol copies: attached by the copy's observer or a coordinator; the copy unchanged."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, transaction
from django.forms.models import model_to_dict

from tallies.models import CopyPhoto, ProtocolCopy
from tallies.services.photos import attach_copy_photo
from tests.observers.fixtures.evidence import make_copy
from tests.observers.fixtures.evidence_images import encoded, jpeg_with_exif

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_storage")]


@pytest.fixture
def copy(observer, contest, station) -> ProtocolCopy:
    return make_copy(observer, contest, station)


@pytest.fixture
def photo(sent):
    return sent(jpeg_with_exif())


def test_it_attaches_a_photo_and_leaves_the_copy_row_unchanged(copy, photo, observer):
    before = model_to_dict(ProtocolCopy.objects.get(pk=copy.pk))

    attached = attach_copy_photo(copy=copy, evidence=photo, user=observer.user)

    assert attached.copy == copy and attached.evidence == photo and attached.attached_by == observer.user
    assert model_to_dict(ProtocolCopy.objects.get(pk=copy.pk)) == before


def test_it_keeps_several_photos_of_one_copy(copy, sent, observer):
    first, second = sent(jpeg_with_exif()), sent(encoded("PNG"), name="page2.png")

    for evidence in (first, second):
        attach_copy_photo(copy=copy, evidence=evidence, user=observer.user)

    assert [p.evidence for p in copy.photos.all()] == [first, second]


def test_it_attaches_the_same_photo_once_however_often_it_is_sent(copy, photo, observer):
    one = attach_copy_photo(copy=copy, evidence=photo, user=observer.user)
    two = attach_copy_photo(copy=copy, evidence=photo, user=observer.user)

    assert one == two and CopyPhoto.objects.count() == 1


def test_it_lets_a_coordinator_of_the_organisation_attach_a_photo(copy, photo, coordinator):
    assert attach_copy_photo(copy=copy, evidence=photo, user=coordinator).attached_by == coordinator


@pytest.mark.parametrize("who", ["olga", "bob"])
def test_it_refuses_anyone_else(copy, photo, who, request):
    person = request.getfixturevalue(who)

    with pytest.raises(PermissionDenied):
        attach_copy_photo(copy=copy, evidence=photo, user=getattr(person, "user", person))
    assert CopyPhoto.objects.count() == 0


def test_it_refuses_a_photo_of_another_organisation_even_to_a_coordinator(
    copy, sent, other_observer, coordinator
):
    foreign = sent(jpeg_with_exif(), by=other_observer)

    with pytest.raises(PermissionDenied):
        attach_copy_photo(copy=copy, evidence=foreign, user=coordinator)


def test_it_refuses_an_observer_attaching_a_colleagues_upload(copy, sent, bob, observer):
    theirs = sent(jpeg_with_exif(), by=bob)

    with pytest.raises(PermissionDenied):
        attach_copy_photo(copy=copy, evidence=theirs, user=observer.user)


def test_it_refuses_to_change_or_delete_an_attachment(copy, photo, observer):
    attached = attach_copy_photo(copy=copy, evidence=photo, user=observer.user)

    for change in (
        lambda: CopyPhoto.objects.filter(pk=attached.pk).update(attached_by=None),
        attached.delete,
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            change()
