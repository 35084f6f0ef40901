"""Property tests: random and corrupted FHIR bundles never raise anything but an InputError, and
whatever is read is a valid Case."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from secondopinion.case import Case
from secondopinion.errors import InputError
from secondopinion.intake.fhir import parse_fhir

DATA = Path(__file__).parents[1] / "data" / "fhir"
FIXTURES = {
    p.name: json.loads(p.read_text())
    for p in [*DATA.glob("*.json"), *(DATA / "trial-matching").glob("*.json")]
}
EXAMPLES = int(os.environ.get("FHIR_PROPERTY_EXAMPLES", "150"))  # raise it to search harder
SETTINGS = settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(
        [
            "",
            "final",
            "active",
            "completed",
            "Patient/x",
            "urn:uuid:x",
            "#m",
            "HGNC:3236",
            "http://loinc.org",
            "http://snomed.info/sct",
            "89247-1",
            "69548-6",
            "10828004",
            "C50.9",
        ]
    ),
)
json_value = st.recursive(
    leaf,
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=10), c, max_size=3),
    max_leaves=8,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*prefix, i))
    return out


def _get(node: Any, path: tuple[Any, ...]) -> Any:
    for p in path:
        node = node[p]
    return node


def _mutate(bundle: dict[str, Any], data: st.DataObject) -> dict[str, Any]:
    for _ in range(data.draw(st.integers(1, 6))):
        paths = [p for p in _paths(bundle) if p]
        if not paths:
            break
        path = data.draw(st.sampled_from(paths))
        parent, key = _get(bundle, path[:-1]), path[-1]
        op = data.draw(st.sampled_from(["replace", "delete", "wrap", "unwrap", "duplicate"]))
        if op == "replace":
            parent[key] = data.draw(json_value)
        elif op == "delete":
            del parent[key]
        elif op == "wrap":
            parent[key] = [parent[key]]
        elif op == "unwrap" and isinstance(parent[key], list) and parent[key]:
            parent[key] = parent[key][0]
        elif op == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[key]))
    return bundle


def _read(data: Any, kb) -> None:
    try:
        case, warnings = parse_fhir(data, kb, "x.json")
    except InputError as exc:
        assert str(exc).startswith("x.json: ")
        return
    assert isinstance(case, Case)
    Case.model_validate(case.model_dump())  # what was read is a valid case
    assert all(isinstance(w, str) for w in warnings)


@SETTINGS
@given(name=st.sampled_from(sorted(FIXTURES)), data=st.data())
def test_corrupted_real_bundles_never_crash(kb, name, data):
    _read(_mutate(copy.deepcopy(FIXTURES[name]), data), kb)


resource_type = st.sampled_from(
    [
        "Patient",
        "Condition",
        "Observation",
        "MedicationRequest",
        "MedicationStatement",
        "MedicationAdministration",
        "Procedure",
        "ServiceRequest",
        "FamilyMemberHistory",
        "QuestionnaireResponse",
        "Medication",
        "Bundle",
        "Foo",
    ]
)
coding = st.fixed_dictionaries(
    {
        "system": st.sampled_from(
            [
                "http://loinc.org",
                "http://snomed.info/sct",
                "http://hl7.org/fhir/sid/icd-10-cm",
                "http://www.genenames.org",
                "urn:secondopinion:fhir:cancer-type",
                "x",
            ]
        ),
        "code": st.sampled_from(
            [
                "89247-1",
                "89243-0",
                "69548-6",
                "48018-6",
                "16112-5",
                "254837009",
                "C34.9",
                "C50",
                "HGNC:3236",
                "breast",
                "21908-9",
                "399504009",
                "",
                "1",
            ]
        ),
    },
    optional={"display": st.sampled_from(["Positive", "Negative", "Stage 3A", "cT2", "EGFR", "x"])},
)
concept = st.fixed_dictionaries(
    {}, optional={"coding": st.lists(coding, max_size=3), "text": st.text(max_size=8)}
)
resource = st.fixed_dictionaries(
    {"resourceType": resource_type},
    optional={
        "id": st.text(max_size=8),
        "status": st.sampled_from(["final", "active", "completed", "draft", "stopped", "x"]),
        "code": concept,
        "valueCodeableConcept": concept,
        "valueInteger": st.integers(-5, 200),
        "valueQuantity": st.fixed_dictionaries({"value": json_value}),
        "medicationCodeableConcept": concept,
        "subject": st.fixed_dictionaries({"reference": st.sampled_from(["Patient/p", "Patient/q", "x"])}),
        "component": st.lists(
            st.fixed_dictionaries({"code": concept, "valueCodeableConcept": concept}), max_size=3
        ),
        "stage": st.lists(st.fixed_dictionaries({"summary": concept}), max_size=2),
        "birthDate": st.sampled_from(["1960-02-29", "2999-01-01", "1950", "x"]),
        "extension": st.lists(
            st.fixed_dictionaries({"url": st.text(max_size=60), "valueCodeableConcept": concept}), max_size=2
        ),
        "meta": st.fixed_dictionaries(
            {
                "profile": st.lists(
                    st.sampled_from(
                        [
                            "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-primary-cancer-condition",
                            "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-secondary-cancer-condition",
                            "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-tumor-marker-test",
                        ]
                    ),
                    max_size=2,
                )
            }
        ),
    },
)


@SETTINGS
@given(
    resources=st.lists(resource, max_size=12),
    extra=st.dictionaries(st.text(max_size=6), json_value, max_size=2),
)
def test_random_bundles_never_crash(kb, resources, extra):
    bundle = {"resourceType": "Bundle", **extra, "entry": [{"resource": r} for r in resources]}
    _read(bundle, kb)


@SETTINGS
@given(value=json_value)
def test_any_json_never_crashes(kb, value):
    _read({"resourceType": "Bundle", "entry": value}, kb)
    _read(json.dumps(value).encode(), kb)
