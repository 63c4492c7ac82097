from __future__ import annotations

import csv
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from replay.asr.models import resolve_model
from replay.asr.transcribe import (
    HOTWORD_BUDGET_CHARS,
    TranscribeOptions,
    collapse_repeats,
    loops,
    resegment,
    select_hotwords,
    skipped_speech,
    to_simplified,
    transcribe_chunk,
)
from replay.contracts import AudioChunk, CatalogItem, Word
from replay.lang import wordlist
from replay.media.audio import extract_pcm
from replay.media.probe import probe

from conftest import DATA


def test_traditional_becomes_simplified() -> None:
    assert to_simplified("廣州市房地產中介協會") == "广州市房地产中介协会"
    assert to_simplified("歡迎來到直播間") == "欢迎来到直播间"


def test_repetition_loops_are_cut() -> None:
    assert collapse_repeats("好好好好好好好好") == "好好"
    assert collapse_repeats("上链接上链接上链接上链接") == "上链接上链接"
    assert collapse_repeats("三二一上链接") == "三二一上链接"


def test_hotwords_fit_the_budget_and_prefer_short_names() -> None:
    items = [CatalogItem(sku_id=str(n), title=f"品牌{n}超长的商品标题{n}", brand=f"品牌{n}", short_name=f"商品{n}号",
                         aliases=(f"别名{n}",)) for n in range(80)]
    hw = select_hotwords(items)
    assert len(hw) <= HOTWORD_BUDGET_CHARS
    terms = hw.split()
    assert len(terms) == len(set(terms))
    assert terms[0] == "商品0号"  # every short name is tried before any brand
    # A small catalog: names, then the four trade words whisper gets wrong most, then brands, aliases, and the
    # rest of the trade vocabulary while it fits.
    small = select_hotwords(items[:3]).split()
    assert small[:13] == ["商品0号", "商品1号", "商品2号", "链接", "库存", "到手价", "直播间", "品牌0", "品牌1", "品牌2",
                          "别名0", "别名1", "别名2"]
    assert set(small[13:]) <= set(wordlist("trade_vocabulary")) and len(" ".join(small)) <= HOTWORD_BUDGET_CHARS
    assert select_hotwords(items[:3], trade=False).split() == small[:3] + small[7:13]
    # A big catalog fills the budget with its own names first; the trade words still get their four.
    assert "链接" in terms and "品牌0" not in terms


def test_an_item_with_only_a_title_still_gives_whisper_its_words() -> None:
    # A shop that exports only titles: before, the prompt held the trade vocabulary alone, and whisper wrote
    # 渔夫帽 as 鱼服猫 and 蕉下 as 交下.
    items = [CatalogItem(sku_id="H1", title="蕉下渔夫帽女夏季防晒帽UPF50+可折叠盆帽"),
             CatalogItem(sku_id="H2", title="MLB棒球帽男女同款NY刺绣鸭舌帽硬顶"),
             CatalogItem(sku_id="H3", title="针织毛线帽女秋冬保暖堆堆帽", short_name="堆堆帽")]
    terms = select_hotwords(items).split()
    assert terms[:3] == ["渔夫帽", "棒球帽", "堆堆帽"]  # a title's first category word stands in for a name
    assert terms[3:7] == ["链接", "库存", "到手价", "直播间"]
    assert {"MLB", "鸭舌帽", "刺绣", "硬顶", "防晒帽", "盆帽"} <= set(terms)  # Latin words keep the title's case
    assert "针织" not in terms  # an item with a short name adds nothing from its title
    assert len(" ".join(terms)) <= HOTWORD_BUDGET_CHARS


def _w(start: float, end: float, text: str) -> Word:
    return Word(start=start, end=end, text=text)


def test_resegment_splits_at_pauses_and_sentence_marks() -> None:
    words = [_w(0.0, 0.3, "接下来"), _w(0.35, 0.6, "这一款"), _w(1.2, 1.5, "五号"), _w(1.5, 1.8, "链接。"),
             _w(1.85, 2.0, "好")]
    segs = resegment(words, max_pause=0.3, max_utterance=8.0)
    assert [s.text for s in segs] == ["接下来这一款", "五号链接。", "好"]
    assert segs[1].start == 1.2 and segs[1].end == 1.8


def _cer(ref: str, hyp: str) -> tuple[int, int]:
    norm = [re.sub(r"[\s\W_]+", "", x).lower() for x in (ref, hyp)]
    a, b = norm
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1], len(a)


@pytest.mark.slow
def test_real_mandarin_character_error_rate(tmp_path: Path) -> None:
    """whisper-base on real human Mandarin (tests/data/audio) stays under a stated CER bound.

    Bound: aggregate CER <= 0.12 over the six clips (measured 0.054 here; see docs/BENCHMARKS.md), and every
    clip comes out in simplified characters with times inside the clip.
    """
    refs = list(csv.DictReader((DATA / "audio" / "references.tsv").open(encoding="utf-8"), delimiter="\t"))
    model = resolve_model("whisper-base", Path(__file__).parent.parent / "data" / "models")
    opts = TranscribeOptions(model_dir=model, threads=2)
    errors = total = 0
    for row in refs:
        info = probe(DATA / "audio" / row["file"])
        pcm = extract_pcm(info, tmp_path / (row["file"] + ".pcm"))
        segs = transcribe_chunk(AudioChunk(index=0, start=0.0, end=info.duration, path=pcm), opts)
        hyp = "".join(s.text for s in segs)
        assert hyp == to_simplified(hyp), f"traditional characters left in {hyp!r}"
        for s in segs:
            assert 0 <= s.start <= s.end <= info.duration + 0.5
            assert all(s.start - 0.01 <= w.start <= w.end <= s.end + 0.01 for w in s.words)
        e, n = _cer(row["reference_text"], hyp)
        errors, total = errors + e, total + n
    cer = errors / total
    print(f"aggregate CER {cer:.3f} over {total} reference characters")
    assert cer <= 0.12


@pytest.mark.slow
def test_times_are_absolute_for_a_later_chunk(tmp_path: Path) -> None:
    wav = DATA / "audio" / "funasr_llamacpp_sample.wav"  # golden VAD: speech 0.77-5.98 s
    info = probe(wav)
    pcm = extract_pcm(info, tmp_path / "x.pcm")
    model = resolve_model("whisper-base", Path(__file__).parent.parent / "data" / "models")
    segs = transcribe_chunk(AudioChunk(index=1, start=2.0, end=info.duration, path=pcm),
                            TranscribeOptions(model_dir=model, threads=2))
    assert segs and segs[0].start >= 2.0
    assert segs[-1].end <= info.duration + 0.3


def _answering(model: object, window: SimpleNamespace):  # noqa: ANN202
    """load_model's stand-in: the real sequential model, and a batched pipeline that answers ``window``."""

    class Pipeline:
        def transcribe(self, audio: object, **kwargs: object) -> tuple[list[SimpleNamespace], None]:
            return [window], None

    return lambda options: (model, Pipeline())


def test_a_window_that_loops_is_decoded_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The batched pipeline keeps a decoder loop (it has no temperature fallback); the window is decoded again.

    Here the batched pipeline is made to answer a loop for the whole of a real clip, as whisper did for 25 s of
    a dev recording (买买买…); the sequential decoder must bring back the clip's real words, inside the window.
    """
    import replay.asr.transcribe as transcribe

    row = next(csv.DictReader((DATA / "audio" / "references.tsv").open(encoding="utf-8"), delimiter="\t"))
    info = probe(DATA / "audio" / row["file"])
    pcm = extract_pcm(info, tmp_path / "x.pcm")
    opts = TranscribeOptions(model_dir=resolve_model("whisper-base", Path(__file__).parent.parent / "data" /
                                                     "models"), threads=2)
    model, _ = transcribe.load_model(opts)
    looped = SimpleNamespace(start=0.0, end=info.duration, text="广州" + "买" * 40, no_speech_prob=0.01,
                             avg_logprob=-0.2, words=None)
    monkeypatch.setattr(transcribe, "load_model", _answering(model, looped))
    assert loops(looped.text) and not loops("好好好好好，三二一上链接")
    segs = transcribe_chunk(AudioChunk(index=0, start=0.0, end=info.duration, path=pcm), opts)
    text = "".join(s.text for s in segs)
    assert "买买买" not in text
    errors, total = _cer(row["reference_text"], text)
    assert errors / total <= 0.2, text
    assert all(0.0 <= w.start <= w.end <= info.duration + 0.3 for s in segs for w in s.words)


def test_a_window_that_skipped_speech_is_decoded_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whisper's batched decoder now and then jumps from a window's first words to its last (8 characters for 25 s
    of a dev recording). Here it is made to answer two characters for the whole of a 13 s real clip: the window
    is decoded again on its own, and the clip's words come back, inside the window."""
    import replay.asr.transcribe as transcribe

    row = next(r for r in csv.DictReader((DATA / "audio" / "references.tsv").open(encoding="utf-8"), delimiter="\t")
               if r["file"] == "funasr_csharp_example_1.wav")
    info = probe(DATA / "audio" / row["file"])
    pcm = extract_pcm(info, tmp_path / "x.pcm")
    opts = TranscribeOptions(model_dir=resolve_model("whisper-base", Path(__file__).parent.parent / "data" /
                                                     "models"), threads=2)
    model, _ = transcribe.load_model(opts)
    sparse = SimpleNamespace(start=0.0, end=info.duration, text="欢迎", no_speech_prob=0.01, avg_logprob=-0.2,
                             words=None)
    assert skipped_speech(sparse.start, sparse.end, sparse.text)
    assert not skipped_speech(0.0, 6.0, "欢迎")            # a short window: a word or two is all there was
    assert not skipped_speech(0.0, 10.0, "欢迎大家来到直播间今天给大家带来")  # 1.7 characters a second
    monkeypatch.setattr(transcribe, "load_model", _answering(model, sparse))
    segs = transcribe_chunk(AudioChunk(index=0, start=0.0, end=info.duration, path=pcm), opts)
    text = "".join(s.text for s in segs)
    errors, total = _cer(row["reference_text"], text)
    assert len(text) > 10 and errors / total <= 0.3, text
    assert all(0.0 <= w.start <= w.end <= info.duration + 0.3 for s in segs for w in s.words)


def test_a_sparse_window_decoded_again_to_no_more_words_keeps_its_own(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Ten seconds of silence the VAD took for speech, with one word heard: the second decoding finds nothing
    more (whisper says nothing, or the hallucination filter drops it), so the window keeps its own word."""
    import numpy as np

    import replay.asr.transcribe as transcribe

    pcm = tmp_path / "quiet.pcm"
    (np.random.default_rng(0).normal(0, 30, 16000 * 10)).astype(np.int16).tofile(pcm)
    opts = TranscribeOptions(model_dir=resolve_model("whisper-base", Path(__file__).parent.parent / "data" /
                                                     "models"), threads=2)
    model, _ = transcribe.load_model(opts)
    word = SimpleNamespace(start=1.0, end=1.5, word="上车", probability=0.9)
    sparse = SimpleNamespace(start=0.5, end=10.0, text="上车", no_speech_prob=0.01, avg_logprob=-0.2, words=[word])
    monkeypatch.setattr(transcribe, "load_model", _answering(model, sparse))
    segs = transcribe_chunk(AudioChunk(index=0, start=0.0, end=10.0, path=pcm), opts)
    assert [s.text for s in segs] == ["上车"]
