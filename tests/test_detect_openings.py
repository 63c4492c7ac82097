"""Which product an explanation is about: what opens it, what only mentions another one (stop 24).

Each rule here came from an error on the dev practice transcripts; the lines are written for these tests
(none comes from ../shared/bench or from tests/data/paraphrase), with catalogs of their own.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from detect_support import detected, evidence_units, kind_hits, srt

from replay.catalog import catalog_from_records
from replay.detect import BoundaryOptions, DetectOptions, detect
from replay.detect.boundaries import evidence_span
from replay.detect.decode import Run
from replay.detect.evidence import reweigh
from replay.detect.openings import settle_tied_openings
from replay.detect.relabel import absorb_asides
from replay.detect.talk import features, probability, score_units
from replay.lang.numbers import spoken_numbers

# Two toothbrushes and the heads of one of them: one brand for all three.
BRUSHES = catalog_from_records([
    {"sku_id": "ADULT", "title": "飞利浦电动牙刷 HX2431 声波震动 成人软毛 充电式", "price": 299,
     "live_price": 199, "link_no": 1},
    {"sku_id": "KIDS", "title": "飞利浦儿童电动牙刷 HX6322 3-10岁 软毛", "price": 329, "live_price": 229,
     "link_no": 3},
    {"sku_id": "HEADS", "title": "飞利浦电动牙刷替换刷头 HX6013 标准型 3支装", "price": 129,
     "live_price": 89, "link_no": 13},
    {"sku_id": "FLOSS", "title": "狮王牙线棒 200支 细滑线", "price": 39, "live_price": 29.9, "link_no": 11},
])
# Two peanut oils side by side, and a millet.
OILS = catalog_from_records([
    {"sku_id": "LUHUA", "title": "鲁花5S压榨一级花生油 家用食用油 5L桶装", "brand": "鲁花",
     "short_name": "鲁花花生油", "aliases": ["5S花生油", "鲁花"], "category": "食用油", "price": 179,
     "live_price": 139, "link_no": 5},
    {"sku_id": "HUJI", "title": "胡姬花古法小榨花生油 浓香型 食用油 5L", "brand": "胡姬花",
     "short_name": "古法小榨", "aliases": ["胡姬花花生油", "小榨花生油"], "category": "食用油", "price": 169,
     "live_price": 129, "link_no": 7},
    {"sku_id": "MILLET", "title": "北大荒东北黄小米 新米 熬粥小米 2.5kg", "brand": "北大荒", "short_name": "黄小米",
     "aliases": ["小米"], "category": "杂粮", "price": 39.9, "live_price": 25.9, "link_no": 8},
])
# Fertilisers and soil of one shop.
GARDEN = catalog_from_records([
    {"sku_id": "SOIL", "title": "德沃多 营养土 通用型 有机土 50升", "brand": "德沃多", "short_name": "德沃多营养土",
     "aliases": ["营养土"], "category": "土肥", "price": 59, "live_price": 29.9, "link_no": 6},
    {"sku_id": "SLOW", "title": "奥绿 缓释肥 320 花卉通用 控释肥 500g", "brand": "奥绿", "short_name": "奥绿缓释肥",
     "aliases": ["缓释肥", "三二零"], "category": "土肥", "price": 58, "live_price": 32, "link_no": 8},
])


def test_an_opening_opens_the_product_it_calls_not_every_product_sharing_its_brand() -> None:
    # 一号链接飞利浦的大人款 opens link 1; 飞利浦 is also in the heads' title. The heads, called by link number
    # near the end (a cross-sell), must neither take the whole explanation because the opening's bonus went
    # to them too, nor be a 看点 of their own: two sentences right before the next product is opened are the
    # explanation's parting word.
    lines = [
        "好，一号链接飞利浦的大人款",
        "声波的震得很快",
        "第一次用会觉得麻麻的，一周就习惯了",
        "充一次电用三周，出差不用带充电器",
        "两百九十九的，今天一百九十九米",
        "刷头三个月换一次，十三号是原装刷头",
        "一起拍省运费",
        "看十一号，狮王牙线棒两百支",
        "别再用牙签了，牙缝越剔越大",
        "二十九块九，一支才一毛五",
    ]
    tr, spans = srt(lines)
    hl = detect(tr, BRUSHES)
    assert [h.sku_id for h in hl] == ["ADULT", "FLOSS"], hl
    assert abs(hl[0].start - spans[0][0]) <= 1.0 and abs(hl[0].end - spans[6][1]) <= 1.0, (hl, spans)


def test_an_item_compared_with_the_one_before_is_still_explained() -> None:
    # 胡姬花 is opened by link number and name, compared with 五号 (比五号那个还香) and said to be a peanut oil
    # like it. Neither the comparison nor the shared word calls 五号 back: 七号 is an explanation of its own,
    # not an aside inside 五号's.
    lines = [
        "五号鲁花花生油，五升一桶",
        "压榨的，炒菜香",
        "一百七十九的，今天一百三十九",
        "七号是胡姬花",
        "古法小榨这个更香",
        "比五号那个花生味还冲",
        "山东人一般都认这个",
        "一百二十九块，比鲁花便宜十块",
        "都是五升的，都是花生油",
        "家里炒菜多的俩都行",
        "坐月子的胃不好的，看这个小米",
        "八号北大荒的黄小米，熬粥香",
        "二十五块九两斤半",
    ]
    tr, spans = srt(lines)
    hl = detect(tr, OILS)
    assert [h.sku_id for h in hl] == ["LUHUA", "HUJI", "MILLET"], hl
    assert abs(hl[1].start - spans[3][0]) <= 1.0, (hl, spans)


def test_na_kuan_ending_a_sentence_names_the_product_in_hand() -> None:
    # 二号那个是… points away at another product; …三二零那款 at the end of a sentence is this one's name.
    units, _ = evidence_units(["傲绿的缓释肥三二零那款", "缓释肥那款比营养土贵一点"], GARDEN)
    assert units[0].scores["SLOW"] >= 2.0, units[0].hits
    assert units[1].scores["SLOW"] < 1.0, units[1].hits      # 那款 followed by a comparison: pointed at


@pytest.mark.parametrize(("said", "link"), [("可以看一下第一个链接", 1), ("第十二条链接上了", 12),
                                            ("拍链接三", 3), ("链接十五，大家去拍", 15),
                                            ("购物车第六个，简爱的裸酸奶", 6), ("小黄车里第三个", 3),
                                            # read off the cart with 号 and/or 是 between (stop 33, dev ax4)
                                            ("然后聊储奶袋，链接号是六", 6), ("序号是十二", 12), ("链接号7", 7),
                                            # a quantity said right after the link number, and the cart's first
                                            # link as 头一个 (stop 34, dev ay2 and az2)
                                            ("链接九一公斤的大包装", 9), ("链接十二两袋一起拍", 12),
                                            ("小黄车头一个，翡翠绿那副", 1)])
def test_a_link_number_said_without_hao(said: str, link: int) -> None:
    links = [n for n in spoken_numbers(list(said)) if n.kind == "link"]
    assert [n.value for n in links] == [link], spoken_numbers(list(said))


@pytest.mark.parametrize("said", ["链接三十九块", "拍链接三件", "第一个来的宝宝", "第六个进直播间的", "链接是三十九块",
                                  "链接是三件", "头一个来的宝宝"])
def test_numbers_near_link_that_are_not_link_numbers(said: str) -> None:
    assert not [n for n in spoken_numbers(list(said)) if n.kind == "link"], spoken_numbers(list(said))


def test_a_product_opened_as_the_first_link_is_found() -> None:
    lines = [
        "十一号牙线棒，狮王的两百支",
        "别再用牙签了，牙缝越剔越大",
        "二十九块九，一支才一毛五",
        "好，预算再宽裕一些的",
        "可以看一下第一个链接",
        "声波的，震得很快，成人软毛",
        "充一次电用三周",
        "两百九十九的，今天一百九十九",
    ]
    tr, spans = srt(lines)
    hl = detect(tr, BRUSHES)
    assert [h.sku_id for h in hl] == ["FLOSS", "ADULT"], hl
    assert hl[1].start <= spans[4][0] + 1.0, (hl, spans)


def test_a_different_number_in_a_name_is_not_a_slip_of_the_ear() -> None:
    # One shop's alias carries a link number (四号双氧水); 三号双氧水 is link 3, not a mis-heard 四号双氧水.
    care = catalog_from_records([
        {"sku_id": "THREE", "title": "视康傲滴双氧水护理液 360ml", "short_name": "傲滴双氧水", "price": 108,
         "live_price": 79, "link_no": 3},
        {"sku_id": "FOUR", "title": "明眸视双氧护理液 300ml", "short_name": "明眸视双氧", "aliases": ["四号双氧水"],
         "price": 85, "live_price": 55, "link_no": 4},
    ])
    units, _ = evidence_units(["下面重点讲三号双氧水", "四号双氧水也可以看看"], care)
    assert not [h for h in units[0].hits if h.sku_id == "FOUR" and h.kind == "fuzzy"], units[0].hits
    assert units[1].scores["FOUR"] >= 2.0, units[1].hits


# A men's wear shop: two tops of one kind.
TOPS = catalog_from_records([
    {"sku_id": "HOOD", "title": "加绒连帽卫衣 男 秋冬 宽松", "price": 199, "live_price": 119, "link_no": 3},
    {"sku_id": "CREW", "title": "纯棉圆领卫衣 男 基础款", "price": 129, "live_price": 99, "link_no": 4},
    {"sku_id": "PANTS", "title": "工装裤 男 直筒 宽松 多口袋", "price": 159, "live_price": 89, "link_no": 5},
])


def test_a_comparison_with_another_item_after_one_sentence_of_talk_is_an_aside() -> None:
    # The co-host's question compares the hoodie with 四号; the host answers by link number, gives the hoodie's
    # price and calls it again (三号还剩…), then chats until the next product. No 看点 for 四号.
    lines = [
        "三号这件加绒连帽卫衣",
        "里面是加绒的，冬天穿一件就够",
        "这件卫衣面料厚实，洗了不起球",
        "帽子是双层的，立得住",
        "小宇你说这个是不是跟四号那件很像",
        "四号是圆领的没帽子，这件有帽子",
        "四号九十九，这件贵二十",
        "原价一百九十九，今天一百一十九",
        "宽松版型，喜欢穿大的拿大一码",
        "好，三号还剩一百多件",
        "来兄弟们粉丝团灯牌点一点",
        "新进来的兄弟点个关注",
        "刚才谁问发货，今天拍明天发",
        "看五号，工装裤",
        "直筒的，多口袋，八十九",
    ]
    tr, spans = srt(lines)
    hl = detect(tr, TOPS)
    assert [h.sku_id for h in hl] == ["HOOD", "PANTS"], hl
    assert hl[0].end >= spans[9][1] - 1.0, (hl, spans)



def test_an_alias_two_items_share_supports_the_one_on_and_names_neither() -> None:
    # Both black teas list 红茶 as an alias: 好再来个红茶 does not say which one comes (the fuzzy brand after it
    # does), so the alias also supports whichever is on, like a shared category word; its weight is divided.
    teas = catalog_from_records([
        {"sku_id": "ZST", "title": "正山堂 金骏眉 红茶 100g", "brand": "正山堂", "short_name": "正山堂金骏眉",
         "aliases": ["红茶", "金骏眉"], "price": 458, "live_price": 358, "link_no": 4},
        {"sku_id": "YZ", "title": "元正 金骏眉 红茶 100g", "brand": "元正", "short_name": "元正金骏眉",
         "aliases": ["红茶", "金骏眉"], "price": 398, "live_price": 298, "link_no": 5},
    ])
    units, _ = evidence_units(["好再来个红茶"], teas)
    assert units[0].scores["ZST"] == units[0].scores["YZ"] <= 1.0, units[0].scores
    assert units[0].support.get("ZST", 0) > 0 and units[0].support.get("YZ", 0) > 0, units[0].support


def test_an_accessorys_part_words_said_of_the_main_product_do_not_take_its_explanation_over() -> None:
    # A calm host explains the floor washer through its roller brush and its cleaning liquid; both are also
    # sold as consumables (适用…), whose aliases are exactly those words.
    floor = catalog_from_records([
        {"sku_id": "WASHER", "title": "添可 芙万3.0 无线洗地机 吸拖一体 热风烘干", "short_name": "芙万洗地机",
         "aliases": ["芙万"], "category": "洗地机", "price": 2999, "live_price": 2399, "link_no": 1},
        {"sku_id": "LIQUID", "title": "添可 洗地机清洁液 1L*2瓶 适用芙万", "short_name": "洗地机清洁液",
         "aliases": ["清洁液"], "category": "耗材", "price": 99, "live_price": 69, "link_no": 12},
        {"sku_id": "BRUSH", "title": "洗地机配件 滚刷+滤网 套装 适用芙万系列", "short_name": "芙万滚刷滤网",
         "aliases": ["滚刷", "滤网"], "category": "耗材", "price": 129, "live_price": 89, "link_no": 13},
        {"sku_id": "MITE", "title": "美的 除螨仪 床上 家用 紫外线", "short_name": "美的除螨仪", "aliases": ["除螨仪"],
         "price": 399, "live_price": 259, "link_no": 10},
    ])
    lines = [
        "一号芙万洗地机，我们慢慢讲",
        "先看它的滚刷，滚刷是软绒的",
        "滚刷一边转一边出水，地上的污渍就化开了",
        "脏水吸回污水箱，滚刷不会越拖越脏",
        "用完放回底座，滚刷自己热风烘干",
        "清洁液不是必须的，清水也能拖",
        "想要香一点，清洁液倒一瓶盖就够",
        "两千九百九十九，今天两千三百九十九",
        "一号链接，拍了扣已拍",
        "十号除螨仪，美的的",
        "床上用，紫外线杀螨",
        "两百五十九",
    ]
    tr, spans = srt(lines)
    hl = detect(tr, floor)
    assert [h.sku_id for h in hl] == ["WASHER", "MITE"], hl
    assert abs(hl[0].end - spans[8][1]) <= 1.0, (hl, spans)


def test_whispers_digit_runs_next_to_link_numbers() -> None:
    # Whisper writes a countdown as one digit run and may carry a price's last digit into the next cue
    # (原价36 | 9今天… | 9十四号链接321上链接): 321 after 链接 is a countdown, and 9十四号 is link 14.
    said = ["9", "十", "四", "号", "链", "接", "321", "上", "链", "接"]
    assert [(n.value, n.kind) for n in spoken_numbers(said) if n.kind == "link"] == [(14.0, "link")]


def test_which_items_are_accessories() -> None:
    from replay.detect.evidence import accessory_items

    shop = catalog_from_records([
        {"sku_id": "HEADS", "title": "飞利浦电动牙刷替换刷头 3支装", "price": 129},
        {"sku_id": "PARTS", "title": "追觅 洗地机配件 滚刷+滤网 套装", "price": 89},
        {"sku_id": "CUSHION", "title": "水光透亮气垫 保湿提亮 干皮适用 15g", "price": 99},   # suits dry skin
        {"sku_id": "CASE", "title": "磁吸手机壳 透明 适用iPhone15", "price": 39},            # fits a phone not sold here
        {"sku_id": "LAMP", "title": "护眼台灯 学习专用 国AA级", "price": 299},                # what it is for
    ])
    assert accessory_items(shop) == {"HEADS", "PARTS"}


# Two rice cookers of one kind, a pot, and a battery-powered item (stop 25).
COOKERS = catalog_from_records([
    {"sku_id": "SUPOR", "title": "苏泊尔 球釜 电饭煲 4L 家用智能预约", "price": 299, "live_price": 199, "link_no": 3},
    {"sku_id": "MIDEA", "title": "美的 IH 电饭煲 4L 多功能", "price": 459, "live_price": 359, "link_no": 6},
    {"sku_id": "POT", "title": "康宁 玻璃汤锅 2.2L 明火可用", "price": 239, "live_price": 169, "link_no": 16},
    {"sku_id": "SCALE", "title": "香山 厨房电子秤 烘焙克秤", "price": 59, "live_price": 39, "link_no": 5},
])


def test_a_cue_that_calls_a_product_opens_that_one_not_the_other_of_its_kind() -> None:
    # 好咱们来看三号电饭煲 opens link 3; the next sentence's 电饭煲 fits link 6 too. The cue must not lend its
    # bonus to link 6, or link 6, opened later without a cue (预算多一点的看六号), takes link 3's whole stretch
    # for the price of one switch.
    lines = [
        "家人们晚上好，今天讲厨房的东西",
        "好咱们来看三号电饭煲",
        "这个电饭煲是苏泊尔的",
        "球釜内胆受热均匀",
        "煮出来的米饭一粒一粒的",
        "睡前放好米定个时",
        "早上起来就能喝上粥",
        "平时两百九十九，今天一百九十九",
        "预算多一点的看六号美的",
        "它是IH加热的，火力更足",
        "四升的，一家四五口够吃",
        "六号今天三百五十九",
        "好，歇一会儿，点点关注",
    ]
    tr, spans = srt(lines)
    hl = detect(tr, COOKERS)
    assert [h.sku_id for h in hl] == ["SUPOR", "MIDEA"], hl
    assert abs(hl[0].start - spans[1][0]) <= 1.0 and abs(hl[1].start - spans[8][0]) <= 1.0, (hl, spans)


def test_shi_before_a_link_number_is_the_word_said_not_ten() -> None:
    # 接下来是六号链接 is "next is link 6": whisper wrote 是, the host said 是. (伺候练结 for 四号链接 and
    # 食5号链接 for 十五号链接 are still read through homophones: test_detect.py.)
    units, _ = evidence_units(["接下来是六号链接", "接下来十六号链接"], COOKERS)
    assert [u.called() for u in units] == [{"MIDEA"}, {"POT"}]


def test_an_aa_battery_is_not_link_five_unless_link_five_is_a_battery() -> None:
    units, _ = evidence_units(["这个秤用两节五号电池", "五号秤今天三十九"], COOKERS)
    assert [u.called() for u in units] == [set(), {"SCALE"}]
    shop = catalog_from_records([
        {"sku_id": "CELL", "title": "南孚 5号电池 碱性 20粒装", "price": 39, "link_no": 5},
        {"sku_id": "LOCK", "title": "指纹密码锁 家用防盗门", "price": 999, "link_no": 2},
    ])
    units, _ = evidence_units(["五号电池二十粒三十九"], shop)
    assert units[0].called() == {"CELL"}


def test_a_word_is_one_mention_not_also_its_last_character() -> None:
    # 这个电饭煲: the category word 电饭煲 is found, and 煲 after the demonstrative is the same word, not a
    # second mention (it used to add the one-character head's weight on top).
    units, _ = evidence_units(["这个电饭煲是苏泊尔的"], COOKERS)
    assert sorted((h.kind, h.text) for h in units[0].hits if h.sku_id == "MIDEA") == [("category", "电饭煲")]


def test_a_stock_top_up_after_a_product_is_called_stays_with_it() -> None:
    # 返场 of link 3 (再说一下三号), then 刚补了五十台库存: the top-up is link 3's. The next sentence gives the
    # pot away with it (送一个汤锅); the 返场 cue must not open the pot there, taking the rest of the 返场.
    lines = [
        "六号美的电饭煲，IH加热的",
        "四升的一家四五口够吃",
        "六号今天三百五十九",
        "好，歇一会儿，点点关注",
        "刚进来的宝宝们晚上好",
        "好多人在问三号",
        "那我再说一下三号苏泊尔",
        "刚补了五十台库存",
        "今天再送一个玻璃汤锅",
        "这个价只有今天",
        "拍了扣已拍，明天就发",
        "好了宝宝们，今天就到这里，明天见",
    ]
    tr, spans = srt(lines)
    hl = detect(tr, COOKERS)
    assert [h.sku_id for h in hl] == ["MIDEA", "SUPOR"], hl
    assert hl[1].end >= spans[10][1] - 1.0, (hl, spans)


def test_a_near_homophone_loses_to_a_word_written_where_it_bends() -> None:
    # 十二伏的锂电钻: 的锂电钻 sounds like 得力电笔 but for one syllable, and that syllable is written 钻 of
    # 锂电钻, the drill's own word. (A slip with nothing else written there still counts: test_detect.py.)
    tools = catalog_from_records([
        {"sku_id": "DRILL", "title": "东成锂电钻12V双速手电钻 家用充电式", "category": "电钻", "price": 299,
         "link_no": 1},
        {"sku_id": "PEN", "title": "得力电笔 测电笔 家用智能感应", "brand": "得力", "short_name": "得力电笔",
         "price": 29, "link_no": 22},
    ])
    units, _ = evidence_units(["东成这个十二伏的锂电钻"], tools)
    assert "PEN" not in units[0].scores and "DRILL" in units[0].scores, units[0].hits


def test_an_item_filed_under_accessories_is_an_accessory() -> None:
    from replay.detect.evidence import accessory_items

    shop = catalog_from_records([
        {"sku_id": "BITS", "title": "东成钻头套装麻花钻开孔器", "category": "配件", "price": 29},
        {"sku_id": "DRILL", "title": "东成锂电钻12V", "category": "电钻", "price": 299},
    ])
    assert accessory_items(shop) == {"BITS"}


def test_a_gift_is_a_freebie_not_the_item_of_its_kind() -> None:
    # 送手动打气筒 inside the balloon set's explanation: the room also sells an electric 打气筒, but a pump given
    # away with the set is not that item being explained. Called by link number it still counts in full.
    party = catalog_from_records([
        {"sku_id": "SET", "title": "结婚气球套餐 婚房布置 铝膜喜字", "price": 59, "live_price": 29.9, "link_no": 1},
        {"sku_id": "PUMP", "title": "电动打气筒 气球充气泵 充电款", "price": 59, "live_price": 35, "link_no": 11},
    ])
    units, _ = evidence_units(["今天下单送手动打气筒", "这个打气筒是充电的", "送福利十一号打气筒"], party)
    gift, said, linked = (u.scores.get("PUMP", 0.0) for u in units)
    assert gift < 0.5 * said, (gift, said)
    assert linked >= said, (linked, said)


# Two flavours of one braised snack at one price, and chicken feet.
BRAISED = catalog_from_records([
    {"sku_id": "HOT", "title": "卤味鸭脖 中辣 500g 真空装", "price": 49, "live_price": 29.9, "link_no": 1},
    {"sku_id": "SWEET", "title": "卤味鸭脖 甜辣 500g 真空装 小朋友也能吃", "price": 49, "live_price": 29.9,
     "link_no": 2},
    {"sku_id": "FEET", "title": "虎皮凤爪 先炸后卤 香辣 400g", "price": 39, "live_price": 19.9, "link_no": 4},
])


def test_a_comparison_with_the_product_before_does_not_take_the_next_one_back() -> None:
    # 跟一号一个价 compares the new product with link 1; it does not call link 1 back. The second flavour,
    # opened by its link number right after the first, is its own 看点, not an aside in the first's.
    lines = [
        "先看一号链接的鸭脖",
        "中辣的，能吃辣的姐妹都可以",
        "卤了一整夜，骨头里都是味",
        "外面店里一斤卖四五十",
        "今天二十九块九包邮",
        "怕辣的宝宝们拍二号",
        "二号是甜辣口，小朋友也能吃",
        "同一锅卤汤，就是料不一样",
        "跟一号一个价，二十九块九",
        "一号二号各上五百单",
        "三二一，上车",
        "拍完记得扣已拍",
        "好，四号的虎皮凤爪来了",
        "先炸后卤，皮是皱的",
        "一嗦就脱骨，十九块九",
        "四号上了三百单",
    ]
    tr, spans = srt(lines)
    got = [(h.sku_id, h.start) for h in detect(tr, BRAISED)]
    assert [s for s, _ in got] == ["HOT", "SWEET", "FEET"], got
    assert abs(got[1][1] - spans[5][0]) < 1.0, got


# Two thermometers for babies and a blood-pressure monitor; titles only, as many shops export them.
THERMO = catalog_from_records([
    {"sku_id": "FOREHEAD", "title": "鱼跃红外额温枪家用婴儿体温枪一秒测温", "price": 129, "live_price": 89,
     "link_no": 2},
    {"sku_id": "EAR", "title": "欧姆龙耳温枪婴儿儿童耳温计家用精准测温", "price": 299, "live_price": 229,
     "link_no": 3},
    {"sku_id": "BP", "title": "欧姆龙上臂式电子血压计家用", "price": 399, "live_price": 269, "link_no": 5},
])


def test_an_opening_that_calls_the_product_keeps_it_against_a_recommendation_of_the_one_before() -> None:
    # 接下来三号 opens link 3 in its own sentence. The host then says that for small babies she would rather
    # take link 2: advice inside link 3's explanation, which goes on to its price and after-sales.
    lines = [
        "先说二号，额温枪",
        "对着额头一秒就出数",
        "宝宝睡着了也能测，不会吵醒",
        "体温和水温两个模式",
        "一百二十九的，今天八十九",
        "接下来三号",
        "欧姆龙的，测耳朵的",
        "耳道的温度更接近身体里面的温度",
        "测的时候把耳朵往后上方拉一拉",
        "一岁以内的宝宝耳道窄，我更建议用二号",
        "带了二十个探头套，用完单独买",
        "今天比平时便宜七十块",
        "两年质保，七天无理由",
        "好，大家喝口水，我也喝一口",
        "嗓子有点哑，换季了大家注意保暖",
    ]
    got, spans = detected(lines, THERMO)
    assert [s for s, *_ in got] == ["FOREHEAD", "EAR"], got
    assert abs(got[1][1] - spans[5][0]) < 1.0 and got[1][2] >= spans[12][1] - 1.0, got


# A wedding balloon set, an electric pump and a candy box.
PARTY = catalog_from_records([
    {"sku_id": "BALLOONS", "title": "结婚气球套装婚房布置铝膜字母喜字气球套餐", "price": 59, "live_price": 29.9,
     "link_no": 1},
    {"sku_id": "PUMP", "title": "电动打气筒气球充气泵打气机充电款", "price": 59, "live_price": 35, "link_no": 11},
    {"sku_id": "CANDY", "title": "中式喜糖盒烫金囍字糖盒50个", "price": 39, "live_price": 19.9, "link_no": 4},
])


def test_adding_one_more_product_by_link_number_is_a_cross_sell() -> None:
    # 嫌手动累的加一个十一号电动泵: 加一个 adds another product to the one in hand (in dev and train, all eight
    # lines with 加一个 and a link number are cross-sells). The balloon set's explanation goes on to its
    # countdown; the pump is explained only when the host opens it.
    lines = [
        "一号一号给我上",
        "结婚的气球套餐",
        "铝膜的喜字爱心字母全在里面",
        "还有胶点丝带打气筒全配齐",
        "照着图布置半个小时搞定",
        "这个套餐布置婚房特别好看",
        "有姐妹问有没有粉色的",
        "有的，粉色金色香槟色都有",
        "原价五十九，今天二十九块九包邮",
        "再送一个手动打气筒",
        "嫌手动累的加一个十一号电动泵",
        "三二一开抢",
        "拍了的扣已拍",
        "来四号，喜糖盒",
        "红色烫金，折一下就成型",
        "十九块九五十个",
    ]
    got, spans = detected(lines, PARTY)
    assert [s for s, *_ in got] == ["BALLOONS", "CANDY"], got
    assert got[0][2] >= spans[11][1] - 1.0, got


# Three dried mangoes: one named by its Latin brand, two by their origin.
MANGOES = catalog_from_records([
    {"sku_id": "SEVEN", "title": "7D菲律宾进口芒果干原味果干100g", "brand": "7D", "short_name": "7D芒果干",
     "price": 59, "live_price": 39.9, "link_no": 4},
    {"sku_id": "YUNNAN", "title": "潮香园云南芒果干整片厚切500g无色素果干", "brand": "潮香园",
     "short_name": "云南芒果干", "price": 39.9, "live_price": 24.9, "link_no": 6},
])


def test_a_model_number_or_latin_brand_is_not_misheard_as_one_syllable() -> None:
    # 这个芒果干 is not 7D芒果干 with 7D misheard as 个: a Latin or digit part of a name must be heard as it is.
    units, _ = evidence_units(["咱家这个芒果干是云南的芒果", "超市的芒果干一百克就要十几块"], MANGOES)
    assert all(not any(h.kind == "fuzzy" for h in u.hits) for u in units), [u.hits for u in units]


# Sleep aids: an eye mask, earplugs, and a pillow spray.
SLEEP = catalog_from_records([
    {"sku_id": "MASK", "title": "真丝眼罩 遮光 睡眠 男女通用", "price": 49, "live_price": 29.9, "link_no": 7},
    {"sku_id": "PLUGS", "title": "3M隔音耳塞 睡眠 防噪音 30只装", "price": 25, "live_price": 15.9, "link_no": 9},
    {"sku_id": "SPRAY", "title": "薰衣草枕头喷雾 助眠 100ml", "price": 59, "live_price": 39, "link_no": 12},
])


def test_pairing_another_product_with_the_one_in_hand_is_a_cross_sell() -> None:
    # 配个七号眼罩 at the end of the earplugs' explanation pairs the mask with them: the earplugs' explanation
    # runs to its last line, and the mask, explained before, gets no second 看点.
    lines = [
        "七号眼罩",
        "真丝的面料，不闷不勒头",
        "遮光，白天补觉也能睡",
        "二十九块九",
        "睡觉怕吵的看九号",
        "三m的耳塞",
        "三十只一盒，十五块九",
        "一只才五毛钱",
        "捏扁了塞进去，慢慢鼓起来",
        "楼上装修对面打呼噜都挡得住",
        "配个七号眼罩，睡得死死的",
        "有人说老公打呼噜，那你就买耳塞吧",
        "好，我们喝口水休息一下",
    ]
    got, spans = detected(lines, SLEEP)
    assert [s for s, *_ in got] == ["MASK", "PLUGS"], got
    assert got[1][2] >= spans[10][1] - 1.0, got
    # The pairing sentence is read as a cross-sell: the mask named there counts 0.3 of a link number.
    units, _ = evidence_units(["配个七号眼罩，睡得死死的", "再带一个十二号喷雾"], SLEEP)
    assert all(u.has("cross") for u in units), [u.cues for u in units]


def test_a_size_said_as_in_the_title_is_evidence_for_that_item() -> None:
    # 这个包四十升的: of three hiking items only the backpack's title has 40L.
    hiking = catalog_from_records([
        {"sku_id": "PACK", "title": "骆驼户外双肩包40L登山包大容量徒步背包", "price": 299, "link_no": 10},
        {"sku_id": "SOCKS", "title": "徒步袜子男加厚毛圈户外运动袜5双", "price": 59, "link_no": 12},
        {"sku_id": "POLES", "title": "碳纤维登山杖伸缩折叠徒步手杖2支装", "price": 199, "link_no": 15},
    ])
    units, _ = evidence_units(["这个包四十升的", "五双二十九块九"], hiking)
    assert kind_hits(units[0], "spec") == ["PACK"], units[0].hits
    assert kind_hits(units[1], "spec") == ["SOCKS"], units[1].hits


# A tent, its groundsheet and a lantern of one camping shop (stop 27).
CAMP = catalog_from_records([
    {"sku_id": "TENT", "title": "牧高笛 自动速开帐篷 3-4人 防雨加厚 户外露营", "price": 499, "live_price": 359,
     "link_no": 2},
    {"sku_id": "MAT", "title": "牧高笛 帐篷地垫 防潮垫 牛津布 加厚防水", "price": 89, "live_price": 49,
     "link_no": 9},
    {"sku_id": "LAMP", "title": "露营灯 充电式 复古马灯 帐篷挂灯 长续航", "price": 79, "live_price": 45,
     "link_no": 6},
])


def test_a_referral_at_the_end_of_an_explanation_does_not_take_its_tail() -> None:
    # 九号 is recommended in passing (要防潮的看九号); the host goes on with the tent's colours, stock and
    # shipping, then chats. No 看点 for the groundsheet, and the tent's runs on past the referral, at least to
    # its stock line. (Not necessarily to the shipping line: a shipping line right before room chat is the
    # room's in 103 of the 186 the practice transcripts' authors wrote (全场包邮, 偏远地区补运费), and the talk
    # model trained on them reads this one, before 有人问我昨晚几点睡的, as chat: 0.29 since stop 36.)
    lines = [
        "来，二号给我上",
        "这顶帐篷，自动速开的",
        "往地上一扔，十秒钟自己弹开",
        "三到四个人睡，一家人够用",
        "外帐是加厚的，下大雨也不漏",
        "原价四百九十九，今天三百五十九米",
        "地上潮的话，要防潮的兄弟看九号，铺在底下",
        "颜色有墨绿和沙色两种",
        "库存只有六十顶了，手慢无",
        "拍了发顺丰，偏远地区补一下运费",
        "好，有人问我昨晚几点睡的",
        "三点才睡，困死了",
    ]
    got, spans = detected(lines, CAMP)
    assert [s for s, *_ in got] == ["TENT"], got
    assert got[0][2] >= spans[8][1] - 1.0, (got, spans)


def test_a_product_opened_after_being_recommended_starts_where_it_is_opened() -> None:
    # 带上六号露营灯 is a recommendation inside the tent's explanation; the talk after it (shipping, stock) is the
    # tent's. Then the host opens the lantern properly: its 看点 starts there, not at the cross-sell.
    lines = [
        "二号帐篷，自动速开的",
        "往地上一扔，十秒钟自己弹开",
        "外帐加厚，下大雨也不漏",
        "今天三百五十九米",
        "晚上要亮堂的，带上六号露营灯，复古马灯挂帐篷里",
        "帐篷拍了发顺丰，坏了包换",
        "七天无理由，运费险也给你们带上",
        "库存还有八十顶",
        "那我顺便把六号也给大家上了",
        "复古马灯的样子，暖黄的光",
        "充一次电能亮一个通宵",
        "四十五块一盏",
    ]
    got, spans = detected(lines, CAMP)
    assert [s for s, *_ in got] == ["TENT", "LAMP"], got
    assert abs(got[1][1] - spans[8][0]) <= 1.0 and got[0][2] >= spans[7][1] - 1.0, (got, spans)


def test_a_category_that_says_fittings_does_not_make_an_item_an_accessory_of_another() -> None:
    # 五金配件 is the shop's category for valves and drains, sold in their own right: 角阀 said alone names the
    # valves in full. An item whose title names another item's kind (洗地机专用滚刷 beside the 洗地机) is one: its
    # part word 滚刷 is what the host says while explaining the machine, so it weighs less.
    plumbing = catalog_from_records([
        {"sku_id": "TAP", "title": "九牧 全铜面盆龙头 冷热 卫生间", "category": "龙头", "price": 139, "link_no": 6},
        {"sku_id": "VALVE", "title": "九牧 全铜角阀 冷热 4只装 止水阀", "aliases": ["角阀"], "category": "五金配件",
         "price": 59, "link_no": 9},
        {"sku_id": "MOP", "title": "添可 洗地机 无线 吸拖一体", "category": "清洁电器", "price": 1999, "link_no": 2},
        {"sku_id": "ROLLER", "title": "添可 洗地机专用滚刷 两只装", "aliases": ["滚刷"], "category": "耗材",
         "price": 89, "link_no": 12},
    ])
    units, _ = evidence_units(["下面的角阀也看一下", "这个滚刷拆下来就能洗"], plumbing)
    assert units[0].scores["VALVE"] >= 2.0, units[0].hits
    assert units[1].scores["ROLLER"] < 1.0, units[1].hits


def test_a_lucky_bag_prize_is_a_freebie_not_the_item_of_its_kind() -> None:
    # 福袋里是抱枕套 / 抽三个人送毛毯: what the room can win is named in passing, not explained; the kind word
    # keeps a share of its weight, as after 送.
    home = catalog_from_records([
        {"sku_id": "CUSHION", "title": "北欧风抱枕套 45x45 棉麻 沙发靠垫套", "category": "抱枕套", "price": 19.9,
         "link_no": 12},
        {"sku_id": "BLANKET", "title": "珊瑚绒毛毯 加厚 午睡毯 办公室", "category": "毛毯", "price": 59, "link_no": 8},
    ])
    units, _ = evidence_units(["福袋里是抱枕套", "等会儿抽毛毯", "这个毛毯是珊瑚绒的"], home)
    bag, draw, said = units[0].scores.get("CUSHION", 0.0), units[1].scores.get("BLANKET", 0.0), units[2].scores["BLANKET"]
    assert bag < 0.5 * said and draw < 0.5 * said, (units[0].hits, units[1].hits, units[2].hits)


def test_a_product_named_in_the_greeting_starts_where_the_host_opens_it() -> None:
    # The host names the lucky bag's prize while greeting the room, chats, then opens the product. Decoded as
    # that product from the first sentence (whisper's garbled greeting reads as product talk), the run is handed
    # back to none up to the opening: the mention and the chat after it belong to no explanation.
    from replay.detect.relabel import hand_back_mentions

    spirits = catalog_from_records([
        {"sku_id": "MINI", "title": "黔老坊 小酒品鉴装 100ml*6瓶", "aliases": ["小酒"], "price": 59, "link_no": 13},
        {"sku_id": "BOX", "title": "黔老坊 酱香型白酒 53度 500ml*6瓶 整箱", "price": 899, "link_no": 1},
    ])
    lines = ["家人们晚上好，我是老刘", "今天福袋里有三盒小酒", "欢迎欢迎", "有人问我喝了多少年酒",
             "先把十三号给大家上一下", "这个小酒是给新来的朋友尝味道的", "一百毫升一瓶，一盒六瓶"]
    units, _ = evidence_units(lines, spirits)
    for u, (talk, opening) in zip(units, [(0.6, 0), (0.7, 0), (0, 0), (0, 0), (0.9, 1.0), (1, 0), (1, 0)], strict=True):
        u.talk, u.opening = talk, opening
    assert units[1].scores["MINI"] >= 0.3 and units[4].calls("MINI"), [u.hits for u in units]
    assert hand_back_mentions(["MINI"] * 7, units) == [None] * 4 + ["MINI"] * 3
    # Without chat between the mention and the opening it is the explanation's own start, link put up later.
    for u in units[2:4]:
        u.talk = 0.9
    assert hand_back_mentions(["MINI"] * 7, units) == ["MINI"] * 7


# Two desks of one brand, and two ukulele items (stop 27).
DESKS = catalog_from_records([
    {"sku_id": "DUAL", "title": "舒坐 电动升降桌 双电机 1.4m 记忆高度", "short_name": "舒坐双电机升降桌",
     "aliases": ["升降桌", "双电机升降桌"], "category": "升降桌", "price": 2299, "live_price": 1199, "link_no": 4},
    {"sku_id": "SINGLE", "title": "舒坐 电动升降桌 单电机 1.2m 家用书桌", "short_name": "舒坐单电机升降桌",
     "aliases": ["单电机升降桌", "小升降桌"], "category": "升降桌", "price": 1299, "live_price": 699, "link_no": 5},
    {"sku_id": "UKE", "title": "恩雅 23寸尤克里里 初学者 单板", "short_name": "恩雅尤克里里", "category": "尤克里里",
     "price": 399, "link_no": 1},
    {"sku_id": "BAG", "title": "23寸尤克里里琴包 加厚海绵 双肩", "short_name": "尤克里里琴包", "price": 69, "link_no": 17},
])


def test_a_word_of_two_items_said_after_a_verb_is_not_one_items_name_misheard() -> None:
    # 看升降桌: 升降桌 is both desks' word; 看 is not a mishearing of 小, so it is not 小升降桌 (the single-motor
    # desk's alias) with one syllable misheard.
    units, _ = evidence_units(["来我们走到这边看升降桌"], DESKS)
    assert not kind_hits(units[0], "fuzzy"), units[0].hits
    assert abs(units[0].scores.get("DUAL", 0.0) - units[0].scores.get("SINGLE", 0.0)) < 0.01, units[0].hits


def test_a_name_said_with_de_between_its_words_is_the_name() -> None:
    # 尤克里里的琴包 is the bag's short name 尤克里里琴包 with 的 inside; not 尤克里里 plus a stray 包.
    units, _ = evidence_units(["尤克里里的琴包，加厚海绵的"], DESKS)
    assert units[0].scores.get("BAG", 0.0) >= 2.0, units[0].hits


def test_a_length_in_mi_that_a_title_writes_is_evidence_for_that_item() -> None:
    # 一点四米 is the 1.4m desk's length (米 is a price unit too, but no item costs 1.4).
    units, _ = evidence_units(["双电机的，一点四米"], DESKS)
    assert kind_hits(units[0], "spec") == ["DUAL"], units[0].hits


# E-readers whose titles name their models in Latin letters, with no brand, short name or category (stop 28).
READERS = catalog_from_records([
    {"sku_id": "OCEAN", "title": "掌阅iReader Ocean4 Turbo 7英寸墨水屏电纸书阅读器", "price": 1499, "live_price": 1299,
     "link_no": 1},
    {"sku_id": "LEAF", "title": "文石BOOX Leaf3C 7英寸彩色墨水屏电纸书安卓阅读器", "price": 2099, "live_price": 1899,
     "link_no": 4},
    {"sku_id": "PW", "title": "Kindle Paperwhite5 二手95新电子书阅读器6.8英寸墨水屏", "price": 899, "live_price": 659,
     "link_no": 9},
    {"sku_id": "N10", "title": "汉王N10 mini手写电纸本7.8英寸墨水屏电子笔记本", "price": 2299, "live_price": 1899,
     "link_no": 7},
    {"sku_id": "CASE", "title": "7英寸电纸书保护套 USB Type-C 通用", "price": 99, "live_price": 49, "link_no": 11},
])


def test_a_model_written_in_latin_letters_names_its_item() -> None:
    # Paperwhite五 is Paperwhite5 said (digits are said as numerals), 汉王的N十 is N10 said as a number; Kindle is
    # a word of one item's title only. USB and Type-C are in every other title: they name nothing.
    units, _ = evidence_units(["Kindle的Paperwhite五，九五新的", "汉王的N十mini，能手写", "充电口是USB的Type-C"], READERS)
    assert units[0].scores.get("PW", 0.0) >= 2.0 and set(units[0].scores) == {"PW"}, units[0].hits
    assert units[1].scores.get("N10", 0.0) >= 1.5, units[1].hits
    assert not units[2].scores, units[2].hits


def test_a_product_opened_by_its_latin_model_name_alone_is_found() -> None:
    lines = ["先看一号，掌阅的Ocean四", "七英寸的墨水屏，拿在手里刚刚好", "有实体翻页键，躺着看方便",
             "一千四百九十九，今天一千二百九十九", "有朋友说预算只有几百块", "那我推荐一台二手的",
             "Kindle的Paperwhite五", "国内停服了，但是机器还能用", "自己导书进去完全没问题",
             "每一台我们都检测过屏幕和电池", "六百五十九，半年质保", "好，今天就到这里，晚安"]
    found, spans = detected(lines, READERS)
    assert [s for s, _a, _b in found] == ["OCEAN", "PW"], found
    assert abs(found[1][1] - spans[4][0]) <= 3.0 or abs(found[1][1] - spans[6][0]) <= 3.0, (found, spans)
    assert found[1][2] >= spans[10][0], (found, spans)


WINTER = catalog_from_records([
    {"sku_id": "SCARF", "title": "羊绒围巾女冬季 送礼礼盒装", "price": 399, "live_price": 259, "link_no": 3},
    {"sku_id": "GLOVE", "title": "触屏手套 加绒 骑行", "price": 89, "live_price": 49, "link_no": 5},
])


def test_a_faint_word_before_a_stretch_of_chat_is_not_where_the_explanation_starts() -> None:
    # The mirror of the test below: 送礼 (a scarf title word, weak) said in passing, then the room's chat, then
    # the host opens the scarf by its link number. The run the decoder gave the scarf starts at the faint word
    # (dev recording aj2: 克服再解10, heard as 度假, 15 s early); its explanation starts at 三号链接.
    lines = ["过年想送礼的朋友", "欢迎刚进来的宝宝们", "左上角点个关注", "灯牌亮起来", "三号链接，羊绒围巾",
             "百分之百的羊绒，摸着特别软"]
    units, _ = evidence_units(lines, WINTER)
    score_units(units, DetectOptions().talk_model)
    assert units[0].scores.get("SCARF", 0.0) >= 0.3 and all(u.talk < 0.5 for u in units[1:4]), units
    assert evidence_span(Run("SCARF", 0, 5), units, BoundaryOptions().anchor_min) == (4, 5)
    # One chat line between is not a break: 送礼 before it is where the host started on the scarf.
    assert evidence_span(Run("SCARF", 0, 3), [units[0], units[1], *units[4:]], BoundaryOptions().anchor_min) == (0, 3)


def test_a_faint_word_after_a_stretch_of_chat_does_not_carry_the_explanation_over_it() -> None:
    # 送礼 is a word of the scarf's title only (weak evidence). Said after three lines of chat, in the lead-in
    # of the gloves, it is not where the scarf's explanation ends, even when the decoder kept the scarf on.
    lines = ["三号链接，羊绒围巾", "百分之百的羊绒，摸着特别软", "长一米八，怎么系都好看", "原价三百九十九，今天二百五十九",
             "福袋开了，恭喜这位叫小林的朋友", "有人问我平时穿什么颜色的衣服", "黑色灰色多一点，我这人懒，耐脏",
             "好，我们接着看下一个", "过年想送礼的朋友", "我们来看五号", "触屏手套，戴着能刷手机"]
    units, _ = evidence_units(lines, WINTER)
    score_units(units, DetectOptions().talk_model)
    assert units[8].scores.get("SCARF", 0.0) >= 0.3 and all(u.talk < 0.5 for u in units[4:7]), units
    assert evidence_span(Run("SCARF", 0, 8), units, BoundaryOptions().anchor_min) == (0, 3)
    # One chat line inside the explanation is not a break: 送礼 after it is still the scarf's.
    assert evidence_span(Run("SCARF", 0, 5), [*units[:5], units[8]], BoundaryOptions().anchor_min) == (0, 5)


def test_an_electrical_rating_said_as_a_number_is_evidence_for_the_item_whose_title_writes_it() -> None:
    # 十六安 is 16A said; only the air-conditioner socket is rated 16A. 五伏两安 is not in any title.
    sockets = catalog_from_records([
        {"sku_id": "AC16", "title": "正泰16A空调插座 86型三孔 热水器专用", "price": 29, "link_no": 16},
        {"sku_id": "FIVE10", "title": "正泰10A五孔插座 86型 白色", "price": 12, "link_no": 8},
        {"sku_id": "USB", "title": "USB排插 5V2A 1.8米", "price": 59, "link_no": 2},
    ])
    units, _ = evidence_units(["这个十六安的，大功率电器都能插", "它是五伏两安的，普通充电"], sockets)
    assert kind_hits(units[0], "spec") == ["AC16"], units[0].hits
    assert kind_hits(units[1], "spec") == ["USB", "USB"], units[1].hits


def test_a_bare_ordinal_ending_a_clause_is_a_link_number_unless_a_link_number_is_said_beside_it() -> None:
    # 看第七个，还是早饭的: the seventh link, said before the clause goes on. 第一个，看五号: the evening's first
    # product is link 5, not link 1. 第二个区别 is no link at all.
    cereal = catalog_from_records([
        {"sku_id": "OAT7", "title": "王饱饱 酸奶果粒燕麦片 400g", "price": 49.9, "link_no": 7},
        {"sku_id": "OAT1", "title": "纯燕麦片 1kg 大袋", "price": 39.9, "link_no": 1},
        {"sku_id": "SHAKE5", "title": "代餐奶昔 草莓味 10袋", "price": 129, "link_no": 5},
        {"sku_id": "BAR2", "title": "蛋白棒 巧克力味 7支", "price": 69, "link_no": 2},
    ])
    units, _ = evidence_units(["看第七个，还是早饭的", "第一个，看五号", "第二个区别，它不加糖"], cereal)
    assert [(h.kind, h.sku_id) for h in units[0].hits] == [("link_no", "OAT7")], units[0].hits
    assert kind_hits(units[1], "link_no") == ["SHAKE5"], units[1].hits
    assert not kind_hits(units[2], "link_no"), units[2].hits


def test_an_ordinal_before_the_nth_items_own_word_is_its_link_number() -> None:
    # 翻到第八个拌粉酱: the eighth in the cart is the noodle sauce, and the word after the ordinal is the sauce's own
    # category word, so the catalog confirms it is link 8. 第二个优点是软 is the second advantage: item 2 is no 优点.
    noodles = catalog_from_records([
        {"sku_id": "SAUCE8", "title": "南昌拌粉酱 萝卜丁 辣椒酱套装", "category": "拌粉酱", "price": 19.9, "link_no": 8},
        {"sku_id": "THIN1", "title": "江西米粉 细粉 5斤装", "category": "米粉", "price": 29.9, "link_no": 1},
        {"sku_id": "THICK2", "title": "江西米粉 粗粉 5斤装", "category": "米粉", "price": 29.9, "link_no": 2},
    ])
    units, _ = evidence_units(["翻到第八个拌粉酱", "第二个优点是软", "第一个，看八号"], noodles)
    assert kind_hits(units[0], "link_no") == ["SAUCE8"], units[0].hits
    assert not kind_hits(units[1], "link_no"), units[1].hits
    assert kind_hits(units[2], "link_no") == ["SAUCE8"], units[2].hits


def test_a_bare_number_pointed_at_is_a_link_number_unless_an_item_costs_that_much() -> None:
    # 再看十六 opens link 16 (half a link number's weight, as a bare 第N个). 今天只要二十九 is a price: item 2
    # costs 29, so 要二十九 is not read as link 29 even though the catalog has one.
    belts = catalog_from_records([
        {"sku_id": "REV16", "title": "双面头层牛皮皮带 男士 可旋转扣", "price": 259, "live_price": 109, "link_no": 16},
        {"sku_id": "AUTO2", "title": "自动扣皮带 商务", "price": 39, "live_price": 29, "link_no": 2},
        {"sku_id": "KEY29", "title": "钥匙包 牛皮", "price": 59, "live_price": 49, "link_no": 29},
    ])
    units, _ = evidence_units(["再看十六", "今天只要二十九"], belts)
    assert [(h.kind, h.sku_id, h.weight) for h in units[0].hits] == [("link_no", "REV16", 1.25)], units[0].hits
    assert not kind_hits(units[1], "link_no") and kind_hits(units[1], "price") == ["AUTO2"], units[1].hits


def test_two_products_introduced_together_are_not_a_passing_mention() -> None:
    # 二号跟三号我一起说 | 二号是羊绒的 | 戴着不扎手 | 三号是真皮的 …: item 2 is named in its first two sentences and
    # its run is short, as a pointer on the way out of item 1 is (keep_passing_mentions). But its first sentence
    # names item 3 too, the product the host goes on to: the two are introduced together, and 2 is explained.
    # (Dev stream ao5, 二号跟三号，俺一块儿说, lost its 8 s explanation of item 2 this way.)
    from replay.detect.relabel import keep_passing_mentions

    gloves = catalog_from_records([
        {"sku_id": "SCARF", "title": "纯羊毛围巾 男女款 冬季加厚", "price": 99, "live_price": 79, "link_no": 1},
        {"sku_id": "CASH", "title": "羊绒手套 触屏款 女", "price": 89, "live_price": 59, "link_no": 2},
        {"sku_id": "LEATHER", "title": "真皮手套 骑车防风 加绒", "price": 159, "live_price": 129, "link_no": 3},
    ])
    lines = ["围一圈脖子就暖和了", "七十九，一号链接拍吧", "二号跟三号我一起说", "二号是羊绒的，软", "戴着不扎手",
             "三号是真皮的，挡风", "骑电动车的戴三号", "加绒的，零下也不冻手", "三号一百二十九"]
    units, _ = evidence_units(lines, gloves)
    assert len(units) == len(lines)
    labels = ["SCARF"] * 2 + ["CASH"] * 3 + ["LEATHER"] * 4
    assert keep_passing_mentions(labels, units) == labels
    # A run whose sentence names only item 2 is a pointer: 二号也可以看看, and on to item 3.
    units, _ = evidence_units([*lines[:2], "二号也可以看看", *lines[5:]], gloves)
    pointer = ["SCARF"] * 2 + ["CASH"] + ["LEATHER"] * 4
    assert keep_passing_mentions(pointer, units) == ["SCARF"] * 3 + ["LEATHER"] * 4


def test_clause_ends_come_from_the_punctuation_of_subtitles_and_of_whisper_words() -> None:
    from replay.contracts import Segment, Transcript, Word
    from replay.detect.units import transcript_tokens

    words = (Word(0.0, 0.4, "看"), Word(0.4, 1.0, "第七个，"), Word(1.0, 1.6, "还是"), Word(1.6, 2.0, "早饭的"))
    for tr in (Transcript((Segment(0.0, 2.0, "看第七个，还是早饭的"),), duration=3.0),
               Transcript((Segment(0.0, 2.0, "看第七个，还是早饭的", words=words),), duration=3.0)):
        toks = transcript_tokens(tr)
        assert [t.text for t in toks if t.clause_end] == ["个"], toks


def test_a_comparison_goes_on_into_the_next_sentence_about_the_item_compared_with() -> None:
    # Explaining the plain sausage (二号), the host compares: 跟一号不一样 / 一号是蒜香的. The second sentence is
    # still the comparison; 我还是推荐一号 after a comparison recommends item 1, and keeps its weight.
    sausages = catalog_from_records([
        {"sku_id": "GARLIC", "title": "哈尔滨红肠 蒜香风味 果木熏烤 500g", "price": 59, "link_no": 1},
        {"sku_id": "PLAIN", "title": "老式哈尔滨红肠 纯肉无淀粉 450g", "price": 49, "link_no": 2},
    ])
    units, _ = evidence_units(["这个是二号，老式的", "跟一号不一样", "一号是蒜香的", "比一号便宜一点", "我还是推荐一号"],
                              sausages)
    alone, _ = evidence_units(["一号是蒜香的", "我还是推荐一号"], sausages)
    assert 0 < units[2].scores["GARLIC"] <= 0.5 * alone[0].scores["GARLIC"], (units[2].hits, alone[0].hits)
    assert units[4].scores["GARLIC"] == alone[1].scores["GARLIC"], (units[4].hits, alone[1].hits)


def test_a_cross_mention_cue_goes_on_into_the_sentence_whisper_cut_from_it() -> None:
    # 度数高的朋友买了以后 | 十七号有夹片: one cross-sell cut in two at a breath; the clip-on (17) is not opened. A
    # price said first in the next sentence is not part of it.
    glasses = catalog_from_records([
        {"sku_id": "SUN", "title": "暴龙偏光太阳镜男 驾驶墨镜", "price": 1299, "live_price": 799, "link_no": 8},
        {"sku_id": "CLIP", "title": "偏光夹片 近视眼镜夹片", "price": 299, "live_price": 169, "link_no": 17},
    ])

    def weighed(lines: list[str]) -> list:
        units, _ = evidence_units(lines, glasses)
        score_units(units, DetectOptions().talk_model)
        reweigh(units)
        return units

    cut = weighed(["开车的朋友看八号", "度数高的朋友买了以后", "十七号有夹片"])
    alone = weighed(["开车的朋友看八号", "近视的朋友", "十七号有夹片"])
    assert 0 < cut[2].scores["CLIP"] <= 0.5 * alone[2].scores["CLIP"], (cut[2].hits, alone[2].hits)
    price = weighed(["开车的朋友看八号", "度数高的朋友买了以后", "七百九十九的到手价"])
    plain = weighed(["开车的朋友看八号", "近视的朋友", "七百九十九的到手价"])[2].scores["SUN"]
    assert price[2].scores["SUN"] == pytest.approx(plain, rel=0.01)  # the talk model reads the context a little


def test_a_cross_sell_that_names_the_product_goes_on_into_the_next_sentence_on_it() -> None:
    # 买了咖啡机的再带一个五号的杯子 | 五号两只才二十九: the second sentence goes on with the cross-sell (dev stream an1:
    # 买了机器的一定加一个七号的纸 | 七号三卷才十九块九, which took the whole printer explanation for the paper). Said
    # after a sentence that only names it, 五号 keeps its weight; a sentence naming another product is not carried.
    coffee = catalog_from_records([
        {"sku_id": "MACHINE", "title": "德龙半自动咖啡机 家用意式", "price": 2999, "live_price": 1999, "link_no": 1},
        {"sku_id": "CUPS", "title": "双层玻璃咖啡杯 2只装", "price": 59, "live_price": 29, "link_no": 5},
        {"sku_id": "BEANS", "title": "意式拼配咖啡豆 500g", "price": 89, "live_price": 69, "link_no": 6},
    ])

    def weighed(lines: list[str]) -> list:
        units, _ = evidence_units(["一号咖啡机，一键出意式", *lines], coffee)
        score_units(units, DetectOptions().talk_model)
        reweigh(units)
        return units

    carried = weighed(["买了咖啡机的再带一个五号的杯子", "五号两只才二十九"])
    plain = weighed(["五号的杯子也很好看", "五号两只才二十九"])
    assert 0 < carried[2].scores["CUPS"] <= 0.5 * plain[2].scores["CUPS"], (carried[2].hits, plain[2].hits)
    other = weighed(["买了咖啡机的再带一个五号的杯子", "六号豆子是意式拼配的"])
    alone = weighed(["五号的杯子也很好看", "六号豆子是意式拼配的"])
    assert other[2].scores["BEANS"] == pytest.approx(alone[2].scores["BEANS"], rel=0.05)


def test_a_product_taken_in_as_a_mention_is_no_rival_in_the_confidence() -> None:
    # A pen explained with few catalog words, ending on its cartridges by link number and name (a parting
    # cross-sell). The cartridges' evidence outweighs the pen's inside the block; as a rival it sank the pen's
    # confidence below the cut. Named in two sentences and not again, they are pointed at in passing: no rival,
    # whether or not absorb_mentions took them in. Named again later in the block, they are a rival, unless taken
    # in as a mention.
    from replay.detect import ConfidenceWeights, _confidence
    from replay.detect.boundaries import Block

    pens = catalog_from_records([
        {"sku_id": "PEN", "title": "凌美狩猎者钢笔 德国进口 EF尖", "price": 268, "live_price": 199, "link_no": 1},
        {"sku_id": "INK", "title": "凌美T10墨囊 5支装", "price": 25, "live_price": 19, "link_no": 3},
    ])
    pen = ["翻到最上面那个", "狩猎者，德国的", "握笔的地方有凹槽", "写小字选细一点的", "平时二百六十八"]
    ink = ["用墨囊的话三号是它家的墨囊", "三号五支十九块"]

    def confidence(lines: list[str], mentions: set[str]) -> float:
        units, _ = evidence_units(lines, pens)
        block = Block("PEN", 1, 4, 0, len(units) - 1, units[0].start, units[-1].end)
        block.mentions |= mentions
        return _confidence(block, units, ConfidenceWeights())

    passing = confidence(pen + ink, set())
    assert passing == pytest.approx(confidence(pen + ink, {"INK"}))
    again = pen + ink + ["墨囊三号记得一起拍"]
    assert confidence(again, set()) < passing - 0.1
    assert confidence(again, {"INK"}) > confidence(again, set()) + 0.1


def test_a_price_several_items_share_supports_whichever_is_on() -> None:
    # 一百九十九 is the live price of both drills: it cannot open either, but it is talk about the one in hand.
    drills = catalog_from_records([
        {"sku_id": "D12", "title": "东成12V锂电钻", "price": 299, "live_price": 199, "link_no": 1},
        {"sku_id": "D20", "title": "东成20V冲击钻", "price": 499, "live_price": 199, "link_no": 2},
        {"sku_id": "BITS", "title": "麻花钻头套装", "price": 59, "live_price": 29, "link_no": 11},
    ])
    units, _ = evidence_units(["今天直播间一百九十九"], drills)
    assert set(units[0].support) == {"D12", "D20"} and units[0].support["D12"] >= units[0].scores["D12"] > 0, units[0]


def test_a_price_only_the_item_on_has_recalls_it_after_another_item_is_mentioned() -> None:
    # Explaining the Action 4, the host mentions the GoPro (link 5) and what it does, then says the Action 4's
    # own prices (2498, 2298: no other item's) and moves on. The GoPro stretch is an aside.
    cams = catalog_from_records([
        {"sku_id": "ACT4", "title": "大疆运动相机 Action4 4K防抖", "price": 2498, "live_price": 2298, "link_no": 1},
        {"sku_id": "GOPRO", "title": "GoPro HERO13 运动相机", "price": 3198, "live_price": 2698, "link_no": 5},
        {"sku_id": "CARD", "title": "闪迪256G存储卡 V30", "price": 199, "live_price": 159, "link_no": 15},
    ])
    units, _ = evidence_units(["一号，大疆的Action四", "四K一百二十帧", "五号是GoPro十三", "磁吸快拆真方便",
                               "官方两千四百九十八", "今天直播间两千二百九十八", "十五号，闪迪的卡"], cams)
    labels = ["ACT4", "ACT4", "GOPRO", "GOPRO", "GOPRO", "GOPRO", "CARD"]
    assert absorb_asides(labels, units)[:6] == ["ACT4"] * 6
    # Without A's price the GoPro stretch, followed by the card, is not recalled.
    units2, _ = evidence_units(["一号，大疆的Action四", "四K一百二十帧", "五号是GoPro十三", "磁吸快拆真方便",
                                "一秒钟换到车把", "今天直播间两千二百九十八", "十五号，闪迪的卡"], cams)
    assert absorb_asides(["ACT4", "ACT4", "GOPRO", "GOPRO", "GOPRO", "CARD", "CARD"], units2)[2] == "GOPRO"


def test_a_comparison_word_reaches_past_gang_cai_to_the_item_compared_with() -> None:
    # 跟刚才九号比: the turntable in hand compared with link 9, said a minute ago; 九号 keeps the reference weight,
    # and so does the sentence that goes on about it (九号是听个响). 刚才九号卖完了 is no comparison.
    decks = catalog_from_records([
        {"sku_id": "CASE", "title": "手提箱黑胶唱机 复古 蓝牙", "price": 459, "live_price": 359, "link_no": 9},
        {"sku_id": "AT", "title": "铁三脚 AT-LP60X 全自动黑胶唱机", "price": 1399, "live_price": 1199, "link_no": 10},
    ])
    units, _ = evidence_units(["想认真玩的看十号", "跟刚才九号比，声音是两个级别", "九号是听个响", "刚才九号卖完了"], decks)
    alone, _ = evidence_units(["九号是听个响", "刚才九号卖完了"], decks)
    assert units[1].scores["CASE"] <= 0.5 * alone[0].scores["CASE"], units[1].hits
    assert units[2].scores["CASE"] <= 0.5 * alone[0].scores["CASE"], units[2].hits
    assert units[3].scores["CASE"] == alone[1].scores["CASE"], units[3].hits


def test_the_talk_model_gives_the_same_probability_whatever_the_order_of_the_features() -> None:
    # The n-gram features come from a set, whose order follows Python's hash seed: the same stream must get the
    # same probabilities (and so the same 看点) in every process, to the last bit.
    data = json.loads((Path(__file__).parent / "data" / "paraphrase" / "dev" / "l4.json").read_text(encoding="utf-8"))
    units, _ = evidence_units([line["text"] for line in data["lines"]], catalog_from_records(data["catalog"]))
    for feats in features(units):
        backwards = dict(reversed(feats.items()))
        for head in ("talk", "opens"):
            assert probability(head, feats) == probability(head, backwards), feats


def test_a_product_opened_mid_cue_starts_there() -> None:
    # An ASR's subtitle cue runs two or three sentences together: the end of one explanation and the opening
    # of the next (一号抓紧拍，库存不多了 | 三号这个保温杯). The decoder switches only between units, so the cue is cut
    # at its commas when it is long (replay.detect.units.split_long), and the 看点 of link 3 starts at its
    # opening, not 2 s before it with link 1's closing words.
    catalog = catalog_from_records([
        {"sku_id": "BOX", "title": "不锈钢保温饭盒 三层 上班族", "price": 69, "live_price": 39.9, "link_no": 1},
        {"sku_id": "CUP", "title": "316不锈钢保温杯 大容量 男女", "price": 89, "live_price": 59, "link_no": 3},
    ], source="test")
    lines = [
        "一号链接，这个不锈钢饭盒", "三层的，能装两个菜一个饭", "四十九块九，今天三十九米",
        "一号抓紧拍，库存不多了，三号这个保温杯，是三百一十六不锈钢的",
        "保温十二个小时，早上倒的水晚上还烫", "原价八十九，今天五十九",
    ]
    hl, spans = detected(lines, catalog)
    assert [h[0] for h in hl] == ["BOX", "CUP"], hl
    opening = spans[3][0] + len("一号抓紧拍，库存不多了，") / 5.0
    assert abs(hl[1][1] - opening) <= 1.0 and hl[0][2] <= opening + 0.5, (hl, spans)


def test_a_product_topped_up_by_its_stock_count_is_brought_back() -> None:
    # 五号卖完了，我让仓库再加两百单: the host tops up an earlier product, in no 返场 phrase of the cue list. A
    # count of stock said about an item called by link number brings it back (a 返场 of its own).
    lines = [
        "先看五号，鲁花的花生油",
        "压榨的，闻着就香",
        "五升一桶，炒菜炸东西都行",
        "原价一百七十九，今天一百三十九",
        "好，七号胡姬花，古法小榨",
        "小榨的比压榨的还要浓一点",
        "做凉拌菜最香",
        "我们家自己炒菜也用它",
        "瓶子是加厚的，路上摔不坏",
        "一百二十九，拍两桶更划算",
        "五号卖完了，我让仓库再加两百单",
        "没抢到的赶紧",
        "拍完的扣个已拍",
    ]
    found, spans = detected(lines, OILS)
    assert [sku for sku, *_ in found] == ["LUHUA", "HUJI", "LUHUA"], found
    assert abs(found[2][1] - spans[10][0]) <= 1.0, (found, spans)



# 旁边的七号是小榨的 opens 七号 quietly, and the host goes on comparing it with 五号 (比五号浓, 跟五号一样, 比五号便宜,
# and a word for 五号 between) without naming 七号 again.
COMPARED_WITH_FIVE = [
    "先看五号，鲁花的花生油",
    "压榨的，闻着就香",
    "五升一桶，炒菜炸东西都行",
    "原价一百七十九，今天一百三十九",
    "旁边的七号是小榨的",
    "味道比五号浓一点",
    "凉拌菜用它最香",
    "跟五号一样也是五升一桶",
    "炒菜多的我还是推荐五号",
    "价格比五号便宜十块",
    "拍了的扣个已拍",
]


def test_the_product_compared_with_is_not_the_one_in_hand() -> None:
    # One does not compare a product with itself: each 比五号 is evidence that the product in hand is not 五号, so
    # the explanation is 七号's, not 五号's tail.
    found, spans = detected(COMPARED_WITH_FIVE, OILS)
    assert [sku for sku, *_ in found] == ["LUHUA", "HUJI"], found
    assert abs(found[1][1] - spans[4][0]) <= 1.0, (found, spans)


def test_a_stretch_that_compares_the_product_in_hand_with_the_first_is_no_aside() -> None:
    # The rule itself, whatever the model makes of 旁边的七号是小榨的: an opening below CLEAR_OPENING (0.8) and the
    # first product called again (我还是推荐五号) would make 七号's stretch an aside in 五号's explanation. Three
    # comparisons with 五号 inside it (比五号浓, 跟五号一样, 比五号便宜) say 七号 is the one in hand.
    from replay.detect.relabel import absorb_asides

    units, _ = evidence_units(COMPARED_WITH_FIVE, OILS)
    for u in units:
        u.talk, u.opening = 1.0, 0.0
    units[4].opening = 0.8
    assert sum("LUHUA" in u.compared for u in units[4:]) >= 2, [u.compared for u in units]
    labels = ["LUHUA"] * 4 + ["HUJI"] * 7
    assert absorb_asides(labels, units) == labels

# Milk-tea goods of one shop: a powder whose recipe has brick tea and butter, and both sold on their own.
MILKTEA = catalog_from_records([
    {"sku_id": "POWDER", "title": "内蒙古咸奶茶粉 速溶冲饮 400g", "price": 49, "live_price": 32.9, "link_no": 4},
    {"sku_id": "BRICK", "title": "茯砖茶 黑茶 砖茶 煮奶茶专用 1kg", "price": 69, "live_price": 45, "link_no": 6},
    {"sku_id": "BUTTER", "title": "草原酥油 黄油 500g 打奶茶", "price": 58, "live_price": 39, "link_no": 9},
])


def test_an_ingredient_named_after_a_content_word_is_not_another_product() -> None:
    # 里面有砖茶，有酥油: the host lists what the powder in hand is made of (replay/wordlists/content_markers.txt).
    # 砖茶 and 酥油 are also the room's items 6 and 9, but said as contents they name ingredients: the powder's
    # explanation keeps its middle and its price.
    lines = [
        "好，接下来讲奶茶",
        "四号，咸的这个",
        "我们这边喝的奶茶是咸的",
        "开水一冲，一勺粉就够",
        "你看颜色是茶色的",
        "里面有砖茶，有酥油，有一点盐",
        "早上配饼子吃",
        "一袋能冲二十杯",
        "三十二块九一袋",
        "自己想煮的，看六号",
        "六号是茯砖茶，一公斤一块",
        "掰一小块煮，能煮一个月",
        "四十五块",
    ]
    found, spans = detected(lines, MILKTEA)
    assert [sku for sku, *_ in found] == ["POWDER", "BRICK"], found
    assert abs(found[0][1] - spans[0][0]) <= 1.0 and abs(found[0][2] - spans[8][1]) <= 1.0, (found, spans)


# Put off to another time, in more words (stop 34, dev n4 and y1: 无花果下次说, 二十号那个回头再讲).
@pytest.mark.parametrize("put_off", ["要浓一点的买七号，刚才讲过了", "要浓一点的七号也不错，下次再说",
                                     "七号那个回头再讲", "七号今天就不细讲了"])
def test_a_product_put_off_for_today_is_not_opened(put_off: str) -> None:
    # 要浓一点的买七号，刚才讲过了 / 七号今天不主推: the host points at another product and says in the same breath
    # that it is not explained now (replay/wordlists/cues_future.txt). The explanation in hand goes on.
    lines = [
        "先看五号，鲁花的花生油",
        "压榨的，闻着就香",
        "五升一桶，炒菜炸东西都行",
        put_off,
        "炒菜香，凉拌也不腻",
        "原价一百七十九，今天一百三十九",
        "拍了的扣个已拍",
    ]
    found, spans = detected(lines, OILS)
    assert [sku for sku, *_ in found] == ["LUHUA"], found
    assert abs(found[0][2] - spans[-1][1]) <= 1.0, (found, spans)


def test_a_name_said_right_is_not_hidden_by_a_longer_one_with_a_syllable_misheard() -> None:
    # 家乐鸡汁大家都认识: 家乐鸡汁 (the small pack, brand + short name) said as written, then 大家. The big pack's
    # 家乐鸡汁大瓶 fits too if 家 is a mis-heard 瓶, and the longer match used to hide the shorter one (stop 34,
    # dev ay6, where the link number said in the same sentence then lost to the other item).
    sauces = catalog_from_records([
        {"sku_id": "SMALL", "title": "家乐 鲜鸡汁 200g 袋装 炒菜调味", "brand": "家乐", "short_name": "鸡汁",
         "category": "鸡汁", "price": 15.9, "live_price": 9.9, "link_no": 1},
        {"sku_id": "BIG", "title": "家乐 鸡汁 1kg 大瓶 餐饮装", "brand": "家乐", "short_name": "鸡汁大瓶",
         "category": "鸡汁", "price": 39, "live_price": 29.9, "link_no": 2},
    ])
    units, _ = evidence_units(["这个家乐鸡汁大家都认识", "一号链接是家乐鸡汁大人小孩都能吃"], sauces)
    assert units[0].scores.get("SMALL", 0.0) >= 2.5, units[0].hits
    assert units[1].scores["SMALL"] > 2 * units[1].scores.get("BIG", 0.0), units[1].hits
    # A longer name said right still wins over a shorter one inside it.
    units, _ = evidence_units(["家乐鸡汁大瓶的，饭店都用"], sauces)
    assert "SMALL" not in units[0].scores and units[0].scores["BIG"] >= 2.5, units[0].hits


# A cookware shop: a wok, a spatula and a board, titles only.
COOKWARE = catalog_from_records([
    {"sku_id": "WOK", "title": "康巴赫 不锈钢炒锅 32cm 无涂层 燃气电磁炉通用", "price": 399, "live_price": 259,
     "link_no": 1},
    {"sku_id": "SPAT", "title": "食品级硅胶锅铲 耐高温 一体成型 不伤锅", "price": 39, "live_price": 19.9, "link_no": 2},
    {"sku_id": "BOARD", "title": "乌檀木整木菜板 家用 实木砧板", "price": 129, "live_price": 89, "link_no": 3},
])
WOK_THEN_SOMETHING = [
    "一号链接，康巴赫的不锈钢炒锅",
    "三十二厘米，一家四口够用",
    "没有涂层，不怕铲子刮",
    "燃气灶电磁炉都能用",
    "原价三百九十九，今天二百五十九",
    "喜欢的直接拍，三二一上车",
    "好，最后一个",
    "这个是炒菜翻面用的",
    "耐高温，两百多度都没事",
    "头和柄之间没有缝，不藏脏东西",
    "软软的，刮不花",
    "今天十几块钱，两个起拍更划算",
    "好了今天就到这里，谢谢大家",
]


@pytest.mark.parametrize(("said", "after"), [("耐高温，两百多度都没事", ["SPAT"]), ("两百多度都没事", [])])
def test_after_a_clear_opening_the_product_before_is_over(said: str, after: list[str]) -> None:
    # 好，最后一个 opens another product, and the wok is never named again: the talk after it is not the wok's,
    # whether one faint word says what it is (耐高温, a title word of the spatula only) or nothing does (stop 34,
    # dev whisper transcripts b6, c2, i3: the new product's name mis-heard, its title words too faint to switch).
    lines = [said if line == "耐高温，两百多度都没事" else line for line in WOK_THEN_SOMETHING]
    hl, spans = detected(lines, COOKWARE)
    assert [h[0] for h in hl] == ["WOK", *after], hl
    assert hl[0][2] <= spans[6][0] + 0.5, (hl, spans)
    if after:
        assert abs(hl[1][1] - spans[6][0]) <= 1.0 and hl[1][2] >= spans[11][1] - 1.0, (hl, spans)


def test_an_opening_does_not_reach_back_over_another_clear_opening() -> None:
    # 再给大家看一个 opens something the catalog has no words for (the host's own pan); 下面这个 then opens the board.
    # The board's explanation starts at its own opening, not at the one before (stop 34, dev whisper transcripts
    # j5 and l8, where the next product took in a stretch about an item not in the catalog).
    lines = [
        "一号链接，康巴赫的不锈钢炒锅",
        "三十二厘米，一家四口够用",
        "没有涂层，不怕铲子刮",
        "原价三百九十九，今天二百五十九",
        "喜欢的直接拍，三二一上车",
        "好，再给大家看一个",
        "这个是我自己家里用的",
        "用了三年了还跟新的一样",
        "大家看看这个颜色",
        "好，下面这个",
        "乌檀木的整木菜板，三号",
        "切肉切菜都不掉渣",
        "今天八十九，拍一发二",
    ]
    hl, spans = detected(lines, COOKWARE)
    assert [h[0] for h in hl] == ["WOK", "BOARD"], hl
    assert hl[0][2] <= spans[5][0] + 0.5 and abs(hl[1][1] - spans[9][0]) <= 0.5, (hl, spans)


def test_promotion_words_in_titles_name_no_item() -> None:
    # 断码清仓 in two titles: a clearance host says 清仓 and 断码 in every other sentence, of every item (stop 34,
    # dev au6, where the room talk before the first product took the whole first explanation for a 清仓 item).
    coats = catalog_from_records([
        {"sku_id": "VEST", "title": "暖贝贝儿童羽绒马甲 轻薄款 白鸭绒", "price": 159, "live_price": 59, "link_no": 1},
        {"sku_id": "KIDS", "title": "冬宝儿童羽绒服 断码清仓 男女童", "price": 299, "live_price": 89, "link_no": 21},
        {"sku_id": "ADULT", "title": "冬宝羽绒服 女 中长款 反季清仓", "price": 399, "live_price": 129, "link_no": 22},
    ])
    units, _ = evidence_units(["家人们反季清仓了啊", "断码的，哪个码有我就说哪个码", "清仓也给七天无理由"], coats)
    assert not any(u.scores for u in units), [u.hits for u in units]


def test_a_run_opened_on_a_shared_word_goes_to_the_item_the_talk_after_it_favours() -> None:
    # The decoder labels the whole stretch SINGLE: 看五号 calls it later in the same run, which pays for no switch,
    # and 升降桌 fits both. The talk in between (一点四米, 记忆高度) is the dual-motor desk's, so the run's start is
    # DUAL's (stop 34, dev ab5, ax5).
    lines = ["好，我们走到这边，看升降桌", "一点四米的，两个人用都够", "我按一下，你们听，没什么声音",
             "有三个记忆高度，坐着站着各设一个", "原价两千二百九十九，今天一千一百九十九", "房间小的，看五号",
             "单电机的，一点二米", "今天六百九十九"]
    units, _ = evidence_units(lines, DESKS)
    assert settle_tied_openings(["SINGLE"] * len(units), units) == ["DUAL"] * 5 + ["SINGLE"] * 3


def test_a_comparison_calling_the_other_item_ends_what_is_weighed() -> None:
    # Opened on 升降桌, then 一点二米 (SINGLE's), then a viewer's question about four (DUAL) with its words: that
    # is a comparison inside SINGLE's explanation, and only the talk before it is weighed (dev j4).
    lines = ["好，看升降桌", "一点二米的，小房间放得下", "有人问四号呢，四号是双电机的一点四米", "四号有记忆高度，贵一些",
             "一个人用，单电机的就够了", "今天六百九十九，五号链接"]
    units, _ = evidence_units(lines, DESKS)
    assert settle_tied_openings(["SINGLE"] * len(units), units) == ["SINGLE"] * len(units)


def test_a_product_opened_by_name_and_called_again_is_no_aside_for_a_price_of_the_one_before() -> None:
    # 七号是古法小榨 opens the other oil; 鲁花那个一百三十九 says the first one's price in passing, and 古法小榨 is called
    # again after it. Ten seconds between two stretches of nothing else would pass for an aside inside the first
    # oil's explanation, but the host went on with 古法小榨 (stop 35, dev bd3: 五号是黄皮鼓 … 老药桔五百克九十九块 …
    # 黄皮鼓二百五十克三十五块).
    lines = ["好，五号链接，鲁花的花生油", "压榨的，一级的", "炒菜特别香", "原价一百七十九，今天一百三十九",
             "七号是古法小榨", "浓香型的", "鲁花那个一百三十九", "古法小榨今天一百二十九", "小榨的我家里常年备着",
             "好，八号，东北黄小米", "新米，熬粥香", "今天二十五块九"]
    units, _ = evidence_units(lines, OILS)
    labels = ["LUHUA"] * 4 + ["HUJI"] * 5 + ["MILLET"] * 3
    assert absorb_asides(labels, units) == labels
    # Said without its name again after the recall, the stretch is still the aside it was.
    units, _ = evidence_units([*lines[:7], "今天一百二十九", *lines[8:]], OILS)
    assert absorb_asides(labels, units)[4:9] == ["LUHUA"] * 5


# Second-hand phones called by their model numbers.
PHONES = catalog_from_records([
    {"sku_id": "P11", "title": "苹果 iPhone 11 64G 二手 95新", "short_name": "iPhone 11", "aliases": ["十一", "苹果11"],
     "price": 1299, "live_price": 999, "link_no": 3},
    {"sku_id": "P13", "title": "苹果 iPhone 13 128G 二手 99新", "short_name": "iPhone 13", "aliases": ["十三", "苹果13"],
     "price": 2999, "live_price": 2599, "link_no": 6},
    {"sku_id": "P15", "title": "苹果 iPhone 15 256G 二手 准新", "short_name": "iPhone 15", "aliases": ["十五", "苹果15"],
     "price": 4999, "live_price": 4399, "link_no": 8},
])


@pytest.mark.parametrize(("said", "called"), [
    ("这台十三，一百二十八G", {"P13"}), ("十五准新机", {"P15"}), ("要小一点的看十一", {"P11"}),
    ("电池健康九十一", set()),  # 十一 inside a longer number
    ("一共十五台，拍完就没了", set()), ("分十三期免息", set()), ("十一块钱的壳", set()),  # counts and prices
])
def test_a_model_named_by_its_number_is_called_only_where_the_number_stands_alone(said: str,
                                                                                called: set[str]) -> None:
    # Hosts call phones by the model number (这台十三); the same numerals count the stock (十五台), the
    # instalments (十三期) and the battery health (九十一) in every explanation (stop 35, dev bc1: 电池健康九十一
    # and 一共十五台 called two other phones inside the explanation of a third).
    units, _ = evidence_units([said], PHONES)
    assert {h.sku_id for h in units[0].hits if h.kind == "alias"} == called, units[0].hits


@pytest.mark.parametrize(("said", "priced"), [
    ("这个袋子能装四十九个球", []),        # forty-nine balls: a count, not the groundsheet's price
    ("分四十九期也行", []),                # instalments
    ("四十九一个，拍两个更划算", ["MAT"]),  # a bare price, the measure word after the next number
    ("今天四十九块", ["MAT"]),
])
def test_a_number_counted_by_a_measure_word_is_no_price(said: str, priced: list[str]) -> None:
    # Dev stream bi4: 抽绳的口，能装十五个足球 inside the canvas bag's explanation was heard as the price of the net
    # bag before it (十五块一个), which then took the canvas bag's stretch back as an aside.
    units, _ = evidence_units([said], CAMP)
    assert kind_hits(units[0], "price") == priced, units[0].hits
