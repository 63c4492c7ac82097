"""Sentence breaks in run-on cues (replay.detect.breaks, units.split_unpunctuated) and what they let the detector do.

Another ASR's subtitles run a host's sentences together without commas (scripts/make_paraphrase_set.py --merge
writes the practice transcripts so). The detector can only switch products between units, so it needs the
sentence ends inside such a cue.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from replay.asr.transcript_io import read_transcript
from replay.catalog import load_catalog
from replay.contracts import Segment, Transcript
from replay.detect import detect
from replay.detect.breaks import break_probabilities, break_threshold
from replay.detect.units import build_units
from replay.lang import tokenize

ROOT = Path(__file__).parent.parent
PARA = Path(__file__).parent / "data" / "paraphrase"
sys.path.insert(0, str(ROOT / "scripts"))
from make_paraphrase_set import convert  # noqa: E402


def asr_style(name: str, tmp_path: Path) -> tuple[Transcript, dict, object]:
    """A dev practice transcript written as an ASR's cues of 20-45 characters (seed 1, as the dev sets)."""
    convert(PARA / "dev" / f"{name}.json", tmp_path, seed=1, merge=True)
    truth = json.loads((tmp_path / "truth.json").read_text(encoding="utf-8"))
    return read_transcript(tmp_path / "transcript.srt"), truth, load_catalog(tmp_path / "catalog.json")


def test_a_sentence_end_without_a_comma_is_found_and_words_are_not_cut() -> None:
    # Two lines of dev stream n2 run together: 一片两块钱 ends the price of item 4, 五号曼特宁 opens item 5.
    toks = tokenize("一片两块钱五号曼特宁就重一点")
    probs = break_probabilities(toks)
    join = toks.index("五")
    assert probs[join] >= break_threshold(), probs
    inside = [k for k in range(1, len(toks)) if k != join]
    assert max(probs[k] for k in inside) < probs[join], probs


def test_a_run_on_cue_becomes_units_at_its_sentence_ends() -> None:
    cue = "挂片十片九块九一片一块钱挂后视镜上味道有海洋有柠檬有檀木八号链接八号"  # dev stream m7, one ASR-style cue
    units = build_units(Transcript((Segment(112.4, 121.2, cue),), duration=130.0), 0.3)
    texts = [u.text for u in units]
    assert len(texts) >= 3 and "".join(texts) == cue, texts
    assert texts[-1] == "八号链接八号", texts  # the link call is a sentence of its own, where item 8 can be put up


def test_a_hand_written_line_with_short_clauses_is_left_whole() -> None:
    # A subtitler's line of 23 characters: its clauses are short, and a cross-sell cut out of it (再搭一个泳帽)
    # would read as an opening. Only a stretch without a comma longer than a clause is looked into.
    line = "今天三十九块，再搭一个泳帽，一共才六十四块，拍一发二"
    units = build_units(Transcript((Segment(143.3, 150.0, line),), duration=160.0), 0.3)
    assert [u.text for u in units] == ["今天三十九块再搭一个泳帽一共才六十四块拍一发二"]


def test_products_opened_inside_run_on_cues_are_found(tmp_path: Path) -> None:
    """Dev stream m7 (author m) as ASR-style cues: item 3 opens in 来看这一套 at the end of a chat cue, item 8 is
    called only at the end of its cue (…有檀木八号链接八号). Read as whole cues, item 4 took 65-121 s, and items 3 and
    8 had no 看点."""
    transcript, truth, catalog = asr_style("m7", tmp_path)
    found = detect(transcript, catalog)
    for sku in ("MG03", "MG04", "MG08"):
        wanted = next(s for s in truth["segments"] if s["sku_id"] == sku)
        hit = [h for h in found if h.sku_id == sku and h.start < wanted["end"] and h.end > wanted["start"]]
        assert hit and abs(hit[0].start - wanted["start"]) < 3 and abs(hit[0].end - wanted["end"]) < 3, (sku, hit)


def test_a_product_named_beside_the_one_in_hand_does_not_take_its_explanation(tmp_path: Path) -> None:
    """Dev stream n2 as ASR-style cues: 四号和五号是一个牌子，隅田川四号是蓝山风味 | 五号是曼特宁 | 蓝山这个呢… | 拿四号
    撕开… | …五号曼特宁就重一点. Item 5 named beside item 4 took item 4's explanation (its 蓝山 and its link number)
    from there on; the host went straight back to item 4, so item 5 starts where it is called after that."""
    transcript, truth, catalog = asr_style("n2", tmp_path)
    found = detect(transcript, catalog)
    four = next(s for s in truth["segments"] if s["sku_id"] == "NB04")
    hit = [h for h in found if h.sku_id == "NB04" and h.start < four["end"] and h.end > four["start"]]
    assert hit and hit[0].end > four["end"] - 6, (hit, four)
    assert not any(h.sku_id == "NB05" and h.start < four["end"] - 6 for h in found), found


def test_the_break_model_never_saw_the_held_out_set_or_the_bench() -> None:
    model = json.loads((ROOT / "replay" / "detect" / "break_model.json").read_text(encoding="utf-8"))
    sources = model["trained_on"]
    assert sources and all(s.startswith(("tests/data/paraphrase/train/", "tests/data/paraphrase/dev/")) for s in sources)
    heldout = {p.stem.rstrip("0123456789") for p in (PARA / "heldout").glob("*.json")}
    assert heldout and not any(Path(s).stem.rstrip("*").rstrip("0123456789") in heldout for s in sources)
