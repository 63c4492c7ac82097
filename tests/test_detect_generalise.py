"""The generalisation protocol of the detector (docs/BENCHMARKS.md, "看点 on talk the detector has never seen").

- Cue ablation: with every cue phrase list emptied, product evidence and the structure of the talk alone still
  segment the dev bench streams (seg_f1@0.5 >= 0.85 on each).
- Practice transcripts: hand-written by several authors in phrasings that appear nowhere in ../shared/bench
  (tests/data/paraphrase). ``dev`` was looked at while the detector was built, and the product-talk model was
  trained on it and on ``train``; ``heldout`` was written by another author and used by nothing until the
  final measurement (see the README there for which author was held out when).
- The product-talk model never saw the held-out transcripts or the bench.

The transcripts here are text (like `replay detect` on another ASR's SRT); the same figures on recordings
through the real ASR come from scripts/eval_bench.py and are in docs/BENCHMARKS.md.
"""

from __future__ import annotations

import json
import shutil
import statistics
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from replay.asr.transcript_io import read_transcript
from replay.catalog import catalog_from_records, load_catalog
from replay.contracts import Segment, Transcript
from replay.detect import DetectOptions, detect
from replay.report.scoring import score

from conftest import SHARED, skip_unless_installed

ROOT = Path(__file__).parent.parent
PARA = Path(__file__).parent / "data" / "paraphrase"
BENCH = SHARED / "bench"
DEV_STREAMS = ("dev1", "dev2", "dev3", "dev4", "dev5", "long1")

sys.path.insert(0, str(ROOT / "scripts"))
from make_paraphrase_set import convert, timed_lines, truth_segments  # noqa: E402


def bench_transcript(name: str) -> tuple[Transcript, dict]:
    """The bench stream's spoken lines as subtitle cues (the spliced real-speech clips have no text)."""
    if not BENCH.is_dir():
        skip_unless_installed(f"{BENCH} missing", in_ci="CI clones the project with ../shared beside it")
    truth = json.loads((BENCH / name / "truth.json").read_text(encoding="utf-8"))
    segs = tuple(Segment(u["start"], u["end"], u["text"]) for u in truth["utterances"]
                 if not u["text"].startswith("[real:"))
    return Transcript(segs, duration=truth["duration"]), truth


@pytest.mark.parametrize("name", DEV_STREAMS)
def test_without_any_cue_list_the_bench_is_still_segmented(name: str) -> None:
    transcript, truth = bench_transcript(name)
    catalog = load_catalog(BENCH / name / "catalog.json")
    without = score(truth, detect(transcript, catalog, replace(DetectOptions(), use_cues=False)))
    assert without["seg_f1@0.5"] >= 0.85, without
    assert without["sku_recall"] == 1.0, without
    with_cues = score(truth, detect(transcript, catalog))
    assert with_cues["seg_f1@0.5"] >= 0.95, with_cues


def practice(path: Path) -> tuple[Transcript, dict, object]:
    import random

    script = json.loads(path.read_text(encoding="utf-8"))
    utts = timed_lines(script["lines"], random.Random(1))
    transcript = Transcript(tuple(Segment(u["start"], u["end"], u["text"]) for u in utts),
                            duration=utts[-1]["end"] + 2)
    truth = {"segments": truth_segments(utts), "duration": utts[-1]["end"] + 2}
    return transcript, truth, catalog_from_records(script["catalog"], source=path.name)


def author_files(folder: str, author: str) -> list[Path]:
    """One author's streams (a1.json … a6.json, not those of author aa)."""
    return sorted(p for p in (PARA / folder).glob("*.json") if p.stem.rstrip("0123456789") == author)


# Every stream of the dev authors the detector was built on keeps seg_f1@0.5 and sku_recall >= 0.85.
DEV_AUTHORS = ("a", "b", "c")


@pytest.mark.parametrize("path", sorted(p for a in DEV_AUTHORS for p in author_files("dev", a)),
                         ids=lambda p: p.stem)
def test_practice_transcripts_dev(path: Path) -> None:
    transcript, truth, catalog = practice(path)
    res = score(truth, detect(transcript, catalog))
    assert res["seg_f1@0.5"] >= 0.85 and res["sku_recall"] >= 0.85, res


# Authors held out when they wrote, and the bounds their transcripts must keep now (mean seg_f1@0.5, mean
# sku_recall, min seg_f1@0.5). Each was scored once while unseen (docs/BENCHMARKS.md): g and i at stop 21, j, l
# and m at stop 22, n, o, p, q and r at stop 23, s, t and u at stop 24, v, w and x at stop 25, y and z at stop 26,
# aa, ab and ac early in stop 27, ad, ae and af at the end of stop 27, ag, ah and ai mid-stop 28, aj, ak and al
# at the end of stop 28, am, an and ao at the end of stop 29, ap, aq and ar at the end of stop 30, as, at and au
# at the end of stop 31, av, aw and ax at the end of stop 32, ay, az and ba at the end of stop 33, bb, bc and bd
# at the end of stop 34. Their errors
# were then analysed, so they are dev, and a–u are training data for the product-talk model (v–z are not: a model
# trained with v, w and x did no better on y and z): the bounds are a floor against regressions, not a held-out
# figure. They are the figures of stop 25 (v, w, x: stop 26; y, z: stop 27's start; aa, ab, ac, ag, ah, ai, aj,
# ak, al: their one measurement; am, an, ao: stop 30's start; ap, aq, ar: stop 31's start; as, at, au: stop 32's
# start; av, aw, ax: the end of stop 32, d02e2f2; ay, az, ba: the end of stop 33, 6eb1d96; bb, bc, bd: the end of
# stop 34, 9e65677; be, bf, bg: the end of stop 35, 5783194; bh, bi, bj: the end of stop 36, 01cf64c; bn, bo,
# bp: their one measurement, 7491acd; bq, br, bs: stop 40's end, f016e3b; bt, bu, bv: stop 41's end, 1ae3e33; bw, bx, by:
# stop 42's end, feefc5e; bz, ca, cb: stop 43's end, 3c8189b; cc, cd, ce: stop 44's end, 13184c9; cf, cg, ch:
# stop 45's end, dae84ed; ci, cj, ck: stop 46, 3acb779; cl, cm, cn: stop 46's end, 419786d; co, cp, cq: stop 47's
# end, their first measurement after the held-out one; bk: stop 47, after the price weight went from 0.6 to 3.0 (bk3
# and bk4 1.000 -> 0.824, the dev set as a whole much better); ad,
# ae, af: stop 28's start) less a margin (0.04 on the means, 0.1 on the
# minimum). The
# authors in tests/data/paraphrase/heldout have no bounds here.
AUTHOR_BOUNDS = {"g": ("dev", 0.95, 0.96, 0.85), "i": ("dev", 0.93, 0.94, 0.80),
                 "j": ("dev", 0.93, 0.93, 0.72), "l": ("dev", 0.91, 0.91, 0.78),
                 "m": ("dev", 0.89, 0.93, 0.62), "n": ("dev", 0.94, 0.96, 0.84),
                 "o": ("dev", 0.91, 0.96, 0.74), "p": ("dev", 0.92, 0.96, 0.72),
                 "q": ("dev", 0.93, 0.92, 0.78), "r": ("dev", 0.89, 0.92, 0.75),
                 "s": ("dev", 0.85, 0.96, 0.62), "t": ("dev", 0.93, 0.96, 0.75),
                 "u": ("dev", 0.89, 0.93, 0.70), "v": ("dev", 0.87, 0.92, 0.56),
                 "w": ("dev", 0.90, 0.92, 0.62), "x": ("dev", 0.94, 0.96, 0.78),
                 "y": ("dev", 0.89, 0.96, 0.70), "z": ("dev", 0.77, 0.88, 0.40),
                 "aa": ("dev", 0.85, 0.88, 0.70), "ab": ("dev", 0.80, 0.87, 0.52),
                 "ac": ("dev", 0.84, 0.96, 0.67), "ad": ("dev", 0.87, 0.89, 0.66),
                 "ae": ("dev", 0.82, 0.92, 0.63), "af": ("dev", 0.81, 0.92, 0.56),
                 "ag": ("dev", 0.83, 0.86, 0.67), "ah": ("dev", 0.87, 0.93, 0.74),
                 "ai": ("dev", 0.88, 0.93, 0.77), "aj": ("dev", 0.85, 0.84, 0.56),
                 "ak": ("dev", 0.88, 0.87, 0.74), "al": ("dev", 0.89, 0.94, 0.71),
                 "am": ("dev", 0.81, 0.88, 0.56), "an": ("dev", 0.88, 0.93, 0.65),
                 "ao": ("dev", 0.83, 0.93, 0.48), "ap": ("dev", 0.91, 0.92, 0.65),
                 "aq": ("dev", 0.91, 0.96, 0.74), "ar": ("dev", 0.84, 0.90, 0.63),
                 "as": ("dev", 0.92, 0.92, 0.80), "at": ("dev", 0.94, 0.92, 0.84),
                 "au": ("dev", 0.86, 0.92, 0.70), "av": ("dev", 0.88, 0.96, 0.60),
                 "aw": ("dev", 0.96, 0.96, 0.90), "ax": ("dev", 0.87, 0.87, 0.72),
                 "ay": ("dev", 0.87, 0.89, 0.67), "az": ("dev", 0.88, 0.94, 0.70),
                 "ba": ("dev", 0.89, 0.92, 0.74), "bb": ("dev", 0.88, 0.89, 0.72),
                 "bc": ("dev", 0.92, 0.94, 0.70), "bd": ("dev", 0.90, 0.96, 0.70),
                 "be": ("dev", 0.94, 0.96, 0.78), "bf": ("dev", 0.90, 0.94, 0.66),
                 "bg": ("dev", 0.82, 0.94, 0.63), "bh": ("dev", 0.87, 0.96, 0.66),
                 "bi": ("dev", 0.80, 0.90, 0.56), "bj": ("dev", 0.85, 0.93, 0.60),
                 "bk": ("dev", 0.90, 0.96, 0.72), "bl": ("dev", 0.94, 0.98, 0.84),
                 "bm": ("dev", 0.97, 1.00, 0.87), "bn": ("dev", 0.79, 0.92, 0.56),
                 "bo": ("dev", 0.90, 0.91, 0.65), "bp": ("dev", 0.92, 0.96, 0.74),
                 "bq": ("dev", 0.91, 0.93, 0.78), "br": ("dev", 0.93, 0.96, 0.84), "bs": ("dev", 0.93, 0.96, 0.80),
                 "bt": ("dev", 0.89, 0.90, 0.63), "bu": ("dev", 0.88, 0.96, 0.62), "bv": ("dev", 0.91, 0.94, 0.77),
                 "bw": ("dev", 0.82, 0.90, 0.40), "bx": ("dev", 0.86, 0.94, 0.71), "by": ("dev", 0.92, 0.93, 0.70),
                 "bz": ("dev", 0.85, 0.84, 0.63), "ca": ("dev", 0.91, 0.93, 0.71), "cb": ("dev", 0.84, 0.92, 0.68),
                 "cc": ("dev", 0.92, 0.94, 0.75), "cd": ("dev", 0.96, 0.96, 0.90), "ce": ("dev", 0.88, 0.94, 0.68),
                 "cf": ("dev", 0.93, 0.96, 0.80), "cg": ("dev", 0.92, 0.96, 0.71), "ch": ("dev", 0.82, 0.93, 0.44),
                 "ci": ("dev", 0.91, 0.93, 0.70), "cj": ("dev", 0.92, 0.96, 0.74), "ck": ("dev", 0.90, 0.96, 0.70),
                 "cl": ("dev", 0.90, 0.93, 0.75), "cm": ("dev", 0.90, 0.92, 0.72), "cn": ("dev", 0.87, 0.87, 0.72),
                 "co": ("dev", 0.89, 0.94, 0.70), "cp": ("dev", 0.91, 0.96, 0.75), "cq": ("dev", 0.88, 0.92, 0.67)}


@pytest.mark.parametrize("author", sorted(AUTHOR_BOUNDS))
def test_practice_transcripts_by_author(author: str) -> None:
    folder, mean_f1, mean_recall, min_f1 = AUTHOR_BOUNDS[author]
    results = [score(truth, detect(transcript, catalog))
               for transcript, truth, catalog in map(practice, author_files(folder, author))]
    assert len(results) >= 6
    # Scores are ratios of small counts (4/5): compare with a float tolerance, not against 0.7999…
    assert statistics.mean(r["seg_f1@0.5"] for r in results) >= mean_f1 - 1e-9, results
    assert statistics.mean(r["sku_recall"] for r in results) >= mean_recall - 1e-9, results
    assert min(r["seg_f1@0.5"] for r in results) >= min_f1 - 1e-9, results


def test_the_talk_model_never_saw_the_held_out_set_or_the_bench() -> None:
    model = json.loads((ROOT / "replay" / "detect" / "talk_model.json").read_text(encoding="utf-8"))
    sources = [s for head in model["heads"].values() for s in head["trained_on"]]
    assert len(model["heads"]) == 2 and all(head["trained_on"] for head in model["heads"].values())
    assert sources and all(s.startswith(("tests/data/paraphrase/train/", "tests/data/paraphrase/dev/",
                                         "tests/data/paraphrase/asr/")) for s in sources)
    heldout_authors = {p.stem.rstrip("0123456789") for p in (PARA / "heldout").glob("*.json")}
    assert heldout_authors and not any(Path(s).stem.rstrip("*").rstrip("0123456789") in heldout_authors
                                       for s in sources)


@pytest.mark.parametrize(("argv", "said"), [(["--fit-only"], "--fit-only needs --c"),
                                            (["--c", "10", "30", "3"], "--c takes one value or 2"),
                                            (["--c", "10", "--fit-only", "--heads", "talk", "--out",
                                              "/nonexistent/m.json"], "keeps the other heads from")])
def test_training_the_talk_model_at_fixed_c_says_what_it_needs(argv: list[str], said: str, capsys) -> None:  # noqa: ANN001
    # --fit-only fits once at the given C (how stop 35 compared models trained on more or fewer authors); without a
    # C, or with more values than heads, the script stops before reading a single transcript.
    sys.path.insert(0, str(ROOT / "scripts"))
    import train_talk_model

    with pytest.raises(SystemExit) as stop:
        train_talk_model.main(argv)
    assert stop.value.code == 2 and said in capsys.readouterr().err


def test_a_product_opened_by_a_bare_link_number_is_explained() -> None:
    """Dev stream aj1 (author aj): 再看十六 opens the reversible belt (link 16), then its features and prices
    without its name. Read as a plain number, the belt before kept the whole explanation."""
    transcript, truth, catalog = practice(PARA / "dev" / "aj1.json")
    wanted = next(s for s in truth["segments"] if s["sku_id"] == "AJB16")
    found = [h for h in detect(transcript, catalog) if h.sku_id == "AJB16"]
    assert found and abs(found[0].start - wanted["start"]) < 3, (found, wanted)


def test_a_mention_then_chat_then_the_product_is_not_its_explanation() -> None:
    """Dev stream ao5: 拿不准的，恁直接拍十二号的尝鲜装 ends the 小米 explanation; then 来，俺喝口水 … 福袋挂上了
    (12 s of chat), then 那俺就说说这个十二号. Item 12's 看点 starts there, not at the mention before the chat."""
    transcript, truth, catalog = practice(PARA / "dev" / "ao5.json")
    wanted = next(s for s in truth["segments"] if s["sku_id"] == "JB12")
    found = [h for h in detect(transcript, catalog) if h.sku_id == "JB12"]
    assert found and abs(found[0].start - wanted["start"]) < 3, (found, wanted)


@pytest.mark.parametrize("timing", ["practice", "subtitle set"])
def test_a_long_explanation_ending_on_a_mention_is_kept(timing: str, tmp_path: Path) -> None:
    """Dev stream ag6 (author ag): 再往前翻，翻到最上面那个 opens a fountain pen (AGF01), explained for 40 s with
    few catalog words, and ends 用墨囊的话，三号是它家的T十墨囊 (its cartridges, item 3, a parting cross-sell).
    Timed as the practice transcripts are, the cartridges get a block of their own and the pen's weak block
    counted as their lead-in; timed as the subtitle set of scripts/make_paraphrase_set.py, the pen's block took
    the cartridges in as a mention, and their link number and name sank its confidence as a rival. Either
    way no 看点 for the pen. A 40 s run is no lead-in, and a mention taken in is no rival."""
    if timing == "practice":
        transcript, truth, catalog = practice(PARA / "dev" / "ag6.json")
    else:
        from replay.asr.transcript_io import read_transcript

        convert(PARA / "dev" / "ag6.json", tmp_path, seed=1, merge=False)
        transcript, catalog = read_transcript(tmp_path / "transcript.srt"), load_catalog(tmp_path / "catalog.json")
        truth = json.loads((tmp_path / "truth.json").read_text(encoding="utf-8"))
    wanted = next(s for s in truth["segments"] if s["sku_id"] == "AGF01")
    found = [h for h in detect(transcript, catalog) if h.sku_id == "AGF01"]
    assert found and abs(found[0].start - wanted["start"]) < 3, (found, wanted)


def test_a_weakly_named_explanation_is_kept() -> None:
    """A real explanation with little catalog evidence (a 返场 named once, by a shared word) scores 0.3-0.4: kept.

    Dev stream ay1 (author ay): the 返场 of the Sichuan pepper powder AY104 at the end (花椒粉也补了三十瓶 | 十九块九，
    拍了扣已拍) scores 0.32; at the old threshold (0.4) it was dropped. (Until stop 47 the example was bi3's BI304,
    whose 返场 now says both its prices, which single it out; before stop 39, ai5's AIL06.)
    """
    transcript, truth, catalog = practice(PARA / "dev" / "ay1.json")
    wanted = next(s for s in truth["segments"] if s["sku_id"] == "AY104" and s["kind"] == "return")
    kept = [h for h in detect(transcript, catalog) if h.sku_id == "AY104" and h.start < wanted["end"]
            and h.end > wanted["start"]]
    assert kept and kept[0].confidence < 0.4


def test_a_product_pointed_at_on_the_way_out_is_not_explained() -> None:
    """A cross-sell said at the end of an explanation, with nothing of it after: not a 看点 of its own.

    Dev stream ak4 (author ak): the explanation of a fleece insole ends 还嫌冷的，七号充电加热款也有。码数偏大，拍小一码。
    Item 7 is named once and the host goes on about sizes: the lines belong to item 6, and item 7 gets no 看点.
    """
    transcript, truth, catalog = practice(PARA / "dev" / "ak4.json")
    assert not any(s["sku_id"] == "AKI07" for s in truth["segments"])
    hl = detect(transcript, catalog)
    assert not any(h.sku_id == "AKI07" for h in hl), hl
    six = next(s for s in truth["segments"] if s["sku_id"] == "AKI06")
    assert any(h.sku_id == "AKI06" and abs(h.end - six["end"]) < 1.5 for h in hl)


def test_a_pointer_after_a_sentence_decoded_as_nobodys_stays_with_the_explanation() -> None:
    """The same pointer when the sentence before it was decoded as no product's talk (leaving for none and
    entering the pointed-at item costs the decoder less than switching).

    Dev stream al6 (author al): 一只四毛钱，盖子也算进去了 / 要更便宜的，十一号中空咖啡杯也可以看 / 送外卖的话一定要带盖子的
    end the explanation of item 12, and item 11 gets no 看点 there.
    """
    transcript, truth, catalog = practice(PARA / "dev" / "al6.json")
    twelve = next(s for s in truth["segments"] if s["sku_id"] == "ALC12")
    hl = detect(transcript, catalog)
    assert not any(h.sku_id == "ALC11" and h.start < twelve["end"] + 1 for h in hl), hl
    assert any(h.sku_id == "ALC12" and abs(h.end - twelve["end"]) < 1.5 for h in hl), hl


def test_a_product_priced_between_two_stretches_of_another_is_no_aside(tmp_path: Path) -> None:
    """Dev stream l3 as ASR-style cues: between the potting soil (LC06) and a cross-sell back to it, the host
    explains the slow-release fertiliser (LC08: 配土的时候我都会拌一点这个…缓释肥三二零那款 … 日常五十八块直播间三十二块
    | 八号链接) for 18 s without calling the soil. Short and between two stretches of LC06, it was read as an aside;
    a product's own price said past its first sentence, with the other not called back, is selling it."""

    convert(PARA / "dev" / "l3.json", tmp_path, seed=1, merge=True)
    transcript, catalog = read_transcript(tmp_path / "transcript.srt"), load_catalog(tmp_path / "catalog.json")
    truth = json.loads((tmp_path / "truth.json").read_text(encoding="utf-8"))
    wanted = next(s for s in truth["segments"] if s["sku_id"] == "LC08")
    found = [h for h in detect(transcript, catalog) if h.sku_id == "LC08"]
    assert found and abs(found[0].start - wanted["start"]) < 3 and found[0].end > wanted["end"] - 8, (found, wanted)


def test_a_short_return_that_says_its_price_is_no_mention(tmp_path: Path) -> None:
    """Dev stream am1 as ASR-style cues: the last 返场 (一号稳健的也补了一百单 | 外科口罩二十五块九要的赶紧好今天就到
    这儿了家人们) has one sentence the talk model calls product talk; the next runs the price into the sign-off and reads
    as chat. One sentence of talk is a mention, and the return was absorbed into the explanation before it. A sentence
    that says the item's own price is talk about it."""
    from replay.asr.transcript_io import read_transcript

    convert(PARA / "dev" / "am1.json", tmp_path, seed=1, merge=True)
    transcript, catalog = read_transcript(tmp_path / "transcript.srt"), load_catalog(tmp_path / "catalog.json")
    truth = json.loads((tmp_path / "truth.json").read_text(encoding="utf-8"))
    wanted = next(s for s in truth["segments"] if s["sku_id"] == "KZ01" and s["kind"] == "return")
    found = [h for h in detect(transcript, catalog) if h.sku_id == "KZ01" and h.end > wanted["start"]]
    assert found and abs(found[0].start - wanted["start"]) < 3, (found, wanted)


def test_the_transcript_scorer_reads_whisper_transcripts_of_the_recordings(tmp_path: Path) -> None:
    """scripts/eval_transcripts.py on tests/data/paraphrase/asr's layout (NAME.json, NAME.truth.json, the script in
    a sibling dev/): dev recording n6 as whisper heard it, scored against its spoken lines' labels."""
    import eval_transcripts

    (tmp_path / "asr").mkdir()
    (tmp_path / "dev").mkdir()
    for name in ("n6.json", "n6.truth.json"):
        shutil.copy(PARA / "asr" / name, tmp_path / "asr" / name)
    shutil.copy(PARA / "dev" / "n6.json", tmp_path / "dev" / "n6.json")
    assert eval_transcripts.main([str(tmp_path / "asr"), "--quiet", "--json", str(tmp_path / "out.json")]) == 0
    scores = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))["n6"]["scores"]
    assert scores["n_truth"] == 9 and scores["seg_f1@0.5"] >= 0.9, scores


def _found(name: str, sku: str, tmp_path: Path) -> tuple[list, dict]:
    """The 看点 of ``sku`` in dev stream ``name`` as scripts/make_paraphrase_set.py times it, and its truth."""

    convert(PARA / "dev" / f"{name}.json", tmp_path, seed=1, merge=False)
    transcript, catalog = read_transcript(tmp_path / "transcript.srt"), load_catalog(tmp_path / "catalog.json")
    truth = json.loads((tmp_path / "truth.json").read_text(encoding="utf-8"))
    wanted = next(s for s in truth["segments"] if s["sku_id"] == sku)
    return [h for h in detect(transcript, catalog) if h.sku_id == sku], wanted


def test_a_brand_then_de_then_a_word_is_not_another_name_misheard(tmp_path: Path) -> None:
    """Dev stream bj1: 链接是四号苗领阿妹的酸汤鱼料包. Read with 的 as a mis-heard 红, 苗领阿妹的酸汤 was the brand's red sour
    soup (BJ101) and its white one, three items named at once, so the sentence was weighed as a list and the soup
    base (BJ104, link 4) was lost to the fish (BJ118) opened on its alias 酸汤鱼."""
    found, wanted = _found("bj1", "BJ104", tmp_path)
    assert found and abs(found[0].start - wanted["start"]) < 3 and abs(found[0].end - wanted["end"]) < 3, (found, wanted)


def test_a_link_number_said_twice_opens_that_link(tmp_path: Path) -> None:
    """Dev stream au2: 上十二十二号链接 is link 12 said twice (read as 32, it opened a hat for one sentence and the
    fleece jacket's 看点 was lost)."""
    found, wanted = _found("au2", "AU212", tmp_path)
    assert found and abs(found[0].start - wanted["start"]) < 3 and abs(found[0].end - wanted["end"]) < 3, (found, wanted)


def test_a_product_opened_beside_the_last_and_compared_with_it_is_explained(tmp_path: Path) -> None:
    """Dev stream u4: 旁边这个八号也是哺乳内衣 opens bra 8 next to bra 7, and the host compares the two throughout
    (和七号不一样的地方在这, 缺点是没有七号那么聚拢, 胸大的选七号胸小的选八号). Those are not returns to 7: 8 is explained
    until the nursing pads open."""
    found, wanted = _found("u4", "UD08", tmp_path)
    assert found and abs(found[0].start - wanted["start"]) < 3 and abs(found[0].end - wanted["end"]) < 3, (found, wanted)


def test_three_words_of_one_title_said_apart_name_that_item(tmp_path: Path) -> None:
    """Dev stream bf5: after 二号券, 单条拆装加动平衡 names the single-tyre fitting + balancing voucher (BF503) by three
    of its title words, which one by one fit other vouchers too (四条轮胎拆装+动平衡, BF504, shares two of them). Read
    one by one, they made the four-tyre voucher the product explained, and BF503 was not found."""
    found, wanted = _found("bf5", "BF503", tmp_path)
    assert found and abs(found[0].start - wanted["start"]) < 3 and abs(found[0].end - wanted["end"]) < 3, (found, wanted)


def test_a_clear_opening_that_names_nothing_opens_what_the_next_line_calls(tmp_path: Path) -> None:
    """Dev stream c5: 看这个，也是牛肉干，但是是棒棒的 opens the beef sticks (E27) by a category word the beef jerky
    it follows shares, and only the next sentence, 二十七号，往下翻, calls it. The opening stayed the jerky's talk, so
    E27 started a sentence late; and 一号和二十七号哪个好吃, a viewer's question between the two, handed the rest
    of E27 back to the jerky."""
    found, wanted = _found("c5", "E27", tmp_path)
    assert found and abs(found[0].start - wanted["start"]) < 3 and abs(found[0].end - wanted["end"]) < 3, (found, wanted)


def test_a_viewers_question_comparing_another_item_does_not_open_it(tmp_path: Path) -> None:
    """Dev stream bn4: in the middle of the lantern's explanation (BND02), 下面这个旋钮可以调亮度 (an intro cue's
    words about the lantern's knob), then 有宝宝问跟十一号那个煤油灯造型的啥区别 and 十一号便宜，但是不能调光: a
    viewer asks how the lantern differs from item 11. The comparison does not open item 11, and the lantern's
    看点 is not split around it."""
    found, wanted = _found("bn4", "BND02", tmp_path)
    assert len(found) == 1 and abs(found[0].start - wanted["start"]) < 3 and abs(found[0].end - wanted["end"]) < 3, (
        found, wanted)


def test_a_tied_opening_is_what_the_next_sentence_calls(tmp_path: Path) -> None:
    """Dev stream bo2: 这个等一下讲到立体袋的时候细说 fits the 3D vacuum bags (BB03) and the extra-large ones (BB11)
    alike, and the next sentence calls the first, 三号宝贝是立体压缩袋. Item 11 is called only near the end, 要装床垫
    大玩偶的可以看十一号超大号, a referral for bigger things, and the decoder had given the whole explanation to it."""
    found, wanted = _found("bo2", "BB03", tmp_path)
    assert found and found[0].start <= wanted["start"] + 3 and found[0].end - found[0].start >= 0.7 * (
        wanted["end"] - wanted["start"]), (found, wanted)


def test_an_intro_cue_the_opening_model_doubts_opens_nothing_by_itself(tmp_path: Path) -> None:
    """Dev stream t6: in the volumising pad's explanation (TF04, 来下一个四号), 看过来 is an intro cue phrase, but
    the learned opening model gives it 0.01 and it calls nothing: the host asks the viewers to look at the pad
    in her hair. Taken at full strength, it let the next sentence's faint title words (放在头发底下往上一盖) open
    another hairpiece (TF12) for 13 s."""
    found, wanted = _found("t6", "TF04", tmp_path)
    assert found and abs(found[0].start - wanted["start"]) < 3 and abs(found[0].end - wanted["end"]) < 3, (found, wanted)


def test_a_pointer_is_timed_from_its_first_word_not_from_the_sentence_before_it() -> None:
    """Dev stream ac3 (author ac): the whole chicken's explanation ends 冷链只发江浙沪… | 天热的时候不发怕坏 |
    炖鸡汤的时候可以磕两个一号的土鸡蛋进去 | 今天就三十只，杀多了放不住. The decoder enters the eggs (link 1) through
    none a sentence before they are named; timed from that sentence the pointer ran past 8 s and was kept as a
    return of the eggs. Timed from the eggs' first word it is a pointer: the lines stay the chicken's."""
    transcript, truth, catalog = practice(PARA / "dev" / "ac3.json")
    chicken = next(s for s in truth["segments"] if s["sku_id"] == "W12")
    hl = detect(transcript, catalog)
    assert not any(h.sku_id == "W01" and chicken["start"] < h.start < chicken["end"] + 1 for h in hl), hl
    assert any(h.sku_id == "W12" and abs(h.end - chicken["end"]) < 1.5 for h in hl), hl


def test_two_products_called_together_are_explained_in_the_order_said() -> None:
    """Dev stream ce5: 七号八号卡砖卡套一起清 calls both, and item 8's word (卡套, two items share it) outweighs item
    7's (卡砖, four share it); the talk after is item 7's (这个砖五十个一箱, its price) until 八号卡套 is called. The
    decoder kept item 8 from the joint call (openings.settle_tied_openings: _called_first)."""
    transcript, truth, catalog = practice(PARA / "dev" / "ce5.json")
    wanted = next(s for s in truth["segments"] if s["sku_id"] == "CE507")
    found = [h for h in detect(transcript, catalog) if h.sku_id == "CE507"]
    assert found and abs(found[0].start - wanted["start"]) < 3 and abs(found[0].end - wanted["end"]) < 3, (found,
                                                                                                         wanted)
