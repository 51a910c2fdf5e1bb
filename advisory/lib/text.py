"""Text normalisation shared by entity matching, imports and search."""

import re
import unicodedata
from pathlib import Path

_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_ARABIC_LETTERS = str.maketrans(
    {
        "\u0623": "\u0627",  # alef with hamza above
        "\u0625": "\u0627",  # alef with hamza below
        "\u0622": "\u0627",  # alef with madda
        "\u0671": "\u0627",  # alef wasla
        "\u0649": "\u064a",  # alef maksura -> ya
        "\u06cc": "\u064a",  # Persian ya -> Arabic ya
        "\u06a9": "\u0643",  # Persian kaf -> Arabic kaf
        "\u0629": "\u0647",  # ta marbuta -> ha
    }
)
_APOSTROPHES = re.compile("['\u2018\u2019\u02bc\u02bb\u02be\u02bf`\u00b4]")
_SEPARATORS = re.compile(r"[\W_]+")


def normalise_name(name: str) -> str:
    """Fold a name to the form two spellings of it share.

    Case, accents, apostrophes (Kata'ib / Kataib), hyphens and punctuation, Arabic diacritics
    and letter variants (أ/إ/ا, ى/ي, Persian ی/ک) all fold away.
    """
    text = unicodedata.normalize("NFKC", name).casefold()
    text = _ARABIC_MARKS.sub("", text).translate(_ARABIC_LETTERS)
    decomposed = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    text = unicodedata.normalize("NFC", text)
    text = _APOSTROPHES.sub("", text)
    return _SEPARATORS.sub(" ", text).strip()


def file_text_utf8(path: Path, error: type[Exception], *, encoding: str = "utf-8-sig") -> str:
    """The file's bytes decoded as UTF-8; `error`, with a one-line message naming the file,
    when it cannot be read or is not UTF-8. The importers and commands each raise their own."""
    try:
        data = path.read_bytes()
    except OSError as problem:
        raise error(f"{path}: cannot be read ({problem.strerror})") from None
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as problem:
        raise error(
            f"{path.name} is not UTF-8 text (byte 0x{data[problem.start]:02x} at offset"
            f" {problem.start}); save it as UTF-8"
        ) from None
