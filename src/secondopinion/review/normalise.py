"""Completes a case with what follows from it: setting from stage, risk group from scores,
regimens expanded to drugs, group biomarkers from their members. Derived facts say so in their
provenance, so the reviewer can tell what was stated from what was inferred."""

from __future__ import annotations

import re

from secondopinion.case import Biomarker, Cancer, Case, PlanItem, Provenance, Setting
from secondopinion.knowledge.schema import CancerType, KnowledgeBase, StageModel
from secondopinion.review.conditions import category_matches, evaluate, split_stage, stage_matches

_DERIVED = Provenance(source="derived")
_NO_METASTATIC_SETTING = {"lymphoma", "myeloma", "leukemia", "brain"}


def derive_setting(cancer: Cancer, ctype: CancerType | None) -> Setting | None:
    category = ctype.category if ctype else "solid"
    if cancer.setting is not None or category in _NO_METASTATIC_SETTING:
        return cancer.setting
    if cancer.metastatic_sites or (cancer.tnm.m and category_matches(cancer.tnm.m, ["M1"])):
        return "metastatic"
    stage = split_stage(cancer.stage_group) if cancer.stage_group else None
    if stage is None:
        return None
    if (
        ctype
        and ctype.locally_advanced_stages
        and stage_matches(cancer.stage_group, ctype.locally_advanced_stages)
    ):
        return "locally_advanced"
    return {"IV": "metastatic", "III": "locally_advanced"}.get(stage[0], "localized")


# ISUP grade groups (Epstein et al., Am J Surg Pathol 2016): the same grading told two ways.
_GLEASON_OF_GROUP = {1: 6, 2: 7, 3: 7, 4: 8, 5: 9}


def _gleason_and_grade_group(scores: dict[str, float | str]) -> dict[str, float | str]:
    """Fill the Gleason sum from the grade group or the group from the sum, when only one is given."""
    out = dict(scores)
    try:
        if "grade_group" in out and "gleason" not in out:
            out["gleason"] = _GLEASON_OF_GROUP[int(float(out["grade_group"]))]
        elif "gleason" in out and "grade_group" not in out:
            total = int(float(out["gleason"]))
            if total <= 6:
                out["grade_group"] = 1
            elif total >= 9:
                out["grade_group"] = 5
            elif total == 8:
                out["grade_group"] = 4
            # Gleason 7 is group 2 (3+4) or 3 (4+3): the sum alone cannot say which.
    except (KeyError, TypeError, ValueError):
        return dict(scores)
    return out


def regimen_lookup(kb: KnowledgeBase, name: str) -> str | None:
    key = name.strip().lower()
    for r in kb.regimens.values():
        if r.id.lower() == key or key in (a.lower() for a in r.aliases):
            return r.id
    return None


def expand_item(item: PlanItem, kb: KnowledgeBase) -> PlanItem:
    if not item.regimen:
        return item
    rid = regimen_lookup(kb, item.regimen)
    if rid is None:
        return item
    drugs = list(dict.fromkeys([*item.drugs, *kb.regimens[rid].drugs]))
    return item.model_copy(update={"regimen": rid, "drugs": drugs})


def _risk_group(case: Case, cancer: Cancer, kb: KnowledgeBase) -> str | None:
    for model in kb.risk_models:
        if model.cancer != cancer.type:
            continue
        for rule in model.rules:
            values = [evaluate(w, case, cancer, kb).value for w in rule.any]
            if any(v is True for v in values):
                return rule.group
            if any(v is None for v in values):
                return None  # a higher group cannot be ruled out
    return None


def is_t_model(model: StageModel) -> bool:
    """A stage model whose groups are T categories ('T1a') gives the T category, not the stage."""
    return all(_T_GROUP.match(rule.group) for rule in model.rules)


_T_GROUP = re.compile(r"^T(?:is|\d)", re.IGNORECASE)


def _t_from_size(case: Case, cancer: Cancer, kb: KnowledgeBase) -> Cancer:
    """T category from the tumour's size, for types whose knowledge base gives T by size alone
    when nothing else is said (e.g. differentiated thyroid cancer). Never when growth beyond the
    organ is described (the case is then locally advanced, or a local extension is recorded),
    since that raises T whatever the size; the provenance says the category was derived."""
    grown = cancer.setting == "locally_advanced" or cancer.scores.get("local_extension") == "present"
    if cancer.tnm.t or grown:
        return cancer
    for model in (m for m in kb.stage_models if m.cancer == cancer.type and is_t_model(m)):
        for rule in model.rules:
            outcomes = [evaluate(w, case, cancer, kb) for w in rule.any]
            if any(o.value is True for o in outcomes):
                prov = Provenance(
                    source="derived",
                    text=f"T category {rule.group} derived from the tumour size",
                    field=model.id,
                )
                return cancer.model_copy(
                    update={
                        "tnm": cancer.tnm.model_copy(update={"t": rule.group}),
                        "provenance": [*cancer.provenance, prov],
                    }
                )
            if any(o.value is None for o in outcomes):
                return cancer  # a larger category cannot be ruled out
    return cancer


def _stage_from_tnm(case: Case, cancer: Cancer, kb: KnowledgeBase) -> Cancer:
    """Stage group from T, N and M when only TNM was given. A report giving T and N without M is
    read as M0 unless spread is mentioned anywhere; the provenance says that was assumed."""
    if cancer.stage_group or not (cancer.tnm.t or cancer.tnm.n):
        return cancer
    models = [m for m in kb.stage_models if m.cancer == cancer.type and not is_t_model(m)]
    if not models:
        return cancer
    probe, note = cancer, "stage group derived from TNM"
    if not cancer.tnm.m and not cancer.metastatic_sites and cancer.setting != "metastatic":
        probe = cancer.model_copy(update={"tnm": cancer.tnm.model_copy(update={"m": "M0"})})
        note += " (M0 assumed: no distant spread was mentioned)"
    undecided: Cancer | None = None
    for model in models:
        # several tables for one type (e.g. by primary site): the first that decides gives the stage
        decided = True
        for rule in model.rules:
            outcomes = [evaluate(w, case, probe, kb) for w in rule.any]
            if any(o.value is True for o in outcomes):
                prov = Provenance(source="derived", text=note, field=model.id)
                return cancer.model_copy(
                    update={"stage_group": rule.group, "provenance": [*cancer.provenance, prov]}
                )
            if any(o.value is None for o in outcomes):
                # a higher stage cannot be ruled out; only a missing T, N or M leaves the common
                # reading of TNM open (a missing biomarker decides which table applies)
                unknown = {f for o in outcomes if o.value is None for f in o.unknown}
                if undecided is None:
                    undecided = _setting_from_tnm(cancer, probe) if unknown <= _TNM_FACTS else cancer
                decided = False
                break
        if decided and undecided is None:
            break  # no rule holds and none is unknown: the table says no group
    return undecided if undecided is not None else _setting_from_tnm(cancer, probe)


# an unknown age leaves the stage group of an age-dependent table (thyroid) open, not the setting
_TNM_FACTS = {"T category", "nodal status (N)", "distant spread (M)", "age"}


def _setting_from_tnm(cancer: Cancer, probe: Cancer) -> Cancer:
    """The setting TNM gives for solid cancers in general, when the stage table of the type leaves
    the combination unstaged (e.g. clinical and pathological tables disagree on the sub-group):
    regional nodes (N1-3) or T4 -> locally advanced; T0-2 (or Tis) with no node involvement
    stated -> localized, as the text intake reads TNM for types without a table. T3 N0 differs
    between cancers and stays unknown. The stage group stays unknown; the provenance says so."""
    if cancer.setting is not None or cancer.metastatic_sites:
        return cancer
    t, n, m = (_bare(x) for x in (probe.tnm.t, probe.tnm.n, probe.tnm.m))
    if m.startswith("M1") or m not in ("", "M0"):
        return cancer
    setting: Setting | None = None
    if re.match(r"N[1-3]", n) or t.startswith("T4"):
        setting = "locally_advanced"
    elif t.endswith("+"):
        setting = None  # 'at least T2': T3 or T4 cannot be ruled out
    elif re.match(r"T(?:IS|[012])", t) and n in ("", "N0"):
        setting = "localized"
    if setting is None:
        return cancer
    prov = Provenance(
        source="derived", text=f"setting derived from TNM ({' '.join(x for x in (t, n, m) if x)})"
    )
    return cancer.model_copy(update={"setting": setting, "provenance": [*cancer.provenance, prov]})


def _bare(value: str | None) -> str:
    return re.sub(r"^[cpyruaCPYRUA]+(?=[TNM])", "", (value or "").strip()).upper()


def _ecog_from_karnofsky(karnofsky: int) -> int:
    """Published equivalence of the two scales (Oken 1982; Buccheri 1996)."""
    if karnofsky >= 90:
        return 0
    if karnofsky >= 70:
        return 1
    if karnofsky >= 50:
        return 2
    if karnofsky >= 30:
        return 3
    return 4


def _group_biomarkers(case: Case, kb: KnowledgeBase) -> list[Biomarker]:
    added: list[Biomarker] = []
    for b in kb.biomarkers.values():
        if not b.members or case.biomarker(b.id):
            continue
        results = [case.biomarker(m) for m in b.members]
        statuses = [r.status if r else None for r in results]
        if "positive" in statuses:
            hit = next(r for r in results if r and r.status == "positive")
            added.append(
                Biomarker(
                    name=b.id, status="positive", detail=hit.detail, provenance=[_DERIVED, *hit.provenance]
                )
            )
        elif statuses and all(s == "negative" for s in statuses):
            added.append(Biomarker(name=b.id, status="negative", provenance=[_DERIVED]))
    return added


# A result that is one member of a broader marker some pathways ask about instead: a 17p deletion is
# one of the high-risk myeloma cytogenetic changes (IMWG). (source, broader, detail)
_MEMBER_OF = [("DEL17P", "CYTO_HIGH_RISK", "del(17p)")]


def _broader_results(case: Case, kb: KnowledgeBase) -> list[Biomarker]:
    """The broader marker's result from a member's, for cancer types whose pathways ask about the
    broader marker and never the member (myeloma asks for high-risk cytogenetics, CLL for the 17p
    deletion itself). The detail names the member, so a negative says only that this change is absent."""
    types = {c.type for c in case.cancers if c.type}
    added: list[Biomarker] = []
    for source, broader, detail in _MEMBER_OF:
        if source not in kb.biomarkers or broader not in kb.biomarkers:
            continue
        asked = {
            b
            for p in kb.pathways
            if p.cancer in types
            for b in (
                *(t.biomarker for t in p.tests),
                *(x for t in p.tests for x in t.also_answered_by),
                *(c.name for c in p.when.biomarkers),
                *(c.name for c in p.when.biomarkers_any),
            )
        }
        if broader not in asked or source in asked:
            continue
        for r in case.biomarkers:
            if r.name != source or r.status not in ("positive", "negative"):
                continue
            if any(
                o.name == broader and o.status == r.status and o.detail == detail for o in case.biomarkers
            ):
                continue
            added.append(
                Biomarker(name=broader, status=r.status, detail=detail, provenance=[_DERIVED, *r.provenance])
            )
    return added


# Illnesses that can make immune checkpoint inhibitors unsafe (the pivotal trials left them out):
# recorded by the intake as comorbidities when the person mentions them.
_IMMUNOTHERAPY_RISKS = {"autoimmune disease", "organ transplant", "interstitial lung disease"}
IMMUNOTHERAPY_RISK = "immunotherapy_risk"


def _immunotherapy_risk(case: Case, cancer: Cancer, kb: KnowledgeBase) -> dict[str, float | str]:
    """A score pathways can require ('none mentioned') before calling immunotherapy missing: it
    says whether the person mentioned an illness that can make it unsafe. Like an unstated
    recurrence, an unmentioned illness is read as absent; it is derived only for cancer types whose
    pathways ask for it, so other cases do not carry it."""
    asked = any(
        sc.name == IMMUNOTHERAPY_RISK for p in kb.pathways if p.cancer == cancer.type for sc in p.when.scores
    )
    if not asked or IMMUNOTHERAPY_RISK in cancer.scores:
        return cancer.scores
    risky = any(c.name in _IMMUNOTHERAPY_RISKS for c in case.patient.comorbidities)
    return {**cancer.scores, IMMUNOTHERAPY_RISK: "present" if risky else "none mentioned"}


def normalise(case: Case, kb: KnowledgeBase) -> Case:
    """Return a new case with derived facts filled in; stated facts are never overwritten."""
    cancers = []
    for cancer in case.cancers:
        ctype = kb.cancers.get(cancer.type or "")
        cancer = _t_from_size(case, cancer, kb)
        cancer = _stage_from_tnm(case, cancer, kb)
        setting = derive_setting(cancer, ctype)
        scores = _gleason_and_grade_group(cancer.scores) if cancer.type == "prostate" else cancer.scores
        scores = _immunotherapy_risk(case, cancer.model_copy(update={"scores": scores}), kb)
        cancers.append(cancer.model_copy(update={"setting": setting, "scores": scores}))
    patient = case.patient
    if patient.ecog is None and patient.karnofsky is not None:
        patient = patient.model_copy(update={"ecog": _ecog_from_karnofsky(patient.karnofsky)})
    case = case.model_copy(
        update={
            "patient": patient,
            "cancers": cancers,
            "plan": [expand_item(i, kb) for i in case.plan],
            "history": [expand_item(i, kb) for i in case.history],
        }
    )
    case = case.model_copy(update={"biomarkers": [*case.biomarkers, *_broader_results(case, kb)]})
    case = case.model_copy(update={"biomarkers": [*case.biomarkers, *_group_biomarkers(case, kb)]})
    with_risk = []
    for cancer in case.cancers:
        if cancer.risk_group is None:
            cancer = cancer.model_copy(update={"risk_group": _risk_group(case, cancer, kb)})
        with_risk.append(cancer)
    return case.model_copy(update={"cancers": with_risk})
