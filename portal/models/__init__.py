"""SQLAlchemy models. Importing this package registers every table on FAB's metadata."""

from portal.models.agency import STAGE_NAMES, AgencyStage, CaseAgency
from portal.models.assessment import (
    AssessmentResult,
    Complaint,
    Consultation,
    Evaluation,
    FollowUp,
    Inspection,
)
from portal.models.base import db
from portal.models.bookings import BOOKING_STATE_NAMES, Booking, BookingState
from portal.models.case import STATE_NAMES, Case, CaseBranch, CaseSequence, CaseState
from portal.models.documents import ExportJob, IssuedDocument, PrintJob
from portal.models.events import AuditHead, CaseEvent
from portal.models.files import StoredFile
from portal.models.forms import CENTER_SCOPE, FormVersion
from portal.models.site import (
    Center,
    Item,
    Offering,
    SitePublication,
    SiteVersion,
    SubCenter,
    Window,
    offering_window,
)
from portal.models.town import TownInspection, TownInspectionItem
from portal.models.users import AccountEvent, PortalUser, Stamp, UserSession, user_sub_center, user_window
from portal.models.villages import (
    WHEREABOUTS_NAMES,
    AgentStatus,
    Village,
    VillageAgent,
    Whereabouts,
    user_village,
)

__all__ = [
    "STAGE_NAMES", "AgencyStage", "CaseAgency",
    "BOOKING_STATE_NAMES", "CENTER_SCOPE", "AccountEvent", "Booking", "BookingState",
    "STATE_NAMES", "AuditHead", "Case", "CaseBranch", "CaseEvent", "CaseSequence", "CaseState",
    "AssessmentResult", "Complaint", "Consultation", "Evaluation", "FollowUp", "Inspection",
    "Center", "ExportJob", "FormVersion", "IssuedDocument", "PrintJob",
    "Item", "Offering", "PortalUser", "SitePublication",
    "SiteVersion", "Stamp", "StoredFile", "SubCenter", "UserSession",
    "TownInspection", "TownInspectionItem", "Window", "db", "offering_window", "user_sub_center",
    "user_window",
    "WHEREABOUTS_NAMES", "AgentStatus", "Village", "VillageAgent", "Whereabouts", "user_village",
]
