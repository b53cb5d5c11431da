"""The addresses a subscriber list has named so far, and on which line, in 20 to 80 bytes each.

A Python dict of the addresses themselves costs ~140 bytes an entry: 14 MB for a list of 100,000,
which is most of what a streamed send holds. Here each address is kept as a 16-byte BLAKE2b digest
in one open-addressing table (two 64-bit halves and a 32-bit line number per slot, a quarter to half full).
Two different addresses share a digest with a chance of about 1 in 10^27 in a list of a million:
far below a disk's error rate, so a match is taken as the same address.
"""

from __future__ import annotations

import hashlib
from array import array

_EMPTY = 0  # a line number of 0 marks a free slot: lines count from 1


class AddressSet:
    """Add an address with the line it is on; look up the line an address was first seen on."""

    def __init__(self, slots: int = 1024) -> None:
        self._high = array("Q", bytes(8 * slots))
        self._low = array("Q", bytes(8 * slots))
        self._lines = array("I", bytes(4 * slots))
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def line_of(self, address: str) -> int | None:
        """The line the address was added with, or None when it was never added."""
        high, low = _digest(address)
        slot = self._slot(high, low)
        line = self._lines[slot]
        return line if line != _EMPTY else None

    def add(self, address: str, line: int) -> None:
        """Remember the address (a second add of it keeps the first line)."""
        if line < 1:
            raise ValueError("lines count from 1")
        high, low = _digest(address)
        slot = self._slot(high, low)
        if self._lines[slot] != _EMPTY:
            return
        self._high[slot], self._low[slot], self._lines[slot] = high, low, line
        self._count += 1
        if self._count * 2 > len(self._lines):
            self._grow()

    def _slot(self, high: int, low: int) -> int:
        """The slot holding this digest, or the free slot where it would go (linear probing)."""
        mask = len(self._lines) - 1
        slot = low & mask
        while self._lines[slot] != _EMPTY and (self._high[slot] != high or self._low[slot] != low):
            slot = (slot + 1) & mask
        return slot

    def _grow(self) -> None:
        """Twice the slots; the old table is walked in place (a list of its entries would cost what
        the table saves)."""
        high, low, lines = self._high, self._low, self._lines
        slots = len(lines) * 2
        self._high = array("Q", bytes(8 * slots))
        self._low = array("Q", bytes(8 * slots))
        self._lines = array("I", bytes(4 * slots))
        for old in range(len(lines)):
            if lines[old] != _EMPTY:
                slot = self._slot(high[old], low[old])
                self._high[slot], self._low[slot], self._lines[slot] = high[old], low[old], lines[old]


def _digest(address: str) -> tuple[int, int]:
    digest = hashlib.blake2b(address.encode("utf-8", "surrogatepass"), digest_size=16).digest()
    return int.from_bytes(digest[:8], "little"), int.from_bytes(digest[8:], "little")
