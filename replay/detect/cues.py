"""Discourse cues of 直播带货 talk: where a product explanation starts, ends, comes back, or only refers back.

Cues are matched on folded pinyin readings, not characters, because whisper writes homophones
(反常 or 反尝 for 返场, 抽个单 for 凑个单). The lists are deliberately broad, generic host phrasings;
nothing here names a product. A cue only changes the decoder's switch costs, so a cue said in passing
(来了 inside an explanation) cannot create a 看点 without product evidence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from replay.catalog import char_readings, tokenize

# Opening an explanation: "接下来这一款", "下面给大家介绍", "宝宝们看过来", "来，我们看N号链接".
INTRO = (
    "接下来", "下面给大家", "下面这款", "下面这个", "下面我们", "下面来", "下一款", "下一个产品", "下一个宝贝",
    "下一个商品", "下一个链接", "给大家介绍", "给大家推荐", "给大家带来", "为大家介绍", "为大家推荐", "跟大家介绍",
    "和大家分享", "给大家分享", "来看", "看过来", "我们看", "看一下这款", "看一下这个", "这一款是", "这款是",
    "今天要推荐", "今天推荐", "重磅推荐", "隆重介绍", "隆重推出", "上新", "新品", "我们来讲", "来讲一下", "讲一下这款",
    "我手上", "我手里", "手里这款", "这个宝贝", "这款宝贝", "来了来了", "开始讲", "先来看", "再来看", "继续看",
    "好物推荐", "第一款", "第二款", "第三款", "下一个",
)
# Closing one: "这一款就给大家讲到这里", "那这个就先讲到这，我们看下一个".
OUTRO = (
    "讲到这", "讲到这里", "先讲到", "就讲到", "介绍到这", "介绍完了", "就到这里", "先到这", "就说到这", "说到这里",
    "看下一个", "看一下一个", "看下一款", "换下一个", "换下一款", "进入下一个", "下一个了", "我们继续", "过款",
    "这款就这样", "就介绍到",
)
# Coming back to a product already explained (返场) or restocking it.
RETURN = (
    "返场", "再返", "返个场", "再给大家返", "再上一次", "再来一波", "再上一波", "补货", "补了", "加了库存", "加库存",
    "加了一批", "再开一次", "再给大家上", "又回来了", "再次上架", "重新上", "还没抢到的", "回来了",
)
# Referring to another product from inside an explanation: must NOT switch the product.
CROSS = (
    "刚才那个", "刚刚那个", "刚才那款", "刚刚那款", "跟刚才", "和刚才", "跟刚刚", "和刚刚", "前面那个", "前面那款",
    "上一个", "上一款", "搭配", "搭着", "配着", "一起凑", "凑个单", "凑单", "一起买", "一起拍", "一起下单",
    "一起用", "配套", "买了", "拍了", "同时拍",
)
# Opening and closing the whole stream: never part of a product explanation.
SIGN_OFF = (
    "不见不散", "下播", "明天见", "下次见", "直播就到这里", "今天的直播", "晚上好", "欢迎来到", "马上开始", "准时开播",
)
# Sales talk that belongs to an explanation (price, stock, link), used to extend its end.
SALES = (
    "上链接", "链接", "库存", "下单", "抢到", "想要", "到手", "原价", "价格", "直播间价", "只要", "包邮", "秒杀",
    "优惠", "领券", "拍一件", "拍两件", "送", "赠", "发货", "拍下", "去拍", "售后", "运费险", "保价", "划算",
)

# Said just before an intro phrase, these announce a product to come instead of introducing it
# ("喝口水休息一下，马上给大家上下一个宝贝", "待会儿给大家介绍"): the phrase becomes a teaser, which belongs to no
# product and closes the one before, like an outro.
FUTURE = ("马上", "待会", "待会儿", "一会儿", "等一下", "等会", "稍后", "晚点", "后面还有")
_FUTURE_REACH = 6  # tokens between the future marker's end and the intro phrase ("马上[给大家上]下一个")

# Cue kinds after which the current product is over: an outro, or a teaser of the next one.
CLOSING = ("outro", "teaser")

CUE_KINDS = {"intro": INTRO, "outro": OUTRO, "return": RETURN, "cross": CROSS, "sales": SALES, "signoff": SIGN_OFF,
             "future": FUTURE}


@dataclass(frozen=True, slots=True)
class CueHit:
    kind: str
    phrase: str
    first: int  # token index in the unit where the cue starts
    last: int  # token index of the cue's last token


@lru_cache(maxsize=1)
def _compiled() -> tuple[tuple[str, str, tuple[frozenset[str], ...]], ...]:
    out = []
    for kind, phrases in CUE_KINDS.items():
        for p in phrases:
            out.append((kind, p, tuple(char_readings(t) for t in tokenize(p))))
    return tuple(out)


def find_cues(readings: Sequence[frozenset[str]]) -> list[CueHit]:
    """All cue phrases whose every token shares a folded reading with consecutive tokens of the unit.

    An intro phrase shortly after a future marker comes back as kind ``teaser``; the markers themselves are
    not returned.
    """
    hits = []
    n = len(readings)
    for kind, phrase, pat in _compiled():
        m = len(pat)
        for i in range(n - m + 1):
            if all(pat[k] & readings[i + k] for k in range(m)):
                hits.append(CueHit(kind, phrase, i, i + m - 1))
    future = [h for h in hits if h.kind == "future"]
    out = []
    for h in hits:
        if h.kind == "future":
            continue
        if h.kind == "intro" and any(f.last < h.first <= f.last + _FUTURE_REACH for f in future):
            h = CueHit("teaser", h.phrase, h.first, h.last)
        out.append(h)
    return out
