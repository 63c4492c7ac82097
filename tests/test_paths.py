"""Media-root containment (replay/paths.py): every way out of REPLAY_MEDIA_ROOT is refused."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from replay.api.paths import relative_to_root, resolve_media_path
from replay.errors import InputError, PathOutsideMediaRoot


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    media = tmp_path / "media"
    (media / "sub").mkdir(parents=True)
    (media / "sub" / "a.mp4").write_bytes(b"x")
    (tmp_path / "media2").mkdir()
    (tmp_path / "media2" / "b.mp4").write_bytes(b"y")
    (tmp_path / "secret.txt").write_text("s")
    return media


def test_relative_and_absolute_inside(root: Path) -> None:
    assert resolve_media_path("sub/a.mp4", root) == (root / "sub" / "a.mp4").resolve()
    assert resolve_media_path(str(root / "sub" / "a.mp4"), root) == (root / "sub" / "a.mp4").resolve()
    assert resolve_media_path("./sub//a.mp4", root) == (root / "sub" / "a.mp4").resolve()


@pytest.mark.parametrize("raw", [
    "../secret.txt", "sub/../../secret.txt", "sub/../a.mp4", "..", "%2e%2e/secret.txt", "%2E%2E%2Fsecret.txt",
    "%252e%252e%252fsecret.txt", "..\\secret.txt", "sub\\..\\..\\secret.txt", "/etc/passwd",
])
def test_traversal_refused(root: Path, raw: str) -> None:
    with pytest.raises(PathOutsideMediaRoot) as exc:
        resolve_media_path(raw, root)
    assert exc.value.status == 403 and exc.value.code == "path_outside_media_root"


def test_sibling_with_same_prefix_refused(root: Path) -> None:
    # "/x/media2/b.mp4".startswith("/x/media") is True: a prefix test would let this through.
    with pytest.raises(PathOutsideMediaRoot):
        resolve_media_path(str(root.parent / "media2" / "b.mp4"), root)


def test_symlink_pointing_out_refused(root: Path) -> None:
    os.symlink(root.parent / "secret.txt", root / "link.mp4")
    os.symlink(root.parent / "media2", root / "dirlink")
    with pytest.raises(PathOutsideMediaRoot):
        resolve_media_path("link.mp4", root)
    with pytest.raises(PathOutsideMediaRoot):
        resolve_media_path("dirlink/b.mp4", root)


def test_symlink_inside_allowed(root: Path) -> None:
    os.symlink(root / "sub" / "a.mp4", root / "alias.mp4")
    assert resolve_media_path("alias.mp4", root) == (root / "sub" / "a.mp4").resolve()


def test_root_itself_a_symlink(tmp_path: Path, root: Path) -> None:
    os.symlink(root, tmp_path / "rootlink")
    assert resolve_media_path("sub/a.mp4", tmp_path / "rootlink") == (root / "sub" / "a.mp4").resolve()


@pytest.mark.parametrize("raw", ["", "   ", "a\x00b.mp4", "a%00b.mp4"])
def test_empty_or_nul_is_bad_request(root: Path, raw: str) -> None:
    with pytest.raises(InputError) as exc:
        resolve_media_path(raw, root)
    assert exc.value.status == 400


def test_relative_to_root(root: Path) -> None:
    assert relative_to_root(root / "sub" / "a.mp4", root) == "sub/a.mp4"
    assert relative_to_root(Path("/etc/passwd"), root) == "passwd"


_segment = st.one_of(st.sampled_from(["..", ".", "sub", "a.mp4", "%2e%2e", "%2e", "", "~", "media2", "%2f"]),
                     st.text(alphabet="ab.%2e/\\", min_size=1, max_size=6))


@settings(max_examples=300, deadline=None)
@given(parts=st.lists(_segment, min_size=1, max_size=6), absolute=st.booleans())
def test_never_escapes(tmp_path_factory: pytest.TempPathFactory, parts: list[str], absolute: bool) -> None:
    base = tmp_path_factory.getbasetemp() / "hyp"
    media = base / "media"
    media.mkdir(parents=True, exist_ok=True)
    (base / "media2").mkdir(exist_ok=True)
    raw = "/".join(parts)
    if absolute:
        raw = str(media) + "/" + raw
    try:
        out = resolve_media_path(raw, media)
    except (PathOutsideMediaRoot, InputError):
        return
    assert out.is_relative_to(media.resolve())
    assert ".." not in out.parts
