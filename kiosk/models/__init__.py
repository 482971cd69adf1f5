"""All models, imported here so that Alembic and create_all see every table."""
from kiosk.models.audit import AuditLog
from kiosk.models.department import Department
from kiosk.models.device import Device, DeviceLog
from kiosk.models.hall import Hall, ServiceItem, Staff, Window, window_services
from kiosk.models.invitation import Invitation
from kiosk.models.outbox import OutboxEntry, OutboxLease
from kiosk.models.rating import Rating
from kiosk.models.reasons import ReasonTemplate
from kiosk.models.tokens import ApiToken
from kiosk.models.user import User

__all__ = [
    "ApiToken",
    "AuditLog",
    "Department",
    "Device",
    "DeviceLog",
    "Hall",
    "Invitation",
    "OutboxEntry",
    "OutboxLease",
    "Rating",
    "ReasonTemplate",
    "ServiceItem",
    "Staff",
    "User",
    "Window",
    "window_services",
]
from kiosk.models.hub import (  # noqa: E402
    HubAuthRefusal,
    HubBatch,
    HubHall,
    HubNonce,
    HubRating,
    HubRatingEvent,
)
from kiosk.models.sync import SyncState  # noqa: E402

__all__ += [
    "HubAuthRefusal", "HubBatch", "HubHall", "HubNonce", "HubRating", "HubRatingEvent",
    "SyncState",
]
from kiosk.models.upstream import UpstreamCursor, UpstreamDelivery  # noqa: E402

__all__ += ["UpstreamCursor", "UpstreamDelivery"]
from kiosk.models.privacy import PhoneAccessLog  # noqa: E402
from kiosk.models.staffing import PinThrottle, StaffSession, WindowPause  # noqa: E402

__all__ += ["PhoneAccessLog", "PinThrottle", "StaffSession", "WindowPause"]
from kiosk.models.mobile import (  # noqa: E402
    MobileToken,
    RatingPhoto,
    RatingReply,
    RatingSupplement,
)
from kiosk.models.notify import SmsNotice  # noqa: E402

__all__ += ["MobileToken", "RatingPhoto", "RatingReply", "RatingSupplement",
            "SmsNotice"]
from kiosk.models.cases import (  # noqa: E402
    BadCase,
    CaseStep,
    RatingDaily,
    RatingHourly,
    RatingWindowDay,
)

__all__ += ["BadCase", "CaseStep", "RatingDaily", "RatingHourly", "RatingWindowDay"]
from kiosk.models.case_decisions import (  # noqa: E402
    CaseAppeal,
    CaseDeadline,
    CaseExtension,
    RatingExclusion,
)
from kiosk.models.hub_appeals import HubAppeal  # noqa: E402

__all__ += ["CaseAppeal", "CaseDeadline", "CaseExtension", "HubAppeal", "RatingExclusion"]
from kiosk.models.integrity import (  # noqa: E402
    ChainHead,
    HubChainHead,
    HubChainRestore,
    HubChainRun,
    HubIntegrityIncident,
)

__all__ += ["ChainHead", "HubChainHead", "HubChainRun", "HubChainRestore",
            "HubIntegrityIncident"]
