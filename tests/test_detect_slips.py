"""The detector on what the recogniser or the run-together cues of an ASR do to a host's words: a link number
heard without its tens, a gift and its stock run into one sentence, an opening word cut off the sentence it
leads into, and a brand whose last character is the thing itself. Hand-written lines, not from the bench."""

from __future__ import annotations

from detect_support import detected, evidence_units, kind_hits

from replay.catalog import catalog_from_records
from replay.contracts import CatalogItem
from replay.detect.links import longer_links
from replay.lang.terms import category_words

# A tea shop whose links run past ten: 七号 and 十七号 are both on the list.
TEA = catalog_from_records([
    {"sku_id": "NOUGAT", "title": "手工牛轧糖 原味花生 400g", "short_name": "牛轧糖", "price": 79, "live_price": 49,
     "link_no": 7},
    {"sku_id": "OOLONG", "title": "阿里山高山乌龙茶 清香型 罐装 150g", "short_name": "高山乌龙", "price": 168,
     "live_price": 118, "link_no": 17},
    {"sku_id": "CAKE", "title": "凤梨酥礼盒 十二枚", "short_name": "凤梨酥", "price": 88, "live_price": 59, "link_no": 1},
])


def test_which_link_numbers_end_with_another():
    assert longer_links({7: "a", 17: "b", 27: "c", 1: "d", 11: "e"}) == {7: [17, 27], 17: [27], 27: [], 1: [11], 11: []}


def test_a_link_number_heard_without_its_tens_goes_to_the_item_the_talk_is_about():
    lines = [
        "好，我们来看七号",  # the host said 十七号; whisper wrote 七号
        "这罐是阿里山的高山乌龙",
        "一百五十克一罐，泡出来金黄色的",
        "原价一百六十八，今天一百一十八",
    ]
    units, _ = evidence_units(lines, TEA)
    assert kind_hits(units[0], "link_no") == ["OOLONG"], units[0].hits
    found, _ = detected(lines, TEA)
    assert [sku for sku, *_ in found] == ["OOLONG"], found


def test_a_link_number_said_right_after_its_own_items_talk_stays_with_it():
    # 七号 tops up the nougat just explained; the oolong talk after it does not make it 十七号.
    lines = [
        "这个牛轧糖是手工熬的，不粘牙",
        "四十九一袋，拍两袋更划算",
        "七号链接我再放一百单",
        "阿里山的高山乌龙也很好喝",
        "一百五十克一罐，今天一百一十八",
    ]
    units, _ = evidence_units(lines, TEA)
    assert kind_hits(units[2], "link_no") == ["NOUGAT"], units[2].hits


def test_a_link_number_said_beside_the_longer_one_is_not_reheard():
    units, _ = evidence_units(["买七号的可以带一罐十七号", "阿里山高山乌龙，一百一十八"], TEA)
    assert sorted(kind_hits(units[0], "link_no")) == ["NOUGAT", "OOLONG"], units[0].hits


# A garden-machine shop: the mower, its blade and a spark plug on one list.
GARDEN = catalog_from_records([
    {"sku_id": "MOWER", "title": "手推式汽油割草机 四冲程 家用", "short_name": "汽油割草机", "price": 1699,
     "live_price": 1299, "link_no": 1},
    {"sku_id": "BLADE", "title": "割草机刀片 通用 锰钢加厚", "short_name": "锰钢刀片", "aliases": ["刀片"], "price": 59,
     "live_price": 39, "link_no": 9},
    {"sku_id": "PLUG", "title": "割草机火花塞 通用 两只装", "short_name": "火花塞", "price": 29, "live_price": 19,
     "link_no": 16},
    {"sku_id": "TRIM", "title": "锂电打草机 无刷 二十伏", "short_name": "锂电打草机", "price": 699, "live_price": 499,
     "link_no": 3},
])


def test_a_stock_said_with_a_gift_not_called_before_is_no_return():
    # The ASR ran the gift and the mower's stock into one sentence: 一把备用刀片库存五十台. The blade was never
    # called before, so this is not the blade topped up (a 返场), and the mower's explanation goes on.
    lines = [
        "一号汽油割草机，四冲程的，马力足",
        "自走式的，推起来不费劲",
        "原价一千六百九十九，今天一千二百九十九",
        "下单再送两个火花塞",
        "一把备用刀片库存五十台",
        "拍了的扣个已拍，运费险给你带上",
        "好，三号锂电打草机，没有油味",
        "一块电池打一个小时，四百九十九",
    ]
    units, _ = evidence_units(lines, GARDEN)
    assert not units[4].opens, units[4].cues
    found, spans = detected(lines, GARDEN)
    assert [sku for sku, *_ in found] == ["MOWER", "TRIM"], found
    assert found[0][2] >= spans[5][1] - 1.0, (found, spans)


def test_a_brand_character_that_is_the_thing_itself_is_a_category_word():
    # The brand is 天堂伞, the short name 天堂全自动伞: 伞 is the thing, and 全自动伞 a word another shop's
    # umbrella shares; the brand 榄菊 written whole keeps its characters to itself.
    umbrella = CatalogItem("U1", "天堂伞全自动折叠雨伞晴雨两用", brand="天堂伞", short_name="天堂全自动伞")
    assert "全自动伞" in category_words(umbrella)
    repellent = CatalogItem("M1", "榄菊 电热蚊香液 无味 3液+1器", brand="榄菊")
    assert category_words(repellent)[:2] == ["蚊香液", "液"]


# A tea-ware shop: a gift set and a teapot at one price.
WARE = catalog_from_records([
    {"sku_id": "POT", "title": "紫砂壶 西施壶 半手工 250ml 家用泡茶壶", "price": 399, "live_price": 199, "link_no": 4},
    {"sku_id": "SET", "title": "紫砂茶具套装 一壶四杯 礼盒装", "aliases": ["套装"], "price": 399, "live_price": 199,
     "link_no": 20},
    {"sku_id": "TRAY", "title": "实木茶盘 小号 储水式", "price": 120, "live_price": 68, "link_no": 9},
])


def test_an_intro_cue_cut_off_the_sentence_that_called_the_product_opens_that_one():
    # 二十号，套装，要送人的看过来 is one sentence: its 看过来, cut off at a comma, opens the set it called, not the
    # teapot whose title words (半手工) the set's own talk says next.
    lines = [
        "九号茶盘，实木的，储水式",
        "六十八一个，放茶具正好",
        "二十号，套装，要送人的看过来",
        "一把壶配四个杯子，带个礼盒",
        "壶是半手工的，杯子里面是白的",
        "三百九十九，今天一百九十九",
        "紫砂壶泡茶不走味",
    ]
    found, spans = detected(lines, WARE)
    assert [sku for sku, *_ in found] == ["TRAY", "SET"], found
    assert found[1][2] >= spans[5][1] - 1.0, (found, spans)
