"""Report documents from their pre-signed URLs: complete and unpacked, or a typed error and
no file at all."""

from __future__ import annotations

import gzip
from datetime import timedelta

import pytest

from amazon.documents import GzipStream, TooLarge, download
from amazon.errors import AmazonUnavailable, CorruptDocument, DocumentExpired
from tests.sandbox.sandbox_helpers import NOW, SETTLEMENT

MB = 1024 * 1024


@pytest.fixture
def settlement(sandbox):
    """(DocumentRef, the document's plain bytes as Seller Central offers them)."""
    partner = sandbox.selling_partner()
    entry = next(partner.reports([SETTLEMENT], created_since=NOW - timedelta(days=30)))
    ref = partner.document(entry.document_id)
    seller = sandbox.seller()["selling_partner_id"]
    plain = sandbox.http.get(
        f"{sandbox.url}/_sandbox/sellers/{seller}/documents/{entry.document_id}", timeout=10
    )
    plain.raise_for_status()
    return ref, plain.content


def test_a_settlement_arrives_unpacked_byte_for_byte(settlement, tmp_path):
    ref, plain = settlement
    assert ref.compression == "GZIP"

    path = download(ref, tmp_path / "settlement.txt", max_bytes=50 * MB)

    assert path == tmp_path / "settlement.txt"
    assert path.read_bytes() == plain
    assert plain.decode("cp1252").startswith("settlement-id\t")
    assert list(tmp_path.iterdir()) == [path]  # no partial file left behind


def test_a_truncated_gzip_is_corrupt_and_leaves_no_file(sandbox, settlement, tmp_path):
    ref, _ = settlement
    sandbox.fault(kind="truncated_gzip", times=1)

    with pytest.raises(CorruptDocument) as raised:
        download(ref, tmp_path / "settlement.txt", max_bytes=50 * MB)

    assert "unvollständig" in raised.value.message
    assert list(tmp_path.iterdir()) == []
    # Downloading again is the remedy, and it works.
    assert download(ref, tmp_path / "settlement.txt", max_bytes=50 * MB).exists()


def test_an_expired_url_asks_for_a_new_one(sandbox, settlement, tmp_path):
    ref, _ = settlement
    sandbox.http.post(f"{sandbox.url}/_sandbox/clock", json={"advance": 301}, timeout=10)

    with pytest.raises(DocumentExpired) as raised:
        download(ref, tmp_path / "settlement.txt", max_bytes=50 * MB)

    assert "abgelaufen" in raised.value.message
    assert "Request has expired" in raised.value.detail
    assert list(tmp_path.iterdir()) == []


def test_the_injected_expired_url_fault_too(sandbox, settlement, tmp_path):
    ref, _ = settlement
    sandbox.fault(kind="expired_url", times=1)

    with pytest.raises(DocumentExpired):
        download(ref, tmp_path / "settlement.txt", max_bytes=50 * MB)


@pytest.mark.parametrize("kind", ["500", "503", "429"])
def test_storage_failures_mean_try_again_later(sandbox, settlement, tmp_path, kind):
    ref, _ = settlement
    sandbox.fault(kind=kind, operation="downloadDocument", times=1)

    with pytest.raises(AmazonUnavailable):
        download(ref, tmp_path / "settlement.txt", max_bytes=50 * MB)
    assert list(tmp_path.iterdir()) == []


def test_a_document_larger_than_allowed_is_refused_while_streaming(settlement, tmp_path):
    ref, plain = settlement

    with pytest.raises(TooLarge) as raised:
        download(ref, tmp_path / "settlement.txt", max_bytes=len(plain) - 1)

    assert isinstance(raised.value, CorruptDocument)
    assert list(tmp_path.iterdir()) == []
    # Exactly the allowed size passes.
    assert download(ref, tmp_path / "settlement.txt", max_bytes=len(plain)).read_bytes() == plain


def feed_all(data: bytes, *, max_bytes: int = MB, chunk: int = 7) -> bytes:
    stream = GzipStream(max_bytes)
    out = b"".join(stream.feed(data[i : i + chunk]) for i in range(0, len(data), chunk))
    return out + stream.finish()


def test_gzip_members_concatenated_are_one_document():
    data = gzip.compress(b"first\n") + gzip.compress(b"second\n")

    assert feed_all(data) == b"first\nsecond\n"


def test_a_damaged_crc_is_corrupt():
    data = bytearray(gzip.compress(b"settlement-id\t123\n" * 100))
    data[-8] ^= 0xFF  # the CRC-32 of the trailer

    with pytest.raises(CorruptDocument):
        feed_all(bytes(data))


def test_a_flipped_byte_in_the_data_is_corrupt():
    data = bytearray(gzip.compress(bytes(range(256)) * 50))
    data[len(data) // 2] ^= 0x55

    with pytest.raises(CorruptDocument):
        feed_all(bytes(data))


def test_the_size_limit_counts_the_unpacked_bytes_of_a_gzip_bomb():
    data = gzip.compress(b"\0" * (10 * MB))
    assert len(data) < 20_000

    with pytest.raises(TooLarge):
        feed_all(data, max_bytes=MB, chunk=4096)


def test_no_bytes_at_all_is_corrupt():
    with pytest.raises(CorruptDocument):
        GzipStream(MB).finish()


def test_a_url_signed_with_content_encoding_is_unpacked_once(sandbox, settlement, tmp_path):
    """With enableContentEncodingUrlHeader=true S3 adds Content-Encoding: gzip; the bytes are
    the same gzip, and must not be unpacked twice (or not at all)."""
    from amazon.entries import DocumentRef
    from tests.sandbox.sandbox_helpers import http_access_token

    ref, plain = settlement
    token = http_access_token(sandbox.url, sandbox.seller())
    answer = sandbox.http.get(
        f"{sandbox.url}/reports/2021-06-30/documents/{ref.document_id}",
        params={"enableContentEncodingUrlHeader": "true"},
        headers={"x-amz-access-token": token},
        timeout=10,
    ).json()
    assert "response-content-encoding=gzip" in answer["url"]

    path = download(
        DocumentRef(ref.document_id, answer["url"], "GZIP"), tmp_path / "s.txt", max_bytes=50 * MB
    )

    assert path.read_bytes() == plain
