"""All of replay's settings, in one place, the stages' options included.

Every setting can come from the environment with the ``REPLAY_`` prefix (``REPLAY_DATA_DIR=...``) or from
a ``.env`` file. A stage's options dataclass is one group here, named after the stage: its fields are
``REPLAY_<STAGE>__<FIELD>`` (``REPLAY_VISUAL__SAMPLE_FPS=1``), ``--set visual.sample_fps=1`` on the command
line and ``"options": {"visual": {"sample_fps": 1}}`` in POST /streams. ``replay config``, the README's table,
the CLI and the API all read the fields (and their docstrings) from here, so adding a field to a stage's
options, or a setting here, is the only step needed to expose it.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from pydantic_settings import SettingsError as SourceError

from replay.catalog import CatalogLimits
from replay.detect import DetectOptions
from replay.errors import OptionsError, SettingsError
from replay.hls.options import PackageOptions
from replay.live.options import LiveOptions
from replay.media.thumbnails import ThumbnailOptions
from replay.screen.options import VisualOptions

MAX_SECONDS = 7 * 24 * 3600.0
"""No recording is longer than a week: the bound on every time a client may send (clip ranges)."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REPLAY_", env_file=".env", extra="ignore", frozen=True,
                                      env_nested_delimiter="__", use_attribute_docstrings=True)

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
    max_upload_bytes: int = Field(
        8 * 1024**3, ge=1, description="Largest upload accepted by POST /uploads (bytes); larger gets 413."
    )
    max_duration: float = Field(
        12 * 3600.0, gt=0, le=MAX_SECONDS, description="Longest recording accepted, in seconds; longer is refused at probe."
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

    # --- limits and guarantees (issue 10): what a shop's files and a client's requests may be ---
    catalog_max_bytes: int = Field(
        CatalogLimits().max_bytes, ge=1, description="Largest catalog file read (bytes); larger gets 400.")
    catalog_max_depth: int = Field(
        CatalogLimits().max_depth, ge=2, le=100, description="Deepest nesting of a JSON catalog; deeper gets 400.")
    clip_min_seconds: float = Field(
        0.5, ge=0.5, le=60, description="Shortest clip range accepted by POST /streams/{id}/clips; shorter gets 400.")
    max_queued_jobs: int = Field(
        8, ge=1, le=1000, description="Jobs of one kind (index, clip) that may wait in the API's queue; beyond it, "
                                     "429 with Retry-After. Index jobs always run before waiting clip jobs.")
    protect_reads: bool = Field(
        False, description="With REPLAY_API_KEY set, GET endpoints need X-API-Key too (private deployments); "
                           "the player's static files and /docs stay open.")
    db_busy_timeout: float = Field(
        10.0, ge=0, le=600, description="Seconds a database write waits for another process's lock before "
                                       "the API answers 503 (Retry-After).")
    shutdown_grace: float = Field(
        10.0, ge=0, le=600, description="Seconds a stopping server (SIGTERM) gives a running job to stop at a "
                                       "checkpoint; it is queued again and resumes when the server restarts.")

    # --- issue 17: product links in the catalog, viewer events (POST /events) and their analytics ---
    link_hosts: Annotated[tuple[str, ...], NoDecode] = Field(
        (), description="Hosts that catalog url/service_url links may point to, comma-separated; a host allows its "
                        "subdomains (taobao.com allows item.taobao.com). Empty: any host (http/https only, always).")
    events_max_batch: int = Field(100, ge=1, le=1000, description="Most events one POST /events may carry; more gets 413.")
    events_max_bytes: int = Field(
        65536, ge=1024, le=4 * 1024**2, description="Largest POST /events body in bytes; larger gets 413.")
    events_session_rate: int = Field(
        240, ge=1, description="Events one viewer session may send per minute; beyond it the batch gets 429.")
    events_address_rate: int = Field(
        6000, ge=1, description="Events one client address may send per minute, all its sessions together (a shop's "
                                "Wi-Fi or a carrier NAT puts many viewers behind one address); beyond it 429. The "
                                "address is counted in memory only, never stored.")
    events_keep_raw: bool = Field(
        False, description="Also keep every event as it came (kind, 看点, SKU, source, position, session id; never an "
                           "address or user agent). Off: only the per-minute counters are kept.")
    events_raw_days: float = Field(30.0, gt=0, le=3650, description="Days raw events are kept (with events_keep_raw).")
    events_minute_days: float = Field(
        7.0, gt=0, le=3650, description="Days the counters keep minute buckets; older ones are merged into hour buckets.")
    events_session_hours: float = Field(
        24.0, gt=0, le=24 * 365, description="A session counts once per 看点 for unique sessions; after this many hours "
                                            "without events it is forgotten (and would count again).")

    @field_validator("link_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: Any) -> Any:
        """REPLAY_LINK_HOSTS=taobao.com,jd.com (commas or spaces), a JSON list, or a list; each host normalised."""
        from replay.links import normalize_host, valid_host

        if isinstance(value, str):
            value = json.loads(value) if value.strip().startswith("[") else value.replace(",", " ").split()
        hosts = tuple(normalize_host(str(h)) for h in value or ())
        bad = [h for h in hosts if not valid_host(h)]
        if bad:
            raise ValueError(f"not a host name: {bad[0]!r} (write e.g. taobao.com,jd.com)")
        return hosts

    # --- issue 11: editors' corrections (replay/edits) ---
    edit_snap_window: float = Field(
        1.5, ge=0, le=10, description="Seconds an edited 看点 edge may move to reach the nearest word boundary.")
    edit_min_length: float = Field(1.0, gt=0, le=60, description="Shortest 看点 an edit may leave, in seconds.")
    editor_keys: dict[str, str] = Field(
        default_factory=dict, description='Editors\' own keys, JSON {"NAME": "KEY"}: a key opens the edit endpoints '
                                          "like REPLAY_API_KEY, and its NAME is recorded as the editor of each edit.")
    api_key_label: str = Field(
        "api-key", min_length=1, max_length=64,
        description="Editor name recorded for edits made with REPLAY_API_KEY when no X-Editor header names one.")

    # --- following a live recording (issue 14: replay/live, `replay follow`, POST /streams {"live": true}) ---
    ingest_hosts: Annotated[tuple[str, ...], NoDecode] = Field(
        (), description="Hosts a live source may be fetched from (comma-separated names, IP addresses or networks "
                        "such as 10.0.0.0/8); empty: no URL is fetched. Private and loopback addresses are refused "
                        "unless the address itself is listed.")
    live_idle_seconds: float = Field(
        120.0, gt=0, le=86400, description="A followed recording with no new data for this long has ended.")
    live: LiveOptions = Field(default_factory=LiveOptions, description="Following a live recording (replay/live).")

    @field_validator("ingest_hosts", mode="before")
    @classmethod
    def _split_ingest_hosts(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(h.strip().lower() for h in value.split(",") if h.strip())
        return tuple(str(h).strip().lower() for h in value) if isinstance(value, (list, tuple)) else value

    # --- the stages' options: one group per stage, its fields documented in the stage's dataclass ---
    visual: Annotated[VisualOptions, NoDecode] = Field(
        default_factory=VisualOptions, description="The visual stage (screen/visual.py).")
    detect: DetectOptions = Field(default_factory=DetectOptions, description="The 看点 detector (detect/).")
    thumbnails: ThumbnailOptions = Field(
        default_factory=ThumbnailOptions, description="看点 thumbnails (media/thumbnails.py).")
    # issue 18: the HLS ladder (replay/hls), its rate search and the storage policy.
    package: PackageOptions = Field(
        default_factory=PackageOptions, description="HLS packaging and the storage policy (replay/hls).")

    @field_validator("visual", mode="before")
    @classmethod
    def _visual_switch(cls, value: Any) -> Any:
        """REPLAY_VISUAL=false (or true) is the switch, short for REPLAY_VISUAL__ENABLED=false. Set, it stands
        for the whole group: the other REPLAY_VISUAL__* variables are not read (they matter only when on)."""
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                return {"enabled": value}
        return {"enabled": value} if isinstance(value, (bool, int)) else value

    @model_validator(mode="after")
    def _reads_need_a_key(self) -> Settings:
        if self.protect_reads and not self.api_key:
            raise ValueError("REPLAY_PROTECT_READS needs REPLAY_API_KEY: set the key the clients will send")
        return self

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
    def catalog_limits(self) -> CatalogLimits:
        return CatalogLimits(max_bytes=self.catalog_max_bytes, max_depth=self.catalog_max_depth,
                             link_hosts=self.link_hosts)

    @property
    def model_cache(self) -> Path:
        return self.model_cache_dir or self.data_dir / "models"

    @property
    def derived_dir(self) -> Path:
        return self.data_dir / "derived"

    def stream_dir(self, stream_id: str) -> Path:
        """Files derived from one stream: audio.s16le, thumbs/ID.jpg, clips/JOB.mp4."""
        return self.derived_dir / stream_id


OPTION_GROUPS = tuple(name for name, f in Settings.model_fields.items()
                      if dataclasses.is_dataclass(f.default_factory() if f.default_factory else f.default))
"""The settings that are a stage's options (visual, detect, ...): the groups a job may override."""


def env_name(path: str) -> str:
    """The environment variable of a setting: ``visual.sample_fps`` -> ``REPLAY_VISUAL__SAMPLE_FPS``."""
    return "REPLAY_" + path.replace(".", "__").upper()


def load_settings(**overrides: object) -> Settings:
    """Build Settings from the environment plus explicit overrides, naming the bad setting on error.

    An override of an options group is a dict of some of its fields, merged over the environment's values.
    """
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            field = ".".join(str(p) for p in err["loc"]) or "?"
            problems.append(f"{env_name(field)}: {err['msg']} (got {err.get('input')!r})")
        raise SettingsError("invalid setting: " + "; ".join(problems), hint="fix the value and run again") from None
    except SourceError as exc:
        raise SettingsError(f"invalid setting: {exc}", hint="fix the value and run again") from None


def parse_assignments(items: Iterable[str]) -> dict[str, Any]:
    """``["visual.sample_fps=1", "workers=3"]`` -> ``{"visual": {"sample_fps": "1"}, "workers": "3"}``.

    Values stay text: Settings validates and converts them, and names the setting when one is wrong.
    """
    out: dict[str, Any] = {}
    for item in items:
        name, sep, value = item.partition("=")
        path = name.strip().lower().split(".")
        if not sep or not all(path) or path[0] not in Settings.model_fields:
            raise SettingsError(f"cannot set {item!r}", hint="write NAME=VALUE with a name from `replay config`, "
                                                              "e.g. visual.sample_fps=1 or workers=3")
        if len(path) >= 2:
            if path[0] not in OPTION_GROUPS:
                raise SettingsError(f"{path[0]} has no fields", hint="only option groups take GROUP.FIELD")
            node = out.setdefault(path[0], {})
            for part in path[1:-1]:  # nested groups: detect.boundaries.tail_grace=10
                node = node.setdefault(part, {})
            node[path[-1]] = value
        else:
            out[path[0]] = value
    return out


def merge(*layers: dict[str, Any]) -> dict[str, Any]:
    """Later layers win; option groups are merged field by field."""
    out: dict[str, Any] = {}
    for layer in layers:
        for key, value in layer.items():
            if isinstance(value, dict) and isinstance(out.get(key), dict):
                out[key] = merge(out[key], value)
            else:
                out[key] = value
    return out


def with_options(settings: Settings, options: dict[str, Any] | None) -> Settings:
    """``settings`` with some stage options changed, group by group and field by field: a job's own options
    (POST /streams ``options``). Only option groups may change here, never paths, keys or limits."""
    if not options:
        return settings
    hint = f"give {{GROUP: {{FIELD: VALUE}}}} with GROUP one of {', '.join(OPTION_GROUPS)} (see `replay config`)"
    for group, fields in options.items():
        if group not in OPTION_GROUPS or not isinstance(fields, dict):
            raise OptionsError(f"cannot set options {group!r}", hint=hint)
        known = {f.name for f in dataclasses.fields(getattr(settings, group))}
        unknown = sorted(set(fields) - known)
        if unknown:
            raise OptionsError(f"{group} has no option {unknown[0]!r}", hint=f"{group} takes {', '.join(sorted(known))}")
    try:
        return Settings.model_validate(merge(settings.model_dump(), options))
    except ValidationError as exc:
        problems = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
        raise OptionsError("invalid options: " + "; ".join(problems), hint=hint) from None


def describe() -> Iterator[tuple[str, Any, str]]:
    """(environment variable, default, meaning) of every setting, option groups' fields included (nested
    groups such as detect.boundaries field by field: REPLAY_DETECT__BOUNDARIES__TAIL_GRACE)."""
    schema = Settings.model_json_schema()
    defs = schema.get("$defs", {})

    def props_of(prop: dict[str, Any]) -> dict[str, Any]:
        ref = prop.get("$ref") or next((a.get("$ref") for a in prop.get("allOf", ()) if "$ref" in a), "")
        return defs.get(ref.rsplit("/", 1)[-1], {}).get("properties", {})

    def walk(path: str, value: Any, props: dict[str, Any]) -> Iterator[tuple[str, Any, str]]:
        for sub in dataclasses.fields(value):
            inner = getattr(value, sub.name)
            if dataclasses.is_dataclass(inner):
                yield from walk(f"{path}.{sub.name}", inner, props_of(props.get(sub.name, {})))
            else:
                doc = " ".join(str(props.get(sub.name, {}).get("description", "")).split())
                yield env_name(f"{path}.{sub.name}"), inner, doc

    for name, f in Settings.model_fields.items():
        default = f.default_factory() if f.default_factory else f.default
        if dataclasses.is_dataclass(default):
            yield from walk(name, default, props_of(schema["properties"][name]))
        else:
            yield env_name(name), default, f.description or ""


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (read once)."""
    return load_settings()
