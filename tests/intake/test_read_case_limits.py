"""Inputs no case looks like are refused with one line, never a crash."""

from __future__ import annotations

import pytest

from secondopinion.errors import InputError
from secondopinion.intake import read_case, read_case_with_warnings


@pytest.mark.parametrize("name", ["case.json", "notes.txt"])
def test_json_nested_thousands_deep_is_refused_in_one_line(kb, name):
    data = b'{"a":' * 50_000 + b"1" + b"}" * 50_000
    with pytest.raises(InputError, match="nested too deeply to be a case file") as refused:
        read_case(data, name, kb)
    assert "\n" not in str(refused.value)
    with pytest.raises(InputError, match="nested too deeply"):
        read_case_with_warnings(data, name, kb)
