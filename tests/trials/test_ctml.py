"""MatchMiner CTML trials read into Trials with per-arm criteria; MatchMiner's own test data."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from secondopinion.errors import InputError
from secondopinion.knowledge.loader import default_knowledge_base
from secondopinion.trials.ctgov import BadRecord, iter_ctgov_trials
from secondopinion.trials.ctml import iter_ctml_trials, match_paths, parse_ctml
from secondopinion.trials.model import Criterion, Trial

DATA = Path(__file__).resolve().parents[1] / "data" / "trials" / "ctml"
KB = default_knowledge_base()
TRIAL_FILES = sorted(p for p in DATA.iterdir() if p.suffix in (".json", ".yaml"))


def read(name: str) -> list[Trial]:
    found = list(iter_ctml_trials((DATA / name).read_bytes(), name, KB))
    assert all(isinstance(t, Trial) for t in found), found
    return found  # type: ignore[return-value]


def arm_criteria(trial: Trial, arm: str) -> list[Criterion]:
    return [c for c in trial.criteria if c.arm == arm]


def test_every_matchminer_trial_is_read():
    count = 0
    for path in TRIAL_FILES:
        found = read(path.name)
        assert found, path.name
        for trial in found:
            count += 1
            assert trial.source_format == "ctml"
            assert trial.criteria, path.name
            assert all(c.arm is not None for c in trial.criteria)
            assert all(c.text in trial.eligibility_text for c in trial.criteria)
    assert count == 27  # 24 single-trial files, a JSON array of 2 and two concatenated JSON documents


def test_several_trials_in_one_file():
    assert [t.nct_id for t in read("trials_json_array.json")] == ["11-111", "22-222"]
    assert [t.nct_id for t in read("two_trials_one_doc.json")] == ["11-111", "22-222"]


def test_a_trial_without_protocol_number_takes_its_file_name():
    (trial,) = read("trials_11-112.json")
    assert trial.nct_id == "trials_11-112"


def test_yaml_and_json_of_one_trial_agree():
    (from_yaml,) = read("11-112.yaml")
    (from_json,) = read("trials_11-112.json")
    assert [c.model_dump(exclude={"text"}) for c in from_yaml.criteria] == [
        c.model_dump(exclude={"text"}) for c in from_json.criteria
    ]


def test_an_arm_or_of_diagnoses_becomes_one_cancer_type_criterion():
    (trial,) = read("11-112.yaml")
    arm1 = arm_criteria(trial, "ARM1")
    assert [c.type for c in arm1] == ["biomarker", "age", "cancer_type"]
    braf, age, cancer = arm1
    assert (braf.gene, braf.alteration, braf.biomarker_status, braf.inclusion) == (
        "BRAF",
        "V600",
        "positive",
        True,
    )
    assert age.min_age == 18
    assert "melanoma" in cancer.cancer_types and "uveal_melanoma" in cancer.cancer_types
    assert all(c.group is None for c in arm1)
    # ARM2 asks for the same patients WITHOUT a BRAF V600 mutation.
    assert [(c.gene, c.inclusion) for c in arm_criteria(trial, "ARM2") if c.type == "biomarker"] == [
        ("BRAF", False)
    ]


def test_steps_arms_and_dose_levels_are_arms_with_their_open_state():
    (trial,) = read("integration_all_closed.json")
    assert [(a.id, a.open) for a in trial.arms] == [
        ("step 1", True),
        ("ARM 1", False),
        ("ARM 1 / dose level LEVEL 1", False),
        ("ARM 2", False),
    ]
    step = arm_criteria(trial, "step 1")
    assert {c.type for c in step} == {"biomarker", "age", "cancer_type"}
    level = arm_criteria(trial, "ARM 1 / dose level LEVEL 1")
    assert [c.text.split(": ", 1)[1] for c in level if c.type == "cancer_type"] == [
        "clinical oncotree_primary_diagnosis Pleuropulmonary Blastoma"
    ]
    (closed,) = read("integration_all_closed_trial_closed.json")
    assert not any(a.open for a in closed.arms)


def test_alternatives_carry_group_and_option():
    (trial,) = read("integration_massive_match_clause.json")
    criteria = arm_criteria(trial, "EXP 5")
    common = [c for c in criteria if c.group is None]
    assert [(c.type, c.max_age) for c in common] == [("age", 20)]
    options = {c.option for c in criteria if c.group == "EXP 5"}
    assert options == set(range(20))  # (solid >= 6 | liquid >= 8) x 10 genomic/clinical alternatives
    solid = next(
        c for c in criteria if c.type == "cancer_type" and "breast" in c.cancer_types and c.option == 0
    )
    assert "dlbcl" not in solid.cancer_types


def test_genomic_leaves():
    (trial,) = read("integration_structured_sv.json")
    by_text = {c.text.split(": ", 1)[1]: c for c in trial.criteria}
    fusion = by_text[
        "genomic hugo_symbol KIF5B, variant_category Structural Variation, "
        "fusion_partner_hugo_symbol ALK, display_name KIF5B-ALK"
    ]
    assert (fusion.gene, fusion.alteration) == ("KIF5B", "KIF5B-ALK fusion")
    tp53 = by_text["genomic hugo_symbol TP53, variant_category !Structural Variation"]
    assert (tp53.gene, tp53.inclusion, tp53.group) == ("TP53", False, None)
    any_partner = by_text[
        "genomic hugo_symbol any_gene, variant_category Structural Variation, "
        "fusion_partner_hugo_symbol any_gene"
    ]
    assert any_partner.type == "unparsed"


def test_clinical_and_signature_leaves():
    (tmb,) = read("integration_tmb.json")
    values = sorted(((c.value_min, c.value_max) for c in tmb.criteria), key=str)
    assert values == sorted([(10, None), (15, None), (40, 40), (None, 40), (None, 40)], key=str)
    assert {c.gene for c in tmb.criteria} == {"TMB"}
    (signatures,) = read("integration_signatures.json")
    assert {c.type for c in signatures.criteria} == {
        "unparsed"
    }  # mutational signatures: for a person to read
    (massive,) = read("integration_massive_match_clause.json")
    msi = {(c.text.split("genomic ", 1)[1], c.inclusion) for c in massive.criteria if c.gene == "MSI"}
    assert ("ms_status MSI-H", True) in msi and ("ms_status !MSI-H", False) in msi
    her2 = [c for c in massive.criteria if c.gene == "ERBB2"]
    assert her2 and all(c.biomarker_status == "negative" for c in her2)


@pytest.mark.parametrize(
    ("name", "lo", "hi"),
    [("integration_older_than_18.json", 18, None), ("integration_younger_than_18.json", None, 17)],
)
def test_age_limits(name, lo, hi):
    (trial,) = read(name)
    (age,) = [c for c in trial.criteria if c.type == "age"]
    assert (age.min_age, age.max_age) == (lo, hi)


BOOLEAN = DATA / "boolean"
EXPECTED = json.loads((BOOLEAN / "get_match_paths_expected.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", sorted(k for k in EXPECTED if k != "all_cases.json"))
def test_match_paths_agree_with_matchminer(case):
    tree = json.loads((BOOLEAN / case).read_text(encoding="utf-8"))
    expected = {
        frozenset(key for level in path["criteria_list"] for crit in level["criteria"] for key in crit)
        for path in EXPECTED[case]
    }
    assert {frozenset(key for _, key, _ in path) for path in match_paths(tree)} == expected


def test_ctml_json_is_also_recognised_by_the_registry_reader():
    data = (DATA / "integration_tmb.json").read_bytes()
    (trial,) = iter_ctgov_trials(data, "tmb.json", KB)
    assert isinstance(trial, Trial) and trial.source_format == "ctml"


def test_bad_documents():
    found = list(
        iter_ctml_trials(
            b'[{"protocol_no": "1"}, {"protocol_no": "2", "treatment_list": {"step": []}}]', "x.json", KB
        )
    )
    assert isinstance(found[0], BadRecord) and "treatment_list" in found[0].reason
    assert isinstance(found[1], Trial) and found[1].criteria == []
    with pytest.raises(InputError, match="YAML"):
        list(iter_ctml_trials(b"protocol_no: [unclosed", "x.yaml", KB))
    with pytest.raises(InputError, match="JSON"):
        list(iter_ctml_trials(b'{"protocol_no": ', "x.json", KB))
    with pytest.raises(InputError, match="empty"):
        list(iter_ctml_trials(b"  ", "x.yaml", KB))
    with pytest.raises(InputError):
        parse_ctml({"treatment_list": {}}, KB)  # no id at all


def test_a_tree_with_too_many_alternatives_is_left_to_a_person():
    wide = {"or": [{"clinical": {"age_numerical": f">={i}"}} for i in range(30)]}
    tree = {"and": [wide, wide]}
    trial = parse_ctml(
        {"protocol_no": "X-1", "treatment_list": {"step": [{"arm": [{"arm_code": "A", "match": [tree]}]}]}},
        KB,
    )
    (only,) = trial.criteria
    assert only.type == "unparsed" and "alternatives" in only.text


# --- properties -----------------------------------------------------------------------------

BASE = yaml.safe_load((DATA / "11-112.yaml").read_text(encoding="utf-8"))
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                ["and", "or", "genomic", "clinical", "match", "arm", "hugo_symbol", "age_numerical", "x"]
            ),
            inner,
            max_size=4,
        )
    ),
    max_leaves=15,
)
PROPS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPS
@given(JSON_VALUES, st.sampled_from(["step", "arm", "match", "leaf"]))
def test_corrupted_ctml_gives_a_trial_or_an_input_error(value, where):
    obj = copy.deepcopy(BASE)
    step = obj["treatment_list"]["step"][0]
    if where == "step":
        obj["treatment_list"]["step"] = value
    elif where == "arm":
        step["arm"] = value
    elif where == "match":
        step["arm"][0]["match"] = value
    else:
        step["arm"][0]["match"][0]["and"][0] = value
    try:
        trial = parse_ctml(obj, KB)
    except InputError:
        return
    assert all(c.text in trial.eligibility_text for c in trial.criteria)


@PROPS
@given(st.binary(max_size=400))
def test_arbitrary_bytes_give_trials_or_one_input_error(data):
    try:
        found = list(iter_ctml_trials(data, "fuzz", KB))
    except InputError:
        return
    assert all(isinstance(t, Trial | BadRecord) for t in found)
