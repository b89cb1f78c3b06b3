"""Models of the observers app, one module per part of the field work."""

from observers.models.accreditation import Accreditation, Coalition, CoalitionMember, Obstacle
from observers.models.audit import AuditEntry
from observers.models.evidence import Evidence
from observers.models.invitations import Invitation
from observers.models.mandates import Mandate, MandateEvent
from observers.models.organizations import (
    Membership,
    Observer,
    Organization,
    new_pseudonym,
)
from observers.models.violations import ComplaintStep, CoSigner, ViolationAct, ViolationType
from observers.models.visits import ChecklistAnswer, ChecklistItem, Visit

__all__ = [
    "Accreditation",
    "AuditEntry",
    "ChecklistAnswer",
    "ChecklistItem",
    "CoSigner",
    "Coalition",
    "CoalitionMember",
    "ComplaintStep",
    "Evidence",
    "Invitation",
    "Mandate",
    "MandateEvent",
    "Membership",
    "Observer",
    "Obstacle",
    "Organization",
    "ViolationAct",
    "ViolationType",
    "Visit",
    "new_pseudonym",
]
