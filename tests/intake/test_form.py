"""Structured case files: validated against the case model, with one-line errors."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from secondopinion.errors import InputError
from secondopinion.intake.form import parse_json, parse_yaml


def test_a_single_cancer_may_be_given_without_a_list():
    case = parse_yaml("cancer: {type: nsclc, stage_group: IV}\n", "c.yaml")
    assert case.cancers[0].type == "nsclc"


def test_every_fact_records_the_field_it_came_from():
    case = parse_yaml("cancer: {type: nsclc}\nbiomarkers: [{name: EGFR, status: positive}]\n", "c.yaml")
    prov = case.biomarkers[0].provenance[0]
    assert (prov.source, prov.document, prov.field) == ("form", "c.yaml", "biomarkers[0]")


def test_a_misspelt_field_is_named_in_one_line():
    with pytest.raises(InputError) as err:
        parse_yaml("cancer: {type: nsclc, stgae: IV}\n", "c.yaml")
    assert "cancers.0.stgae" in str(err.value)
    assert "\n" not in str(err.value)


def test_an_invalid_status_is_refused_with_the_field():
    with pytest.raises(InputError, match=r"biomarkers\.0\.status"):
        parse_json('{"biomarkers": [{"name": "EGFR", "status": "maybe"}]}', "c.json")


def test_broken_yaml_names_the_line():
    with pytest.raises(InputError, match=r"not valid YAML at line \d"):
        parse_yaml("cancer:\n  type: [nsclc\n", "c.yaml")


def test_a_list_at_the_top_level_is_refused():
    with pytest.raises(InputError, match="mapping"):
        parse_yaml("- a\n- b\n", "c.yaml")


@given(st.text(max_size=300))
def test_any_text_is_parsed_or_refused_with_an_input_error(text):
    try:
        parse_yaml(text, "c.yaml")
    except InputError as exc:
        assert "\n" not in str(exc)


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=10),
        lambda children: (
            st.lists(children, max_size=3)
            | st.dictionaries(
                st.sampled_from(["patient", "cancer", "plan", "age", "type", "x"]), children, max_size=3
            )
        ),
        max_leaves=12,
    )
)
def test_any_json_structure_is_parsed_or_refused_with_an_input_error(value):
    import json

    with contextlib.suppress(InputError):
        parse_json(json.dumps(value), "c.json")
