"""Pure parsers from the pages' form fields to the services' inputs: the structured case form
and the reviewer's structured opinion form. Bad input raises InputError with one line a person
can act on; nothing here touches the database or the request."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from secondopinion.case import Case
from secondopinion.errors import InputError
from secondopinion.platform.opinions import OpinionDocument

BIOMARKER_ROWS = 4
PLAN_ROWS = 3
ADDED_ROWS = 2
TRIAL_ROWS = 3
MODALITIES = (
    "surgery",
    "chemotherapy",
    "radiation",
    "targeted_therapy",
    "immunotherapy",
    "hormonal_therapy",
    "transplant",
    "cellular_therapy",
    "active_surveillance",
    "ablation",
    "supportive_care",
    "other",
)
INTENTS = ("unknown", "curative", "neoadjuvant", "adjuvant", "definitive", "palliative", "maintenance")
SEXES = ("unknown", "female", "male", "other")
BIOMARKER_STATUSES = ("positive", "negative", "equivocal", "pending", "not_tested", "unknown")
STAGE = re.compile(r"0|[IV]{1,4}[ABC]?[0-9]?", re.IGNORECASE)


def _get(form: Mapping[str, Any], key: str, limit: int = 2000) -> str:
    value = form.get(key, "")
    return value.strip()[:limit] if isinstance(value, str) else ""


def _choice(form: Mapping[str, Any], key: str, options: tuple[str, ...], default: str) -> str:
    value = _get(form, key, 40)
    if not value:
        return default
    if value not in options:
        raise InputError(f"choose one of the listed options for '{key.replace('_', ' ')}'")
    return value


def _split(text: str, sep: str = ",") -> list[str]:
    return [x.strip() for x in text.split(sep) if x.strip()]


def case_from_form(form: Mapping[str, Any], cancer_types: set[str]) -> dict[str, Any]:
    """The structured request form as a Case mapping (the shape `create_request(case=...)` reads)."""
    cancer_type = _get(form, "cancer_type", 80)
    if not cancer_type:
        raise InputError("choose the type of cancer")
    if cancer_type not in cancer_types:
        raise InputError("choose the type of cancer from the list")
    patient: dict[str, Any] = {"sex": _choice(form, "sex", SEXES, "unknown")}
    age = _get(form, "age", 5)
    if age:
        if not age.isdigit() or not 0 <= int(age) <= 120:
            raise InputError("give the age as a whole number of years, from 0 to 120")
        patient["age"] = int(age)
    cancer: dict[str, Any] = {"type": cancer_type}
    stage = _get(form, "stage_group", 20)
    if stage:
        stage = re.sub(r"^stage", "", stage, flags=re.IGNORECASE).replace(" ", "")
        if not STAGE.fullmatch(stage):
            raise InputError("write the stage like 'IIIA' or 'IV' (or leave it empty)")
        cancer["stage_group"] = stage.upper()
    if histology := _get(form, "histology", 200):
        cancer["histology"] = histology
    if sites := _split(_get(form, "metastatic_sites", 500)):
        cancer["metastatic_sites"] = sites[:20]
    biomarkers = []
    for i in range(BIOMARKER_ROWS):
        name = _get(form, f"biomarker_{i}_name", 40)
        if not name:
            continue
        biomarkers.append(
            {
                "name": name.upper() if len(name) <= 8 else name,
                "status": _choice(form, f"biomarker_{i}_status", BIOMARKER_STATUSES, "unknown"),
                **({"detail": d} if (d := _get(form, f"biomarker_{i}_detail", 200)) else {}),
            }
        )
    plan = []
    for i in range(PLAN_ROWS):
        modality = _get(form, f"plan_{i}_modality", 40)
        drugs = _split(_get(form, f"plan_{i}_drugs", 500).lower())
        procedure = _get(form, f"plan_{i}_procedure", 200)
        if not modality and not drugs and not procedure:
            continue
        if not modality:
            raise InputError(f"choose the kind of treatment for plan line {i + 1}")
        item: dict[str, Any] = {
            "modality": _choice(form, f"plan_{i}_modality", MODALITIES, "other"),
            "intent": _choice(form, f"plan_{i}_intent", INTENTS, "unknown"),
        }
        if drugs:
            item["drugs"] = drugs[:12]
        if procedure:
            item["procedure"] = procedure
        plan.append(item)
    questions = [q for q in (x.strip() for x in _get(form, "questions", 5000).splitlines()) if q][:10]
    raw: dict[str, Any] = {
        "patient": patient,
        "cancers": [cancer],
        "biomarkers": biomarkers,
        "plan": plan,
        "questions": questions,
    }
    try:
        Case.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise InputError(
            f"the form has a problem in {'.'.join(str(p) for p in err['loc'])}: {err['msg']}"
        ) from None
    return raw


def opinion_from_form(form: Mapping[str, Any], plan_size: int, questions: list[str]) -> OpinionDocument:
    """The reviewer's form as an OpinionDocument. Plan elements are addressed by their index in
    the case's plan; 'none' means the reviewer does not comment on that element."""
    diagnosis = {
        "verdict": _choice(form, "diagnosis_verdict", ("same", "refined", "different"), "same"),
        "text": _get(form, "diagnosis_text"),
        "reason": _get(form, "diagnosis_reason", 5000),
    }
    stage_verdict = _choice(form, "stage_verdict", ("none", "same", "refined", "different"), "none")
    stage = (
        None
        if stage_verdict == "none"
        else {
            "verdict": stage_verdict,
            "stage": _get(form, "stage_text", 100),
            "reason": _get(form, "stage_reason", 5000),
        }
    )
    plan: list[dict[str, Any]] = []
    for i in range(plan_size):
        verdict = _choice(form, f"plan_{i}_verdict", ("none", "agree", "modify", "replace"), "none")
        if verdict != "none":
            plan.append(
                {
                    "verdict": verdict,
                    "plan_index": i,
                    "text": _get(form, f"plan_{i}_text"),
                    "reason": _get(form, f"plan_{i}_reason", 5000),
                }
            )
    for i in range(ADDED_ROWS):
        if text := _get(form, f"add_{i}_text"):
            plan.append({"verdict": "add", "text": text, "reason": _get(form, f"add_{i}_reason", 5000)})
    trials = []
    for i in range(TRIAL_ROWS):
        if trial_id := _get(form, f"trial_{i}_id", 40):
            trials.append(
                {
                    "id": trial_id,
                    "title": _get(form, f"trial_{i}_title", 500),
                    "reason": _get(form, f"trial_{i}_reason", 2000),
                }
            )
    answers = [
        {"question": q[:2000], "answer": _get(form, f"answer_{i}", 10000)}
        for i, q in enumerate(questions)
        if _get(form, f"answer_{i}", 10000)
    ]
    raw = {
        "opinion": {
            "case_id": "set-by-server",
            "diagnosis": diagnosis,
            "stage": stage,
            "plan": plan,
            "summary": _get(form, "summary", 20000),
        },
        "trials_to_consider": trials,
        "answers": answers,
    }
    try:
        return OpinionDocument.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        message = str(err["msg"]).removeprefix("Value error, ")
        raise InputError(message[:300]) from None


def opinion_to_form(content: dict[str, Any], questions: list[str]) -> dict[str, str]:
    """A saved opinion back into form fields, to continue a draft or start an amendment."""
    op = content.get("opinion", {})
    out: dict[str, str] = {}
    d = op.get("diagnosis") or {}
    out.update(
        diagnosis_verdict=d.get("verdict", "same"),
        diagnosis_text=d.get("text", ""),
        diagnosis_reason=d.get("reason", ""),
    )
    s = op.get("stage")
    out.update(
        stage_verdict=s.get("verdict", "same") if s else "none",
        stage_text=(s or {}).get("stage", ""),
        stage_reason=(s or {}).get("reason", ""),
    )
    added = 0
    for p in op.get("plan", []):
        if p.get("plan_index") is None:
            if added < ADDED_ROWS:
                out[f"add_{added}_text"], out[f"add_{added}_reason"] = p.get("text", ""), p.get("reason", "")
                added += 1
            continue
        i = p["plan_index"]
        out.update(
            {
                f"plan_{i}_verdict": p.get("verdict", "none"),
                f"plan_{i}_text": p.get("text", ""),
                f"plan_{i}_reason": p.get("reason", ""),
            }
        )
    for i, t in enumerate(content.get("trials_to_consider", [])[:TRIAL_ROWS]):
        out.update(
            {
                f"trial_{i}_id": t.get("id", ""),
                f"trial_{i}_title": t.get("title", ""),
                f"trial_{i}_reason": t.get("reason", ""),
            }
        )
    answers = {a.get("question", "").strip(): a.get("answer", "") for a in content.get("answers", [])}
    for i, q in enumerate(questions):
        if q.strip() in answers:
            out[f"answer_{i}"] = answers[q.strip()]
    out["summary"] = op.get("summary", "")
    return out
