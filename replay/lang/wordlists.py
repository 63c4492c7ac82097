"""Word lists: the phrases replay matches are data files in ``replay/wordlists/``, not code.

Each file is UTF-8 text, one phrase a line; ``#`` starts a comment, and every file opens with a comment on what
it is for and how it is used. A reviewer can read and change them without touching Python. Lists are weak
priors: the detector's segmentation is carried by catalog evidence and the structure of the talk, and
tests/test_detect_generalise.py checks that it still works with every cue list emptied.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from replay.errors import ReplayError


@cache
def wordlist(name: str) -> tuple[str, ...]:
    """The phrases of ``replay/wordlists/NAME.txt``, in file order, without comments or blank lines."""
    try:
        text = resources.files("replay").joinpath("wordlists", f"{name}.txt").read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ReplayError(f"word list {name!r} not found", hint="word lists live in replay/wordlists/NAME.txt; "
                          "reinstall the package if the folder is missing") from None
    out = []
    for line in text.splitlines():
        phrase = line.split("#", 1)[0].strip()
        if phrase:
            out.append(phrase)
    return tuple(dict.fromkeys(out))
