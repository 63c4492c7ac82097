"""replay: index recorded live-commerce streams into per-product 看点.

The packages, in pipeline order (``replay.pipeline.STAGES`` runs them; docs/ARCHITECTURE.md draws it):

    media/     probe, audio, frames, keyframes, thumbnails, clips: the recording, through ffmpeg
    asr/       transcribe (faster-whisper), the executors (local pool, Ray), the model registry
    screen/    visual: OCR'd product cards and pictures, scene cuts
    catalog    the room's product list (购物袋)
    detect/    evidence → Viterbi decoding → 看点
    store/     the SQLite database: streams, jobs, checkpoints, transcripts, 看点, search
    jobs/      one job lifecycle for the CLI, batches (Ray) and the API
    api/, web/ the HTTP API and the player;  cli  the command line;  report/ analytics and scoring

Shared by all: contracts (the records between stages and their one JSON codec), timecode (how times are
written), settings (every setting, stage options included), errors (one error tree).
"""

__version__ = "0.1.0"
