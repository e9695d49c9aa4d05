"""Character n-grams of texts, hashed into a sparse count matrix (NumPy, no Django): the
engine's text representation, the same as scikit-learn's hashing vectoriser but in bulk."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse

N_FEATURES = 2**18

_C1, _C2 = np.uint32(0xCC9E2D51), np.uint32(0x1B873593)
_FMIX = (np.uint32(0x85EBCA6B), np.uint32(0xC2B2AE35))


def _rotl(x: np.ndarray, r: int) -> np.ndarray:
    return (x << np.uint32(r)) | (x >> np.uint32(32 - r))


def _scramble(k: np.ndarray) -> np.ndarray:
    return _rotl(k * _C1, 15) * _C2


def char_ngram_counts(texts: Sequence[str], n_features: int = N_FEATURES) -> sparse.csr_matrix:
    """The matrix scikit-learn's ``HashingVectorizer(analyzer="char_wb", ngram_range=(3, 5),
    n_features=n_features, alternate_sign=False, norm=None)`` gives: per text, the counts of
    its character 3-, 4- and 5-grams inside words (each word lower-cased and padded with a
    space), each hashed with MurmurHash3 (32 bits, seed 0) of its UTF-8 bytes.

    scikit-learn cuts and hashes one n-gram at a time in a Python loop: 100,000 descriptions
    took five of the rebuild's eight minutes. Here all n-grams of a block of texts are cut and
    hashed at once with NumPy; the result is the same, entry for entry (a test compares them),
    so the evaluation's figures do not move. `n_features` must be a power of two."""
    bits = n_features.bit_length() - 1
    if n_features != 1 << bits:
        raise ValueError("n_features must be a power of two")
    blocks = [
        _ngram_block(texts[start : start + 5000], bits) for start in range(0, len(texts), 5000)
    ]
    if not blocks:
        return sparse.csr_matrix((0, n_features), dtype=np.float64)
    return sparse.vstack(blocks, format="csr")


def _murmur3(data: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """MurmurHash3_x86_32 (seed 0) of the byte strings data[start : start + length], all at
    once; `data` has at least 3 spare zero bytes at its end."""
    # Every 4 bytes from every offset as a little-endian word.
    wide = data.astype(np.uint32)
    words = wide[:-3] | (wide[1:-2] << 8) | (wide[2:-1] << 16) | (wide[3:] << 24)
    h = np.zeros(len(starts), dtype=np.uint32)
    blocks = lengths >> 2
    for j in range(int(blocks.max()) if len(blocks) else 0):
        active = np.flatnonzero(blocks > j)
        mixed = h[active] ^ _scramble(words[starts[active] + 4 * j])
        h[active] = _rotl(mixed, 13) * np.uint32(5) + np.uint32(0xE6546B64)
    tail = (lengths & 3).astype(np.uint32)
    has_tail = np.flatnonzero(tail)
    keep = (np.uint32(1) << (np.uint32(8) * tail[has_tail])) - np.uint32(1)
    h[has_tail] ^= _scramble(words[starts[has_tail] + 4 * blocks[has_tail]] & keep)
    h ^= lengths.astype(np.uint32)
    h ^= h >> np.uint32(16)
    h *= _FMIX[0]
    h ^= h >> np.uint32(13)
    h *= _FMIX[1]
    return h ^ (h >> np.uint32(16))


def _ngram_block(texts: Sequence[str], bits: int) -> sparse.csr_matrix:
    # Each text as its words, each padded with a space: " w1  w2  w3 ". Words hold no white
    # space, so two spaces in a row are exactly where one padded word (or text) ends.
    padded = []
    for text in texts:
        words = (text or "").lower().split()
        padded.append(" " + "  ".join(words) + " " if words else "")
    lengths = np.fromiter(map(len, padded), dtype=np.int64, count=len(padded))
    joined = "".join(padded)
    codes = np.frombuffer(joined.encode("utf-32-le", "replace"), dtype=np.uint32)
    data = np.frombuffer(joined.encode("utf-8", "replace") + b"\0\0\0", dtype=np.uint8)
    total = len(codes)
    # The UTF-8 offset of every code point (and of the end).
    offset = np.zeros(total + 1, dtype=np.int64)
    np.cumsum(1 + (codes >= 0x80) + (codes >= 0x800) + (codes >= 0x10000), out=offset[1:])
    space = codes == 32
    # breaks[q]: how many word ends lie before position q (an end between q - 1 and q)
    breaks = np.zeros(total + 1, dtype=np.int64)
    if total > 1:
        np.cumsum(space[:-1] & space[1:], out=breaks[2:])
    text_at = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
    keys = []
    with np.errstate(over="ignore"):
        for n in range(3, 6):
            start = np.arange(max(0, total - n + 1))
            start = start[breaks[start + n] == breaks[start + 1]]  # no word end inside
            first = offset[start]
            h = _murmur3(data, first, offset[start + n] - first).view(np.int32)
            # scikit-learn's column: abs(h) % n_features, with abs(-2**31) taken as 2**31
            column = np.abs(h.astype(np.int64)) & ((1 << bits) - 1)
            keys.append((text_at[start] << bits) | column)
    unique, counts = np.unique(np.concatenate(keys), return_counts=True)
    rows = unique >> bits
    indptr = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=len(texts)), out=indptr[1:])
    return sparse.csr_matrix(
        (counts.astype(np.float64), (unique & ((1 << bits) - 1)).astype(np.int32), indptr),
        shape=(len(texts), 1 << bits),
    )
