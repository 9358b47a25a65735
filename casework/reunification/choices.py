"""The codes the family tracing and reunification records store, and their labels.

Codes that the checkpoint engine reads are stored plain (channels, results, outcomes,
sponsor categories); what a code says about a particular relative (the kinship, the
country they live in, the child's wish to be in contact) is encrypted with the case's
key, like the relative's names and contact details.
"""

from enum import StrEnum

from flask_babel import lazy_gettext as _l

from casework.cases.choices import NATIONALITIES

# --- family members ----------------------------------------------------------------------

KINSHIPS = [
    ("mother", _l("Mother")),
    ("father", _l("Father")),
    ("legal_guardian", _l("Legal guardian")),
    ("sibling", _l("Brother or sister")),
    ("grandparent", _l("Grandparent")),
    ("aunt_uncle", _l("Aunt or uncle")),
    ("cousin", _l("Cousin")),
    ("other_relative", _l("Other relative")),
    ("family_friend", _l("Family friend or other adult known to the child")),
]
KINSHIP_LABELS = dict(KINSHIPS)
PARENTS = frozenset({"mother", "father", "legal_guardian"})
SIBLING = "sibling"
UNRELATED_KINSHIPS = frozenset({"family_friend"})

# Where a relative lives: the United States first, then the nationalities of intake.
LOCATION_COUNTRIES = [("US", _l("United States")), *NATIONALITIES]
LOCATION_COUNTRY_LABELS = dict(LOCATION_COUNTRIES)
UNKNOWN_COUNTRY = "XX"

CONTACT_WISHES = [
    ("yes", _l("Yes, the child wants contact")),
    ("no", _l("No, the child does not want contact")),
    ("unsure", _l("The child is unsure or has not said")),
]
CONTACT_WISH_LABELS = dict(CONTACT_WISHES)
NO_CONTACT = "no"


# --- tracing ---------------------------------------------------------------------------

class TracingChannel(StrEnum):
    CONSULATE = "consulate"
    RED_CROSS = "red_cross"
    PARTNER = "partner_organisation"
    PHONE = "phone"
    SOCIAL_MEDIA = "social_media"
    OTHER = "other"


CHANNEL_LABELS = {
    TracingChannel.CONSULATE: _l("Consulate of the country of origin"),
    TracingChannel.RED_CROSS: _l("Red Cross / ICRC (Restoring Family Links)"),
    TracingChannel.PARTNER: _l("Partner organisation"),
    TracingChannel.PHONE: _l("Phone"),
    TracingChannel.SOCIAL_MEDIA: _l("Social media"),
    TracingChannel.OTHER: _l("Other"),
}

# A channel that is the country of origin itself: using it is contact with that country.
ORIGIN_CHANNELS = frozenset({TracingChannel.CONSULATE})


class TracingResult(StrEnum):
    PENDING = "pending"
    LOCATED = "located"
    CONTACT_MADE = "contact_made"
    NO_ANSWER = "no_answer"
    NOT_FOUND = "not_found"
    NOT_PURSUED = "not_pursued"


RESULT_LABELS = {
    TracingResult.PENDING: _l("Request sent; waiting for an answer"),
    TracingResult.LOCATED: _l("Relative located"),
    TracingResult.CONTACT_MADE: _l("Contact made with the relative"),
    TracingResult.NO_ANSWER: _l("No answer"),
    TracingResult.NOT_FOUND: _l("Not found"),
    TracingResult.NOT_PURSUED: _l("Not pursued (the child does not want it, or it is unsafe)"),
}


# --- verification ----------------------------------------------------------------------

class Wish(StrEnum):
    WANTS = "wants"
    DOES_NOT_WANT = "does_not_want"
    UNSURE = "unsure"


CHILD_WISH_LABELS = {
    Wish.WANTS: _l("The child wants to live with this person"),
    Wish.DOES_NOT_WANT: _l("The child does not want to live with this person"),
    Wish.UNSURE: _l("The child is unsure"),
}
FAMILY_WISH_LABELS = {
    Wish.WANTS: _l("The relative wants to care for the child"),
    Wish.DOES_NOT_WANT: _l("The relative does not want to care for the child"),
    Wish.UNSURE: _l("The relative is unsure"),
}


class VerificationOutcome(StrEnum):
    VERIFIED = "verified"
    NOT_VERIFIED = "not_verified"
    INCONCLUSIVE = "inconclusive"


VERIFICATION_LABELS = {
    VerificationOutcome.VERIFIED: _l("Relationship verified"),
    VerificationOutcome.NOT_VERIFIED: _l("Relationship not verified: the claim is false"),
    VerificationOutcome.INCONCLUSIVE: _l("Inconclusive: more evidence is needed"),
}


# --- sponsor assessment ----------------------------------------------------------------

class SponsorCategory(StrEnum):
    """ORR's sponsor categories (POLICY.md)."""

    PARENT = "1"
    PREVIOUS_CAREGIVER = "2A"
    IMMEDIATE_RELATIVE = "2B"
    DISTANT_OR_UNRELATED = "3"
    NONE = "4"


CATEGORY_LABELS = {
    SponsorCategory.PARENT: _l("Category 1: parent or legal guardian"),
    SponsorCategory.PREVIOUS_CAREGIVER: _l(
        "Category 2A: immediate relative who was the child's primary caregiver"),
    SponsorCategory.IMMEDIATE_RELATIVE: _l(
        "Category 2B: other immediate relative (sibling, grandparent, aunt, uncle, first "
        "cousin)"),
    SponsorCategory.DISTANT_OR_UNRELATED: _l("Category 3: distant relative or unrelated adult"),
    SponsorCategory.NONE: _l("Category 4: no sponsor identified"),
}
# Categories 1, 2A and 2B are relatives by definition; category 3 may or may not be.
RELATED_CATEGORIES = frozenset({SponsorCategory.PARENT, SponsorCategory.PREVIOUS_CAREGIVER,
                                SponsorCategory.IMMEDIATE_RELATIVE})


class CheckKind(StrEnum):
    APPLICATION = "application"
    IDENTITY = "identity"
    BACKGROUND = "background"
    HOME_STUDY = "home_study"


CHECK_LABELS = {
    CheckKind.APPLICATION: _l("Sponsor application received and complete"),
    CheckKind.IDENTITY: _l("Sponsor's identity verified"),
    CheckKind.BACKGROUND: _l("Background checks (sponsor and adult household members)"),
    CheckKind.HOME_STUDY: _l("Home study"),
}
# The result of each check, passed or not, in the words of that check.
CHECK_RESULT_LABELS = {
    CheckKind.APPLICATION: (_l("Complete"), _l("Incomplete")),
    CheckKind.IDENTITY: (_l("Verified"), _l("Not verified")),
    CheckKind.BACKGROUND: (_l("Cleared"), _l("Concerns found")),
    CheckKind.HOME_STUDY: (_l("Favourable"), _l("Unfavourable")),
}
ALWAYS_REQUIRED_CHECKS = (CheckKind.APPLICATION, CheckKind.IDENTITY, CheckKind.BACKGROUND)


class HomeStudyTrigger(StrEnum):
    """Why a home study is required (POLICY.md, the sponsor facts)."""

    TRAFFICKING = "trafficking"
    ABUSE = "abuse"
    DISABILITY = "disability"
    UNDER_12_CATEGORY_3 = "under_12_category_3"
    UNRELATED_SEVERAL = "unrelated_several"


TRIGGER_LABELS = {
    HomeStudyTrigger.TRAFFICKING: _l("The child is a victim of trafficking (or a screening "
                                     "found trafficking indicators)"),
    HomeStudyTrigger.ABUSE: _l("The child is a victim of physical or sexual abuse"),
    HomeStudyTrigger.DISABILITY: _l("The child has a disability"),
    HomeStudyTrigger.UNDER_12_CATEGORY_3: _l("The child is under 12 and the sponsor is in "
                                             "category 3"),
    HomeStudyTrigger.UNRELATED_SEVERAL: _l("The sponsor is unrelated and is sponsoring several "
                                           "children or has sponsored before"),
}
HOME_STUDY_AGE = 12


# --- follow-up -------------------------------------------------------------------------

class FollowUpKind(StrEnum):
    SAFETY_CALL = "safety_call"
    FOLLOW_UP = "follow_up"


FOLLOW_UP_LABELS = {
    FollowUpKind.SAFETY_CALL: _l("30-day safety and well-being call"),
    FollowUpKind.FOLLOW_UP: _l("Other follow-up contact"),
}


class SchoolStatus(StrEnum):
    ENROLLED = "enrolled"
    IN_PROGRESS = "in_progress"
    NOT_ENROLLED = "not_enrolled"
    NOT_APPLICABLE = "not_applicable"
    UNKNOWN = "unknown"


SCHOOL_LABELS = {
    SchoolStatus.ENROLLED: _l("Enrolled in school"),
    SchoolStatus.IN_PROGRESS: _l("Enrolment in progress"),
    SchoolStatus.NOT_ENROLLED: _l("Not enrolled"),
    SchoolStatus.NOT_APPLICABLE: _l("Not applicable (for example, finished school)"),
    SchoolStatus.UNKNOWN: _l("Not known"),
}
