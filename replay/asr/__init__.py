"""asr: speech to a timestamped simplified-Chinese transcript.

transcribe (one audio chunk → utterances, faster-whisper), executor / ray_executor (where chunks run: in
process, a local pool of single-threaded workers, or Ray actors), models (the model registry, ``registry.json``:
a name → the PyPI wheels that carry its files and the sha256 of the assembled weights, joined and verified
once into REPLAY_DATA_DIR/models, never downloaded at run time), transcript_io (transcripts from other ASR
systems in, SRT/WebVTT subtitles out).
"""
