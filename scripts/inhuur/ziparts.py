"""Zip packages (.xlsx, .docx) rewritten fast: unchanged members are copied as their compressed bytes."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass
from typing import IO, Iterable, Iterator

_LOCAL = struct.Struct("<IHHHHHIIIHH")
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
_END = struct.Struct("<IHHHHIIH")


CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class Deflated:
    """A member's new content kept compressed (a 90 MB sheet takes about 6 MB), with its CRC and size."""

    payload: bytes
    crc: int
    size: int

    @classmethod
    def of(cls, chunks: Iterable[bytes], level: int = 1) -> "Deflated":
        """Compress a stream of chunks as it comes; level 1 because large sheets compress fast at little cost."""
        compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
        out, crc, size = [], 0, 0
        for chunk in chunks:
            if chunk:
                out.append(compressor.compress(chunk))
                crc, size = zlib.crc32(chunk, crc), size + len(chunk)
        out.append(compressor.flush())
        return cls(b"".join(out), crc, size)

    def chunks(self) -> Iterator[bytes]:
        """The content again, a chunk at a time."""
        inflater = zlib.decompressobj(-15)
        for start in range(0, len(self.payload), CHUNK // 8):
            chunk = inflater.decompress(self.payload[start: start + CHUNK // 8])
            if chunk:
                yield chunk
        rest = inflater.flush()
        if rest:
            yield rest

    def inflate(self) -> bytes:
        return b"".join(self.chunks())


def member_chunks(archive: zipfile.ZipFile, name: str) -> Iterator[bytes]:
    """A stored member's content a chunk at a time, never all of it in memory."""
    with archive.open(name) as stream:
        while chunk := stream.read(CHUNK):
            yield chunk


class RawMembers:
    """The members of a zip as stored (compressed bytes and metadata), read once, written many times."""

    def __init__(self, data: bytes):
        self.data = data
        self.infos = zipfile.ZipFile(io.BytesIO(data)).infolist()

    def raw(self, info: zipfile.ZipInfo) -> bytes:
        """The member's compressed bytes, straight from the archive."""
        fixed = self.data[info.header_offset: info.header_offset + _LOCAL.size]
        name_length, extra_length = _LOCAL.unpack(fixed)[-2:]
        start = info.header_offset + _LOCAL.size + name_length + extra_length
        return self.data[start: start + info.compress_size]

    def write(self, out: IO[bytes], replace: dict[str, bytes | Deflated], level: int = 6) -> None:
        """Write the archive with the given members replaced (b'' drops one; Deflated ones are written as
        compressed), the others copied compressed."""
        central = []
        offset = 0
        for info in self.infos:
            name = info.filename.encode("utf-8")
            flags = 0x800 if info.flag_bits & 0x800 else 0
            content = replace.get(info.filename)
            if content == b"":
                continue
            if isinstance(content, Deflated):
                payload, method, crc, size = content.payload, zipfile.ZIP_DEFLATED, content.crc, content.size
            elif content is not None:
                compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
                payload = compressor.compress(content) + compressor.flush()
                method, crc, size = zipfile.ZIP_DEFLATED, zlib.crc32(content), len(content)
            else:
                payload = self.raw(info)
                method, crc, size = info.compress_type, info.CRC, info.file_size
                flags |= info.flag_bits & 0x6  # keep the deflate option bits; no data descriptor follows
            time, date = _dos_time(info.date_time)
            header = _LOCAL.pack(0x04034B50, 20, flags, method, time, date, crc, len(payload), size, len(name), 0)
            out.write(header + name + payload)
            central.append(_CENTRAL.pack(0x02014B50, 20, 20, flags, method, time, date, crc, len(payload), size,
                                         len(name), 0, 0, 0, 0, info.external_attr, offset) + name)
            offset += len(header) + len(name) + len(payload)
        directory = b"".join(central)
        out.write(directory)
        out.write(_END.pack(0x06054B50, 0, 0, len(central), len(central), len(directory), offset, 0))


def _dos_time(date_time: tuple[int, ...]) -> tuple[int, int]:
    year, month, day, hour, minute, second = date_time
    return (hour << 11) | (minute << 5) | (second // 2), ((max(year, 1980) - 1980) << 9) | (month << 5) | day
