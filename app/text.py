"""Text from the database as it reaches a person: shown harmlessly, and names compared as people see them.

- ``shown`` is what a terminal line or a Qt label gets: a name holding ``ESC [ 2 J`` would
  otherwise clear the operator's terminal, and a right-to-left override (U+202E) turns the
  rest of a line around, in a terminal and in Qt alike. Every character Python does not call
  printable is written as its escape instead, e.g. ``\\x1b``, ``\\u202e``, ``\\n``.
- ``same_name_key`` and ``look_alike_key`` decide when two user names are one name to the
  person picking theirs from the station's list (``app.users`` refuses the second).
"""
from __future__ import annotations

import unicodedata

# Where several people see one name, the letters they cannot tell apart (in the spirit of
# Unicode TR39's skeletons, cut down to the scripts met on a European shop floor). Applied after
# case folding, so a letter maps to the Latin letter that either of its cases looks like:
# Cyrillic 'Н' looks like 'H', so 'н' maps to 'h'. The full TR39 table (confusables.txt,
# ~6,000 entries) is not used: no small maintained package computes skeletons from it, and the
# ones that ship it answer "is this string mixed-script", which would refuse real names
# without saying which existing user the new one is mistaken for.
_LOOK_ALIKES = str.maketrans({
    # Cyrillic
    "а": "a", "в": "b", "г": "r", "е": "e", "з": "3", "і": "i", "ј": "j", "к": "k", "м": "m", "н": "h", "о": "o",
    "п": "n", "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ь": "b", "ѕ": "s", "ԁ": "d", "һ": "h", "ӏ": "l",
    "ԛ": "q", "ԝ": "w", "ү": "y",
    # Greek
    "α": "a", "β": "b", "γ": "y", "ε": "e", "ζ": "z", "η": "h", "ι": "i", "κ": "k", "μ": "m", "ν": "n", "ο": "o",
    "ρ": "p", "τ": "t", "υ": "y", "χ": "x", "ϲ": "c", "ϳ": "j",
    # Latin letters without their dot or with a single storey, and digits read as letters
    "ı": "i", "ȷ": "j", "ɑ": "a", "ɡ": "g", "0": "o", "1": "l",
})
_INVISIBLE = {"Cc", "Cf", "Zl", "Zp"}  # controls, format characters (zero-width, bidi), line separators


def shown(text: str, limit: int | None = None) -> str:
    """``text`` fit to put in front of a person: what is not printable as its escape, cut at ``limit``.

    Controls C0 and C1, DEL, the bidi embeddings, overrides and isolates (U+202A–U+202E,
    U+2066–U+2069) and the other invisible characters come out as ``\\x1b``, ``\\u202e`` and
    so on, so nothing in a name steers the terminal or the line it stands in; letters of
    every script pass as they are. A backslash stays as it is (Windows paths read as usual).
    """
    if not text.isprintable():
        text = "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)
    return text if limit is None or len(text) <= limit else text[:limit - 1] + "…"


def shown_lines(text: str) -> str:
    """``shown`` for each line of several: the line ends stay, everything else is shown as one line would be."""
    return text if text.isprintable() else "\n".join(map(shown, text.split("\n")))


def shown_json(text: str) -> str:
    """JSON text (``json.dumps(…, ensure_ascii=False)``) with what ``shown`` escapes written as JSON escapes.

    ``json.dumps`` escapes C0 controls but passes DEL, C1 (``\\x9b`` starts a terminal command
    as ``ESC [`` does), the bidi controls and lone surrogates (which cannot even be encoded).
    Written as ``\\u009b`` they read back as the very same string.
    """
    return "\n".join(line if line.isprintable() else "".join(map(_json_char, line)) for line in text.split("\n"))


def _json_char(char: str) -> str:
    if char.isprintable():
        return char
    code = ord(char)
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000  # JSON writes a character beyond the BMP as its UTF-16 surrogate pair
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def same_name_key(name: str) -> str:
    """What two names share when they are the same name written differently.

    Compatibility forms (full-width letters, ligatures), composed or combining accents, case,
    invisible characters and runs of white space do not count: ``ＯＬＧＡ  novak`` is ``Olga Novak``.
    """
    text = unicodedata.normalize("NFKC", name)
    text = "".join(char for char in text if unicodedata.category(char) not in _INVISIBLE)
    return unicodedata.normalize("NFKC", " ".join(text.split()).casefold())


def look_alike_key(name: str) -> str:
    """What two names share when a person cannot tell them apart on a screen: ``same_name_key`` with
    look-alike letters made one (Cyrillic ``О`` and Latin ``O``, the digit ``0`` and ``O``)."""
    decomposed = unicodedata.normalize("NFD", same_name_key(name))  # ё is е and a diaeresis, as ë is e and one
    return unicodedata.normalize("NFC", decomposed.translate(_LOOK_ALIKES))
