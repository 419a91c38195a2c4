"""Synthetic but realistic Chinese enterprise / person data."""

import datetime

import codes

# division code, province+city prefix, district, short city, city pinyin, city abbrev, streets, postcode
DIVISIONS = [
    ("110105", "北京市", "朝阳区", "北京", "Beijing", "bj", ["建国路", "朝阳北路", "东三环中路", "望京街", "酒仙桥路", "工体北路"], "100020"),
    ("110108", "北京市", "海淀区", "北京", "Beijing", "bj", ["中关村大街", "学院路", "知春路", "西三环北路", "苏州街"], "100080"),
    ("310115", "上海市", "浦东新区", "上海", "Shanghai", "sh", ["张杨路", "世纪大道", "浦东南路", "金桥路", "外高桥路", "东方路"], "200120"),
    ("310104", "上海市", "徐汇区", "上海", "Shanghai", "sh", ["漕溪北路", "虹桥路", "肇嘉浜路", "宜山路"], "200030"),
    ("440300", "广东省深圳市", "", "深圳", "Shenzhen", "sz", ["深南大道", "福华路", "滨河大道", "科技园南路"], "518000"),
    ("440305", "广东省深圳市", "南山区", "深圳", "Shenzhen", "sz", ["科技园南路", "后海大道", "南海大道"], "518057"),
    ("320506", "江苏省苏州市", "吴中区", "苏州", "Suzhou", "sz", ["东吴北路", "宝带西路", "吴中大道", "越溪路"], "215100"),
    ("330106", "浙江省杭州市", "西湖区", "杭州", "Hangzhou", "hz", ["文三路", "天目山路", "教工路", "古墩路"], "310012"),
    ("420106", "湖北省武汉市", "武昌区", "武汉", "Wuhan", "wh", ["中北路", "武珞路", "中山路", "友谊大道"], "430061"),
    ("440106", "广东省广州市", "天河区", "广州", "Guangzhou", "gz", ["天河路", "体育西路", "黄埔大道西", "珠江西路"], "510620"),
    ("370202", "山东省青岛市", "市南区", "青岛", "Qingdao", "qd", ["香港中路", "东海西路", "山东路", "延安三路"], "266071"),
    ("330203", "浙江省宁波市", "海曙区", "宁波", "Ningbo", "nb", ["中山西路", "药行街", "望春路"], "315000"),
    ("350203", "福建省厦门市", "思明区", "厦门", "Xiamen", "xm", ["湖滨南路", "厦禾路", "鹭江道"], "361001"),
    ("120116", "天津市", "滨海新区", "天津", "Tianjin", "tj", ["响螺湾旷世国际大厦", "第三大街", "新港二号路"], "300457"),
    ("320102", "江苏省南京市", "玄武区", "南京", "Nanjing", "nj", ["中山路", "珠江路", "龙蟠路"], "210018"),
]

# brand, pinyin
BRANDS = [
    ("华信", "Huaxin"), ("中远", "Zhongyuan"), ("恒通", "Hengtong"), ("瑞丰", "Ruifeng"), ("金桥", "Jinqiao"),
    ("盛达", "Shengda"), ("新源", "Xinyuan"), ("宏远", "Hongyuan"), ("天成", "Tiancheng"), ("博雅", "Boya"),
    ("嘉禾", "Jiahe"), ("汇丰源", "Huifengyuan"), ("东方明", "Dongfangming"), ("鑫隆", "Xinlong"), ("永盛", "Yongsheng"),
    ("海纳", "Haina"), ("锦程", "Jincheng"), ("科达", "Keda"), ("联创", "Lianchuang"), ("润禾", "Runhe"),
    ("泰和", "Taihe"), ("德邦", "Debang"), ("万利达", "Wanlida"), ("长青", "Changqing"), ("蓝海", "Lanhai"),
    ("佳美", "Jiamei"), ("广源", "Guangyuan"), ("启航", "Qihang"), ("正元", "Zhengyuan"), ("兴业达", "Xingyeda"),
    ("众合", "Zhonghe"), ("安信达", "Anxinda"), ("百川", "Baichuan"), ("中科恒", "Zhongkeheng"), ("晨光", "Chenguang"),
    ("远航", "Yuanhang"), ("富华", "Fuhua"), ("同创", "Tongchuang"), ("银河", "Yinhe"), ("云帆", "Yunfan"),
]

SURNAMES = [
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"), ("黄", "huang"),
    ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"), ("徐", "xu"), ("孙", "sun"), ("马", "ma"), ("朱", "zhu"),
    ("胡", "hu"), ("郭", "guo"), ("何", "he"), ("高", "gao"), ("林", "lin"), ("罗", "luo"), ("郑", "zheng"),
    ("梁", "liang"), ("谢", "xie"), ("宋", "song"), ("唐", "tang"), ("许", "xu"), ("韩", "han"), ("冯", "feng"),
    ("邓", "deng"), ("曹", "cao"), ("彭", "peng"), ("曾", "zeng"), ("肖", "xiao"), ("田", "tian"), ("董", "dong"),
    ("袁", "yuan"), ("潘", "pan"), ("于", "yu"), ("蒋", "jiang"), ("蔡", "cai"), ("余", "yu"), ("杜", "du"),
    ("叶", "ye"), ("程", "cheng"), ("苏", "su"), ("魏", "wei"), ("吕", "lv"), ("丁", "ding"), ("任", "ren"),
    ("沈", "shen"), ("姚", "yao"), ("卢", "lu"), ("姜", "jiang"), ("崔", "cui"), ("钟", "zhong"), ("谭", "tan"),
    ("陆", "lu"), ("汪", "wang"), ("范", "fan"), ("金", "jin"), ("石", "shi"), ("廖", "liao"), ("贾", "jia"),
    ("夏", "xia"), ("方", "fang"), ("邹", "zou"), ("孟", "meng"), ("熊", "xiong"), ("秦", "qin"), ("江", "jiang"),
]
MALE_GIVEN = [
    ("伟", "wei"), ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("勇", "yong"), ("杰", "jie"), ("涛", "tao"),
    ("斌", "bin"), ("超", "chao"), ("明", "ming"), ("刚", "gang"), ("平", "ping"), ("辉", "hui"), ("鹏", "peng"),
    ("华", "hua"), ("飞", "fei"), ("鑫", "xin"), ("波", "bo"), ("宇", "yu"), ("浩", "hao"), ("凯", "kai"),
    ("健", "jian"), ("俊", "jun"), ("帆", "fan"), ("旭", "xu"), ("宁", "ning"), ("龙", "long"), ("林", "lin"),
    ("建", "jian"), ("国", "guo"), ("志", "zhi"), ("文", "wen"), ("海", "hai"), ("东", "dong"), ("峰", "feng"),
    ("成", "cheng"), ("亮", "liang"), ("晨", "chen"), ("博", "bo"), ("洋", "yang"), ("松", "song"), ("毅", "yi"),
    ("振", "zhen"), ("永", "yong"), ("春", "chun"), ("德", "de"), ("兴", "xing"), ("立", "li"),
]
FEMALE_GIVEN = [
    ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("丽", "li"), ("艳", "yan"), ("娟", "juan"),
    ("霞", "xia"), ("秀", "xiu"), ("玲", "ling"), ("燕", "yan"), ("红", "hong"), ("婷", "ting"), ("雪", "xue"),
    ("慧", "hui"), ("琳", "lin"), ("颖", "ying"), ("倩", "qian"), ("洁", "jie"), ("萍", "ping"), ("梅", "mei"),
    ("莉", "li"), ("晓", "xiao"), ("欣", "xin"), ("佳", "jia"), ("悦", "yue"), ("琴", "qin"), ("蕾", "lei"),
    ("璐", "lu"), ("丹", "dan"), ("英", "ying"), ("兰", "lan"), ("凤", "feng"), ("雅", "ya"), ("婧", "jing"),
]
# Characters of names and others that look like them (the same phonetic part, another radical, or a
# stroke more or less): another person's name one character off, for the person_lookalike fault.
LOOKALIKES = {
    "伟": "炜玮苇", "强": "弹", "磊": "垒", "军": "浑", "勇": "甬", "杰": "洁", "涛": "焘", "斌": "彬",
    "超": "趋", "明": "朋", "刚": "钢", "平": "萍苹", "辉": "晖", "鹏": "朋", "华": "桦", "飞": "扬",
    "鑫": "森", "波": "坡", "宇": "字", "浩": "皓", "凯": "恺", "健": "建", "俊": "骏峻", "帆": "帜",
    "旭": "旮", "宁": "亭", "龙": "垅", "林": "淋", "建": "健", "国": "固", "志": "忠", "文": "汶",
    "海": "梅", "东": "冻", "峰": "锋", "成": "诚", "亮": "谅", "晨": "辰", "博": "搏", "洋": "样",
    "松": "淞", "毅": "殷", "振": "赈", "永": "泳", "春": "椿", "德": "徳", "兴": "光", "立": "位",
    "芳": "舫", "娜": "哪", "敏": "繁", "静": "净", "丽": "俪", "艳": "滟", "娟": "涓", "霞": "瑕",
    "秀": "绣", "玲": "岭", "燕": "谦", "红": "虹", "婷": "亭", "雪": "雷", "慧": "彗", "琳": "淋",
    "颖": "颍", "倩": "靖", "洁": "诘", "萍": "苹", "梅": "海", "莉": "俐", "晓": "烧", "欣": "忻",
    "佳": "桂", "悦": "锐", "琴": "芩", "蕾": "雷", "璐": "路", "丹": "舟", "英": "瑛", "兰": "三",
    "凤": "风", "雅": "鸦", "婧": "靖",
}


def lookalike_name(rng, name):
    """`name` with one character of its given name swapped for one that looks like it (张伟 → 张炜):
    another person, whom a check must not take for a slip of OCR."""
    spots = [i for i in range(1, len(name)) if name[i] in LOOKALIKES and LOOKALIKES[name[i]] != name[i]]
    i = rng.choice(spots) if spots else len(name) - 1
    other = LOOKALIKES.get(name[i], "")
    other = [c for c in other if c != name[i]] or ["炜"]
    return name[:i] + rng.choice(other) + name[i + 1:]


ETHNICITIES = ["汉"] * 24 + ["回", "满", "蒙古", "壮", "朝鲜", "土家"]

DOMESTIC_TYPES = ["有限责任公司（自然人投资或控股）", "有限责任公司（法人独资）", "其他有限责任公司",
                  "有限责任公司（自然人独资）", "股份有限公司（非上市、自然人投资或控股）"]
FOREIGN_TYPES = ["有限责任公司（外国法人独资）", "有限责任公司（中外合资）", "有限责任公司（台港澳法人独资）",
                 "有限责任公司（港澳台与境内合资）"]
FIE_CERT_TYPES = {"有限责任公司（外国法人独资）": "外资企业", "有限责任公司（中外合资）": "中外合资企业",
                  "有限责任公司（台港澳法人独资）": "台港澳侨投资企业", "有限责任公司（港澳台与境内合资）": "台港澳与境内合资企业"}

SCOPE_ITEMS = [
    "货物进出口", "技术进出口", "代理进出口", "国内贸易代理", "销售代理", "供应链管理服务",
    "日用百货销售", "五金产品批发", "电子产品销售", "机械设备销售", "服装服饰批发", "化工产品销售（不含许可类化工产品）",
    "食用农产品批发", "纺织品及针织品批发", "金属材料销售", "建筑材料销售", "家用电器销售", "办公用品销售",
    "计算机软硬件及辅助设备批发", "国际货物运输代理", "信息咨询服务（不含许可类信息咨询服务）", "会议及展览服务",
    "医疗器械（一类）销售", "汽车零配件批发", "玩具销售", "塑料制品销售", "仪器仪表销售",
]

FOREIGN_INVESTORS = [("香港{b}控股有限公司", "香港"), ("{B} Holdings Limited", "英属维尔京群岛"),
                     ("{B} International Pte. Ltd.", "新加坡"), ("{B} Trading GmbH", "德国"),
                     ("{b}国际（香港）有限公司", "香港"), ("{B} Co., Ltd.", "日本")]

REISSUE_REASONS = ["电子钥匙丢失", "电子钥匙损坏", "电子钥匙损坏无法识别", "电子钥匙被盗", "原授权用户离职，电子钥匙遗失",
                   "电子钥匙密码锁死且介质损坏"]
ADDITIONAL_REASONS = ["业务量增加，需增加操作人员", "新增报关业务人员", "分公司业务需要增加电子钥匙", "新增单一窗口操作员",
                      "业务扩展，需增办一把电子钥匙"]

MAIL_DOMAINS = ["163.com", "126.com", "qq.com", "sina.com", "example.com", "example.cn"]


def police_name(div):
    d = div[2]
    if not d:
        return div[1][-3:] + "公安局" if div[1].endswith("市") else div[3] + "市公安局"
    short = d.replace("新区", "").replace("区", "")
    if len(short) == 1:
        short = d
    return "%s市公安局%s分局" % (div[3], short)


def regulator_name(div):
    if not div[2]:
        return "%s市市场监督管理局" % div[3]
    return "%s%s市场监督管理局" % (div[3] + "市", div[2])


def commerce_name(div):
    if not div[2]:
        return "%s市商务局" % div[3]
    return "%s市%s商务委员会" % (div[3], div[2]) if div[3] in ("北京", "上海", "天津") else "%s市%s商务局" % (div[3], div[2])


def rand_date(rng, start, end):
    return start + datetime.timedelta(days=rng.randrange(0, (end - start).days + 1))


def make_person(rng, male=None, division=None, birth=None):
    if male is None:
        male = rng.random() < 0.55
    sn, spy = rng.choice(SURNAMES)
    pool = MALE_GIVEN if male else FEMALE_GIVEN
    n = 1 if rng.random() < 0.3 else 2
    given = [rng.choice(pool) for _ in range(n)]
    if n == 2 and given[0][0] == given[1][0] and rng.random() < 0.7:
        given = given[:1]
    name = sn + "".join(g[0] for g in given)
    py = [spy] + [g[1] for g in given]
    div = division or rng.choice(DIVISIONS)
    if birth is None:
        birth = rand_date(rng, datetime.date(1960, 1, 1), datetime.date(2000, 12, 31))
    idnum = codes.make_idnum(rng, div[0], birth, male)
    street = rng.choice(div[6])
    if rng.random() < 0.6:
        addr = "%s%s%s%d号院%d号楼%d单元%d号" % (div[1], div[2], street, rng.randrange(1, 300), rng.randrange(1, 20),
                                         rng.randrange(1, 6), rng.randrange(1, 30) * 100 + rng.randrange(1, 5))
    else:
        addr = "%s%s%s%d弄%d号%d室" % (div[1], div[2], street, rng.randrange(1, 900), rng.randrange(1, 60),
                                   rng.randrange(1, 25) * 100 + rng.randrange(1, 6))
    issue = rand_date(rng, max(birth + datetime.timedelta(days=365 * 17), datetime.date(2010, 1, 1)),
                      datetime.date(2025, 12, 31))
    age = (issue - birth).days // 365
    if age < 26:
        end = "%04d.%02d.%02d" % (issue.year + 10, issue.month, min(issue.day, 28))
    elif age < 46:
        end = "%04d.%02d.%02d" % (issue.year + 20, issue.month, min(issue.day, 28))
    else:
        end = "长期"
    return {
        "name": name, "pinyin": py, "male": male, "sex": "男" if male else "女",
        "ethnicity": rng.choice(ETHNICITIES), "birth": birth, "id_number": idnum, "address": addr,
        "division": div, "issuer": police_name(div),
        "validity": "%04d.%02d.%02d-%s" % (issue.year, issue.month, issue.day, end),
        "phone": "1%s%08d" % (rng.choice(["35", "36", "37", "38", "39", "50", "52", "58", "59", "86", "88", "89", "77"]),
                              rng.randrange(0, 10 ** 8)),
    }


def make_enterprise(rng, kind=None, division=None):
    if kind is None:
        kind = "foreign_invested" if rng.random() < 0.3 else "domestic"
    div = division or rng.choice(DIVISIONS)
    brand, bpy = rng.choice(BRANDS)
    city = div[3]
    if kind == "domestic":
        form = rng.choice(["{c}{b}进出口有限公司", "{c}{b}贸易有限公司", "{c}{b}国际贸易有限公司", "{b}（{c}）国际贸易有限公司",
                           "{c}{b}供应链管理有限公司", "{c}市{b}实业有限公司", "{c}{b}科技发展有限公司"])
        etype = rng.choice(DOMESTIC_TYPES)
    else:
        form = rng.choice(["{b}（{c}）国际贸易有限公司", "{b}（中国）有限公司", "{c}{b}国际贸易有限公司",
                           "{b}（{c}）进出口有限公司", "{c}{b}贸易有限公司"])
        etype = rng.choice(FOREIGN_TYPES)
    name = form.format(c=city, b=brand)
    en = english_name(name, bpy, div)
    legal = make_person(rng, division=div if rng.random() < 0.6 else None)
    established = rand_date(rng, datetime.date(2003, 1, 1), datetime.date(2024, 6, 30))
    uscc = codes.make_uscc(rng, div[0], modern=established.year >= 2016 or rng.random() < 0.4)
    street = rng.choice(div[6])
    addr = "%s%s%s%d号%s" % (div[1], div[2], street, rng.randrange(1, 1500),
                            rng.choice(["%d层%d室" % (rng.randrange(2, 30), rng.randrange(1, 30)),
                                        "%d幢%d室" % (rng.randrange(1, 12), rng.randrange(101, 2400)),
                                        "%d号楼%d" % (rng.randrange(1, 9), rng.randrange(101, 1900)), ""]))
    en_addr = "NO.%d %s, %s, CHINA" % (rng.randrange(1, 1500), rng.choice(["JIANGUO ROAD", "CENTURY AVENUE", "ZHONGSHAN ROAD",
                                                                         "BINHE AVENUE", "KEJI ROAD", "RENMIN ROAD"]),
                                       div[4].upper())
    capital_wan = rng.choice([50, 100, 200, 300, 500, 800, 1000, 1500, 2000, 3000, 5000])
    scope = rng.sample(SCOPE_ITEMS, rng.randrange(5, 10))
    if "货物进出口" not in scope:
        scope.insert(0, "货物进出口")
    if kind == "foreign_invested":
        capital = "%d万美元" % max(20, capital_wan // 7)
    else:
        capital = rng.choice(["%d万元人民币", "人民币%d万元", "%d万元整"]) % capital_wan
    term_end = "长期" if rng.random() < 0.5 else "%04d年%02d月%02d日" % (
        established.year + rng.choice([20, 30, 50]), established.month, established.day)
    login = "%s%s%03d" % (div[5], "".join(w[0] for w in _syll(bpy)), rng.randrange(1, 999))
    investors = []
    if kind == "foreign_invested":
        n = 1 if "外国法人独资" in etype or "台港澳法人独资" in etype else 2
        for _ in range(n):
            f, place = rng.choice(FOREIGN_INVESTORS)
            investors.append((f.format(b=brand, B=bpy.capitalize()), place))
        if n == 2:
            investors[1] = ("%s%s投资有限公司" % (city, rng.choice(BRANDS)[0]), "中国")
    return {
        "name": name, "en_name": en, "kind": kind, "uscc": uscc, "division": div, "type": etype,
        "legal": legal, "established": established, "term_end": term_end, "address": addr, "en_address": en_addr,
        "capital": capital, "capital_wan": capital_wan, "scope": scope, "regulator": regulator_name(div),
        "commerce": commerce_name(div), "brand": brand, "brand_py": bpy, "login": login,
        "phone": "0%s-%08d" % (rng.choice(["10", "21", "755", "512", "571", "27", "20", "532"]), rng.randrange(10 ** 7, 10 ** 8)),
        "postcode": div[7], "investors": investors,
        "filing_no": "%08d" % rng.randrange(1000000, 99999999),
    }


def english_name(name, bpy, div):
    """The English name filed for a Chinese company name (brand pinyin bpy, division div)."""
    en_kind = ("IMPORT AND EXPORT" if "进出口" in name else "INTERNATIONAL TRADING" if "国际贸易" in name
               else "SUPPLY CHAIN MANAGEMENT" if "供应链" in name else "TRADING" if "贸易" in name
               else "INDUSTRIAL" if "实业" in name else "TECHNOLOGY DEVELOPMENT" if "科技" in name else "")
    if "（中国）" in name:
        return "%s (CHINA) CO., LTD." % bpy.upper()
    if "（" in name:
        return "%s (%s) %s CO., LTD." % (bpy.upper(), div[4].upper(), en_kind)
    return "%s %s %s CO., LTD." % (div[4].upper(), bpy.upper(), en_kind)


def _syll(py):
    """split a pinyin word like Huifengyuan into syllables (rough: by known brand table)."""
    out, cur = [], ""
    for ch in py.lower():
        if cur and ch not in "aeiouvngr" and cur[-1] in "aeiouvngr" and not (cur[-1] == "n" and ch == "g"):
            out.append(cur)
            cur = ch
        else:
            cur += ch
    if cur:
        out.append(cur)
    return out or [py.lower()]


def other_name(rng, ent):
    """A different, plausible company name (for name_mismatch)."""
    while True:
        brand = rng.choice(BRANDS)[0]
        if brand == ent["brand"]:
            continue
        if rng.random() < 0.5:
            return ent["name"].replace(ent["brand"], brand, 1)
        suffix = rng.choice(["进出口有限公司", "贸易有限公司", "国际贸易有限公司", "实业有限公司"])
        n = ent["division"][3] + brand + suffix
        if n != ent["name"]:
            return n


def email_for(rng, person, ent):
    py = person["pinyin"]
    user = rng.choice([py[0] + "".join(p[0] for p in py[1:]), "".join(py), py[0] + "." + "".join(py[1:]),
                       "".join(py) + str(rng.randrange(1, 99))])
    if rng.random() < 0.4:
        dom = ent["brand_py"].lower() + rng.choice(["-trade.com", ".com.cn", "group.com"])
    else:
        dom = rng.choice(MAIL_DOMAINS)
    return "%s@%s" % (user, dom)


# ------------------------------------------------- reading back an existing submission (scangen --from)

# a few characters outside BRANDS, for brand pinyin of hand-written submissions
EXTRA_PINYIN = {"示": "shi", "例": "li", "浦": "pu", "江": "jiang", "范": "fan", "海": "hai", "华": "hua", "东": "dong",
                "南": "nan", "西": "xi", "北": "bei", "中": "zhong", "国": "guo", "金": "jin", "信": "xin", "达": "da",
                "通": "tong", "源": "yuan", "利": "li", "和": "he", "丰": "feng", "鑫": "xin", "盛": "sheng", "星": "xing",
                "光": "guang", "明": "ming", "宏": "hong", "泰": "tai", "安": "an", "新": "xin", "天": "tian", "大": "da",
                "美": "mei", "佳": "jia", "嘉": "jia", "德": "de", "兴": "xing", "恒": "heng", "瑞": "rui", "长": "chang",
                "永": "yong", "正": "zheng", "凯": "kai", "腾": "teng", "远": "yuan", "航": "hang", "龙": "long"}

NAME_SUFFIXES = ["供应链管理有限公司", "科技发展有限公司", "国际贸易有限公司", "进出口有限公司", "贸易有限公司",
                 "实业有限公司", "投资有限公司", "股份有限公司", "有限责任公司", "有限公司"]


def division_for(code, rng, hint=""):
    """The DIVISIONS entry for a 6-digit division code: exact, else same city, else same
    province, else one whose city occurs in hint (a company name), else a seeded choice."""
    for n in (6, 4, 2):
        hits = [d for d in DIVISIONS if d[0][:n] == code[:n]]
        if hits:
            return hits[0] if n == 6 else hits[rng.randrange(len(hits))]
    hits = [d for d in DIVISIONS if d[3] in hint]
    if hits:
        return hits[0]
    return rng.choice(DIVISIONS)


def brand_of(name, div):
    """(brand, brand pinyin) read from a company name: known brands first, else the name
    without city and legal-form suffix."""
    for b, py in sorted(BRANDS, key=lambda x: -len(x[0])):
        if b in name:
            return b, py
    core = name
    for city in (div[3] + "市", div[3]):
        if core.startswith(city):
            core = core[len(city):]
            break
    core = core.split("（")[0] or core
    for suf in NAME_SUFFIXES:
        if core.endswith(suf) and len(core) > len(suf):
            core = core[:-len(suf)]
            break
    py = "".join(EXTRA_PINYIN.get(c, "") for c in core) or "zhongxin"
    return core, py.capitalize()


def guess_male(name, rng):
    """Sex guessed from a Chinese given name (for people without an ID number)."""
    given = name[1:]
    m = sum(c in {g[0] for g in MALE_GIVEN} for c in given)
    f = sum(c in {g[0] for g in FEMALE_GIVEN} for c in given)
    if m != f:
        return m > f
    return rng.random() < 0.55
