"""Reads the knowledge-base data files into a validated, cross-checked KnowledgeBase.

This is the one place that touches the files; everything downstream receives the resolved object.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from secondopinion.errors import KnowledgeBaseError
from secondopinion.knowledge.schema import (
    BiomarkerDef,
    CancerType,
    Drug,
    GlossaryTerm,
    KnowledgeBase,
    Pathway,
    RecordRule,
    Regimen,
    RiskModel,
    Source,
    StageModel,
    TreatmentKind,
)
from secondopinion.knowledge.validate import cross_check

DATA_DIR = Path(__file__).parent / "data"

M = TypeVar("M", bound=BaseModel)
# libyaml's safe loader when the wheel has it: the same result, several times faster.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

SECTIONS: dict[str, type[BaseModel]] = {
    "sources": Source,
    "cancers": CancerType,
    "drugs": Drug,
    "regimens": Regimen,
    "biomarkers": BiomarkerDef,
    "pathways": Pathway,
    "risk_models": RiskModel,
    "stage_models": StageModel,
    "glossary": GlossaryTerm,
    "records": RecordRule,
    "treatment_kinds": TreatmentKind,
}


def _files(root: Path, section: str) -> Iterator[Path]:
    folder = root / section
    if folder.is_dir():
        yield from sorted(folder.glob("*.yaml"))


def _read_entries(path: Path, model: type[M], errors: list[str]) -> list[tuple[Path, M]]:
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    except yaml.YAMLError as exc:
        errors.append(f"{path.name}: not valid YAML ({exc})")
        return []
    if raw is None:
        return []
    if not isinstance(raw, list):
        errors.append(f"{path.name}: expected a list of entries at the top level")
        return []
    out: list[tuple[Path, M]] = []
    for i, item in enumerate(raw):
        label = item.get("id") or item.get("term") or item.get("modality") if isinstance(item, dict) else None
        try:
            out.append((path, model.model_validate(item)))
        except ValidationError as exc:
            for err in exc.errors():
                where = ".".join(str(p) for p in err["loc"])
                errors.append(f"{path.name}: entry {label or i}: {where}: {err['msg']}")
    return out


def _keyed(entries: list[tuple[Path, Any]], key: str, errors: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    where: dict[str, Path] = {}
    for path, entry in entries:
        k = getattr(entry, key)
        if k in out:
            errors.append(f"{path.name}: duplicate id '{k}' (also in {where[k].name})")
            continue
        out[k] = entry
        where[k] = path
    return out


def _digest(root: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.yaml")):
        h.update(path.relative_to(root).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:12]


def load_knowledge_base(root: Path = DATA_DIR) -> KnowledgeBase:
    """Load and validate every data file; raise KnowledgeBaseError listing all problems."""
    errors: list[str] = []
    read: dict[str, list[tuple[Path, Any]]] = {}
    for section, model in SECTIONS.items():
        read[section] = [e for f in _files(root, section) for e in _read_entries(f, model, errors)]
    version_file = root / "VERSION"
    release = version_file.read_text().strip() if version_file.exists() else "dev"
    kb = KnowledgeBase(
        version=f"{release}+{_digest(root)}",
        sources=_keyed(read["sources"], "id", errors),
        cancers=_keyed(read["cancers"], "id", errors),
        drugs=_keyed(read["drugs"], "id", errors),
        regimens=_keyed(read["regimens"], "id", errors),
        biomarkers=_keyed(read["biomarkers"], "id", errors),
        pathways=list(_keyed(read["pathways"], "id", errors).values()),
        risk_models=list(_keyed(read["risk_models"], "id", errors).values()),
        stage_models=list(_keyed(read["stage_models"], "id", errors).values()),
        glossary=[e for _, e in read["glossary"]],
        records=[e for _, e in read["records"]],
        treatment_kinds=_keyed(read["treatment_kinds"], "modality", errors),
    )
    errors.extend(cross_check(kb))
    if errors:
        raise KnowledgeBaseError(f"{len(errors)} problem(s) in the knowledge base:\n" + "\n".join(errors))
    return kb


@cache
def default_knowledge_base() -> KnowledgeBase:
    """The bundled knowledge base, loaded once per process (it is immutable)."""
    return load_knowledge_base(DATA_DIR)
