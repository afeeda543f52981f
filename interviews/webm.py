"""Just enough WebM (Matroska/EBML) to refuse what is not a recording, chunk by chunk.

MediaRecorder sends one header and then a stream of clusters cut at arbitrary byte
positions (even between an element's ID and its size), so the stream is checked
incrementally: `StreamCheck` keeps the little state needed to resume at the next chunk,
and serialises it to JSON so the check can continue in another request or process.
"""

from __future__ import annotations

from dataclasses import dataclass, field

EBML_MAGIC = bytes.fromhex("1a45dfa3")

EBML = 0x1A45DFA3
DOC_TYPE = 0x4282
SEGMENT = 0x18538067
SEEK_HEAD = 0x114D9B74
INFO = 0x1549A966
TIMECODE_SCALE = 0x2AD7B1
TRACKS = 0x1654AE6B
TRACK_ENTRY = 0xAE
TRACK_NUMBER = 0xD7
TRACK_TYPE = 0x83
CODEC_ID = 0x86
CLUSTER = 0x1F43B675
TIMECODE = 0xE7
SIMPLE_BLOCK = 0xA3
BLOCK_GROUP = 0xA0
BLOCK = 0xA1
VOID = 0xEC

AUDIO_TRACK = 2
AUDIO_CODECS = {"A_OPUS", "A_VORBIS"}
# Elements that may follow the header. Masters are entered (their children follow inline);
# the others are skipped, except the cluster timecode and block headers, which are read.
STREAM_MASTERS = {SEGMENT, CLUSTER, BLOCK_GROUP}
STREAM_LEAVES = {
    TIMECODE, SIMPLE_BLOCK, BLOCK, VOID,
    0x9B,  # BlockDuration
    0xFB,  # ReferenceBlock
    0x75A2,  # DiscardPadding
    0x75A1,  # BlockAdditions
    0xAB,  # PrevSize
    0xA7,  # Position
    0x1C53BB6B,  # Cues
    0x1254C367,  # Tags
    SEEK_HEAD, INFO,
    0x1043A770,  # Chapters
}
INDEX_EVERY_MS = 10_000
MAX_LEAF = 4 * 1024 * 1024  # no audio block, cue table or tag list comes near this
UNKNOWN = -1


class WebMError(ValueError):
    """The bytes are not (a continuation of) a WebM audio recording."""


def _vint(data: bytes, pos: int, *, keep_marker: bool) -> tuple[int, int] | None:
    """An EBML variable-length integer at `pos`: (value, length), or None if the data
    ends first. Sizes with every value bit set mean "unknown"."""
    if pos >= len(data):
        return None
    first = data[pos]
    if first == 0:
        raise WebMError(f"invalid EBML number at byte {pos}")
    length = 8 - first.bit_length() + 1
    if pos + length > len(data):
        return None
    value = first if keep_marker else first & (0xFF >> length)
    for byte in data[pos + 1:pos + length]:
        value = (value << 8) | byte
    if not keep_marker and value == (1 << (7 * length)) - 1:
        return UNKNOWN, length
    return value, length


def _element(data: bytes, pos: int) -> tuple[int, int, int] | None:
    """(id, size, header length) of the element at `pos`, or None if cut short."""
    ident = _vint(data, pos, keep_marker=True)
    if ident is None:
        return None
    size = _vint(data, pos + ident[1], keep_marker=False)
    if size is None:
        return None
    if ident[1] > 4:
        raise WebMError(f"invalid element ID at byte {pos}")
    return ident[0], size[0], ident[1] + size[1]


def _children(data: bytes) -> list[tuple[int, bytes]]:
    """The complete child elements of a master element's payload."""
    out, pos = [], 0
    while pos < len(data):
        element = _element(data, pos)
        if element is None or element[1] == UNKNOWN or pos + element[2] + element[1] > len(data):
            raise WebMError("a header element is cut short")
        ident, size, head = element
        out.append((ident, data[pos + head:pos + head + size]))
        pos += head + size
    return out


def _uint(payload: bytes) -> int:
    return int.from_bytes(payload, "big") if payload else 0


@dataclass
class Header:
    doc_type: str
    codec: str
    timecode_scale_ns: int
    length: int  # bytes up to the first cluster
    minimal: bytes  # EBML header, open-ended segment, info and tracks: what a decoder
    # needs before any cluster (no seek head or cues pointing at other offsets)


def parse_header(data: bytes) -> Header:
    """Check the start of a recording: an EBML header of DocType webm, then a segment
    whose track list has exactly one track, an audio one. `data` must reach the first
    cluster (MediaRecorder's first chunk always does)."""
    if not data.startswith(EBML_MAGIC):
        raise WebMError("not a WebM file (no EBML header)")
    element = _element(data, 0)
    if element is None or element[1] == UNKNOWN or element[2] + element[1] > len(data):
        raise WebMError("the EBML header is cut short")
    _, size, head = element
    doc_type = next((p.decode("ascii", "replace") for i, p in _children(data[head:head + size])
                     if i == DOC_TYPE), "")
    if doc_type != "webm":
        raise WebMError(f"not a WebM file (DocType {doc_type or 'missing'})")
    pos = head + size
    segment = _element(data, pos)
    if segment is None or segment[0] != SEGMENT:
        raise WebMError("no segment after the EBML header")
    minimal = bytearray(data[:head + size])
    minimal += bytes.fromhex("18538067") + bytes.fromhex("01ffffffffffffff")
    pos += segment[2]
    codec, scale = None, 1_000_000
    while True:
        element = _element(data, pos)
        if element is None:
            raise WebMError("the first chunk must hold the whole header (no cluster found)")
        ident, size, head = element
        if ident == CLUSTER:
            break
        if size == UNKNOWN or pos + head + size > len(data):
            raise WebMError("the first chunk must hold the whole header")
        payload = data[pos + head:pos + head + size]
        if ident in (TRACKS, INFO):
            minimal += data[pos:pos + head + size]
        if ident == TRACKS:
            codec = _audio_codec(payload)
        elif ident == INFO:
            scale = next((_uint(p) for i, p in _children(payload) if i == TIMECODE_SCALE),
                         scale)
        elif ident not in STREAM_LEAVES:
            raise WebMError(f"unexpected element 0x{ident:X} in the header")
        pos += head + size
    if codec is None:
        raise WebMError("no track list before the first cluster")
    if not 1_000 <= scale <= 1_000_000_000:
        raise WebMError("implausible timecode scale")
    return Header(doc_type=doc_type, codec=codec, timecode_scale_ns=scale, length=pos,
                  minimal=bytes(minimal))


def _audio_codec(tracks: bytes) -> str:
    entries = [payload for ident, payload in _children(tracks) if ident == TRACK_ENTRY]
    if len(entries) != 1:
        raise WebMError(f"expected one audio track, found {len(entries)} tracks")
    fields = dict(_children(entries[0]))
    if _uint(fields.get(TRACK_TYPE, b"")) != AUDIO_TRACK:
        raise WebMError("the track is not audio")
    if _uint(fields.get(TRACK_NUMBER, b"")) != 1:
        raise WebMError("the audio track must be track 1")
    codec = fields.get(CODEC_ID, b"").decode("ascii", "replace")
    if codec not in AUDIO_CODECS:
        raise WebMError(f"unsupported audio codec {codec or 'missing'} (use Opus)")
    return codec


@dataclass
class StreamCheck:
    """Resumable check of the cluster stream that follows the header.

    `offset` counts stream bytes fed so far; `complete` is the offset just past the last
    whole audio block (a decoder may read up to there); `last_ms` is the latest block
    time seen, in milliseconds from the stream's start."""

    scale_ns: int = 1_000_000
    offset: int = 0
    complete: int = 0
    pending: bytes = b""  # the start of an element header cut by a chunk boundary
    skip: int = 0  # payload bytes still to pass over
    want: int = 0  # payload bytes still to collect (timecode, block header)
    collecting: int = 0  # which element's payload is being collected
    collected: bytes = b""
    block_end: int = 0  # stream offset where the current block ends
    cluster_ms: int = 0
    last_ms: int = 0
    first_ms: int | None = None
    blocks: int = 0
    header: bytes = b""  # Header.minimal
    cluster_at: int = 0  # where the current cluster starts
    index: list = field(default_factory=list)  # [offset, ms] of a cluster every ~10 s

    def to_json(self) -> dict:
        return {"scale_ns": self.scale_ns, "offset": self.offset, "complete": self.complete,
                "pending": self.pending.hex(), "skip": self.skip, "want": self.want,
                "collecting": self.collecting, "collected": self.collected.hex(),
                "block_end": self.block_end, "cluster_ms": self.cluster_ms,
                "last_ms": self.last_ms, "first_ms": self.first_ms, "blocks": self.blocks,
                "header": self.header.hex(), "cluster_at": self.cluster_at,
                "index": self.index}

    @classmethod
    def from_json(cls, data: dict) -> StreamCheck:
        return cls(scale_ns=data["scale_ns"], offset=data["offset"],
                   complete=data["complete"], pending=bytes.fromhex(data["pending"]),
                   skip=data["skip"], want=data["want"], collecting=data["collecting"],
                   collected=bytes.fromhex(data["collected"]), block_end=data["block_end"],
                   cluster_ms=data["cluster_ms"], last_ms=data["last_ms"],
                   first_ms=data["first_ms"], blocks=data["blocks"],
                   header=bytes.fromhex(data.get("header", "")),
                   cluster_at=data.get("cluster_at", 0), index=data.get("index", []))

    @property
    def seconds(self) -> float:
        """Audio received so far, from the first block's time to the last's."""
        return 0.0 if self.first_ms is None else (self.last_ms - self.first_ms) / 1000

    def resume_point(self, seconds: float) -> int | None:
        """The offset of the last indexed cluster starting at or before `seconds` of the
        stream: decoding `header` + the stream from there skips what came before."""
        best = None
        for offset, ms in self.index:
            if (ms - (self.first_ms or 0)) / 1000 <= seconds:
                best = offset
        return best

    def feed(self, chunk: bytes) -> None:
        """Check the next bytes of the stream; raise WebMError at the first bad one."""
        data = self.pending + chunk
        base = self.offset - len(self.pending)
        pos = 0
        self.pending = b""
        while pos < len(data):
            if self.skip:
                step = min(self.skip, len(data) - pos)
                self.skip -= step
                pos += step
                if not self.skip and self.block_end:
                    self._block_done()
                continue
            if self.want:
                step = min(self.want, len(data) - pos)
                self.collected += data[pos:pos + step]
                self.want -= step
                pos += step
                if not self.want:
                    self._collected(base + pos)
                continue
            element = _element(data, pos)
            if element is None:
                if len(data) - pos > 12:
                    raise WebMError(f"invalid element at stream byte {base + pos}")
                self.pending = data[pos:]
                break
            ident, size, head = element
            if ident == CLUSTER:
                self.cluster_at = base + pos
            self._start(ident, size, base + pos + head)
            pos += head
        self.offset += len(chunk)

    def _start(self, ident: int, size: int, payload_at: int) -> None:
        if ident in STREAM_MASTERS:
            return  # children follow inline, whether the size is known or not
        if ident not in STREAM_LEAVES:
            raise WebMError(f"unexpected element 0x{ident:X} at stream byte {payload_at}")
        if size == UNKNOWN or size > MAX_LEAF:
            raise WebMError(f"element 0x{ident:X} has an implausible size")
        if ident == TIMECODE:
            if not 1 <= size <= 8:
                raise WebMError("invalid cluster timecode")
            self.want, self.collecting, self.collected = size, ident, b""
        elif ident in (SIMPLE_BLOCK, BLOCK):
            if size < 5:
                raise WebMError("an audio block is too short")
            self.want, self.collecting, self.collected = 4, ident, b""
            self.block_end = payload_at + size
        else:
            self.skip = size

    def _collected(self, at: int) -> None:
        if self.collecting == TIMECODE:
            self.cluster_ms = _uint(self.collected) * self.scale_ns // 1_000_000
            if not self.index or self.cluster_ms - self.index[-1][1] >= INDEX_EVERY_MS:
                self.index.append([self.cluster_at, self.cluster_ms])
            return
        track, relative = self.collected[0], int.from_bytes(self.collected[1:3], "big",
                                                            signed=True)
        if track != 0x81:
            raise WebMError("a block belongs to a track other than the audio track")
        block_ms = self.cluster_ms + relative * self.scale_ns // 1_000_000
        if self.first_ms is None:
            self.first_ms = block_ms
        self.last_ms = max(self.last_ms, block_ms)
        self.skip = self.block_end - at
        if not self.skip:
            self._block_done()

    def _block_done(self) -> None:
        self.complete = self.block_end
        self.block_end = 0
        self.blocks += 1


def check_first_chunk(chunk: bytes) -> tuple[Header, StreamCheck]:
    """The header and the stream state after the first chunk; WebMError if it is not
    the start of a WebM audio recording."""
    header = parse_header(chunk)
    stream = StreamCheck(scale_ns=header.timecode_scale_ns, offset=header.length,
                         complete=header.length, header=header.minimal)
    stream.feed(chunk[header.length:])
    return header, stream
