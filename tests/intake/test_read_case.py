"""Recognising the input: content before file name, and bad input refused in one line."""

from __future__ import annotations

import pytest

from secondopinion.errors import InputError
from secondopinion.intake import read_case


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"   \n\t ", "empty"),
        (b"\x00\x01\x02binary\x00", "binary"),
        (b"%PDF-1.7\n...", "PDF"),
        ("caf\xe9 stage II colon cancer".encode("latin-1"), "UTF-8"),
    ],
)
def test_unusable_input_is_refused_with_a_reason(kb, data, message):
    with pytest.raises(InputError, match=message):
        read_case(data, "x.txt", kb)


def test_a_case_file_naming_an_unknown_cancer_type_is_refused(kb):
    with pytest.raises(InputError, match="unknown cancer type 'wombat'"):
        read_case(b"cancer: {type: wombat}\n", "c.yaml", kb)


def test_a_case_file_without_a_cancer_is_refused(kb):
    with pytest.raises(InputError, match="no cancer"):
        read_case(b"patient: {age: 50}\n", "c.yaml", kb)


def test_json_is_recognised_by_content_whatever_the_name(kb):
    case = read_case(b'{"cancer": {"type": "nsclc"}}', "case.txt", kb)
    assert case.cancers[0].type == "nsclc"


def test_utf16_with_a_byte_order_mark_is_read(kb):
    case = read_case('{"cancer": {"type": "nsclc"}}'.encode("utf-16"), "case.json", kb)
    assert case.cancers[0].type == "nsclc"


def test_fhir_is_not_mistaken_for_a_case_file(kb):
    with pytest.raises(InputError, match="FHIR"):
        read_case(b'{"resourceType": "Bundle", "entry": []}', "b.json", kb)
