"""Protocol copies, official results, tallies and reconciliation results.

Raw evidence is append-only: on PostgreSQL triggers refuse UPDATE and DELETE. Observers' copies
store their figures as one integer array in the copy's layout (tallies.models.copy_layout); an
official protocol as one integer array in its snapshot's layout (tallies.models.figure_layout).
Derived results (tallies, reconciliations) are read models that can always be recomputed from
the evidence; they keep their totals as {code: votes} documents.
"""

from tallies.models.analysis import (
    AnalysisRun,
    CoverageSample,
    QuickCountSample,
    QuickCountStation,
)
from tallies.models.channels import (
    ChannelMessage,
    ObserverContact,
    SmsGateway,
    TelegramBot,
    TelegramEntry,
)
from tallies.models.coalitions import (
    CoalitionPool,
    CoalitionReleaseConsent,
    CoalitionReleasePreview,
    CoalitionResolution,
)
from tallies.models.copies import (
    APPEND_ONLY,
    WITH_FIGURES,
    ControlFinding,
    CopyPhoto,
    FigureRow,
    ProtocolCopy,
    figures_from_rows,
)
from tallies.models.copy_layout import CopyLayout, CopyLayoutSlot
from tallies.models.figure_layout import FigureLayout, FigureLayouts
from tallies.models.official import OfficialProtocol, OfficialSnapshot
from tallies.models.reconciliation import CommissionReconciliation, ReconciliationRun, StationComparison
from tallies.models.releases import (
    Release,
    ReleaseCommission,
    ReleaseFile,
    ReleaseReceipt,
    ReleaseStation,
    ReleaseWithdrawal,
)
from tallies.models.review import ConflictResolution, LineVerification, Quarantine
from tallies.models.seals import CopySeal
from tallies.models.stored_figures import CommissionFigures, CommissionFiguresState
from tallies.models.tally import ObserverTally, StationTallyState, TotalsMixin

__all__ = [
    "APPEND_ONLY",
    "WITH_FIGURES",
    "AnalysisRun",
    "ChannelMessage",
    "CoalitionPool",
    "CoalitionReleaseConsent",
    "CoalitionReleasePreview",
    "CoalitionResolution",
    "CommissionFigures",
    "CommissionFiguresState",
    "CommissionReconciliation",
    "ConflictResolution",
    "ControlFinding",
    "CopyLayout",
    "CopyLayoutSlot",
    "CopyPhoto",
    "CopySeal",
    "CoverageSample",
    "FigureLayout",
    "FigureLayouts",
    "FigureRow",
    "LineVerification",
    "ObserverContact",
    "ObserverTally",
    "OfficialProtocol",
    "OfficialSnapshot",
    "ProtocolCopy",
    "Quarantine",
    "QuickCountSample",
    "QuickCountStation",
    "ReconciliationRun",
    "Release",
    "ReleaseCommission",
    "ReleaseFile",
    "ReleaseReceipt",
    "ReleaseStation",
    "ReleaseWithdrawal",
    "SmsGateway",
    "StationComparison",
    "StationTallyState",
    "TelegramBot",
    "TelegramEntry",
    "TotalsMixin",
    "figures_from_rows",
]
