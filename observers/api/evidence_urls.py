"""Routes of the evidence API: /api/evidence/, /api/evidence/{id}/, /api/evidence/{id}/file/."""

from rest_framework.routers import SimpleRouter

from observers.api.evidence import EvidenceViewSet

router = SimpleRouter()
router.register("evidence", EvidenceViewSet, basename="api-evidence")

urlpatterns = router.urls
