"""Which products' names or descriptions hold a search term, answered in memory.

A term made only of ASCII letters and digits can only occur inside a run of such characters
(a word), so it is enough to know every distinct word of the catalog and the products each
word is in: the products holding the term are those of the words holding it. Words are few
(thousands) even when products are many, so finding the words is a short scan, and the
products come from their posting lists.

Other terms (with spaces, punctuation, `%`, `_` or beyond ASCII) are matched by the
database. So are all terms while the catalog holds a text in which a character beyond ASCII
could fold to an ASCII letter (the Kelvin sign is a `k` to some case rules): there the
database's own rules decide.

Products whose text changed after the lists were built are set aside (`stale`) and their
current text is kept beside the lists (`recent`), checked directly.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, cast

import numpy as np
import numpy.typing as npt

WORD = re.compile(r"[a-z0-9]+")
TERM = re.compile(r"[a-z0-9]+")
# Beyond this many products changed since the lists were built, build them again.
MAX_RECENT = 5_000
_ASCII_UPPER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_folds_to_ascii: dict[str, bool] = {}


def searchable_text(name: str, description: str) -> str:
    """Name and description as the word lists read them: ASCII letters lowered only (as
    SQLite's `lower()` does), a newline between the two so that no word spans them."""
    return _lowered(f"{name}\n{description}")


def folds_into_ascii(text: str) -> bool:
    """Whether some character beyond ASCII in `text` lowers or folds to something holding an
    ASCII letter or digit, where databases' case rules may differ from the word lists."""
    if text.isascii():
        return False
    for char in text:
        if char.isascii():
            continue
        folds = _folds_to_ascii.get(char)
        if folds is None:
            folds = any(c.isascii() and c.isalnum() for c in char.lower() + char.casefold())
            _folds_to_ascii[char] = folds
        if folds:
            return True
    return False


@dataclass
class WordLists:
    """Every word of the catalog's texts (as of a build) and the positions of the products
    holding it (positions in the catalog index's id order).

    A word held by more than a 32nd of the products keeps a bitmap of every product (a bit
    each). One held by fewer keeps the steps from one of its products' positions to the next (2
    bytes each) when every step is below 65,536, else the positions themselves (4 bytes each).
    Each word is in one of the three."""

    words: list[str]
    starts: npt.NDArray[np.int64]  # products of words[i]: positions[starts[i]:starts[i + 1]]
    positions: npt.NDArray[np.int32]
    stale: npt.NDArray[np.bool_]  # products whose text is in `recent` instead
    # The products of words[i] by steps: firsts[i], then each adding the next of
    # steps[step_starts[i]:step_starts[i + 1]] (whose first is 0).
    step_starts: npt.NDArray[np.int64]
    steps: npt.NDArray[np.uint16]
    firsts: npt.NDArray[np.int32]
    # Word number → its products as bits (little-endian within each byte).
    bitmaps: dict[int, npt.NDArray[np.uint8]] = field(default_factory=dict)
    recent: dict[int, str] = field(default_factory=dict)
    folding: bool = False  # some text folds into ASCII: the database matches terms

    def nbytes(self) -> int:
        words = sum(len(word) + 49 for word in self.words)
        bitmaps = sum(bitmap.nbytes for bitmap in self.bitmaps.values())
        arrays = self.starts.nbytes + self.positions.nbytes + self.stale.nbytes
        arrays += self.step_starts.nbytes + self.steps.nbytes + self.firsts.nbytes
        return int(arrays + bitmaps + words)

    def matches(self, term: str, size: int) -> npt.NDArray[np.bool_] | None:
        """Which of `size` products hold `term` (case-insensitively), or None when the
        database must say."""
        if self.folding or not term.isascii():
            return None
        term = term.lower()
        if not TERM.fullmatch(term):
            return None
        holding = self._holding(term)
        bitmaps = [self.bitmaps[i] for i in holding if i in self.bitmaps]
        if bitmaps:
            bits = bitmaps[0].copy()
            for bitmap in bitmaps[1:]:
                bits |= bitmap
            found = np.unpackbits(bits, count=size, bitorder="little").view(np.bool_)
        else:
            found = np.zeros(size, dtype=np.bool_)
        spans = [self.positions[self.starts[i] : self.starts[i + 1]] for i in holding]
        if spans:
            found[np.concatenate(spans)] = True
        stepped = np.array(holding, dtype=np.int64)
        if len(stepped):
            stepped = stepped[self.step_starts[stepped + 1] > self.step_starts[stepped]]
        if len(stepped):
            starts = self.step_starts
            some = np.concatenate([self.steps[starts[i] : starts[i + 1]] for i in stepped])
            found[_walked(some, starts[stepped + 1] - starts[stepped], self.firsts[stepped])] = True
        if self.recent:
            found[self.stale] = False
            for position, text in self.recent.items():
                if term in text:
                    found[position] = True
        return found

    def _holding(self, term: str) -> list[int]:
        """The numbers of the words holding `term` (a run of letters and digits), found by
        searching all the words joined: several times faster than testing each word."""
        text, starts = self._joined
        find = text.find
        found = []
        at = find(term)
        while at != -1:  # within one word (the term has no newline); then from the next word
            found.append(at)
            at = find(term, find("\n", at) + 1)
        return cast(list[int], (np.searchsorted(starts, found, side="right") - 1).tolist())

    @cached_property
    def _joined(self) -> tuple[str, npt.NDArray[np.int64]]:
        """Every word, a newline after each, and where each starts."""
        starts = np.zeros(len(self.words), dtype=np.int64)
        np.cumsum([len(word) + 1 for word in self.words[:-1]], out=starts[1:])
        return "".join(f"{word}\n" for word in self.words), starts

    def changed(self, position: int, text: str) -> None:
        self.stale[position] = True
        self.recent[position] = text
        if folds_into_ascii(text):
            self.folding = True

    @property
    def outgrown(self) -> bool:
        return len(self.recent) > MAX_RECENT

    def moved(self, new_position: npt.NDArray[np.int64], size: int) -> WordLists:
        """The lists after the products were put in a new order: the product at position p
        is now at `new_position[p]`; positions from len(stale) on are new products."""
        old_size = len(self.stale)
        stale = np.ones(size, dtype=np.bool_)
        stale[new_position[:old_size]] = self.stale
        bitmaps = {}
        for word, bitmap in self.bitmaps.items():
            held = np.flatnonzero(np.unpackbits(bitmap, count=old_size, bitorder="little"))
            bitmaps[word] = _bitmap(new_position[held], size)
        # Every other word's positions, moved, in order again within each word.
        count = len(self.words)
        stepped = np.diff(self.step_starts)
        kept = np.diff(self.starts)
        with_steps = np.flatnonzero(stepped)
        walked = _walked(self.steps, stepped[with_steps], self.firsts[with_steps])
        words = np.concatenate(
            [np.repeat(np.arange(count), kept), np.repeat(with_steps, stepped[with_steps])]
        )
        moved = new_position[np.concatenate([self.positions, walked])]
        order = np.lexsort((moved, words))
        starts = np.zeros(count + 1, dtype=np.int64)
        np.cumsum(kept + stepped, out=starts[1:])
        lists = WordLists(
            words=self.words,
            stale=stale,
            bitmaps=bitmaps,
            **_stepped(starts, moved[order].astype(np.int32)),
            recent={int(new_position[p]): text for p, text in self.recent.items()},
            folding=self.folding,
        )
        if "_joined" in self.__dict__:  # the same words: their joined text serves again
            lists.__dict__["_joined"] = self._joined
        return lists


class _WordIds(dict[str, int]):
    """Word → id, a new id for a word not seen before."""

    def __missing__(self, word: str) -> int:
        self[word] = found = len(self)
        return found


class WordListsBuilder:
    """Collects the words of products given in position order, chunk by chunk.

    Each chunk keeps only the numbers of its products' words (2 bytes each while the catalog
    has at most 65,536 distinct words) and how many each product has; the lists are laid out
    from those at the end, a chunk at a time, so that a build holds little more than the words'
    numbers and the finished lists."""

    def __init__(self) -> None:
        self.word_ids = _WordIds()
        # Descriptions repeat across products: the words of recent ones are found once.
        self._described: dict[str, frozenset[int]] = {}
        # Per chunk: its products' word numbers, one product after another, and how many
        # words each product has.
        self._chunks: list[tuple[npt.NDArray[np.unsignedinteger[Any]], npt.NDArray[np.int32]]]
        self._chunks = []
        self.size = 0
        self.folding = False

    def add(self, names: Sequence[str], descriptions: Sequence[str]) -> None:
        ids = self.word_ids.__getitem__
        described = self._described
        if len(described) > 10_000:
            described.clear()
        findall = WORD.findall
        words: list[int] = []
        counts: list[int] = []
        for name, description in zip(names, descriptions, strict=True):
            if not self.folding and (folds_into_ascii(name) or folds_into_ascii(description)):
                self.folding = True
            of_description = described.get(description)
            if of_description is None:
                of_description = frozenset(map(ids, findall(_lowered(description))))
                described[description] = of_description
            found = of_description.union(map(ids, findall(_lowered(name))))
            words.extend(found)
            counts.append(len(found))
        kind = np.uint16 if len(self.word_ids) <= 1 << 16 else np.uint32
        self._chunks.append((np.array(words, dtype=kind), np.array(counts, dtype=np.int32)))
        self.size += len(names)

    def build(self) -> WordLists:
        chunks, self._chunks = self._chunks, []
        self._described.clear()
        size, count = self.size, len(self.word_ids)
        held = np.zeros(count, dtype=np.int64)  # how many products hold each word
        for words, _ in chunks:
            held += np.bincount(words, minlength=count)
        dense = held * 32 > size  # a bitmap is smaller than the positions
        starts = np.zeros(count + 1, dtype=np.int64)
        np.cumsum(np.where(dense, 0, held), out=starts[1:])
        positions = np.empty(int(starts[-1]), dtype=np.int32)
        filled = starts[:-1].copy()  # where each word's next position goes
        bitmaps = {int(word): np.zeros((size + 7) // 8, np.uint8) for word in np.flatnonzero(dense)}
        first = 0
        while chunks:
            words, counts = chunks.pop(0)
            order = np.argsort(words, kind="stable")
            products = np.repeat(np.arange(first, first + len(counts), dtype=np.int32), counts)
            products, words = products[order], words[order].astype(np.int64)
            first += len(counts)
            sparse = ~dense[words]
            # Each word's products in position order, after those of the chunks before.
            some, of_some = words[sparse], products[sparse]
            positions[filled[some] + np.arange(len(some)) - np.searchsorted(some, some)] = of_some
            filled += np.bincount(some, minlength=count)
            some, of_some = words[~sparse], products[~sparse]
            if len(some):
                cuts = np.flatnonzero(np.diff(some)) + 1
                firsts = some[np.concatenate([[0], cuts])]
                for word, part in zip(firsts, np.split(of_some, cuts), strict=True):
                    _set_bits(bitmaps[int(word)], part)
        return WordLists(
            words=list(self.word_ids),
            stale=np.zeros(size, dtype=np.bool_),
            bitmaps=bitmaps,
            folding=self.folding,
            **_stepped(starts, positions),
        )


def _stepped(starts: npt.NDArray[np.int64], positions: npt.NDArray[np.int32]) -> dict[str, Any]:
    """The lists of `positions` (each word's ascending, word after word, from `starts`) with
    those of the words whose steps all fit in 16 bits kept as steps (`WordLists` fields)."""
    count = len(starts) - 1
    lengths = np.diff(starts)
    held = lengths > 0
    firsts_at = starts[:-1][held]
    gaps = np.zeros(len(positions), dtype=np.int32)
    np.subtract(positions[1:], positions[:-1], out=gaps[1:])
    gaps[firsts_at] = 0
    widest = np.zeros(count, dtype=np.int64)
    if len(positions):
        widest[held] = np.maximum.reduceat(gaps, firsts_at)
    narrow = held & (widest < 1 << 16)
    firsts = np.zeros(count, dtype=np.int32)
    firsts[narrow] = positions[starts[:-1][narrow]]
    as_steps = np.repeat(narrow, lengths)
    step_starts = np.zeros(count + 1, dtype=np.int64)
    np.cumsum(np.where(narrow, lengths, 0), out=step_starts[1:])
    kept_starts = np.zeros(count + 1, dtype=np.int64)
    np.cumsum(np.where(narrow, 0, lengths), out=kept_starts[1:])
    return {
        "starts": kept_starts,
        "positions": positions[~as_steps],
        "step_starts": step_starts,
        "steps": gaps[as_steps].astype(np.uint16),
        "firsts": firsts,
    }


def _walked(
    steps: npt.NDArray[np.uint16], lengths: npt.NDArray[np.int64], firsts: npt.NDArray[np.int32]
) -> npt.NDArray[np.int64]:
    """The positions of lists of `steps` laid one after another (`lengths` of them each, each
    list's first step 0), from each list's first position."""
    sums = np.cumsum(steps, dtype=np.int64)
    if not len(sums):
        return sums
    begins = np.cumsum(lengths) - lengths
    sums += np.repeat(firsts - sums[begins], lengths)
    return sums


def _set_bits(bitmap: npt.NDArray[np.uint8], positions: npt.NDArray[np.int32]) -> None:
    """Set the bits of `positions` (distinct, ascending, not set yet) in `bitmap`."""
    if not len(positions):
        return
    low, high = int(positions[0]) >> 3, (int(positions[-1]) >> 3) + 1
    # Distinct bits of one byte add up to their union.
    bits = np.bincount((positions >> 3) - low, weights=1 << (positions & 7), minlength=high - low)
    bitmap[low:high] |= bits.astype(np.uint8)


def _bitmap(positions: npt.NDArray[np.int64], size: int) -> npt.NDArray[np.uint8]:
    held = np.zeros(size, dtype=np.bool_)
    held[positions] = True
    return np.packbits(held, bitorder="little")


def _lowered(text: str) -> str:
    return text.lower() if text.isascii() else text.translate(_ASCII_UPPER)
