"""The batch on the wire (pure): JSON, gzip-compressed, built from the outbox's stored text.

The hall never decodes and re-encodes its records to send them: each outbox payload is
already JSON text and is spliced into the batch as it is. That keeps a 1M backlog cheap.
"""
import json
import zlib

import orjson

GZIP_LEVEL = 1  # level 1 is ~4x faster than 6 and only ~15 % bigger on these records
MAX_BATCH_RECORDS = 5000
MAX_BODY_BYTES = 8 * 1024 * 1024  # decompressed; the hub refuses more (413)


class BodyTooLarge(ValueError):
    pass


def encode_batch(*, batch_id: str, hall_id: str, sent_at: str, backlog: dict,
                 item_texts: list[str], chain: dict | None = None) -> bytes:
    """`chain`: the sender's own hash chain position (kiosk/sync/store.py chain_report)."""
    fields = {"batch_id": batch_id, "hall": hall_id, "sent_at": sent_at, "backlog": backlog}
    if chain is not None:
        fields["chain"] = chain
    head = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    return (head[:-1] + ',"items":[' + ",".join(item_texts) + "]}").encode()


def gzip_bytes(raw: bytes, level: int = GZIP_LEVEL) -> bytes:
    compressor = zlib.compressobj(level, zlib.DEFLATED, 31)  # 31: gzip container
    return compressor.compress(raw) + compressor.flush()


def gunzip_bytes(data: bytes, limit: int = MAX_BODY_BYTES) -> bytes:
    """Decompresses at most `limit` bytes, so a small zip bomb cannot fill the memory."""
    try:
        decompressor = zlib.decompressobj(31)
        out = decompressor.decompress(data, limit + 1)
    except zlib.error as exc:
        raise ValueError(f"bad gzip body: {exc}") from exc
    if len(out) > limit or decompressor.unconsumed_tail:
        raise BodyTooLarge(f"body larger than {limit} bytes")
    if not decompressor.eof:
        raise ValueError("truncated gzip body")
    return out


def encode_answer(answer: dict) -> bytes:
    return json.dumps(answer, ensure_ascii=False, separators=(",", ":")).encode()


def parse_json(body: bytes | str):
    """json.loads, with orjson doing the work (~3x faster on a batch). What orjson refuses
    and the standard parser takes (integers beyond 64 bits, lone surrogates, NaN) is parsed
    by the standard parser, so the hub judges such records one by one as before."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return json.loads(body)


def json_text(value) -> str:
    """Compact JSON text, non-ASCII kept: json.dumps(value, ensure_ascii=False,
    separators=(",", ":")), by orjson where it can (an integer beyond 64 bits it cannot)."""
    try:
        return orjson.dumps(value).decode()
    except orjson.JSONEncodeError:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
