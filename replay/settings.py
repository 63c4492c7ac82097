"""All of replay's settings, in one place.

Every setting can come from the environment with the ``REPLAY_`` prefix (``REPLAY_DATA_DIR=...``) or from
a ``.env`` file. The CLI derives its options and the configuration table in the README from this class,
so adding a field here is the only step needed to expose a new setting.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from replay.errors import SettingsError


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REPLAY_", env_file=".env", extra="ignore", frozen=True)

    data_dir: Path = Field(
        Path("data"), description="Where the database, the model cache and derived files (thumbnails, clips) live."
    )
    db_path: Path | None = Field(None, description="SQLite database file. Default: DATA_DIR/replay.db.")
    model_cache_dir: Path | None = Field(
        None, description="Where assembled models are cached. Default: DATA_DIR/models."
    )
    media_root: Path = Field(
        Path("."), description="Registered media paths must resolve inside this folder (API and uploads)."
    )
    model: str = Field(
        "whisper-base",
        description="ASR model: a name from models/registry.json, or a local CTranslate2 model directory.",
    )
    device: Literal["cpu", "cuda", "auto"] = Field("cpu", description="Where the ASR model runs.")
    compute_type: str = Field("int8", description="CTranslate2 compute type (int8, int8_float16, float16, float32).")
    threads: int = Field(1, ge=1, le=64, description="CPU threads per ASR worker.")
    workers: int = Field(2, ge=1, le=64, description="Parallel ASR worker processes in the local pool.")
    beam_size: int = Field(1, ge=1, le=10, description="Beam size for decoding; 1 is greedy and fastest.")
    batch_size: int = Field(8, ge=1, le=64, description="Batch size of faster-whisper's batched pipeline.")
    chunk_seconds: float = Field(
        1800.0, ge=30.0, le=1800.0, description="Longest audio chunk transcribed as one task (cut at silences)."
    )
    language: str = Field("zh", description="Spoken language passed to whisper.")
    visual: bool = Field(True, description="Run the visual stage (scene cuts, OCR of product cards).")
    max_upload_bytes: int = Field(
        8 * 1024**3, ge=1, description="Largest upload accepted by POST /uploads (bytes); larger gets 413."
    )
    max_duration: float = Field(
        12 * 3600.0, gt=0, description="Longest recording accepted, in seconds; longer is refused at probe."
    )
    host: str = Field("127.0.0.1", description="Address the API server listens on.")
    port: int = Field(8000, ge=1, le=65535, description="Port the API server listens on.")
    api_key: str | None = Field(None, description="When set, write endpoints need header X-API-Key with this value.")
    ray_address: str | None = Field(
        None, description="Ray cluster address ('auto', 'ray://host:10001', 'local'). Unset: the local process pool."
    )
    ray_cpus_per_worker: float = Field(1.0, gt=0, le=64, description="num_cpus each Ray ASR actor declares.")
    ray_gpus_per_worker: float = Field(
        0.0, ge=0, le=8, description="num_gpus each Ray ASR actor declares (set with REPLAY_DEVICE=cuda)."
    )

    @model_validator(mode="after")
    def _fill_db_path(self) -> Settings:
        if self.db_path is None:
            object.__setattr__(self, "db_path", self.data_dir / "replay.db")
        return self

    @property
    def database(self) -> Path:
        assert self.db_path is not None
        return self.db_path

    @property
    def model_cache(self) -> Path:
        return self.model_cache_dir or self.data_dir / "models"

    @property
    def derived_dir(self) -> Path:
        return self.data_dir / "derived"


def load_settings(**overrides: object) -> Settings:
    """Build Settings from the environment plus explicit overrides, naming the bad setting on error."""
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            field = ".".join(str(p) for p in err["loc"]) or "?"
            problems.append(f"REPLAY_{field.upper()}: {err['msg']} (got {err.get('input')!r})")
        raise SettingsError("invalid setting: " + "; ".join(problems), hint="fix the value and run again") from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (read once)."""
    return load_settings()
