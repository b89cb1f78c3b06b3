"""Routes of the field-work API (include under /api/): visits, checklists, acts, the taxonomy.

/api/visits/ (+ {id}/stages/, count-start/, answers/, check-out/), /api/checklist-items/,
/api/acts/ (+ {id}/cosigners/, filing/, complaints/, review/), /api/violation-types/.
"""

from rest_framework.routers import SimpleRouter

from observers.api.violations import ActViewSet, ViolationTypeViewSet
from observers.api.visits import ChecklistItemViewSet, VisitViewSet

router = SimpleRouter()
router.register("visits", VisitViewSet, basename="api-visit")
router.register("checklist-items", ChecklistItemViewSet, basename="api-checklist-item")
router.register("acts", ActViewSet, basename="api-act")
router.register("violation-types", ViolationTypeViewSet, basename="api-violation-type")

urlpatterns = router.urls
