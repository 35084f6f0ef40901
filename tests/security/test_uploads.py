"""Uploads are judged by their bytes, renamed safely, encrypted at rest and checked on every read."""

from __future__ import annotations

import contextlib
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from secondopinion.errors import InputError
from secondopinion.security import crypto, uploads

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
DICOM = b"\x00" * 128 + b"DICM" + b"\x02\x00\x00\x00UL\x04\x00"
FHIR = json.dumps({"resourceType": "Bundle", "type": "collection", "entry": []}).encode()
TEXT = "Stage II colon cancer; my surgeon proposes a hemicolectomy. Ça va?".encode()


@pytest.mark.parametrize(
    "data, kind",
    [(PDF, "pdf"), (JPEG, "jpeg"), (PNG, "png"), (DICOM, "dicom"), (FHIR, "fhir_json"), (TEXT, "text")],
)
def test_each_accepted_kind_is_recognised_from_its_bytes(data, kind):
    assert uploads.sniff(data).kind == kind


@pytest.mark.parametrize(
    "data",
    [
        b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 60,  # a Windows executable
        b"PK\x03\x04\x14\x00\x00\x00" + b"\x00" * 30,  # a zip (or .docx)
        b"\x7fELF\x02\x01\x01" + b"\x00" * 40,  # an ELF binary
        "<svg onload=alert(1)>".encode("utf-16"),  # text in disguise, with NULs
        b"\x89PNG\r\n\x1a\n" + b"garbage!",  # a PNG signature without its header
    ],
)
def test_anything_else_is_refused(data):
    with pytest.raises(uploads.UnsupportedContent):
        uploads.sniff(data)


def test_a_json_file_without_a_resource_type_is_plain_text_not_fhir():
    assert uploads.sniff(b'{"name": "x"}').kind == "text"


def test_the_name_and_the_declared_type_do_not_matter():
    """The sniffer never sees the name; the extension is replaced with the real kind's."""
    assert uploads.sanitise_filename("scan.pdf", uploads.sniff(PNG)) == "scan.png"
    assert uploads.sanitise_filename("report.exe", uploads.sniff(PDF)) == "report.pdf"


@pytest.mark.parametrize(
    "name, expected",
    [
        ("../../etc/passwd", "passwd.txt"),
        ("C:\\Users\\x\\My Report (final).pdf", "My_Report_final.txt"),
        ("<script>alert(1)</script>.txt", "script.txt"),
        ("<b onmouseover=x>.txt", "b_onmouseover_x.txt"),
        (".hidden", "document.txt"),
        ("", "document.txt"),
        (None, "document.txt"),
        ("Ärztebrief résumé.txt", "Arztebrief_resume.txt"),
    ],
)
def test_names_are_sanitised(name, expected):
    assert uploads.sanitise_filename(name, uploads.TEXT) == expected


@given(st.text(max_size=300))
def test_a_sanitised_name_is_always_safe(name):
    out = uploads.sanitise_filename(name, uploads.PDF)
    assert out.endswith(".pdf") and "/" not in out and "\\" not in out and not out.startswith(".")
    assert all(c.isascii() and (c.isalnum() or c in "._-") for c in out) and len(out) <= 84


@given(st.binary(max_size=2000))
def test_sniffing_any_bytes_either_names_a_kind_or_refuses(data):
    with contextlib.suppress(uploads.UnsupportedContent):
        assert uploads.sniff(data).kind in uploads.KINDS


def test_size_limits():
    with pytest.raises(InputError, match="empty"):
        uploads.check_size(0)
    with pytest.raises(InputError, match="larger"):
        uploads.check_size(uploads.DEFAULT_MAX_BYTES + 1)
    uploads.check_size(uploads.DEFAULT_MAX_BYTES)


def test_sealing_round_trips_and_binds_the_record():
    vault = crypto.Vault(bytes(range(32)))
    sealed = vault.seal(PDF, "document:a")
    assert PDF not in sealed and vault.open(sealed, "document:a") == PDF
    with pytest.raises(crypto.IntegrityError):
        vault.open(sealed, "document:b")  # a file moved to another record
    flipped = bytearray(sealed)
    flipped[-5] ^= 1
    with pytest.raises(crypto.IntegrityError):
        vault.open(bytes(flipped), "document:a")
    with pytest.raises(crypto.IntegrityError):
        crypto.Vault(bytes(32)).open(sealed, "document:a")  # the wrong key


def test_the_same_plaintext_never_seals_the_same_way():
    vault = crypto.Vault(bytes(range(32)))
    assert vault.seal(b"x", "a") != vault.seal(b"x", "a")


def test_keys_from_hex_base64_or_a_file(tmp_path):
    key = bytes(range(32))
    assert crypto.parse_key(key.hex()) == key
    import base64

    assert crypto.parse_key(base64.b64encode(key).decode()) == key
    path = tmp_path / "key"
    path.write_text(key.hex() + "\n")
    assert crypto.load_key({crypto.ENV_KEY_FILE: str(path)}) == key
    assert crypto.load_key({}) is None
    for bad in ("short", "00" * 31, "zz" * 32):
        with pytest.raises(InputError, match="32 random bytes"):
            crypto.parse_key(bad)
