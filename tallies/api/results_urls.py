"""Routes (filled in by the module owner)."""

urlpatterns: list = []
