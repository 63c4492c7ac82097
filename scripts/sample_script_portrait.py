"""The 带货 script of the portrait sample (scripts/make_sample_stream.py --format portrait): another room,
another catalog, another host's patter, so the two bundled samples are different streams.

Same conventions as scripts/sample_script.py (whose phrasing decks and block builders it reuses): products,
brands and sentences are made up for this project; spoken text has no Latin letters and says numbers in
Chinese. `build_script(rng)` returns the running order.
"""

from __future__ import annotations

import random

from sample_script import main_block, make_decks, return_block

ROOM = "小鹿生活馆"

# Catalog entries (the 购物袋). `icon` and `color` only drive the drawn product image.
PRODUCTS: list[dict] = [
    {
        "sku_id": "P201",
        "title": "暖阳加厚珊瑚绒睡衣套装 女款 秋冬",
        "brand": "暖阳",
        "short_name": "珊瑚绒睡衣",
        "aliases": ["睡衣", "家居服"],
        "price": 199,
        "live_price": 89,
        "link_no": 1,
        "category": "服饰",
        "icon": "shirt",
        "color": (235, 150, 170),
    },
    {
        "sku_id": "P202",
        "title": "禾谷即食燕麦片 1000克 罐装",
        "brand": "禾谷",
        "short_name": "燕麦片",
        "aliases": ["麦片"],
        "price": 59,
        "live_price": 29.9,
        "link_no": 2,
        "category": "食品",
        "icon": "jar",
        "color": (220, 185, 120),
    },
    {
        "sku_id": "P203",
        "title": "青木竹纤维毛巾 4条装 吸水不掉毛",
        "brand": "青木",
        "short_name": "竹纤维毛巾",
        "aliases": ["毛巾"],
        "price": 79,
        "live_price": 39,
        "link_no": 3,
        "category": "日用",
        "icon": "towel",
        "color": (120, 200, 170),
    },
    {
        "sku_id": "P204",
        "title": "鹿小厨麦饭石不粘炒锅 32厘米 燃气电磁炉通用",
        "brand": "鹿小厨",
        "short_name": "麦饭石炒锅",
        "aliases": ["炒锅", "不粘锅"],
        "price": 299,
        "live_price": 139,
        "link_no": 4,
        "category": "厨具",
        "icon": "pan",
        "color": (80, 80, 90),
    },
    {
        "sku_id": "P205",
        "title": "云朵天然乳胶枕 成人护颈 单只装",
        "brand": "云朵",
        "short_name": "乳胶枕",
        "aliases": ["枕头", "护颈枕"],
        "price": 259,
        "live_price": 99,
        "link_no": 5,
        "category": "家居",
        "icon": "pillow",
        "color": (240, 240, 225),
    },
    {
        "sku_id": "P206",
        "title": "暖阳纯羊毛围巾 纯色百搭",
        "brand": "暖阳",
        "short_name": "羊毛围巾",
        "aliases": ["围巾"],
        "price": 169,
        "live_price": 69,
        "link_no": 6,
        "category": "服饰",
        "icon": "scarf",
        "color": (170, 60, 60),
    },
]
BY_SKU = {p["sku_id"]: p for p in PRODUCTS}

PRESENTED = ["P201", "P204", "P205"]  # main blocks in this order, then P204 返场; P202 P203 P206 never presented

# Per-product talking points: (kind, text). kind is feature | mention.
_POINTS: dict[str, list[tuple[str, str]]] = {
    "P201": [
        ("feature", "面料是加厚的珊瑚绒，摸上去软软糯糯的，冬天穿一点都不冷。"),
        ("feature", "袖口和裤脚都是收口的，睡觉不漏风。"),
        ("mention", "这套珊瑚绒睡衣我自己穿了一整个冬天。"),
    ],
    "P204": [
        ("feature", "锅底是麦饭石涂层，煎鸡蛋不放油都不粘。"),
        ("feature", "燃气灶和电磁炉都能用，锅很轻，单手就能颠。"),
        ("mention", "这口炒锅我妈用了都说好。"),
    ],
    "P205": [
        ("feature", "天然乳胶回弹特别好，躺上去脖子是被托住的。"),
        ("feature", "枕芯透气有小孔，夏天睡也不闷。"),
        ("mention", "颈椎不舒服的宝宝可以试试这个乳胶枕。"),
    ],
}
_GIFT = {"P201": "再送一双珊瑚绒袜子", "P204": "送一把木铲", "P205": "再送一个枕套"}
_RETURN_POINT = {"P204": "这口麦饭石炒锅是三十二厘米的大口径，一家四口炒菜都够用。"}
_CROSS = {"P205": "跟刚才那口锅一起拍，再给大家减十五块。"}

_CHAT = {
    "open1": "哈喽家人们，欢迎来到小鹿生活馆，今天都是居家好物。",
    "open2": "刚进来的宝宝点个关注，九点半抽免单。",
    "cold": "最近降温了，大家出门记得多穿点。",
    "like": "点赞到一万，我们就再上一轮福利。",
    "bye": "今天就播到这里，感谢家人们，我们明天晚上见。",
}
_IN_BLOCK = [
    "新来的宝宝先点关注，免单马上开。",
    "公屏问尺码的宝宝，我一会儿统一回答。",
]


def build_script(rng: random.Random) -> list[dict]:
    """Running order: chat / real clip / block events. Presented: P201 P204 P205 (+ P204 返场)."""
    c = {k: {"type": "chat", "text": v} for k, v in _CHAT.items()}
    decks = make_decks(rng, _IN_BLOCK)
    in_block = rng.sample(PRESENTED, 1)
    main = {
        s: main_block(rng, decks, BY_SKU[s], _POINTS[s], _GIFT[s], s in in_block, _CROSS.get(s)) for s in PRESENTED
    }
    return [
        c["open1"],
        c["open2"],
        main["P201"],
        c["like"],
        main["P204"],
        {"type": "real", "file": "funasr_asr_example.wav"},
        main["P205"],
        c["cold"],
        return_block(BY_SKU["P204"], _RETURN_POINT["P204"]),
        c["bye"],
    ]


DISTRACTORS = [p["sku_id"] for p in PRODUCTS if p["sku_id"] not in PRESENTED]
