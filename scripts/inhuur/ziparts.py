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


def member_chunks(archive: zipfile.ZipFile, name: str) -> Iterator[bytes]:
    """A stored member's content a chunk at a time, never all of it in memory."""
    with archive.open(name) as stream:
        while chunk := stream.read(CHUNK):
            yield chunk


class RawMembers:
    """The members of a zip as stored (compressed bytes and metadata), read once, written many times."""

    def __init__(self, data: bytes, reused: bool = False):
        self.data = data
        self.reused = reused  # written many times (a letter template): keep each copied member's bytes
        self.infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
        self._cache: dict[str, tuple[bytes, bytes]] = {}

    def raw(self, info: zipfile.ZipInfo) -> bytes:
        """The member's compressed bytes, straight from the archive."""
        fixed = self.data[info.header_offset: info.header_offset + _LOCAL.size]
        name_length, extra_length = _LOCAL.unpack(fixed)[-2:]
        start = info.header_offset + _LOCAL.size + name_length + extra_length
        return self.data[start: start + info.compress_size]

    def write(self, out: IO[bytes], replace: dict[str, bytes | Deflated], level: int = 6) -> None:
        """Write the archive with the given members replaced (b'' drops one; Deflated ones are written as
        compressed, bytes deflated at `level`, or stored at level 0), the others copied compressed; a name not in
        the archive is added at the end."""
        central = []
        offset = 0
        known = {info.filename for info in self.infos}
        new = [zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)) for name in replace if name not in known]
        for info in new:
            info.external_attr = 0o600 << 16
        for info in (*self.infos, *new):
            content = replace.get(info.filename)
            if content == b"":
                continue
            if content is None:
                local, entry = self._copied(info)  # the same bytes in every letter: built once per template
            elif not isinstance(content, Deflated) and level == 0:  # stored as it is: no deflate framing either
                local, entry = self._entry(info, zipfile.ZIP_STORED, 0, zlib.crc32(content), len(content), content)
            else:
                if not isinstance(content, Deflated):
                    content = Deflated.of((content,), level)
                local, entry = self._entry(info, zipfile.ZIP_DEFLATED, 0, content.crc, content.size, content.payload)
            out.write(local)
            central.append(entry + offset.to_bytes(4, "little") + info.filename.encode("utf-8"))
            offset += len(local)
        directory = b"".join(central)
        out.write(directory)
        out.write(_END.pack(0x06054B50, 0, 0, len(central), len(central), len(directory), offset, 0))

    def _copied(self, info: zipfile.ZipInfo) -> tuple[bytes, bytes]:
        cached = self._cache.get(info.filename)
        if cached is None:
            # keep the deflate option bits; no data descriptor follows
            cached = self._entry(info, info.compress_type, info.flag_bits & 0x6, info.CRC, info.file_size,
                                 self.raw(info))
            if self.reused:
                self._cache[info.filename] = cached
        return cached

    @staticmethod
    def _entry(info: zipfile.ZipInfo, method: int, option_bits: int, crc: int, size: int, payload: bytes
               ) -> tuple[bytes, bytes]:
        """A member's local header with its data, and its central directory entry up to the offset."""
        name = info.filename.encode("utf-8")
        flags = (0x800 if info.flag_bits & 0x800 else 0) | option_bits
        time, date = _dos_time(info.date_time)
        local = _LOCAL.pack(0x04034B50, 20, flags, method, time, date, crc, len(payload), size, len(name), 0)
        entry = _CENTRAL.pack(0x02014B50, 20, 20, flags, method, time, date, crc, len(payload), size,
                              len(name), 0, 0, 0, 0, info.external_attr, 0)[:-4]
        return local + name + payload, entry


def _dos_time(date_time: tuple[int, ...]) -> tuple[int, int]:
    year, month, day, hour, minute, second = date_time
    return (hour << 11) | (minute << 5) | (second // 2), ((max(year, 1980) - 1980) << 9) | (month << 5) | day
