"""Words the pages show for the platform's codes: states, verdicts, roles and the short
confirmations after an action. Patients read these, so they are plain and calm."""

from __future__ import annotations

STATE = {
    "draft": "Draft: not sent yet",
    "submitted": "Sent: a coordinator is checking your records",
    "records_pending": "Waiting for records",
    "records_complete": "Records complete: finding a specialist",
    "assigned": "A specialist is assigned",
    "in_review": "The specialist is reviewing",
    "opinion_signed": "Opinion written: being prepared for you",
    "delivered": "Your second opinion is ready",
    "follow_up": "Second opinion delivered: follow-up",
    "third_opinion": "A third opinion is being prepared",
}
STATE_SHORT = {
    "draft": "Draft",
    "submitted": "Submitted",
    "records_pending": "Records pending",
    "records_complete": "Records complete",
    "assigned": "Assigned",
    "in_review": "In review",
    "opinion_signed": "Opinion signed",
    "delivered": "Delivered",
    "follow_up": "Follow-up",
    "third_opinion": "Third opinion",
}
# The patient's view of the journey: each step and the states that mean it is done.
STEPS: list[tuple[str, frozenset[str]]] = [
    (
        "Describe your situation",
        frozenset(
            {
                "draft",
                "submitted",
                "records_pending",
                "records_complete",
                "assigned",
                "in_review",
                "opinion_signed",
                "delivered",
                "follow_up",
                "third_opinion",
            }
        ),
    ),
    (
        "Send the request",
        frozenset(
            {
                "submitted",
                "records_pending",
                "records_complete",
                "assigned",
                "in_review",
                "opinion_signed",
                "delivered",
                "follow_up",
                "third_opinion",
            }
        ),
    ),
    (
        "Records complete",
        frozenset(
            {
                "records_complete",
                "assigned",
                "in_review",
                "opinion_signed",
                "delivered",
                "follow_up",
                "third_opinion",
            }
        ),
    ),
    ("Specialist review", frozenset({"opinion_signed", "delivered", "follow_up", "third_opinion"})),
    ("Opinion ready", frozenset({"delivered", "follow_up", "third_opinion"})),
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
