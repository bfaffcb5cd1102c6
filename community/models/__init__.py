"""Database models, one module per aggregate."""
from .activity import Activity, ActivityPartner, ActivityTerm, FeedToken
from .area import AddressPoint, Area, IndicatorValue
from .listing import (InitiativeAtPlace, Initiative, InitiativeTerm, MeetingPlace, Organisation,
                      PlaceArea, Room, Schedule, ScheduleSlot, SearchDocument)
from .review import AuditEntry, ChangeRequest, OutdatedReport
from .submission import FormSubmission
from .user import LoginThrottle, User, UserArea, UserSession
from .version import DataVersion

__all__ = [
    "Activity", "ActivityPartner", "ActivityTerm", "AddressPoint", "Area", "AuditEntry",
    "ChangeRequest", "DataVersion", "FeedToken", "FormSubmission", "IndicatorValue", "Initiative", "InitiativeAtPlace",
    "InitiativeTerm", "MeetingPlace", "Organisation", "OutdatedReport", "PlaceArea", "Room",
    "Schedule", "ScheduleSlot", "SearchDocument", "User", "UserArea", "UserSession", "LoginThrottle",
]
