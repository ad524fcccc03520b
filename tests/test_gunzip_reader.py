"""The import's gzip reader (services/exchange._Gunzip): zlib inflating a megabyte at a time gives
exactly what the gzip module gives, and says in one line what is wrong with a damaged file."""

from __future__ import annotations

import gzip
import io
import zlib

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from mockprep.services.exchange import ExportFileError, _Gunzip

members = st.lists(st.binary(max_size=3000) | st.text(max_size=400).map(str.encode), min_size=1, max_size=4)


def _reader(data: bytes) -> _Gunzip:
    return _Gunzip(io.BufferedReader(io.BytesIO(data)))


@settings(max_examples=60, deadline=None)
@given(members, st.integers(0, 3))
@example([b"a\rb\r\nc\n", b"\r\x00"], 0)  # a carriage return alone ends no line
def test_members_and_zero_padding_read_as_the_gzip_module_reads_them(
    parts: list[bytes], padding: int
) -> None:
    data = b"".join(gzip.compress(part, compresslevel=1) for part in parts) + b"\0" * padding
    expected = gzip.decompress(data)
    assert _reader(data).read() == expected
    lines = []
    reader = _reader(data)
    while line := reader.readline():
        lines.append(line)
    assert lines == io.BytesIO(expected).readlines()  # lines end at b"\n" alone, as a file's do


def test_content_larger_than_a_step_reads_whole_in_lines() -> None:
    text = b"".join(b"line %d %s\n" % (i, b"x" * (i % 97)) for i in range(120_000))  # about 7 MB
    reader = _reader(gzip.compress(text, compresslevel=1))
    assert b"".join(iter(reader.readline, b"")) == text


@settings(max_examples=40, deadline=None)
@given(st.binary(min_size=1, max_size=2000), st.data())
def test_a_file_cut_anywhere_inside_a_member_is_cut_off(content: bytes, data) -> None:
    packed = gzip.compress(content)
    cut = data.draw(st.integers(2, len(packed) - 1))
    with pytest.raises(ExportFileError, match="cut off"):
        _reader(packed[:cut]).read()


@pytest.mark.parametrize(
    "damage",
    [
        lambda packed: packed[:-8] + bytes([packed[-8] ^ 1]) + packed[-7:],  # the CRC
        lambda packed: packed[:-4] + bytes([packed[-4] ^ 1]) + packed[-3:],  # the length
        lambda packed: packed[:10] + b"\xff" * 20 + packed[30:],  # the deflate stream
        lambda packed: packed + b"trailing garbage",  # not another member
    ],
    ids=["crc", "length", "stream", "trailing"],
)
def test_damage_is_one_error_naming_gzip(damage) -> None:
    packed = damage(gzip.compress(b"some content\n" * 200))
    with pytest.raises(ExportFileError, match="not a readable gzip file"):
        _reader(packed).read()
    with pytest.raises((zlib.error, OSError, EOFError)):
        gzip.decompress(packed)  # the gzip module refuses it too
