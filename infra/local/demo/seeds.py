"""The demo's built-in lists: reps, companies, names per country (Chinese ones in
characters, with their pinyin for the email), buying profiles, products, segments and the
words of interactions and tickets. ``data.build`` draws from them with a fixed seed."""

from __future__ import annotations

from infra.local.demo.model import Company, Rep, Segment

REPS = [
    Rep("Grace Hopper", "grace.hopper@northwind.example", "EMEA", 40),
    Rep("Alan Turing", "alan.turing@northwind.example", "EMEA", 25),
    Rep("Katherine Johnson", "katherine.johnson@northwind.example", "AMER", 30),
    Rep("Li Na 李娜", "li.na@northwind.example", "APAC", 40),
]

COMPANIES = [
    Company("Analytical Engines Ltd", "analytical-engines.example", "Manufacturing", "medium", "EMEA", "GB"),
    Company("Apollo Software", "apollo-software.example", "Software", "large", "AMER", "US"),
    Company("Frequency Hopping Inc", "frequency-hopping.example", "Telecommunications", "small", "AMER", "US"),
    Company("Shortest Path BV", "shortest-path.example", "Logistics", "small", "EMEA", "NL"),
    Company("Maison Lumière", "maison-lumiere.example", "Retail", "small", "EMEA", "FR"),
    Company("长城贸易 Great Wall Trading", "greatwall-trading.example", "Wholesale", "large", "APAC", "CN"),
    Company("蓝天科技 Blue Sky Technology", "bluesky-tech.example", "Electronics", "medium", "APAC", "CN"),
]

# country -> (people, cities, language, phone prefix, first names, last names).
# Chinese contacts carry their names in characters, each with its pinyin for the email.
COUNTRIES: dict[str, tuple[int, list[str], str, str, list[str], list[str]]] = {
    "GB": (
        7,
        ["London", "Manchester", "Edinburgh"],
        "en-GB",
        "+44 20 7946 ",
        ["Oliver", "Amelia", "Harry", "Isla", "George", "Ava"],
        ["Smith", "Jones", "Taylor", "Evans", "Roberts"],
    ),
    "US": (
        9,
        ["New York", "Austin", "Seattle"],
        "en-US",
        "+1 201 555 ",
        ["James", "Olivia", "Michael", "Emma", "David", "Sophia"],
        ["Johnson", "Miller", "Davis", "Garcia", "Clark"],
    ),
    "NL": (
        4,
        ["Amsterdam", "Rotterdam"],
        "nl-NL",
        "+31 20 555 ",
        ["Daan", "Julia", "Sem", "Lieke"],
        ["de Vries", "Jansen", "Bakker"],
    ),
    "FR": (
        5,
        ["Paris", "Lyon"],
        "fr-FR",
        "+33 1 55 55 ",
        ["Camille", "Louis", "Chloé", "Hugo", "Léa"],
        ["Martin", "Bernard", "Dubois"],
    ),
    "DE": (
        5,
        ["Berlin", "München"],
        "de-DE",
        "+49 30 5555 ",
        ["Lukas", "Mia", "Leon", "Hannah"],
        ["Müller", "Schmidt", "Fischer"],
    ),
    "CN": (
        12,
        ["北京", "上海", "深圳", "杭州"],
        "zh-CN",
        "+86 10 5555 ",
        ["伟:wei", "芳:fang", "敏:min", "静:jing", "磊:lei", "秀英:xiuying"],
        ["王:wang", "李:li", "张:zhang", "刘:liu", "陈:chen"],
    ),
    "SG": (
        6,
        ["Singapore"],
        "en-SG",
        "+65 6555 ",
        ["Mei Ling", "Wei Jie", "Siti", "Arjun"],
        ["Tan", "Lim", "Ng", "Kumar"],
    ),
}
CHANNEL_OF = {"CN": "wechat", "SG": "whatsapp"}

# Non-customers by stage, then buying profiles (stage customer; "lost" ones churned).
STAGES = {"subscriber": 4, "lead": 6, "qualified": 4, "opportunity": 4}
PROFILES = {
    "champion": 5,
    "loyal": 4,
    "new": 5,
    "potential_loyalist": 4,
    "at_risk": 4,
    "cant_lose": 2,
    "hibernating": 3,
    "lost": 3,
}
# profile -> (orders min..max, last order days ago min..max, days between orders, amount range)
BUYING: dict[str, tuple[tuple[int, int], tuple[int, int], tuple[int, int], tuple[int, int]]] = {
    "champion": ((7, 9), (2, 20), (35, 42), (600, 1600)),
    "loyal": ((4, 5), (62, 85), (40, 60), (220, 450)),
    "new": ((1, 1), (1, 25), (0, 0), (40, 300)),
    "potential_loyalist": ((2, 3), (5, 80), (20, 45), (80, 300)),
    "at_risk": ((4, 6), (100, 170), (25, 35), (250, 550)),
    "cant_lose": ((6, 8), (185, 200), (18, 22), (900, 1400)),
    "hibernating": ((1, 2), (100, 170), (10, 30), (30, 150)),
    "lost": ((1, 2), (220, 330), (10, 30), (30, 200)),
}
CHANNELS = ["web"] * 5 + ["store"] * 2 + ["phone", "marketplace", "partner"]
PRODUCTS = [
    ("SKU-TEA-01", "Oolong tea 250 g", 18),
    ("SKU-MUG-02", "Porcelain mug", 24),
    ("SKU-KET-03", "Electric kettle", 89),
    ("SKU-SET-04", "Tea ceremony set", 240),
    ("SKU-SUB-05", "Office tea subscription (quarter)", 450),
]
SOURCES = ["web", "web", "referral", "event", "partner", "social"]

SEGMENTS = [
    Segment(
        "VIP customers in CN",
        "Gold and platinum customers in mainland China",
        {
            "all": [
                {"field": "country", "op": "eq", "value": "CN"},
                {"field": "value_tier", "op": "in", "value": ["gold", "platinum"]},
            ]
        },
    ),
    Segment(
        "Win back: at-risk customers",
        "Good customers who stopped buying (RFM at risk, can't lose, hibernating)",
        {"field": "rfm_group", "op": "in", "value": ["at_risk", "cant_lose", "hibernating"]},
    ),
    Segment(
        "Engaged leads (30 days)",
        "Open leads who reached out or were met in the last 30 days",
        {
            "all": [
                {"field": "lifecycle_stage", "op": "in", "value": ["lead", "qualified", "opportunity"]},
                {"field": "last_engaged_at", "op": "within_days", "value": 30},
            ]
        },
    ),
]
CUSTOM_FIELD = {"name": "preferred_channel", "type": "enum", "options": ["email", "phone", "wechat", "whatsapp"]}

# (kind, direction, English summary, Chinese summary)
TALKS = [
    ("call", "outbound", "Intro call: needs and budget", "电话沟通了解需求和预算"),
    ("email", "outbound", "Sent the product catalogue and price list", "已发送产品目录和价格表"),
    ("email", "inbound", "Asked about delivery times for a bulk order", "询问批量订单的交货时间"),
    ("meeting", "outbound", "Demo of the tea ceremony set at their office", "在客户办公室演示茶具套装"),
    ("chat", "inbound", "Asked for a discount code on the web shop", "在线咨询网店优惠码"),
    ("call", "inbound", "Called to follow up on the quote", "来电跟进报价"),
    ("visit", "inbound", "Visited the flagship store", "到访旗舰店"),
]
TICKETS = [
    ("Order arrived damaged", "Two mugs in the last parcel were broken.", "email", "high"),
    ("Invoice copy needed", "Please send a copy of the invoice for my last order.", "web", "low"),
    ("Change of delivery address", "We moved offices; please update the delivery address.", "phone", "normal"),
    ("Loyalty points missing", "My points for the last purchase do not show.", "chat", "normal"),
    ("Kettle stopped working", "The electric kettle no longer heats up after three months.", "phone", "urgent"),
]
TICKETS_ZH = [
    ("退货申请", "客户希望退回上周购买的茶具。", "web", "normal"),
    ("发票抬头修改", "需要更正增值税发票上的公司名称。", "email", "low"),
    ("物流延迟", "订单已超过一周未发货。请尽快处理。", "chat", "high"),
]
