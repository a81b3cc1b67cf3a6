"""Sets of documents as Python ints (bit n set for docnum n), and scores summed bit-sliced.

A whole-index set operation is one big-integer AND or OR, which Python does in C at memory
speed; a score is kept as one int per binary digit ("plane"), so adding a weight to every
document of a set costs a few whole-index operations instead of a loop over its documents.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

_BIT_DIGITS = bytes.maketrans(b"\x00\x01", b"01")
_NONZERO_BYTE = re.compile(rb"[^\x00]")


def mask_of(docnums: Iterable[int], size: int) -> int:
    """Return an int whose bit n is set for each docnum n."""
    if size == 0:
        return 0
    flags = bytearray(size)
    for docnum in docnums:
        flags[docnum] = 1
    # int(..., 2) parses the most significant digit first, hence the reversal.
    flags.reverse()
    return int(flags.translate(_BIT_DIGITS), 2)


def docnums_of(mask: int, nbytes: int) -> list[int]:
    """Return the docnums whose bits are set in mask, in ascending order."""
    data = mask.to_bytes(nbytes, "little")
    return [
        match.start() * 8 + bit
        for match in _NONZERO_BYTE.finditer(data)
        for bit in range(8)
        if match.group()[0] >> bit & 1
    ]


def add_to_planes(planes: list[int], mask: int, weight: int) -> None:
    """Add weight to the score of every document in mask; planes[i] holds bit i of all scores."""
    bit = 0
    while weight:
        if weight & 1:
            carry = mask
            plane = bit
            while carry:
                while len(planes) <= plane:
                    planes.append(0)
                planes[plane], carry = planes[plane] ^ carry, planes[plane] & carry
                plane += 1
        weight >>= 1
        bit += 1


def split_top(planes: list[int], results: int, count: int) -> tuple[int, int, int]:
    """Split the best `count` results into (scoring above the cut, tied at the cut, how many
    of the tied ones are needed)."""
    above = 0
    tied = results
    wanted = count
    for plane in reversed(planes):
        high = tied & plane
        number = high.bit_count()
        if number >= wanted:
            tied = high
        else:
            above |= high
            wanted -= number
            tied ^= high
    return above, tied, wanted


def score_reader(planes: list[int], size: int) -> Callable[[int], int]:
    """A function giving one document's score from the planes."""
    nbytes = (size + 7) // 8
    plane_bytes = [plane.to_bytes(nbytes, "little") for plane in planes]

    def score(docnum: int) -> int:
        byte, bit = docnum >> 3, docnum & 7
        return sum((data[byte] >> bit & 1) << i for i, data in enumerate(plane_bytes))

    return score
