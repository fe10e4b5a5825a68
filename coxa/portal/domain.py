"""What each episode state means, in plain English, for the patient reading it. Pure."""

from coxa.pathways.domain import EpisodeState

S = EpisodeState

STATE_FOR_PATIENTS: dict[EpisodeState, str] = {
    S.REFERRED: "We have your referral. A surgeon will see you to talk about your hip.",
    S.ASSESSED: "A surgeon has seen you. Together you are deciding what to do next.",
    S.LISTED: "You are on the list for an operation. A nurse will check you are ready for it.",
    S.OPTIMISING: "Before your operation, some things need to improve to make it safer. "
    "Your team will tell you what they are.",
    S.READY: "You are ready for your operation. We will offer you a date.",
    S.SCHEDULED: "Your operation has a date.",
    S.OPERATED: "You have had your operation.",
    S.RECOVERING: "You are recovering from your operation, with help from the physiotherapists.",
    S.FOLLOW_UP: "We will keep checking how your hip is doing at set times.",
    S.COMPLETED: "You no longer need regular check-ups for this hip. If it gives you trouble, "
    "contact us.",
    S.CONVERTED: "This hip has had a further operation (a hip replacement, or a revision of "
    "the implant). Its care continues under that operation.",
    S.WITHDRAWN: "This treatment is not going ahead.",
    S.DIED: "This episode of care has ended.",
}


def explain(state: EpisodeState) -> str:
    return STATE_FOR_PATIENTS[state]
