"""Intake: bytes from a file or stdin to a validated Case, whatever the format.

The format is recognised from the content first (a name can lie), then the file extension.
"""

from __future__ import annotations

import json

from secondopinion.case import Case
from secondopinion.errors import InputError
from secondopinion.intake.form import parse_json, parse_mapping, parse_yaml
from secondopinion.intake.pdf import is_pdf, pdf_text, read_pdf_case
from secondopinion.knowledge.schema import KnowledgeBase

MAX_BYTES = 5_000_000


def decode(data: bytes, name: str) -> str:
    """Text from bytes, refusing binaries with a message a person can act on."""
    if not data.strip():
        raise InputError(f"{name}: the file is empty; give a case description or case file")
    if is_pdf(data):
        return pdf_text(data, name).text
    if len(data) > MAX_BYTES:
        raise InputError(f"{name}: larger than {MAX_BYTES // 1_000_000} MB; is this the right file?")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise InputError(f"{name}: unreadable UTF-16 text; save it as UTF-8") from None
    if b"\x00" in data[:4096]:
        raise InputError(f"{name}: this is a binary file, not text; give a text, YAML or JSON case")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(
            f"{name}: not UTF-8 text; save the file as UTF-8 (plain text) and try again"
        ) from None


def _known_type(case: Case, kb: KnowledgeBase, name: str) -> Case:
    if not case.cancers:
        raise InputError(
            f"{name}: no cancer diagnosis found; name the cancer type, e.g. 'stage II colon cancer'"
        )
    for cancer in case.cancers:
        if cancer.type is not None and cancer.type not in kb.cancers:
            raise InputError(
                f"{name}: unknown cancer type '{cancer.type}'; "
                "'secondopinion kb coverage' lists the known types"
            )
    if all(c.type is None for c in case.cancers):
        what = next(
            (c.histology or c.primary_site for c in case.cancers if c.histology or c.primary_site), None
        )
        hint = f" ('{what}')" if what else ""
        raise InputError(
            f"{name}: the cancer type{hint} is not one the knowledge base covers; "
            "'secondopinion kb coverage' lists the known types"
        )
    return case


def read_case(data: bytes, name: str, kb: KnowledgeBase) -> Case:
    """Parse one input into a case. Raises InputError with one line naming the problem."""
    try:
        return _read_case(data, name, kb)
    except RecursionError:
        # JSON or YAML nested thousands deep: no case looks like that, and the parser gives up.
        raise InputError(f"{name}: nested too deeply to be a case file; is this the right file?") from None


def _read_case(data: bytes, name: str, kb: KnowledgeBase) -> Case:
    if is_pdf(data):
        return read_case_with_warnings(data, name, kb)[0]
    text = decode(data, name)
    stripped = text.lstrip()
    lower = name.lower()
    if stripped.startswith("{") or lower.endswith(".json"):
        try:
            raw = json.loads(text)
        except json.JSONDecodeError:
            if lower.endswith(".json"):
                return _known_type(parse_json(text, name), kb, name)
            raw = None
        if isinstance(raw, dict) and raw.get("resourceType"):
            from secondopinion.intake.fhir import parse_fhir

            return _known_type(parse_fhir(raw, kb, name)[0], kb, name)
        if raw is not None:
            return _known_type(parse_mapping(raw, name), kb, name)
    if lower.endswith((".yaml", ".yml")):
        return _known_type(parse_yaml(text, name), kb, name)
    from secondopinion.intake.text import parse_text

    return _known_type(parse_text(text, kb, document=name), kb, name)


def read_case_with_warnings(data: bytes, name: str, kb: KnowledgeBase) -> tuple[Case, list[str]]:
    """Like read_case, with the warnings met on the way (a FHIR record names the resources and
    fields it could not use, a PDF the pages read by OCR). Warnings never hold patient data."""
    if is_pdf(data):
        case, warnings = read_pdf_case(data, name, kb)
        return _known_type(case, kb, name), warnings
    text = decode(data, name)
    if text.lstrip().startswith("{"):
        try:
            raw = json.loads(text)
        except (json.JSONDecodeError, RecursionError):
            raw = None
        if isinstance(raw, dict) and raw.get("resourceType"):
            from secondopinion.intake.fhir import parse_fhir

            case, warnings = parse_fhir(raw, kb, name)
            return _known_type(case, kb, name), warnings
    return read_case(data, name, kb), []
