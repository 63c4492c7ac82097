#!/usr/bin/env python3
"""Score the detector on transcript-only streams, the way `replay detect` runs on another ASR's SRT.

Example:
  python scripts/make_paraphrase_set.py tests/data/paraphrase/dev .bench/paraphrase/dev
  python scripts/eval_transcripts.py .bench/paraphrase/dev
  python scripts/eval_transcripts.py .bench/paraphrase/dev --no-cues      # cue ablation: every cue list empty
  python scripts/eval_transcripts.py tests/data/paraphrase/asr            # whisper's transcripts of the recordings

Each sub-folder of DIR holds transcript.srt (or .vtt/.json), catalog.json and truth.json. The detector reads
the transcript and the catalog with the default options, exactly as `replay detect` does; truth.json is read
here only to score (replay.report.scoring, the definitions of ../shared/bench/score.py).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from eval_bench import print_analysis, print_table  # noqa: E402
from make_paraphrase_set import truth_segments  # noqa: E402

from replay.asr.transcript_io import read_transcript  # noqa: E402
from replay.catalog import catalog_from_records, load_catalog  # noqa: E402
from replay.contracts import Catalog, Transcript  # noqa: E402
from replay.detect import detect  # noqa: E402
from replay.report.scoring import score  # noqa: E402
from replay.settings import load_settings  # noqa: E402


def _transcript_file(d: Path) -> Path | None:
    for name in ("transcript.srt", "transcript.vtt", "transcript.json"):
        if (d / name).is_file():
            return d / name
    return None


def _streams(folder: Path) -> Iterator[tuple[str, Transcript, Catalog, dict]]:
    """(name, transcript, catalog, truth) per stream: sub-folders with transcript.* + catalog.json + truth.json, or
    whisper's transcripts of rendered practice streams (tests/data/paraphrase/asr: NAME.json and NAME.truth.json, the
    spoken lines' times and labels; the catalog from the script NAME.json in the sibling dev/, train/ or heldout/)."""
    for d in sorted(p for p in folder.iterdir() if (p / "truth.json").is_file()):
        tfile = _transcript_file(d)
        if tfile is not None:
            yield (d.name, read_transcript(tfile), load_catalog(d / "catalog.json"),
                   json.loads((d / "truth.json").read_text(encoding="utf-8")))
    for lines in sorted(folder.glob("*.truth.json")):
        name = lines.name.removesuffix(".truth.json")
        script = next((folder.parent / s / f"{name}.json" for s in ("dev", "train", "heldout")
                       if (folder.parent / s / f"{name}.json").is_file()), None)
        if script is None or not (folder / f"{name}.json").is_file():
            continue
        transcript = read_transcript(folder / f"{name}.json")
        records = json.loads(script.read_text(encoding="utf-8"))["catalog"]
        utts = json.loads(lines.read_text(encoding="utf-8"))
        yield (name, transcript, catalog_from_records(records, source=script.name),
               {"segments": truth_segments(utts), "duration": transcript.duration})


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir", type=Path, help="folder with one sub-folder per stream")
    ap.add_argument("--no-cues", action="store_true", help="cue ablation: run with every cue phrase list empty")
    ap.add_argument("--talk-model", help="product-talk model file (default: the packaged one)")
    ap.add_argument("--json", type=Path, help="also write the scores and highlights as JSON here")
    ap.add_argument("--quiet", action="store_true", help="print only the score table")
    args = ap.parse_args(argv)
    options = load_settings().detect  # the defaults, or REPLAY_DETECT__* from the environment / .env
    if args.no_cues:
        options = replace(options, use_cues=False)
    if args.talk_model:
        options = replace(options, talk_model=args.talk_model)
    rows, dump = {}, {}
    for name, transcript, catalog, truth in _streams(args.dir):
        hl = detect(transcript, catalog, options)
        res = score(truth, hl)
        from eval_bench import analyse

        res["analysis"] = analyse(truth, hl)
        rows[name] = res
        dump[name] = {"scores": {k: v for k, v in res.items() if k != "analysis"},
                        "highlights": [{"sku_id": h.sku_id, "start": h.start, "end": h.end,
                                        "confidence": h.confidence} for h in hl]}
    if not rows:
        print(f"no streams in {args.dir}", file=sys.stderr)
        return 1
    print_table(rows)
    if not args.quiet:
        for name, r in rows.items():
            print_analysis(name, r)
    if args.json:
        args.json.write_text(json.dumps(dump, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
