"""transcribe: timestamped simplified-Chinese utterances from 16 kHz PCM, biased by catalog hotwords.

One call handles one AudioChunk (at most 30 min) inside a worker process that keeps its model loaded.
faster-whisper's batched pipeline splits the chunk at VAD pauses into <=30 s windows and returns one
segment per window; we re-split those windows into utterances at word pauses, because the detector
snaps 看点 boundaries to utterance starts.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import zhconv

from replay.contracts import AudioChunk, CatalogItem, Segment, Word
from replay.lang import wordlist
from replay.lang.terms import spoken_terms
from replay.media.audio import load_pcm

log = logging.getLogger("replay.asr")

# faster-whisper keeps max_length // 2 = 223 prompt tokens of hotwords; ~180 Chinese characters fit.
HOTWORD_BUDGET_CHARS = 180

_SENTENCE_END = re.compile(r"[。！？!?]$")
_CLAUSE_END = re.compile(r"[，,、；;：:]$")


@dataclass(frozen=True, slots=True)
class TranscribeOptions:
    model_dir: Path = Path()
    """A CTranslate2 whisper directory (see replay.asr.models.resolve_model)."""
    device: str = "cpu"
    """cpu, cuda or auto."""
    compute_type: str = "int8"
    """CTranslate2 compute type."""
    threads: int = 1
    """CPU threads for this worker; several single-threaded workers beat one multi-threaded one."""
    beam_size: int = 1
    """1 is greedy decoding."""
    batch_size: int = 8
    """Windows decoded together by the batched pipeline."""
    language: str = "zh"
    """Spoken language."""
    hotwords: str = ""
    """Catalog terms that bias decoding towards product names (see select_hotwords)."""
    max_pause: float = 0.3
    """A pause between words longer than this starts a new utterance."""
    max_utterance: float = 8.0
    """Utterances longer than this are split at the next clause mark or pause."""
    extra: tuple[tuple[str, Any], ...] = field(default_factory=tuple)
    """Further faster-whisper transcribe() keyword arguments, as (name, value) pairs."""


def to_simplified(text: str) -> str:
    """Whisper often answers in traditional characters even for Mandarin; a prompt alone does not fix it."""
    return zhconv.convert(text, "zh-hans")


def select_hotwords(items: Sequence[CatalogItem], budget_chars: int = HOTWORD_BUDGET_CHARS,
                    trade: bool = True) -> str:
    """Pick terms for the prompt, most useful first, within faster-whisper's budget.

    A real 购物袋 has 50-150 items and does not fit, so terms are taken by rank: every item's short name
    first (the word hosts actually say), then the four words of the trade whisper gets wrong most (链接,
    库存, 到手价, 直播间: it writes 练结, 裤存), then brands, aliases, and the rest of the trade vocabulary
    (replay/wordlists/trade_vocabulary.txt) while room is left. Duplicates are dropped.

    An item with no short name (a shop that exports only titles) stands in with the words of its title a host
    says (replay.lang.terms.spoken_terms: 渔夫帽, MLB): its first in the short names' rank, its next two
    before the rest of the trade vocabulary, and the others after it.
    """
    vocab = list(wordlist("trade_vocabulary")) if trade else []
    spoken = [[] if i.short_name else spoken_terms(i) for i in items]
    ranks: list[list[str]] = [
        [i.short_name or next(iter(s), "") for i, s in zip(items, spoken, strict=True)],
        vocab[:4],
        [i.brand or "" for i in items],
        [a for i in items for a in i.aliases[:1]],
        *([s[k] for s in spoken if len(s) > k] for k in (1, 2)),
        vocab[4:],
        [t for s in spoken for t in s[3:]],
    ]
    chosen: list[str] = []
    seen: set[str] = set()
    used = 0
    for rank in ranks:
        for term in rank:
            term = term.strip()
            if not term or term in seen or re.search(r"[A-Za-z]{4,}", term) is None and len(term) > 12:
                continue
            if used + len(term) + 1 > budget_chars:
                continue
            chosen.append(term)
            seen.add(term)
            used += len(term) + 1
    return " ".join(chosen)


def _is_hallucination(text: str) -> bool:
    """A phrase whisper invents on silence or music (replay/wordlists/hallucinations.txt)."""
    return any(h.lower() in text.lower() for h in wordlist("hallucinations"))


def collapse_repeats(text: str, max_repeats: int = 2) -> str:
    """Cut decoder loops such as 好好好好好好 or 上链接上链接上链接… down to ``max_repeats`` copies."""
    for n in range(1, 9):
        pattern = re.compile(r"((.{%d}))\2{%d,}" % (n, max_repeats))  # noqa: UP031 - regex quantifier
        text = pattern.sub(lambda m: m.group(1) * max_repeats, text)
    return text


def resegment(words: Sequence[Word], max_pause: float, max_utterance: float) -> list[Segment]:
    """Group words into utterances at pauses and sentence marks."""
    out: list[Segment] = []
    cur: list[Word] = []

    def flush() -> None:
        if cur:
            text = "".join(w.text for w in cur).strip()
            if text:
                out.append(Segment(start=cur[0].start, end=cur[-1].end, text=text, words=tuple(cur)))
            cur.clear()

    for w in words:
        if cur:
            gap = w.start - cur[-1].end
            long = cur[-1].end - cur[0].start > max_utterance
            if gap > max_pause or _SENTENCE_END.search(cur[-1].text.strip()) or (
                long and (gap > 0.25 or _CLAUSE_END.search(cur[-1].text.strip()))
            ):
                flush()
        cur.append(w)
    flush()
    return out


def _clean_word(w: Any, offset: float) -> Word | None:
    text = to_simplified(w.word)
    if not text.strip():
        return None
    return Word(start=round(w.start + offset, 3), end=round(w.end + offset, 3), text=text,
                probability=round(float(w.probability), 3))


def postprocess(raw_segments: Iterable[Any], offset: float, options: TranscribeOptions) -> list[Segment]:
    """faster-whisper segments (chunk-relative) to clean absolute utterances."""
    out: list[Segment] = []
    for seg in raw_segments:
        text = to_simplified(seg.text).strip()
        if not text or _is_hallucination(text):
            continue
        if seg.no_speech_prob > 0.8 and seg.avg_logprob < -1.0:
            continue  # whisper itself thinks this is not speech
        words = [w for w in (_clean_word(x, offset) for x in (seg.words or [])) if w is not None]
        if not words:
            out.append(Segment(start=round(seg.start + offset, 3), end=round(seg.end + offset, 3),
                               text=collapse_repeats(text), avg_logprob=seg.avg_logprob,
                               no_speech_prob=seg.no_speech_prob))
            continue
        for utt in resegment(words, options.max_pause, options.max_utterance):
            fixed = collapse_repeats(utt.text)
            if fixed != utt.text:
                # A loop: keep the words up to the collapsed length so times still match text.
                kept, n = [], 0
                for w in utt.words:
                    if n >= len(fixed):
                        break
                    kept.append(w)
                    n += len(w.text)
                utt = Segment(start=kept[0].start, end=kept[-1].end, text=fixed, words=tuple(kept))
            out.append(Segment(start=utt.start, end=utt.end, text=utt.text, words=utt.words,
                               avg_logprob=round(seg.avg_logprob, 3), no_speech_prob=round(seg.no_speech_prob, 3)))
    return out


# One model per worker process, loaded on first use and kept for every later chunk.
_MODEL_CACHE: dict[tuple[str, str, str, int], Any] = {}


def load_model(options: TranscribeOptions) -> Any:
    from faster_whisper import BatchedInferencePipeline, WhisperModel

    key = (str(options.model_dir), options.device, options.compute_type, options.threads)
    if key not in _MODEL_CACHE:
        model = WhisperModel(str(options.model_dir), device=options.device, compute_type=options.compute_type,
                             cpu_threads=options.threads, num_workers=1)
        _MODEL_CACHE[key] = (model, BatchedInferencePipeline(model=model))
    return _MODEL_CACHE[key]


# A window whose text loses this many characters to collapse_repeats was a decoder loop (买买买买… for 25 s).
_LOOP_CHARS = 8
# faster-whisper's own fallback schedule: a window that fails the compression-ratio or log-prob test is decoded
# again at the next temperature.
_FALLBACK_TEMPERATURES = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)


def loops(text: str) -> bool:
    """Whether whisper's text for a window is a decoder loop (see ``_LOOP_CHARS``)."""
    text = to_simplified(text)
    return len(text) - len(collapse_repeats(text)) >= _LOOP_CHARS


# A window the batched decoder returns this long (seconds) with fewer than this many characters a second skipped
# speech: the VAD kept it as speech, and a host says 4-6 characters a second. Whisper now and then jumps from a
# window's first words to its last (伊罕的戏军球也好, 8 characters for 25 s of one dev recording's talk about a filter
# medium, its price and the next product's name); decoded again on its own, the window comes back whole. (Whole
# segments missing from the batched pipeline's output, not the sequential one's: SYSTRAN/faster-whisper#1179.)
_SPARSE_MIN_S = 8.0
_SPARSE_CHARS_PER_S = 1.0


def skipped_speech(start: float, end: float, text: str) -> bool:
    """Whether a window of the batched decoder from ``start`` to ``end`` (seconds) with ``text`` skipped speech
    (see ``_SPARSE_MIN_S``)."""
    said = len(re.sub(r"\s", "", to_simplified(text)))
    return end - start >= _SPARSE_MIN_S and said < _SPARSE_CHARS_PER_S * (end - start)


def transcribe_chunk(chunk: AudioChunk, options: TranscribeOptions) -> list[Segment]:
    """Transcribe one chunk; returned times are absolute (chunk.start added).

    The batched pipeline decodes each window at one temperature only (faster-whisper 1.x drops the fallback
    schedule in batched mode), so a window that loops (买买买买…) keeps the loop, and cutting the loop loses the
    rest of the window's speech: 25 s of one dev recording, an explanation's start with it. Such a window is
    decoded again on its own by the sequential decoder, which retries hotter until the loop is gone. So is a
    window that skipped speech (``skipped_speech``); its second decoding is kept when it says more.
    """
    model, pipeline = load_model(options)
    audio = load_pcm(chunk.path, chunk.start, chunk.end)
    if len(audio) < 1600:  # under 0.1 s: nothing to say
        return []
    kwargs: dict[str, Any] = dict(
        language=options.language,
        beam_size=options.beam_size,
        word_timestamps=True,
        hotwords=options.hotwords or None,
        # Loops feed on the previous window's text; the batched pipeline decodes windows independently
        # anyway, and these thresholds make it fall back from repetitive or low-confidence output.
        condition_on_previous_text=False,
        compression_ratio_threshold=2.4,
        log_prob_threshold=-1.0,
        no_speech_threshold=0.6,
    )
    extra = dict(options.extra)
    segments, _info = pipeline.transcribe(audio, **{**kwargs, "batch_size": options.batch_size, "vad_filter": True,
                                                    **extra})
    again_kwargs = {**kwargs, **{k: v for k, v in extra.items() if k != "batch_size"},
                    "temperature": _FALLBACK_TEMPERATURES}
    out: list[Segment] = []
    for seg in segments:
        looped, sparse = loops(seg.text), skipped_speech(seg.start, seg.end, seg.text)
        if not looped and not sparse:
            out += postprocess([seg], chunk.start, options)
            continue
        log.info("decoding %.1f-%.1f s again: %s", chunk.start + seg.start, chunk.start + seg.end,
                 "a loop" if looped else f"{len(seg.text.strip())} characters in {seg.end - seg.start:.0f} s")
        first, last = int(seg.start * 16000), int(seg.end * 16000)
        again, _ = model.transcribe(audio[first:last], **again_kwargs)
        redone = postprocess(list(again), chunk.start + seg.start, options)
        if sparse and not looped:
            kept = postprocess([seg], chunk.start, options)
            if sum(len(x.text) for x in redone) <= sum(len(x.text) for x in kept):
                redone = kept  # nothing more was said there (music the VAD took for speech)
        out += redone
    return out
