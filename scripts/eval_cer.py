#!/usr/bin/env python3
"""Character error rate of the ASR stage, with and without the trade vocabulary in the prompt.

Example:
  python scripts/eval_cer.py                              # real clips (tests/data/audio) + the bundled sample
  python scripts/eval_cer.py --stream ../shared/bench/dev1 # also a stream folder with truth.json utterances

Real clips: each file of tests/data/audio/references.tsv, transcribed alone with the prompt the pipeline would
give it with the bundled sample's catalog (catalog names; after: plus the trade vocabulary), and, for
reference, with no prompt at all. Streams: the whole recording transcribed as the pipeline
does (audio chunks, catalog hotwords from its catalog.json), scored against the concatenated truth
utterances (spliced real-speech clips, marked [real:…], are left out of the reference and of the hypothesis by
time). It also counts how often the trade words the host said (链接, 库存, …) come out right.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from replay.asr.models import resolve_model  # noqa: E402
from replay.asr.transcribe import TranscribeOptions, select_hotwords, transcribe_chunk  # noqa: E402
from replay.catalog import load_catalog  # noqa: E402
from replay.contracts import AudioChunk  # noqa: E402
from replay.lang import wordlist  # noqa: E402
from replay.media.audio import extract_pcm  # noqa: E402
from replay.media.probe import probe  # noqa: E402
from replay.settings import load_settings  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def edits(ref: str, hyp: str) -> tuple[int, int]:
    """Levenshtein distance over characters (punctuation and spaces removed) and the reference length."""
    a, b = (re.sub(r"[\s\W_]+", "", x).lower() for x in (ref, hyp))
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1], len(a)


def transcribe_file(path: Path, hotwords: str, tmp: Path) -> list:
    info = probe(path)
    pcm = extract_pcm(info, tmp / (path.stem + ".pcm"))
    model = resolve_model("whisper-base", load_settings().model_cache)
    opts = TranscribeOptions(model_dir=model, threads=2, hotwords=hotwords)
    return transcribe_chunk(AudioChunk(index=0, start=0.0, end=info.duration, path=pcm), opts)


def real_clips(hotwords: str, tmp: Path) -> tuple[int, int]:
    rows = list(csv.DictReader((ROOT / "tests/data/audio/references.tsv").open(encoding="utf-8"), delimiter="\t"))
    errors = total = 0
    for row in rows:
        segs = transcribe_file(ROOT / "tests/data/audio" / row["file"], hotwords, tmp)
        e, n = edits(row["reference_text"], "".join(s.text for s in segs))
        errors, total = errors + e, total + n
    return errors, total


def stream(folder: Path, trade: bool, tmp: Path) -> tuple[int, int, int, int]:
    """(char errors, ref chars, trade words right, trade words said) for one stream folder."""
    truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    catalog = load_catalog(folder / "catalog.json")
    segs = transcribe_file(folder / "stream.mp4", select_hotwords(catalog.items, trade=trade), tmp)
    real = [(u["start"], u["end"]) for u in truth["utterances"] if u["text"].startswith("[real:")]
    ref = "".join(u["text"] for u in truth["utterances"] if not u["text"].startswith("[real:"))
    hyp = "".join(s.text for s in segs if not any(a - 0.5 <= (s.start + s.end) / 2 <= b + 0.5 for a, b in real))
    e, n = edits(ref, hyp)
    said = right = 0
    for word in wordlist("trade_vocabulary"):
        k = ref.count(word)
        said += k
        right += min(k, hyp.count(word))
    return e, n, right, said


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--stream", type=Path, action="append", default=[],
                    help="a stream folder (stream.mp4, catalog.json, truth.json); repeatable")
    ap.add_argument("--no-sample", action="store_true", help="skip replay/samples/demo")
    args = ap.parse_args(argv)
    streams = ([] if args.no_sample else [ROOT / "replay" / "samples" / "demo"]) + args.stream
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        print(f"{'input':28s} {'CER before':>11s} {'CER after':>10s} {'trade words before':>19s} {'after':>8s}")
        items = load_catalog(ROOT / "replay" / "samples" / "demo" / "catalog.json").items
        rows = {trade: real_clips(select_hotwords(items, trade=trade), tmp) for trade in (False, True)}
        print(f"{'real clips, sample catalog':28s} {rows[False][0] / rows[False][1]:11.3f} "
              f"{rows[True][0] / rows[True][1]:10.3f} {'-':>19s} {'-':>8s}")
        e, n = real_clips("", tmp)
        print(f"{'real clips, no prompt':28s} {e / n:11.3f} {'':>10s}")
        for folder in streams:
            b, a = stream(folder, False, tmp), stream(folder, True, tmp)
            print(f"{folder.name:28s} {b[0] / b[1]:11.3f} {a[0] / a[1]:10.3f} {f'{b[2]}/{b[3]}':>19s} "
                  f"{f'{a[2]}/{a[3]}':>8s}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
