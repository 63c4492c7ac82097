"""Catalog loading (JSON, JSONL, CSV), validation errors that name row and field, and match terms."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from replay.catalog import catalog_from_records, load_catalog
from replay.errors import CatalogError
from replay.lang import char_readings, fold_syllable, match_terms, normalize

ROWS = [
    {"sku_id": "A1", "title": "欧莱雅小金管防晒霜 SPF50+", "brand": "欧莱雅", "short_name": "小金管防晒霜",
     "aliases": ["小金管"], "price": 299, "live_price": 139, "link_no": 1, "image": "images/A1.png"},
    {"sku_id": "A2", "title": "欧莱雅紫熨斗眼霜", "brand": "欧莱雅", "short_name": "紫熨斗眼霜", "aliases": [],
     "price": 459, "live_price": 299, "link_no": 2},
    {"sku_id": "B1", "title": "王小卤虎皮凤爪", "category": "食品"},
]


def write_csv(path: Path, rows: list[dict]) -> None:
    fields = ["sku_id", "title", "brand", "short_name", "aliases", "price", "live_price", "link_no", "image",
              "category"]
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        for r in rows:
            r = dict(r)
            if isinstance(r.get("aliases"), list):
                r["aliases"] = "|".join(r["aliases"])
            w.writerow(r)


def test_json_list_and_items_object_and_jsonl_and_csv_agree(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps(ROWS, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "b.json").write_text(json.dumps({"items": ROWS}, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "c.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in ROWS) + "\n\n",
                                      encoding="utf-8")
    write_csv(tmp_path / "d.csv", ROWS)
    cats = [load_catalog(tmp_path / n) for n in ("a.json", "b.json", "c.jsonl", "d.csv")]
    assert all(c == cats[0] for c in cats)
    a1 = cats[0].by_id()["A1"]
    assert a1.aliases == ("小金管",) and a1.price == 299 and a1.link_no == 1
    assert a1.image == tmp_path / "images/A1.png"
    assert cats[0].by_id()["B1"].brand is None and cats[0].by_id()["B1"].category == "食品"


@pytest.mark.parametrize("sep", ["|", "、", ","])
def test_csv_alias_separators(tmp_path, sep):
    p = tmp_path / "c.csv"
    p.write_text(f'sku_id,title,aliases\nA,四件套,"四件套{sep}床上四件套"\n', encoding="utf-8")
    assert load_catalog(p).items[0].aliases == ("四件套", "床上四件套")


@pytest.mark.parametrize("row,field,what", [
    ({"title": "x"}, "sku_id", "missing"),
    ({"sku_id": "A", "title": ""}, "title", "missing"),
    ({"sku_id": "A", "title": "x", "price": "abc"}, "price", "not a number"),
    ({"sku_id": "A", "title": "x", "live_price": -3}, "live_price", "non-negative"),
    ({"sku_id": "A", "title": "x", "link_no": 2.5}, "link_no", "whole number"),
    ({"sku_id": "A", "title": "x", "aliases": [1, 2]}, "aliases", "list of strings"),
])
def test_validation_errors_name_row_and_field(row, field, what):
    good = {"sku_id": "Z", "title": "ok"}
    with pytest.raises(CatalogError) as exc:
        catalog_from_records([good, good | {"sku_id": "Y"}, row], source="cat.json")
    msg = str(exc.value)
    assert "row 3" in msg and f"field '{field}'" in msg and what in msg
    assert exc.value.hint


def test_duplicate_sku_is_an_error():
    with pytest.raises(CatalogError, match=r"row 2, field 'sku_id': duplicate 'A'"):
        catalog_from_records([{"sku_id": "A", "title": "x"}, {"sku_id": "A", "title": "y"}])


def test_bad_files(tmp_path):
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    (tmp_path / "bad.jsonl").write_text('{"sku_id": "A", "title": "x"}\nnope\n', encoding="utf-8")
    (tmp_path / "x.xml").write_text("<a/>", encoding="utf-8")
    (tmp_path / "empty.json").write_text("[]", encoding="utf-8")
    with pytest.raises(CatalogError, match="not valid JSON"):
        load_catalog(tmp_path / "bad.json")
    with pytest.raises(CatalogError, match="line 2"):
        load_catalog(tmp_path / "bad.jsonl")
    with pytest.raises(CatalogError, match="unknown catalog format"):
        load_catalog(tmp_path / "x.xml")
    with pytest.raises(CatalogError, match="empty"):
        load_catalog(tmp_path / "empty.json")
    with pytest.raises(CatalogError, match="not found"):
        load_catalog(tmp_path / "missing.csv")


def test_csv_price_with_currency_sign(tmp_path):
    p = tmp_path / "c.csv"
    p.write_text("sku_id,title,price,live_price\nA,x,¥1,299,39.9\n".replace("¥1,299", '"¥1,299"'), encoding="utf-8")
    item = load_catalog(p).items[0]
    assert item.price == 1299 and item.live_price == 39.9


def test_normalize():
    assert normalize("ＳＰＦ５０＋ 防晒，霜！") == "spf50防晒霜"
    assert normalize("  Hello World ") == "helloworld"


def test_fuzzy_readings():
    assert fold_syllable("zhang") == "zan" and fold_syllable("ning") == "lin"
    assert char_readings("爪") & char_readings("抓")  # 凤爪 / 凤抓
    assert char_readings("莱") & char_readings("来")  # 欧莱雅 / 欧来亚
    assert not char_readings("牛") & char_readings("奶")


def test_match_terms_share_weight_between_items_of_one_brand():
    cat = catalog_from_records(ROWS)
    terms = {(t.sku_id, t.text): t for t in match_terms(cat)}
    # 欧莱雅 is the brand of two items: each gets half its weight, and it says less than either item's own name.
    alone = match_terms(catalog_from_records(ROWS[:1]))
    assert terms[("A1", "欧莱雅")].weight == pytest.approx(next(t.weight for t in alone if t.text == "欧莱雅") / 2)
    assert terms[("A1", "欧莱雅")].shared == 2
    assert terms[("A1", "欧莱雅")].weight < terms[("A1", "小金管")].weight
    assert ("A1", "欧莱雅小金管防晒霜") in terms
    assert terms[("A1", "小金管防晒霜")].kind == "name"
    # Generic title words and pack sizes never become terms.
    assert not any(t.text in ("官方正品", "spf50") for t in match_terms(cat))


# --- property tests -------------------------------------------------------------------------------
text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=12).filter(str.strip)
record = st.fixed_dictionaries(
    {"sku_id": text, "title": text},
    optional={"brand": text, "short_name": text, "price": st.floats(0, 1e6), "link_no": st.integers(1, 500),
              "aliases": st.lists(text.filter(lambda s: not any(c in s for c in "|、,，;；")), max_size=3)},
)


@settings(max_examples=60, deadline=None)
@given(st.lists(record, min_size=1, max_size=6, unique_by=lambda r: r["sku_id"].strip()))
def test_roundtrip_json_jsonl_csv(tmp_path_factory, records):
    d = tmp_path_factory.mktemp("cat")
    (d / "a.json").write_text(json.dumps(records), encoding="utf-8")
    (d / "a.jsonl").write_text("\n".join(json.dumps(r) for r in records), encoding="utf-8")
    write_csv(d / "a.csv", records)
    a, b = load_catalog(d / "a.json"), load_catalog(d / "a.jsonl")
    assert a == b
    assert [i.sku_id for i in a.items] == [r["sku_id"].strip() for r in records]
    c = load_catalog(d / "a.csv")
    assert [i.sku_id for i in c.items] == [i.sku_id for i in a.items]
    assert [i.price for i in c.items] == pytest.approx([i.price for i in a.items])
    assert [i.aliases for i in c.items] == [i.aliases for i in a.items]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.dictionaries(st.sampled_from(["sku_id", "title", "price", "link_no", "aliases", "zzz"]),
                                st.one_of(st.none(), st.text(max_size=5), st.integers(-5, 5), st.floats(),
                                          st.lists(st.integers(), max_size=2))), max_size=5))
def test_arbitrary_records_load_or_raise_catalog_error(records):
    try:
        cat = catalog_from_records(records)
    except CatalogError as exc:
        assert "row" in str(exc) or "empty" in str(exc)
    else:
        assert len(cat.items) == len(records)
        assert len({i.sku_id for i in cat.items}) == len(cat.items)


@given(st.text(max_size=30))
def test_normalize_is_idempotent(s):
    assert normalize(normalize(s)) == normalize(s)
