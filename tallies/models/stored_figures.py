"""Per-commission figures of an organisation's results pages, stored by a task (issue 17, scope 4).

Counting an organisation's stations with copies, compared and discrepant, and the copies'
coverage, under a commission reads every station of the commission: 1.7 s for the national page
at 95,225 stations (docs/benchmarks.md). The task tallies.tasks.refresh_commission_figures
computes them for every commission above the stations at once and stores them here; the results
pages read one row per commission shown, whatever the size of the election.
"""

from __future__ import annotations

from django.db import models


class CommissionFiguresState(models.Model):
    """Which inputs the stored CommissionFigures of an organisation and contest were computed from.

    `inputs` are the versions of the inputs (tallies.selectors.stored_figures.inputs_of), all read
    in the snapshot the figures were computed in, at `computed_at` (None: nothing stored yet), and
    `run_behind` whether the latest run was behind the tallies then (station_sets.is_behind). A
    page whose live versions differ says the figures are being updated. `requested_at` claims the
    one refresh in flight (a conditional UPDATE sends the task; the refresh clears it); a claim
    older than the broker's visibility timeout counts as lost. Derived data: deleting it loses
    nothing.
    """

    organization = models.ForeignKey("observers.Organization", models.CASCADE, related_name="+")
    contest = models.ForeignKey("elections.Contest", models.CASCADE, related_name="+")
    inputs = models.JSONField(default=dict)
    computed_at = models.DateTimeField(null=True, blank=True)
    run_behind = models.BooleanField(default=False)
    requested_at = models.DateTimeField(null=True, blank=True)
    # No refresh is claimed before then (tallies.services.refresh_rest).
    rest_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "contest"], name="one_figures_state_per_organization_contest"
            )
        ]


class CommissionFigures(models.Model):
    """One commission's stored figures (tallies.selectors.station_sets definitions): stations with
    copies, compared and discrepant (integers), and `coverage`, the document of
    tallies.selectors.copy_coverage.commission_coverage (counts as integers, percentages as
    strings). Written only by the refresh, all of an organisation's and contest's rows at once."""

    organization = models.ForeignKey("observers.Organization", models.CASCADE, related_name="+")
    contest = models.ForeignKey("elections.Contest", models.CASCADE, related_name="+")
    commission = models.ForeignKey("elections.Commission", models.CASCADE, related_name="+")
    with_copies = models.PositiveIntegerField(default=0)
    compared = models.PositiveIntegerField(default=0)
    discrepant = models.PositiveIntegerField(default=0)
    coverage = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "contest", "commission"], name="one_figures_per_commission"
            )
        ]
