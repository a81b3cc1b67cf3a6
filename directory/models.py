"""Every model, imported in one place so the metadata (and Alembic) sees them all."""

from directory.accounts.models import User, UserRole
from directory.alerts.models import Alert, AlertDelivery, AlertTerm, Subscriber
from directory.audit.models import AuditEntry
from directory.catalogue.models import (
    BusinessSize,
    LinkCheck,
    Listing,
    Location,
    Organisation,
    Region,
    Sector,
    Stage,
    SupportType,
)
from directory.catalogue.ownership import Membership
from directory.demand.models import (
    ApiToken,
    DemandAppearance,
    DemandEvent,
    DemandWeekly,
)
from directory.feedback.models import Feedback
from directory.opendata.models import OpenDemandFigure, OpenDemandRelease
from directory.search.models import SearchOutbox

__all__ = [
    "Alert",
    "AlertDelivery",
    "AlertTerm",
    "ApiToken",
    "AuditEntry",
    "BusinessSize",
    "DemandAppearance",
    "DemandEvent",
    "DemandWeekly",
    "Feedback",
    "LinkCheck",
    "Listing",
    "Location",
    "Membership",
    "OpenDemandFigure",
    "OpenDemandRelease",
    "Organisation",
    "Region",
    "SearchOutbox",
    "Sector",
    "Stage",
    "Subscriber",
    "SupportType",
    "User",
    "UserRole",
]
