"""Product links in the catalog (issue 17): ``url`` and ``service_url`` in every format, http(s) only, hosts from
the ``link_hosts`` setting; anything else is refused at load with the row and the field named."""

from __future__ import annotations

import csv
import json
from urllib.parse import urlsplit

import pytest
from api_support import assert_error, make_settings, make_video
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from replay.api import create_app
from replay.catalog import CatalogLimits, catalog_from_records, load_catalog
from replay.errors import CatalogError, SettingsError
from replay.jobs.runner import JobRunner
from replay.links import host_allowed, link_problem, normalize_host
from replay.settings import load_settings
from replay.store.database import Database

ROWS = [
    {"sku_id": "A1", "title": "欧莱雅小金管防晒霜", "url": "https://detail.tmall.com/item.htm?id=1", "service_url":
     "https://im.taobao.com/chat?sku=A1"},
    {"sku_id": "A2", "title": "王小卤虎皮凤爪", "url": "http://item.jd.com/100.html"},
    {"sku_id": "A3", "title": "南极人四件套"},
]


def test_links_load_the_same_from_json_jsonl_and_csv(tmp_path) -> None:
    (tmp_path / "a.json").write_text(json.dumps(ROWS, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "b.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in ROWS), encoding="utf-8")
    with (tmp_path / "c.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=["sku_id", "title", "url", "service_url"])
        w.writeheader()
        w.writerows(ROWS)
    limits = CatalogLimits(link_hosts=("tmall.com", "taobao.com", "jd.com"))
    cats = [load_catalog(tmp_path / n, limits) for n in ("a.json", "b.jsonl", "c.csv")]
    assert cats[0] == cats[1] == cats[2]
    a1, a2, a3 = cats[0].items
    assert a1.url == ROWS[0]["url"] and a1.service_url == ROWS[0]["service_url"]
    assert a2.url == ROWS[1]["url"] and a2.service_url is None
    assert a3.url is None and a3.service_url is None


BAD = [
    ("javascript:alert(document.cookie)", "only http and https"),
    ("JavaScript:alert(1)", "only http and https"),
    ("  javascript:alert(1)", "only http and https"),
    ("java\tscript:alert(1)", "control characters"),
    ("data:text/html,<script>alert(1)</script>", "only http and https"),
    ("file:///etc/passwd", "only http and https"),
    ("ftp://shop.example.com/x", "only http and https"),
    ("/item/1", "relative link"),
    ("//evil.example/x", "relative link"),
    ("https://", "has no host"),
    ("https://shop.example.com@evil.example/x", "user name or password"),
    ("https://user:pw@shop.example.com/", "user name or password"),
    ("https://shop example.com/", "spaces"),
    ("https://evil.example\\@shop.example.com/", "backslashes"),
    ("https://shop.example.com:99999/", "not a valid URL"),
    ("https://" + "a" * 2100 + ".com/", "longer than"),
    ("https://-bad-.com/", "not a valid host name"),
]


@pytest.mark.parametrize("url,why", BAD)
@pytest.mark.parametrize("field", ["url", "service_url"])
def test_bad_links_are_refused_naming_row_and_field(url: str, why: str, field: str) -> None:
    with pytest.raises(CatalogError) as err:
        catalog_from_records([ROWS[2], {"sku_id": "B", "title": "x", field: url}], source="cat.json")
    assert f"cat.json: row 2, field '{field}'" in err.value.message and why in err.value.message
    assert err.value.hint


def test_a_javascript_link_in_a_csv_file_is_refused_at_load(tmp_path) -> None:
    p = tmp_path / "c.csv"
    p.write_text("sku_id,title,url\nA,口红,https://shop.example.com/a\nB,面霜,javascript:alert(1)\n", encoding="utf-8")
    with pytest.raises(CatalogError, match=r"c.csv: row 2, field 'url': only http and https"):
        load_catalog(p)


def test_allowed_hosts_and_their_subdomains() -> None:
    hosts = ("taobao.com", "jd.com")
    ok = ["https://taobao.com/", "https://item.taobao.com/x", "http://ITEM.JD.COM./y", "https://a.b.taobao.com"]
    assert all(link_problem(u, hosts) is None for u in ok)
    for u in ["https://nottaobao.com/", "https://taobao.com.evil.example/", "https://tmall.com/", "https://jd.co/"]:
        assert "not in the allowed hosts" in link_problem(u, hosts)
    assert link_problem("https://anything.example/", ()) is None  # empty: any host
    idn = (normalize_host("商城.中国"),)  # IDN hosts are compared in their xn-- form, as the setting stores them
    assert idn[0].startswith("xn--") and link_problem("https://商城.中国/item", idn) is None
    assert "not in the allowed hosts" in link_problem("https://商店.中国/item", idn)
    assert host_allowed("x.taobao.com", ["taobao.com"]) and not host_allowed("xtaobao.com", ["taobao.com"])
    with pytest.raises(CatalogError, match="row 1, field 'url': host 'evil.example' is not in the allowed hosts"):
        catalog_from_records([{"sku_id": "A", "title": "x", "url": "https://evil.example/"}], link_hosts=hosts)


@given(st.text(max_size=60) | st.from_regex(r"[a-zA-Z][a-zA-Z0-9+.-]{0,8}:[ -~]{0,30}", fullmatch=True))
def test_whatever_passes_is_an_http_link_with_a_host(text: str) -> None:
    if link_problem(text) is None:
        parts = urlsplit(text)
        assert parts.scheme.lower() in ("http", "https") and parts.hostname and "@" not in parts.netloc


def test_the_setting_takes_commas_or_json_and_refuses_non_hosts(monkeypatch) -> None:
    monkeypatch.setenv("REPLAY_LINK_HOSTS", " Taobao.com, *.jd.com  tmall.com ")
    assert load_settings().link_hosts == ("taobao.com", "jd.com", "tmall.com")
    monkeypatch.setenv("REPLAY_LINK_HOSTS", '["a.example"]')
    assert load_settings().link_hosts == ("a.example",)
    monkeypatch.setenv("REPLAY_LINK_HOSTS", "https://taobao.com/")
    with pytest.raises(SettingsError, match="REPLAY_LINK_HOSTS"):
        load_settings()


def test_the_api_refuses_the_catalog_naming_the_row_and_keeps_good_links(tmp_path) -> None:
    settings = make_settings(tmp_path, link_hosts=("shop.example.com",))
    make_video(settings.media_root / "live.mp4", seconds=2.0, size="160x90")
    client = TestClient(create_app(settings, runner=JobRunner(settings, work=lambda req, db, report: None)))
    bad = [{"sku_id": "A", "title": "口红", "url": "https://shop.example.com/a"},
           {"sku_id": "B", "title": "面霜", "url": "javascript:alert(1)"}]
    err = assert_error(client.post("/streams", json={"path": "live.mp4", "catalog": bad}), 400, "catalog_invalid")
    assert "row 2, field 'url'" in err["message"]
    other_host = [{"sku_id": "A", "title": "口红", "service_url": "https://evil.example/chat"}]
    err = assert_error(client.post("/streams", json={"path": "live.mp4", "catalog": other_host}), 400, "catalog_invalid")
    assert "row 1, field 'service_url'" in err["message"] and "evil.example" in err["message"]
    good = [{"sku_id": "A", "title": "口红", "url": "https://shop.example.com/a", "service_url": "https://shop.example.com/im"}]
    r = client.post("/streams", json={"path": "live.mp4", "catalog": good})
    assert r.status_code == 202, r.text
    item = client.get(f"/streams/{r.json()['stream_id']}?format=json").json()["catalog"][0]
    assert (item["url"], item["service_url"]) == ("https://shop.example.com/a", "https://shop.example.com/im")


def test_a_database_from_before_the_links_gets_their_columns(tmp_path) -> None:
    from replay.contracts import Catalog, CatalogItem

    path = tmp_path / "old.db"
    db = Database(path)
    db.db["catalog_items"].transform(drop={"url", "service_url"})
    for table in ("event_counts", "event_seen", "events_raw"):
        db.db[table].drop()
    db.db.conn.close()
    db = Database(path)  # the missing tables are made; the columns come with the first catalog that has links
    assert {"event_counts", "event_seen", "events_raw"} <= set(db.db.table_names())
    db.save_catalog("s1", Catalog(items=(CatalogItem("A", "口红", url="https://shop.example.com/a"),)))
    assert db.catalog("s1").items[0].url == "https://shop.example.com/a"
