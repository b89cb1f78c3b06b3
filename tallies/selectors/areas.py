"""Where a station lies: its TEC and region, from the election's commissions above the PECs."""

from __future__ import annotations

from elections.models import Commission


class Areas:
    """The election's commissions above the PECs (one query): a station's TEC and region."""

    def __init__(self, commissions: list[Commission]) -> None:
        self.by_id = {c.pk: c for c in commissions}
        self.by_path = {c.path: c for c in commissions}

    @classmethod
    def of(cls, election_id: int) -> Areas:
        above = Commission.objects.filter(election_id=election_id).exclude(level=Commission.Level.PEC)
        return cls(list(above.only("pk", "name", "path", "level")))

    def tec_and_region(self, parent_id: int) -> tuple[Commission, Commission]:
        """A PEC's parent (its TEC) and the region (SEC) above it; the parent itself if none is."""
        tec = self.by_id[parent_id]
        return tec, self.region_of(tec.path) or tec

    def region_of(self, path: str) -> Commission | None:
        """The region (SEC) whose path starts `path`, or None (a hierarchy without regions)."""
        parts = path.split("/")[:-1]
        for end in range(1, len(parts) + 1):
            commission = self.by_path.get("/".join(parts[:end]) + "/")
            if commission is not None and commission.level == Commission.Level.SEC:
                return commission
        return None
