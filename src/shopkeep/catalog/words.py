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
    holding it (positions in the catalog index's id order)."""

    words: list[str]
    starts: npt.NDArray[np.int64]  # products of words[i]: positions[starts[i]:starts[i + 1]]
    positions: npt.NDArray[np.int32]
    stale: npt.NDArray[np.bool_]  # products whose text is in `recent` instead
    recent: dict[int, str] = field(default_factory=dict)
    folding: bool = False  # some text folds into ASCII: the database matches terms

    def nbytes(self) -> int:
        words = sum(len(word) + 49 for word in self.words)
        return int(self.starts.nbytes + self.positions.nbytes + self.stale.nbytes + words)

    def matches(self, term: str, size: int) -> npt.NDArray[np.bool_] | None:
        """Which of `size` products hold `term` (case-insensitively), or None when the
        database must say."""
        if self.folding or not term.isascii():
            return None
        term = term.lower()
        if not TERM.fullmatch(term):
            return None
        found = np.zeros(size, dtype=np.bool_)
        spans = [
            self.positions[self.starts[i] : self.starts[i + 1]]
            for i, word in enumerate(self.words)
            if term in word
        ]
        if spans:
            found[np.concatenate(spans)] = True
        if self.recent:
            found[self.stale] = False
            for position, text in self.recent.items():
                if term in text:
                    found[position] = True
        return found

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
        stale = np.ones(size, dtype=np.bool_)
        stale[new_position[: len(self.stale)]] = self.stale
        return WordLists(
            words=self.words,
            starts=self.starts,
            positions=new_position[self.positions].astype(np.int32),
            stale=stale,
            recent={int(new_position[p]): text for p, text in self.recent.items()},
            folding=self.folding,
        )


class _WordIds(dict[str, int]):
    """Word → id, a new id for a word not seen before."""

    def __missing__(self, word: str) -> int:
        self[word] = found = len(self)
        return found


class WordListsBuilder:
    """Collects the words of products given in position order, chunk by chunk."""

    def __init__(self) -> None:
        self.word_ids = _WordIds()
        # Descriptions repeat across products: the words of recent ones are found once.
        self._described: dict[str, frozenset[int]] = {}
        self._keys: list[npt.NDArray[np.uint64]] = []
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
        positions = np.repeat(np.arange(self.size, self.size + len(names), dtype=np.uint64), counts)
        # One sortable key per (word, product): the word in the high half.
        self._keys.append((np.array(words, dtype=np.uint64) << np.uint64(32)) | positions)
        self.size += len(names)

    def build(self) -> WordLists:
        keys = np.concatenate(self._keys) if self._keys else np.empty(0, np.uint64)
        self._keys = []
        self._described.clear()
        keys.sort()
        first_keys = np.arange(len(self.word_ids) + 1, dtype=np.uint64) << np.uint64(32)
        starts = np.searchsorted(keys, first_keys).astype(np.int64)
        positions = (keys & np.uint64(0xFFFFFFFF)).astype(np.int32)
        del keys
        return WordLists(
            words=list(self.word_ids),
            starts=starts,
            positions=positions,
            stale=np.zeros(self.size, dtype=np.bool_),
            folding=self.folding,
        )


def _lowered(text: str) -> str:
    return text.lower() if text.isascii() else text.translate(_ASCII_UPPER)
