"""The Chinese-text layer: numbers and prices as hosts say them, catalog terms and category words, word lists."""

from __future__ import annotations

from importlib import resources

import pytest
from hypothesis import given
from hypothesis import strategies as st

from replay.catalog import catalog_from_records
from replay.contracts import Catalog, CatalogItem
from replay.errors import ReplayError
from replay.lang import (
    category_words,
    sound_key,
    spoken_numbers,
    tokenize,
    wordlist,
    written_links,
    written_prices,
    zh_number,
)
from replay.lang.numbers import stock_count
from replay.lang.terms import title_brand, title_words

_D = "零一二三四五六七八九"


def say(n: int) -> str:
    """An integer below 100,000 as a host says it (一百零九, 两千三百, 十五)."""
    if n == 0:
        return "零"
    parts, zero = [], False
    for value, unit in ((10000, "万"), (1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d = n // value % 10
        if d:
            if zero:
                parts.append("零")
            parts.append(("" if (unit == "十" and d == 1 and n < 20) else _D[d]) + unit)
            zero = False
        elif parts:
            zero = True
    return "".join(parts)


@given(st.integers(min_value=0, max_value=99999))
def test_chinese_numerals_parse_to_their_value(n: int) -> None:
    assert zh_number(say(n)) == n


@pytest.mark.parametrize("said, value", [("一百五", 150), ("两千三", 2300), ("一万五", 15000), ("一百零五", 105),
                                         ("三百八十", 380)])
def test_a_digit_after_bai_qian_or_wan_is_the_next_place_down(said: str, value: float) -> None:
    # 原价一百五 is 150 yuan: the place after 百 is left unsaid; 一百零五 says 105.
    assert zh_number(said) == value


@pytest.mark.parametrize("said, value", [("十二十二", 12), ("十四十四", 14), ("二十一二十一", 21), ("十二十三", None),
                                         ("三十二十", None)])
def test_a_numeral_whose_places_rise_again_is_a_repeat_or_two_numbers(said: str, value: float | None) -> None:
    # 上十二十二号链接: the host said link 12 twice; read as one numeral it was 32 (十, 二十, 二). Places fall within one
    # number, so a run whose places rise again is the same number said twice, or two numbers (no value).
    assert zh_number(said) == value


def test_a_link_number_said_twice_is_that_link() -> None:
    assert [int(n.value) for n in spoken_numbers(tokenize("上十二十二号链接")) if n.kind == "link"] == [12]


@pytest.mark.parametrize("said, value", [
    ("三十九块九", 39.9), ("39米9", 39.9), ("到手价一百二十九米", 129.0), ("两百九十九块钱", 299.0),
    ("九块九毛", 9.9), ("269元一罐", 269.0), ("二十九块九一件", 29.9), ("十九块九两件", 19.9),
    ("二十九块九包邮", 29.9),  # 包 of 包邮 (free shipping), not a pack
    # A quantity after the unit is no tenths: ten a jin, 35 a roll, 19 a pair (not 10.1, 35.1, 19.1).
    ("十块一斤", 10.0), ("三十五块一卷", 35.0), ("十九块一对", 19.0), ("三十九米一提", 39.0),
    ("二十九块九一斤", 29.9),  # the tenths, then one jin (not 29 and ninety-one)
    ("十二块九一百只", 12.9), ("三十九米九两百克", 39.9),  # the tenths, then a quantity with places (a hundred bags)
    ("九块九十条包邮", 9.9),  # 9.9 for ten (the common price shape, though 二十块五十个 reads as 20.5 too)
])
def test_prices_in_any_unit(said: str, value: float) -> None:
    prices = [n.value for n in spoken_numbers(tokenize(said)) if n.kind == "price"]
    assert prices == [value]


@pytest.mark.parametrize("said, links", [
    ("看3号", [3]), ("3号的宝贝们", [3]), ("把十二号挂上来", [12]), ("五号链接准备好了吗", [5]),
    ("5月3号发货", []), ("3号色最显白", []), ("穿38号码的", []), ("8号之前都能发", []),
    ("二十九块钱九号链接", [9]),  # not 29.9 and 号链接
    ("七号链接三小时的", [7]),  # the 链接 of 七号链接 is not 链接三
    ("链接三", [3]), ("然后是给姐妹们自己的，序号六", [6]), ("编号五的宝贝", [5]),  # replay/wordlists/link_words.txt
    ("链接三十九块", []),  # a price after 链接
    ("嫌重的可以拍小一号的", []), ("大一号穿着松一点", []),  # a size step (not_link_before_hao.txt)
    ("先看一号宝贝", [1]),
])
def test_link_numbers_and_what_is_not_one(said: str, links: list[int]) -> None:
    assert [int(n.value) for n in spoken_numbers(tokenize(said)) if n.kind == "link"] == links


@pytest.mark.parametrize("said, ordinals", [
    ("说到钩针我们看一下第七个", [7]), ("往下拉第十个", [10]),
    ("第二个优点是轻", []), ("第七个就是它", []), ("第三个链接", []),  # the last is a link number
    # Before an item word (replay/wordlists/item_words.txt) it is the cart's Nth item too; 第一个东西 is not.
    ("接下来讲个贵一点的，第三个宝贝", [3]), ("第五款产品看一下", [5]), ("今天第一个东西", []),
])
def test_a_bare_ordinal_ending_the_sentence(said: str, ordinals: list[int]) -> None:
    # 我们看一下第七个: the cart's seventh, usually; weighed as half a link number (EvidenceWeights.ordinal).
    assert [int(n.value) for n in spoken_numbers(tokenize(said)) if n.kind == "ordinal"] == ordinals


def test_any_other_nth_is_left_for_the_catalog_to_read() -> None:
    # 第八个拌粉酱 and 第二个优点 are both the Nth of something; only the catalog can tell a link (detect.evidence).
    assert [(n.kind, int(n.value)) for n in spoken_numbers(tokenize("翻到第八个拌粉酱"))] == [("nth", 8)]
    assert [n.kind for n in spoken_numbers(tokenize("第二个优点是轻"))] == ["nth"]


@pytest.mark.parametrize("said, bare", [
    ("再看十六", [16]), ("上小六", [6]), ("往下拉到十四", [14]), ("拍十八", [18]), ("瞅瞅四", [4]),
    ("拍十单", []), ("在三点开播", []), ("看一看", []), ("看一下第七个", []), ("二十一学生包", []),
    ("一公斤十九块九", []), ("给你们上三件", []), ("我们在一起", []), ("平时要十六", []), ("上十三号", []),
    ("看十六那个", []),  # the number runs on into the sentence
])
def test_a_number_pointed_at_is_a_bare_link_number(said: str, bare: list[int]) -> None:
    # 看十六, 小六: hosts point at the cart's Nth link without 号 (replay/wordlists/bare_link_verbs.txt); not a
    # quantity, a time or a measure after it (拍十单, 在三点: not_link_after_bare.txt, classifiers, money units).
    assert [int(n.value) for n in spoken_numbers(tokenize(said)) if n.kind == "bare"] == bare


def test_a_number_said_as_a_clause_of_its_own_is_a_bare_link_number_but_not_a_countdown() -> None:
    # 二十一，学生包: the number is a clause of its own (the comma ends it). 三，二，一 said one by one is a countdown.
    toks = tokenize("二十一学生包")
    assert [n.kind for n in spoken_numbers(toks, frozenset({2}))] == ["bare"]
    assert [n.kind for n in spoken_numbers(toks)] == ["plain"]
    assert [n.kind for n in spoken_numbers(tokenize("三"))] == ["plain"]  # one, two, three: in too many words
    # 十九，八，七，六 and 十九，八七六五四三二一: a countdown said with pauses is not links 19, 8, 7 and 6.
    assert "bare" not in [n.kind for n in spoken_numbers(tokenize("十九八七六"), frozenset({1, 2, 3}))]
    assert "bare" not in [n.kind for n in spoken_numbers(tokenize("十九八七六五四三二一"), frozenset({1}))]


@pytest.mark.parametrize("said, first", [
    ("今天二百六十八一罐", 268.0), ("六十九一瓶", 69.0), ("一百二十九一个", 129.0), ("一百零九", 109.0),
    ("一千零一十", 1010.0), ("三十九点九九", 39.99), ("五五", 55.0),
])
def test_a_quantity_after_a_numeral_is_not_part_of_it(said: str, first: float) -> None:
    # 二百六十八一罐 is 268 for one jar; read as one numeral it was 261 and no longer matched the price.
    assert spoken_numbers(tokenize(said))[0].value == first


def test_a_countdown_is_not_a_price() -> None:
    kinds = [n.kind for n in spoken_numbers(tokenize("五四三二一上车"))]
    assert kinds == ["countdown"]


@pytest.mark.parametrize("title, expected", [
    ("薇诺娜舒敏保湿特护霜 50g", ["特护霜", "霜"]),      # jieba splits 特护 + 霜: joined again
    ("乐扣乐扣保温杯 不锈钢 500ml", ["保温杯", "杯"]),   # specs after the first part are not the product
    ("美的 空气炸锅 家用5L大容量", ["炸锅", "锅"]),      # a lone first word is the brand
    ("五常大米10斤", ["大米"]),                          # 10斤 is a size; 米 alone is not a thing here
    ("完美日记口红", ["口红"]),                          # 红 is an adjective, not a head noun
    ("东港大黄蚬子 鲜活", ["蚬子"]),                     # 子 is a suffix
])
def test_category_words_come_from_the_title(title: str, expected: list[str]) -> None:
    assert category_words(CatalogItem("x", title)) == expected


def test_a_lone_first_title_word_is_the_brand_when_the_catalog_has_none() -> None:
    assert title_brand(CatalogItem("x", "德世朗 不锈钢保温杯 500ml")) == "德世朗"
    assert title_brand(CatalogItem("x", "德世朗不锈钢保温杯")) == ""
    assert title_brand(CatalogItem("x", "德世朗 保温杯", brand="DSL")) == "dsl"


def test_sound_key_folds_homophones_together() -> None:
    assert sound_key("欧莱雅") == sound_key("欧来亚")
    assert sound_key("链接") == sound_key("练结")


def test_written_forms_on_product_cards() -> None:
    assert written_links("３号链接 到手价") == {3}
    assert written_links("#12 爆款") == {12}
    assert written_prices("到手价 ￥59.9") == {59.9}
    assert written_prices("直播价39元") == {39.0}


def test_every_word_list_says_what_it_is_for() -> None:
    folder = resources.files("replay").joinpath("wordlists")
    names = sorted(p.name for p in folder.iterdir() if p.name.endswith(".txt"))
    assert len(names) >= 10
    for name in names:
        text = folder.joinpath(name).read_text(encoding="utf-8")
        assert text.startswith("# "), f"{name} must open with a comment on what it is for"
        assert wordlist(name[:-4]), f"{name} is empty"
        assert all("#" not in p for p in wordlist(name[:-4]))


def test_an_unknown_word_list_says_where_lists_live() -> None:
    with pytest.raises(ReplayError, match="not found") as exc:
        wordlist("no_such_list")
    assert "replay/wordlists" in (exc.value.hint or "")


def test_title_words_keep_to_the_parts_the_shop_separated() -> None:
    from replay.lang.terms import title_words

    item = CatalogItem("x", "蓝月亮 亮白增艳洗衣液 12斤家庭装 机洗手洗 去渍", brand="蓝月亮", short_name="亮白增艳洗衣液")
    ws = title_words(item)
    assert "家庭装" in ws or "家庭" in ws
    assert "装机" not in ws and "洗去" not in ws   # words made across a space are no words of the title


def test_a_measure_word_is_never_a_one_character_category_word() -> None:
    # 这块是石英的 says "this one (watch)"; 块 of 小方块 must not make it name the square watch.
    from replay.lang import match_terms

    watch = CatalogItem("sq", "卡西欧小方块F-91W电子表学生复古运动表", price=199)
    kinds = {t.text: t.kind for t in match_terms(Catalog((watch,)))}
    assert "块" not in kinds and kinds.get("表") == "category1", kinds


def test_a_model_number_in_a_name_matches_as_it_is_said() -> None:
    # Hosts say See5 as see五 and E3 as e三: the digits of a name are also matched as spoken numerals.
    from replay.lang import match_terms

    eye = CatalogItem("eye", "倍轻松 眼部按摩仪See5 热敷", short_name="See5眼部按摩仪", aliases=("See5",), price=599)
    texts = {t.text for t in match_terms(Catalog((eye,)))}
    assert {"see五", "see五眼部按摩仪"} <= texts, texts


def test_a_word_shaped_like_a_link_number_is_not_a_category_word() -> None:
    # 汉鼎 一号 手竿: in a live room 一号 is link 1, whichever item's title happens to hold it.
    from replay.lang import match_terms

    rod = CatalogItem("rod", "汉鼎 一号 手竿 碳素 19调 超轻", short_name="汉鼎一号", price=599, link_no=3)
    kinds = {t.text: t.kind for t in match_terms(Catalog((rod,)))}
    assert "一号" not in kinds and kinds.get("汉鼎一号") == "name", kinds


def test_another_items_category_word_in_a_title_is_a_category_word_there_too() -> None:
    # 苏泊尔 球釜 电饭煲: the shop put the feature first, so the title alone gives 球釜. With 美的 电饭煲 in the
    # room, 电饭煲 (and its 煲) is what the host calls both; an item whose own name it is keeps it as its name.
    from replay.lang import match_terms

    supor = CatalogItem("supor", "苏泊尔 球釜 电饭煲 4L 家用智能预约", price=299)
    midea = CatalogItem("midea", "美的 IH 电饭煲 4L 多功能", price=459)
    terms = {(t.sku_id, t.text): (t.kind, t.shared) for t in match_terms(Catalog((supor, midea)))}
    assert terms[("supor", "电饭煲")] == ("category", 2) and terms[("supor", "煲")] == ("category1", 2), terms
    plain = CatalogItem("plain", "广东碱水粽 传统凉粽 10只装", short_name="碱水粽", price=29)
    sugar = CatalogItem("sugar", "红糖碱水粽 小个凉粽 10只装", short_name="红糖碱水粽", price=35)
    terms = {(t.sku_id, t.text): t.kind for t in match_terms(Catalog((plain, sugar)))}
    assert terms[("plain", "碱水粽")] == "name" and terms[("sugar", "碱水粽")] == "category", terms


def test_a_word_of_an_items_own_name_is_one_of_its_title_words() -> None:
    # 植绒 said alone points at the couplets named 烫金植绒春联 as much as at the 立体植绒福字 stickers: a title
    # word must not go to the other item only because this item's name holds it.
    from replay.lang import match_terms

    couplet = CatalogItem("couplet", "蛇年春联大门对联烫金植绒春联套装", short_name="烫金植绒春联",
                          aliases=("植绒对联",), price=59)
    sticker = CatalogItem("sticker", "立体植绒福字门贴 冰箱贴5张装", short_name="立体福字", price=29)
    terms = {(t.sku_id, t.text): t.kind for t in match_terms(Catalog((couplet, sticker)))}
    assert terms.get(("couplet", "植绒")) == "title" and terms.get(("sticker", "植绒")) == "title", terms


def test_a_numeral_is_never_a_category_word() -> None:
    # K二十 is how hosts say the model K20: 二十 said anywhere (一百二十八g能录二十天) is a number, not the lock.
    from replay.lang import match_terms

    lock = CatalogItem("lock", "凯迪仕K20 Pro Max 掌静脉智能锁 全自动 指纹锁", short_name="K20 Pro Max",
                       aliases=("K二十", "凯迪仕K20"), category="智能门锁", price=2599)
    kinds = {t.text: t.kind for t in match_terms(Catalog((lock,)))}
    assert "二十" not in kinds and kinds.get("k二十") == "alias", kinds


def test_a_short_name_that_starts_with_the_brand_is_not_prefixed_with_it_again() -> None:
    from replay.lang import match_terms

    mango = CatalogItem("m", "7D菲律宾进口芒果干原味果干100g", brand="7D", short_name="7D芒果干", price=59)
    texts = {t.text for t in match_terms(Catalog((mango,)))}
    assert "7d芒果干" in texts and not any(t.startswith("7d7d") for t in texts), texts


def test_sizes_and_pack_counts_said_match_the_ones_titles_write() -> None:
    # Hosts say a title's 40L as 四十升, 260ml as 二百六十毫升, 5双装 as 五双; a count of one is said of anything.
    from replay.lang import normalize, tokenize
    from replay.lang.numbers import spoken_specs, title_specs

    assert title_specs("骆驼户外双肩包40L登山包 大容量") == {(40.0, "l")}
    assert title_specs("可优比PPSU奶瓶260ml 防胀气") == {(260.0, "ml")}
    assert title_specs("徒步袜子 加厚毛圈 5双装") == {(5.0, "双")}
    said = {text: [(v, u) for v, u, *_ in spoken_specs(tokenize(normalize(text)))]
            for text in ("这个包四十升的", "二百六十毫升的大宝宝也够喝", "五双二十九块九", "拿一双试试", "一百二十九米")}
    assert said == {"这个包四十升的": [(40.0, "l")], "二百六十毫升的大宝宝也够喝": [(260.0, "ml")],
                    "五双二十九块九": [(5.0, "双")], "拿一双试试": [], "一百二十九米": []}, said
    # Eggs and coins are counted in 枚, plasters and heat packs in 贴: 土鸡蛋30枚 against 60枚 in the same room.
    assert title_specs("蛋小满 农家散养土鸡蛋30枚 新鲜") == {(30.0, "枚")}
    assert title_specs("暖宝宝暖贴 自发热 10贴装") == {(10.0, "贴")}
    assert [(v, u) for v, u, *_ in spoken_specs(tokenize("三十枚一箱"))] == [(30.0, "枚")]


def test_how_hosts_address_the_room_is_never_a_title_word() -> None:
    # 宝宝们看我手上这个: 宝宝 of a baby's bangle (宝宝手镯) must not point at it every time the host calls the room.
    from replay.lang import match_terms

    baby = CatalogItem("baby", "素银记S999足银宝宝手镯满月百天礼", short_name="宝宝银镯", price=359)
    adult = CatalogItem("adult", "素银记S999足银手镯女开口古法锤纹", short_name="足银手镯", price=459)
    texts = {(t.sku_id, t.text) for t in match_terms(Catalog((baby, adult)))}
    assert ("baby", "宝宝") not in texts and ("baby", "宝宝银镯") in texts, texts


def test_a_title_word_jieba_does_not_know_is_kept_whole() -> None:
    # jieba cuts 球釜 (a rice cooker's ball-shaped pot) into 球 + 釜: two one-character words in a row are one
    # word of the title; particles and numerals between words are not (的, 一).
    cooker = catalog_from_records([{"sku_id": "C", "title": "苏泊尔电饭煲球釜4L智能IH电饭锅 一的"}]).items[0]
    assert "球釜" in title_words(cooker)
    assert not [w for w in title_words(cooker) if "的" in w or "一" in w]


@pytest.mark.parametrize("said, count", [
    ("三号核桃还剩最后八十单", "八十单"), ("一号卖完了我再加一百单", "一百单"), ("库存还有不到三十台", "三十台"),
    ("刚才卖了六百多箱", "六百多箱"),
    ("加一盒六号蛋黄酥", None),  # a count of one is an add-on, not stock
    ("剩下的三个月", None), ("加两百块", None),
])
def test_a_count_of_stock(said: str, count: str | None) -> None:
    # replay/wordlists/stock_words.txt and stock_measures.txt: a top-up of a product called by link number.
    toks = tokenize(said)
    span = stock_count(toks, spoken_numbers(toks))
    assert ("".join(toks[span[0]:span[1] + 1]) if span else None) == count
