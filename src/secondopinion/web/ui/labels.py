"""Words the pages show for the platform's codes: states, verdicts, roles and the short
confirmations after an action. Patients read these, so they are plain and calm."""

from __future__ import annotations

from secondopinion.platform.workflow import STATES, State

# Each state's words for patients, then the short form for staff. Keys are the workflow's states:
# STATE and STATE_SHORT below are built in its order, so a state added there without words here
# fails at import rather than showing a raw code.
_STATE_WORDS: dict[State, tuple[str, str]] = {
    "draft": ("Draft: not sent yet", "Draft"),
    "submitted": ("Sent: a coordinator is checking your records", "Submitted"),
    "records_pending": ("Waiting for records", "Records pending"),
    "records_complete": ("Records complete: finding a specialist", "Records complete"),
    "assigned": ("A specialist is assigned", "Assigned"),
    "in_review": ("The specialist is reviewing", "In review"),
    "opinion_signed": ("Opinion written: being prepared for you", "Opinion signed"),
    "delivered": ("Your second opinion is ready", "Delivered"),
    "follow_up": ("Second opinion delivered: follow-up", "Follow-up"),
    "third_opinion": ("A third opinion is being prepared", "Third opinion"),
}
STATE = {s: _STATE_WORDS[s][0] for s in STATES}
STATE_SHORT = {s: _STATE_WORDS[s][1] for s in STATES}
# The patient's view of the journey: each step, done from the named state onward in the workflow.
STEPS: list[tuple[str, frozenset[str]]] = [
    (words, frozenset(STATES[STATES.index(first) :]))
    for words, first in (
        ("Describe your situation", "draft"),
        ("Send the request", "submitted"),
        ("Records complete", "records_complete"),
        ("Specialist review", "opinion_signed"),
        ("Opinion ready", "delivered"),
    )
]
ROLE = {
    "patient": "Patient",
    "caregiver": "Caregiver",
    "reviewer": "Reviewer",
    "coordinator": "Coordinator",
    "admin": "Administrator",
}
DIAGNOSIS_VERDICT = {"same": "Same", "refined": "Refined", "different": "Different"}
PLAN_VERDICT = {"agree": "Agree", "modify": "Modify", "replace": "Replace", "add": "Add"}
FOLLOWED = {"yes": "Yes", "partly": "Partly", "no": "No"}
WELLBEING = {1: "Very poorly", 2: "Poorly", 3: "So-so", 4: "Well", 5: "Very well"}
SOURCE = {
    "text": "your description",
    "form": "the form",
    "fhir": "a FHIR record",
    "pdf": "a PDF report",
    "document": "an uploaded document",
}
SOURCE_STAFF = {
    "text": "the patient's description",
    "form": "the structured form",
    "fhir": "a FHIR record",
    "pdf": "a PDF report",
    "document": "an uploaded document",
}
DOCUMENT_KIND = {
    "pdf": "PDF",
    "jpeg": "JPEG image",
    "png": "PNG image",
    "dicom": "DICOM image",
    "fhir_json": "FHIR record",
    "text": "Text",
}
NOTICES = {
    "created": "Your request is saved as a draft. Read your pre-review, then send it when you are ready.",
    "submitted": "Your request is sent. A coordinator will check your records next.",
    "uploaded": "The document is added to your request.",
    "consent_withdrawn": "Your consent is withdrawn. The request will not be shared.",
    "invited": "Invitation created. Give the code below to the person you trust.",
    "asked": "Your question is sent to the specialist.",
    "answered": "Thank you. Your answer is saved.",
    "disputed": "Thank you. A coordinator will look at your concerns.",
    "saved": "Draft saved. You can keep editing it until you sign.",
    "signed": "The opinion is signed. It cannot change now; an amendment would be a new version.",
    "records_pending": "The patient is asked for the missing records.",
    "records_complete": "Records complete. The 5-business-day clock has started.",
    "assigned": "Assigned. The reviewers see the case in their list now.",
    "delivered": "Delivered. The patient can read the opinion now.",
    "third_opinion": "A blinded third opinion is requested.",
    "profile": "Your profile is saved.",
    "signed_up": "Your account is ready. Please log in.",
    "logged_out": "You are logged out.",
}
