"""Structured case files (YAML or JSON) in the shape of the Case model.

A person writing a case by hand may give one `cancer:` instead of a `cancers:` list; everything
else is the model itself. Errors name the field and what is wrong, in one line.
"""

from __future__ import annotations

import json
from typing import Any

import yaml
from pydantic import ValidationError

from secondopinion.case import Case, Provenance
from secondopinion.errors import InputError


def _with_provenance(case: Case, document: str | None) -> Case:
    def stamp(fact: Any, field: str) -> Any:
        if getattr(fact, "provenance", None) == []:
            return fact.model_copy(
                update={"provenance": [Provenance(source="form", document=document, field=field)]}
            )
        return fact

    return case.model_copy(
        update={
            "patient": stamp(case.patient, "patient"),
            "cancers": [stamp(c, f"cancers[{i}]") for i, c in enumerate(case.cancers)],
            "biomarkers": [stamp(b, f"biomarkers[{i}]") for i, b in enumerate(case.biomarkers)],
            "plan": [stamp(p, f"plan[{i}]") for i, p in enumerate(case.plan)],
            "history": [stamp(p, f"history[{i}]") for i, p in enumerate(case.history)],
            "opinions": [stamp(o, f"opinions[{i}]") for i, o in enumerate(case.opinions)],
            "records": [stamp(r, f"records[{i}]") for i, r in enumerate(case.records)],
        }
    )


def parse_mapping(raw: Any, document: str | None = None) -> Case:
    if not isinstance(raw, dict):
        raise InputError(f"{document or 'case'}: expected a mapping of case fields at the top level")
    raw = dict(raw)
    if "cancer" in raw:
        if "cancers" in raw:
            raise InputError(f"{document or 'case'}: give either 'cancer' or 'cancers', not both")
        raw["cancers"] = [raw.pop("cancer")]
    try:
        case = Case.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "case"
        more = f" (and {len(exc.errors()) - 1} more problem(s))" if len(exc.errors()) > 1 else ""
        raise InputError(f"{document or 'case'}: field '{where}': {err['msg']}{more}") from None
    return _with_provenance(case, document)


def parse_yaml(text: str, document: str | None = None) -> Case:
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark else ""
        raise InputError(f"{document or 'case'}: not valid YAML{line}") from None
    return parse_mapping(raw, document)


def parse_json(text: str, document: str | None = None) -> Case:
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{document or 'case'}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
    return parse_mapping(raw, document)
