"""Settings of the clinical service itself (its policies, its numbers, its days, its systems).

Read from ``COXA_*`` environment variables like every setting, and imported by
``settings.py``; kept apart so that the settings module stays one screenful of concerns.
"""

from coxa.config.env import env_dates, env_int, env_str, env_weekdays
from coxa.surgery.domain.workdays import ENGLAND_BANK_HOLIDAYS, MONDAY_TO_FRIDAY

# The pre-assessment worklist flags episodes optimising for longer than this (service policy).
OPTIMISING_ALERT_DAYS = env_int("COXA_OPTIMISING_ALERT_DAYS", default=42, minimum=1)
# A one-time questionnaire link works for this many days after it is issued (service policy).
QUESTIONNAIRE_LINK_DAYS = env_int("COXA_QUESTIONNAIRE_LINK_DAYS", default=14, minimum=1)
# An invitation to the patient portal works for this many days after it is issued (service
# policy: a week to act on an email; a new invitation is one click for the team; ADR 0027).
PORTAL_INVITATION_DAYS = env_int("COXA_PORTAL_INVITATION_DAYS", default=7, minimum=1)
# Consultation requests (ADR 0026): more than this many an hour for one email address, or from
# one client, are kept and marked for the team but sent no confirmation email, so that the
# public form cannot flood anyone's inbox. The client is the connection's address, or the one
# COXA_TRUSTED_PROXY_COUNT proxies report (never a header a client could write itself).
ENQUIRY_LIMIT_PER_ADDRESS = env_int("COXA_ENQUIRY_LIMIT_PER_ADDRESS", default=3, minimum=1)
ENQUIRY_LIMIT_PER_CLIENT = env_int("COXA_ENQUIRY_LIMIT_PER_CLIENT", default=10, minimum=1)
ENQUIRY_LIMIT_WINDOW_MINUTES = env_int("COXA_ENQUIRY_LIMIT_WINDOW_MINUTES", default=60, minimum=1)
# A followed hip with no contact (a questionnaire, a review, the operation) for this long,
# while a follow-up was due, is lost to follow-up on the follow-up worklist (service policy:
# about 18 months, one missed yearly point and the next one's window; ADR 0022).
FOLLOW_UP_LOST_AFTER_DAYS = env_int("COXA_FOLLOW_UP_LOST_AFTER_DAYS", default=548, minimum=1)
# Registry figures are withheld where fewer hips than this remain at risk (registries use
# about 40: clinical-facts 6.1, an unverified lead, hence a setting).
ANALYTICS_MIN_AT_RISK = env_int("COXA_ANALYTICS_MIN_AT_RISK", default=40, minimum=1)
# The unit (hospital) this installation serves, named in analytics by unit.
UNIT_NAME = env_str("COXA_UNIT_NAME") or "This unit"
# The numbers a patient calls with a warning sign after the operation (the plan, its PDF, the
# portal and the getting-ready letter show them). The defaults are EXAMPLES from Ofcom's range
# for drama (0121 496 0000 to 0999), never a real line: a check warns while they are left so
# with COXA_DEBUG off (coxa.core.contacts).
CONTACT_WARD_LABEL = env_str("COXA_CONTACT_WARD_LABEL") or "The orthopaedic ward, at any time"
CONTACT_WARD_PHONE = env_str("COXA_CONTACT_WARD_PHONE") or "0121 496 0000"
CONTACT_OFFICE_LABEL = (
    env_str("COXA_CONTACT_OFFICE_LABEL") or "The hip team's office, Monday to Friday, 9am to 5pm"
)
CONTACT_OFFICE_PHONE = env_str("COXA_CONTACT_OFFICE_PHONE") or "0121 496 0001"
# The days the service sees patients: recovery-plan appointments falling on another day move
# to the next working day (coxa.surgery.domain.workdays). Weekdays by name; closed days as
# YYYY-MM-DD, by default England's bank holidays for 2026 to 2028 (from gov.uk, kept in that
# module). Setting COXA_CLOSED_DAYS replaces the list: include the bank holidays you close on.
WORKING_WEEKDAYS = env_weekdays("COXA_WORKING_WEEKDAYS", default=tuple(sorted(MONDAY_TO_FRIDAY)))
CLOSED_DAYS = env_dates("COXA_CLOSED_DAYS", default=ENGLAND_BANK_HOLIDAYS)
# The URI the FHIR API names hospital numbers under: the hospital's own (.env.example).
FHIR_HOSPITAL_NUMBER_SYSTEM = (
    env_str("COXA_FHIR_HOSPITAL_NUMBER_SYSTEM") or "urn:coxa:hospital-number"
)
