from django.apps import AppConfig


class TalliesConfig(AppConfig):
    name = "tallies"
    verbose_name = "Tallies"

    def ready(self) -> None:
        """Register protocol copies as subjects of evidence photos (observers.evidence_subjects)."""
        from observers.evidence_subjects import CopyPhotos, register_copy_photos
        from tallies.models import ProtocolCopy
        from tallies.services import photos

        register_copy_photos(
            CopyPhotos(
                copies_of=lambda observer: ProtocolCopy.objects.sent_by(observer),
                attach=photos.attach_copy_photo,
            )
        )
