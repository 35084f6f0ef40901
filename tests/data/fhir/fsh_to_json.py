"""Converts the FHIR Shorthand (FSH) instances used as test fixtures into FHIR JSON bundles.

SUSHI, the reference FSH compiler, needs the FHIR package registry; this is a small converter for
the subset of FSH the mCODE IG and mcode-omop examples use: assignment rules with aliases, codes,
quantities, references, soft indexing and named slices. Slice names resolve through the tables
below, copied from the mCODE STU4 and Genomics Reporting profiles. Element cardinality comes from
the fhir.resources R4B models, so arrays are arrays whatever the FSH wrote.

Run from the repository root to regenerate the fixtures (it reads ../shared/data, which the
tests never do):  python tests/data/fhir/fsh_to_json.py /path/to/shared/data
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
MCODE = "http://hl7.org/fhir/us/mcode/StructureDefinition/"
USCORE = "http://hl7.org/fhir/us/core/StructureDefinition/"
GR = "http://hl7.org/fhir/uv/genomics-reporting/StructureDefinition/"
TBD = "http://hl7.org/fhir/uv/genomics-reporting/CodeSystem/tbd-codes-cs"
LOINC = "http://loinc.org"

ALIASES = {
    "LNC": LOINC,
    "SCT": "http://snomed.info/sct",
    "UCUM": "http://unitsofmeasure.org",
    "ICD10CM": "http://hl7.org/fhir/sid/icd-10-cm",
    "RXN": "http://www.nlm.nih.gov/research/umls/rxnorm",
    "HGNC": "http://www.genenames.org",
    "HGVS": "http://varnomen.hgvs.org",
    "AJCC": "http://cancerstaging.org",
    "GTR": "http://www.ncbi.nlm.nih.gov/gtr",
    "CLINVAR": "http://www.ncbi.nlm.nih.gov/clinvar",
    "SO": "http://www.sequenceontology.org/",
    "NCI": "http://ncicb.nci.nih.gov/xml/owl/EVS/Thesaurus.owl",
    "NCIT": "http://ncicb.nci.nih.gov/xml/owl/EVS/Thesaurus.owl",
    "OmbRaceCat": "urn:oid:2.16.840.1.113883.6.238",
    "ICDO3": "http://terminology.hl7.org/CodeSystem/icd-o-3",
    "IDTYPE": "http://terminology.hl7.org/CodeSystem/v2-0203",
    "SPTY": "http://terminology.hl7.org/CodeSystem/v2-0487",
    "CondCat": "http://terminology.hl7.org/CodeSystem/condition-category",
    "ClinStatus": "http://terminology.hl7.org/CodeSystem/condition-clinical",
    "VerStatus": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
    "ObsCat": "http://terminology.hl7.org/CodeSystem/observation-category",
    "ObsStatus": "http://hl7.org/fhir/observation-status",
    "ObsInt": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation",
    "TimingAbbreviation": "http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation",
    "MedReqStatus": "http://hl7.org/fhir/CodeSystem/medicationrequest-status",
    "MedReqIntent": "http://hl7.org/fhir/CodeSystem/medicationrequest-intent",
    "MedReqCat": "http://terminology.hl7.org/CodeSystem/medicationrequest-category",
    "RefMeaning": "http://terminology.hl7.org/CodeSystem/referencerange-meaning",
    "AbsentReason": "http://terminology.hl7.org/CodeSystem/data-absent-reason",
    "NULLFLAVOR": "http://terminology.hl7.org/CodeSystem/v3-NullFlavor",
    "NCBI": "http://www.ncbi.nlm.nih.gov/refseq",
    "ENTREZ": "https://www.ncbi.nlm.nih.gov/gene",
    "USCoreRace": USCORE + "us-core-race",
    "USCoreEthnicity": USCORE + "us-core-ethnicity",
    "USCoreBirthSex": USCORE + "us-core-birthsex",
}

# InstanceOf -> (resourceType, profile URL or None, fixed elements set by the profile)
PROFILES: dict[str, tuple[str, str | None, dict[str, Any]]] = {
    "CancerPatient": ("Patient", MCODE + "mcode-cancer-patient", {}),
    "PrimaryCancerCondition": ("Condition", MCODE + "mcode-primary-cancer-condition", {}),
    "SecondaryCancerCondition": ("Condition", MCODE + "mcode-secondary-cancer-condition", {}),
    "USCoreCondition": ("Condition", USCORE + "us-core-condition", {}),
    "USCoreProcedure": ("Procedure", USCORE + "us-core-procedure", {}),
    "USCoreObservationLab": ("Observation", USCORE + "us-core-observation-lab", {}),
    "USCoreDiagnosticReportLab": ("DiagnosticReport", USCORE + "us-core-diagnosticreport-lab", {}),
    "USCoreSmokingStatusProfile": ("Observation", USCORE + "us-core-smokingstatus", {}),
    "USCorePractitioner": ("Practitioner", USCORE + "us-core-practitioner", {}),
    "USCoreOrganization": ("Organization", USCORE + "us-core-organization", {}),
    "Practitioner": ("Practitioner", None, {}),
    "Organization": ("Organization", None, {}),
    "ServiceRequest": ("ServiceRequest", None, {}),
    "Observation": ("Observation", None, {}),
    "FamilyMemberHistory": ("FamilyMemberHistory", None, {}),
    "HumanSpecimen": ("Specimen", MCODE + "mcode-human-specimen", {}),
    "Comorbidities": (
        "Observation",
        MCODE + "mcode-comorbidities",
        {"code": {"coding": [{"system": ALIASES["SCT"], "code": "398192003"}]}},
    ),
    "ECOGPerformanceStatus": (
        "Observation",
        MCODE + "mcode-ecog-performance-status",
        {"code": {"coding": [{"system": LOINC, "code": "89247-1"}]}},
    ),
    "KarnofskyPerformanceStatus": (
        "Observation",
        MCODE + "mcode-karnofsky-performance-status",
        {"code": {"coding": [{"system": LOINC, "code": "89243-0"}]}},
    ),
    "http://hl7.org/fhir/StructureDefinition/bodyweight": (
        "Observation",
        "http://hl7.org/fhir/StructureDefinition/bodyweight",
        {
            "code": {"coding": [{"system": LOINC, "code": "29463-7"}]},
            "category": [{"coding": [{"system": ALIASES["ObsCat"], "code": "vital-signs"}]}],
        },
    ),
    "http://hl7.org/fhir/StructureDefinition/bodyheight": (
        "Observation",
        "http://hl7.org/fhir/StructureDefinition/bodyheight",
        {
            "code": {"coding": [{"system": LOINC, "code": "8302-2"}]},
            "category": [{"coding": [{"system": ALIASES["ObsCat"], "code": "vital-signs"}]}],
        },
    ),
    "TNMStageGroup": ("Observation", MCODE + "mcode-tnm-stage-group", {}),
    "CancerStageGroup": ("Observation", MCODE + "mcode-cancer-stage-group", {}),
    "TNMPrimaryTumorCategory": ("Observation", MCODE + "mcode-tnm-primary-tumor-category", {}),
    "TNMRegionalNodesCategory": ("Observation", MCODE + "mcode-tnm-regional-nodes-category", {}),
    "TNMDistantMetastasesCategory": ("Observation", MCODE + "mcode-tnm-distant-metastases-category", {}),
    "TumorMarkerTest": ("Observation", MCODE + "mcode-tumor-marker-test", {}),
    "GenomicsReport": ("DiagnosticReport", MCODE + "mcode-genomics-report", {}),
    "mcode-genomics-report": ("DiagnosticReport", MCODE + "mcode-genomics-report", {}),
    "GenomicRegionStudied": (
        "Observation",
        MCODE + "mcode-genomic-region-studied",
        {"code": {"coding": [{"system": LOINC, "code": "53041-0"}]}},
    ),
    "GenomicVariant": (
        "Observation",
        MCODE + "mcode-genomic-variant",
        {"code": {"coding": [{"system": LOINC, "code": "69548-6"}]}},
    ),
    "DiagnosticImplication": (
        "Observation",
        GR + "diagnostic-implication",
        {"code": {"coding": [{"system": TBD, "code": "diagnostic-implication"}]}},
    ),
    "CGTherapeuticImplication": (
        "Observation",
        GR + "therapeutic-implication",
        {"code": {"coding": [{"system": TBD, "code": "therapeutic-implication"}]}},
    ),
    "TMB": ("Observation", GR + "tmb", {"code": {"coding": [{"system": LOINC, "code": "94076-7"}]}}),
    "MSI": ("Observation", GR + "msi", {"code": {"coding": [{"system": LOINC, "code": "81695-9"}]}}),
    "CancerRelatedSurgicalProcedure": ("Procedure", MCODE + "mcode-cancer-related-surgical-procedure", {}),
    "CancerRelatedMedicationRequest": (
        "MedicationRequest",
        MCODE + "mcode-cancer-related-medication-request",
        {},
    ),
    "CancerRelatedMedicationAdministration": (
        "MedicationAdministration",
        MCODE + "mcode-cancer-related-medication-administration",
        {},
    ),
    "RadiotherapyCourseSummary": ("Procedure", MCODE + "mcode-radiotherapy-course-summary", {}),
    "RadiotherapyVolume": ("BodyStructure", MCODE + "mcode-radiotherapy-volume", {}),
    "Tumor": ("BodyStructure", MCODE + "mcode-tumor", {}),
    "TumorSize": (
        "Observation",
        MCODE + "mcode-tumor-size",
        {"code": {"coding": [{"system": LOINC, "code": "21889-1"}]}},
    ),
    "CancerDiseaseStatus": (
        "Observation",
        MCODE + "mcode-cancer-disease-status",
        {"code": {"coding": [{"system": LOINC, "code": "97509-4"}]}},
    ),
    "HistoryOfMetastaticCancer": ("Observation", MCODE + "mcode-history-of-metastatic-cancer", {}),
    "TumorMorphology": (
        "Observation",
        MCODE + "mcode-tumor-morphology",
        {"code": {"coding": [{"system": LOINC, "code": "77753-2"}]}},
    ),
    "HistologicBehaviorAndType": (
        "Observation",
        MCODE + "mcode-histologic-behavior-and-type",
        {"code": {"coding": [{"system": LOINC, "code": "31206-6"}]}},
    ),
    "HistologicGrade": (
        "Observation",
        MCODE + "mcode-histologic-grade",
        {"code": {"coding": [{"system": ALIASES["NCIT"], "code": "C18000"}]}},
    ),
}

EXTENSION_SLICES = {
    "histologyMorphologyBehavior": MCODE + "mcode-histology-morphology-behavior",
    "lateralityQualifier": MCODE + "mcode-laterality-qualifier",
    "locationQualifier": MCODE + "mcode-body-location-qualifier",
    "relatedPrimaryCancerCondition": MCODE + "mcode-related-primary-cancer-condition",
    "relatedCondition": MCODE + "mcode-related-condition",
    "comorbidConditionPresent": MCODE + "mcode-related-condition",
    "comorbidConditionAbsent": MCODE + "mcode-related-condition-absent",
    "treatmentIntent": MCODE + "mcode-procedure-intent",
    "normalizationBasis": MCODE + "mcode-normalization-basis",
    "evidenceType": MCODE + "mcode-evidence-type",
    "actualNumberOfSessions": MCODE + "mcode-radiotherapy-sessions",
    "modalityAndTechnique": MCODE + "mcode-radiotherapy-modality-and-technique",
    "doseDeliveredToVolume": MCODE + "mcode-radiotherapy-dose-delivered-to-volume",
    "condition-assertedDate": "http://hl7.org/fhir/StructureDefinition/condition-assertedDate",
    "race": USCORE + "us-core-race",
    "ethnicity": USCORE + "us-core-ethnicity",
    "birthsex": USCORE + "us-core-birthsex",
}


def _loinc(code: str) -> dict[str, Any]:
    return {"coding": [{"system": LOINC, "code": code}]}


COMPONENT_SLICES = {
    "gene-studied": _loinc("48018-6"),
    "variation-code": _loinc("81252-9"),
    "genomic-hgvs": _loinc("81290-9"),
    "genomic-source-class": _loinc("48002-0"),
    "transcript-ref-seq": _loinc("51958-7"),
    "coding-hgvs": _loinc("48004-6"),
    "protein-hgvs": _loinc("48005-3"),
    "coding-change-type": _loinc("48019-4"),
    "sample-allelic-frequency": _loinc("81258-6"),
    "reference-sequence-assembly": _loinc("62374-4"),
    "molecular-consequence": {"coding": [{"system": TBD, "code": "molecular-consequence"}]},
    "functional-effect": {"coding": [{"system": TBD, "code": "functional-effect"}]},
    "clinical-significance": _loinc("53037-8"),
    "medication-assessed": _loinc("51963-7"),
    "predicted-therapeutic-implication": {
        "coding": [{"system": TBD, "code": "predicted-therapeutic-implication"}]
    },
    "tumorLongestDimension": _loinc("33728-7"),
    "tumorOtherDimension": _loinc("33729-5"),
}
IDENTIFIER_SLICES = {"NPI": {"system": "http://hl7.org/fhir/sid/us-npi"}}

_CODE = re.compile(r'^(?P<sys>[^\s#"]*)#(?P<code>"[^"]*"|\S+)(?:\s+"(?P<display>(?:[^"\\]|\\.)*)")?$')
_QTY = re.compile(r"^(?P<num>-?\d+(?:\.\d+)?)\s+'(?P<unit>[^']*)'(?:\s+\"(?P<display>[^\"]*)\")?$")


def _strip_comments(text: str) -> str:
    """Drop // line comments (not the // of a URL) and /* block */ comments, outside strings."""
    out: list[str] = []
    i, n = 0, len(text)
    in_str = in_block = False
    while i < n:
        ch, pair = text[i], text[i : i + 2]
        if in_block:
            if pair == "*/":
                in_block = False
                i += 2
                continue
            if ch == "\n":
                out.append(ch)
            i += 1
            continue
        if ch == '"':
            in_str = not in_str
        elif not in_str and pair == "//" and (i == 0 or text[i - 1] in " \t\n"):
            while i < n and text[i] != "\n":
                i += 1
            continue
        elif not in_str and pair == "/*":
            in_block = True
            i += 2
            continue
        elif ch == "\n":
            in_str = False
        out.append(ch)
        i += 1
    return "".join(out)


def read_instances(*files: Path) -> dict[str, dict[str, Any]]:
    """Instance name -> {'of': InstanceOf, 'rules': [(path, value)]}, in file order."""
    instances: dict[str, dict[str, Any]] = {}
    for f in files:
        current: dict[str, Any] | None = None
        context: list[tuple[int, str]] = []
        for line in _strip_comments(f.read_text(encoding="utf-8")).splitlines():
            if line.startswith("Instance:"):
                name = line.split(":", 1)[1].strip()
                current = instances.setdefault(name, {"of": None, "rules": []})
                context = []
            elif line.startswith("InstanceOf:") and current is not None:
                current["of"] = line.split(":", 1)[1].strip()
            elif re.match(r"^\s*\*\s", line) and current is not None:
                indent = len(line) - len(line.lstrip())
                rule = line.strip()[1:].strip()
                context = [(i, p) for i, p in context if i < indent]
                prefix = ".".join(p for _, p in context)
                if "=" in rule and not rule.startswith("insert"):
                    path, value = (x.strip() for x in rule.split("=", 1))
                    full = f"{prefix}.{path}" if prefix else path
                    current["rules"].append((full, value))
                    context.append((indent, path))
                else:
                    full = f"{prefix}.{rule}" if prefix else rule
                    context.append((indent, rule))
    return instances


def _segments(path: str) -> list[tuple[str, list[str]]]:
    out = []
    for seg in re.findall(r"[^.\[\]]+(?:\[[^\]]*\])*", path):
        name = seg.split("[", 1)[0]
        out.append((name, re.findall(r"\[([^\]]*)\]", seg)))
    return out


def _field(model: Any, name: str) -> tuple[bool, Any]:
    """(is a list, element model or None for primitives) of a field of a fhir.resources model."""
    from fhir.resources.R4B import get_fhir_model_class

    if model is None or name not in model.model_fields:
        return False, None
    ann = model.model_fields[name].annotation
    is_list = "List[" in str(ann) or "list[" in str(ann)
    names = re.findall(r"abc\.(\w+)Type", str(ann))
    element = None
    if names:
        try:
            element = get_fhir_model_class(names[0])
        except (KeyError, ValueError):
            element = None
    return is_list, element


class _Builder:
    def __init__(self, instances: dict[str, dict[str, Any]]) -> None:
        self.instances = instances

    def resource_type(self, name: str) -> str:
        of = self.instances[name]["of"]
        return PROFILES[of][0]

    def reference(self, target: str) -> dict[str, str]:
        if "/" in target:
            return {"reference": target}
        if target not in self.instances:
            raise KeyError(f"reference to an instance not converted: {target}")
        return {"reference": f"{self.resource_type(target)}/{target}"}

    def value(self, raw: str, model: Any, name: str) -> Any:
        raw = raw.strip()
        m = re.match(r"^Reference\((.+)\)$", raw)
        if m:
            return self.reference(m.group(1).strip())
        if raw.startswith('"') and raw.endswith('"'):
            return raw[1:-1].replace('\\"', '"')
        if raw in ("true", "false"):
            return raw == "true"
        q = _QTY.match(raw)
        if q:
            num = float(q.group("num")) if "." in q.group("num") else int(q.group("num"))
            out: dict[str, Any] = {"value": num, "system": ALIASES["UCUM"], "code": q.group("unit")}
            out["unit"] = q.group("display") or q.group("unit")
            return out
        c = _CODE.match(raw)
        if c:
            system = ALIASES.get(c.group("sys"), c.group("sys"))
            code = c.group("code").strip('"')
            coding = {"system": system, "code": code} if system else {"code": code}
            if c.group("display"):
                coding["display"] = c.group("display")
            _, element = _field(model, name)
            kind = element.__name__ if element is not None else None
            if kind == "CodeableConcept":
                return {"coding": [coding]}
            if kind == "Coding":
                return coding
            return code
        if re.match(r"^-?\d+$", raw):
            return int(raw)
        if re.match(r"^-?\d+\.\d+$", raw):
            return float(raw)
        return raw

    def build(self, name: str) -> dict[str, Any]:
        from fhir.resources.R4B import get_fhir_model_class

        of = self.instances[name]["of"]
        rtype, profile, fixed = PROFILES[of]
        resource: dict[str, Any] = {"resourceType": rtype, "id": name}
        if profile:
            resource["meta"] = {"profile": [profile]}
        resource.update(json.loads(json.dumps(fixed)))
        model = get_fhir_model_class(rtype)
        for path, raw in self.instances[name]["rules"]:
            self.assign(resource, model, _segments(path), raw)
        return _untag(resource)

    def assign(self, node: dict[str, Any], model: Any, segs: list[tuple[str, list[str]]], raw: str) -> None:
        name, brackets = segs[0]
        is_list, element = _field(model, name)
        last = len(segs) == 1
        if not is_list:
            if last:
                value = self.value(raw, model, name)
                if isinstance(value, dict) and isinstance(node.get(name), dict):
                    merged = node[name]
                    if "coding" in value and "coding" in merged:
                        merged["coding"] = value["coding"]
                    merged.update({k: v for k, v in value.items() if k != "coding"})
                else:
                    node[name] = value
                return
            child = node.setdefault(name, {})
            self.assign(child, element, segs[1:], raw)
            return
        items = node.setdefault(name, [])
        item = self._item(items, name, brackets)
        if last:
            value = self.value(raw, model, name)
            index = items.index(item)
            if isinstance(value, dict) and isinstance(item, dict):
                item.update(value)
            else:
                items[index] = value
            return
        self.assign(item, element, segs[1:], raw)

    def _item(self, items: list[Any], name: str, brackets: list[str]) -> Any:
        slice_name = next((b for b in brackets if not re.match(r"^(\d+|\+|=)$", b)), None)
        index = next((b for b in brackets if re.match(r"^(\d+|\+|=)$", b)), None)
        if slice_name is not None:
            members = [i for i in items if isinstance(i, dict) and i.get("__slice") == slice_name]
            if not members:
                template = self._slice_template(name, slice_name)
                members = [i for i in items if isinstance(i, dict) and _matches(i, template)]
            pos = (
                int(index)
                if index and index.isdigit()
                else (len(members) if index == "+" else max(len(members) - 1, 0))
            )
            while len(members) <= pos:
                new = {
                    "__slice": slice_name,
                    **json.loads(json.dumps(self._slice_template(name, slice_name))),
                }
                items.append(new)
                members.append(new)
            return members[pos]
        if index == "+":
            items.append({})
        elif index == "=" or index is None:
            if not items:
                items.append({})
        else:
            while len(items) <= int(index):
                items.append({})
        return items[-1] if index in ("+", "=") else items[int(index or 0)]

    def _slice_template(self, name: str, slice_name: str) -> dict[str, Any]:
        if name == "extension":
            url = EXTENSION_SLICES.get(slice_name) or ALIASES.get(slice_name) or slice_name
            return {"url": url}
        if name == "component" and slice_name in COMPONENT_SLICES:
            return {"code": COMPONENT_SLICES[slice_name]}
        if name == "identifier" and slice_name in IDENTIFIER_SLICES:
            return dict(IDENTIFIER_SLICES[slice_name])
        return {}


def _codes(concept: Any) -> set[tuple[str, str]]:
    return {(c.get("system", ""), c.get("code", "")) for c in (concept or {}).get("coding", [])}


def _matches(item: dict[str, Any], template: dict[str, Any]) -> bool:
    """Whether an element is in a slice: same url or identifier system, or a code in common."""
    if not template:
        return False
    if "code" in template:
        return bool(_codes(item.get("code")) & _codes(template["code"]))
    return all(item.get(k) == v for k, v in template.items())


def _untag(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _untag(v) for k, v in node.items() if k != "__slice"}
    if isinstance(node, list):
        return [_untag(v) for v in node]
    return node


def bundle(instances: dict[str, dict[str, Any]], names: list[str], bundle_id: str) -> dict[str, Any]:
    builder = _Builder(instances)
    entries = []
    for name in names:
        resource = builder.build(name)
        entries.append(
            {"fullUrl": f"http://example.org/fhir/{resource['resourceType']}/{name}", "resource": resource}
        )
    return {"resourceType": "Bundle", "id": bundle_id, "type": "collection", "entry": entries}


def _about(instance: dict[str, Any], patient: str) -> bool:
    return any(path in ("subject", "patient") and patient in raw for path, raw in instance["rules"])


SYNTHEA_PATIENTS = {
    "breast-bae73dce": "bae73dce-20fa-4a6a-8e46-b2ed541f9296",
    "breast-cdef53d5": "cdef53d5-0537-4073-8874-79fa5e0346e6",
    "breast-colon-0522e580": "0522e580-6775-49f5-b471-b39624280402",
    "prostate-cae10920": None,
    "prostate-lung-b1b10f6e": None,
    "colon-73ccae2b": None,
    "colon-overlapping-8ebc4167": None,
    "colon-secondary-2e00e359": None,
}


def main(shared: Path) -> None:
    ig = shared / "mcode-ig-fsh"
    mcode = read_instances(
        ig / "EX_ExtendedExample.fsh", ig / "EX_Basic.fsh", ig / "EX_Genomics.fsh", ig / "EX_GenomeX.fsh"
    )
    jenny = [n for n in read_instances(ig / "EX_ExtendedExample.fsh") if mcode[n]["of"] in PROFILES]
    jenny = [
        n for n in jenny if not n.startswith("radiotherapy-treatment-") or n.endswith("chest-wall-jenny-m")
    ]
    jenny.append("us-core-practitioner-kyle-anydoc")
    john_names = [
        n
        for n, i in read_instances(ig / "EX_Basic.fsh", ig / "EX_Genomics.fsh").items()
        if i["of"] in PROFILES and (_about(mcode[n], "john-anyperson") or n == "human-specimen-lung")
    ]
    john = [
        "cancer-patient-john-anyperson",
        *john_names,
        "us-core-practitioner-kyle-anydoc",
        "us-core-practitioner-owen-oncologist",
    ]
    genomex = [n for n in read_instances(ig / "EX_GenomeX.fsh") if mcode[n]["of"] in PROFILES]
    genomex.append("us-core-practitioner-owen-oncologist")
    out = {
        "mcode-breast-jenny-m.json": bundle(mcode, jenny, "mcode-breast-jenny-m"),
        "mcode-nsclc-john-anyperson.json": bundle(
            mcode, list(dict.fromkeys(john)), "mcode-nsclc-john-anyperson"
        ),
        "mcode-genomics-adam-anyperson.json": bundle(mcode, genomex, "mcode-genomics-adam-anyperson"),
    }
    syn_dir = shared / "synthea-mcode-fsh"
    synthea = read_instances(*sorted(syn_dir.glob("syn_*.fsh")))
    patients = [n for n, i in synthea.items() if i["of"] == "CancerPatient"]
    for label in SYNTHEA_PATIENTS:
        prefix = label.rsplit("-", 1)[1]
        pid = next(p for p in patients if p.startswith(prefix))
        names = [pid] + [n for n, i in synthea.items() if n != pid and _about(i, pid)]
        out[f"synthea-{label}.json"] = bundle(synthea, names, f"synthea-{label}")
    for file, data in out.items():
        (HERE / file).write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"{file}: {len(data['entry'])} resources")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE.parents[3] / "shared" / "data")
