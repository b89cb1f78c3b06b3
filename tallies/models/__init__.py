"""Protocol copies, official results, tallies and reconciliation results.

Raw evidence (observers' copies, imported official figures) is stored as typed rows, one
integer per protocol line or ballot option, and is append-only: on PostgreSQL triggers refuse
UPDATE and DELETE. Derived results (tallies, reconciliations) are read models that can always
be recomputed from the evidence; they keep their totals as {code: votes} documents.
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
from tallies.models.coalitions import CoalitionPool, CoalitionReleaseConsent, CoalitionResolution
from tallies.models.copies import (
    APPEND_ONLY,
    ControlFinding,
    CopyFigure,
    CopyPhoto,
    FigureRow,
    ProtocolCopy,
    figures_from_rows,
)
from tallies.models.official import OfficialFigure, OfficialProtocol, OfficialSnapshot
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
from tallies.models.tally import ObserverTally, StationTallyState, TotalsMixin

__all__ = [
    "APPEND_ONLY",
    "AnalysisRun",
    "ChannelMessage",
    "CoalitionPool",
    "CoalitionReleaseConsent",
    "CoalitionResolution",
    "CommissionReconciliation",
    "ConflictResolution",
    "ControlFinding",
    "CopyFigure",
    "CopyPhoto",
    "CopySeal",
    "CoverageSample",
    "FigureRow",
    "LineVerification",
    "ObserverContact",
    "ObserverTally",
    "OfficialFigure",
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
