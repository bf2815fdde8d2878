"""Quantitative targets in a plan's text: rules over sentences and clauses (no model).

A paragraph is cut into sentences (。；！？) and clauses (，：). Years are scoped: a year stated in a
clause applies to what follows in the paragraph, and a section keeps the year its intro set; targets
without any year take the document's horizon. Figures are number + unit (or an implicit value such as
零的突破 or 全覆盖); a figure is a target unless it describes the past, sits inside an indicator as a
threshold (…超过5亿元的企业), belongs to a name in quotes, or follows no committing verb.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from .numerals import ARABIC, CHINESE, plain, to_number
from .structure import Paragraph, Section

UNITS = [
    "个百分点",
    "立方米",
    "吨标准煤",
    "千瓦时",
    "万平方米",
    "平方米",
    "万人次",
    "人次",
    "万亿元",
    "亿元",
    "万元",
    "千元",
    "元",
    "万人",
    "万户",
    "公里",
    "千米",
    "万亩",
    "亩",
    "万吨",
    "吨",
    "兆瓦",
    "千瓦",
    "场次",
    "家次",
    "批次",
    "家",
    "个",
    "项",
    "人",
    "名",
    "件",
    "所",
    "座",
    "台",
    "套",
    "次",
    "篇",
    "户",
    "支",
    "场",
    "条",
    "处",
    "期",
    "批",
    "只",
    "部",
    "门",
    "间",
    "%",
    "‰",
    "分(?![钟别类期批布局享担])",
]
# 1.5万家, 1.8万个: a magnitude in front of a count unit belongs to the unit as written
UNIT = "(?:万|亿)?(?:" + "|".join(u if "(" in u else re.escape(u) for u in ["人年"] + UNITS) + ")"
NUMBER = rf"(?:{ARABIC}|{CHINESE})"
QUANTITY = re.compile(
    rf"(?P<num>{NUMBER})(?:\s*(?P<sep>[-~至到])\s*(?P<num2>{NUMBER}))?\s*(?P<unit>{UNIT})"
    r"(?P<post>及以上|以上|以下|以内|左右|上下)?"
)
PERCENT_WORDS = re.compile(rf"百分之(?P<num>{NUMBER})(?P<post>以上|以下|以内|左右)?")
TENTHS = re.compile(
    r"(?P<pre>超过|超|近|约|逾)?(?P<num>[一二三四五六七八九1-9])成(?P<post>以上|左右)?(?=[,，。;、]|$)"
)
ZERO_BREAKTHROUGH = re.compile(r"(?:实现)?零的?突破")
FULL_COVERAGE = re.compile(r"(?:实现)?(?:全覆盖|100%覆盖)")

YEAR = re.compile(r"(?P<year>(?:19|20)\d{2})(?P<nian>年)?")
FIVE_YEAR_PLANS = {"十三五": 2020, "十四五": 2025, "十五五": 2030}
FIVE_YEAR = re.compile(r"[“\"]?(十三五|十四五|十五五)[”\"]?(?:期间|时期|末|末期)?")
YEAR_RANGE = re.compile(r"((?:19|20)\d{2})年?\s*[-~至到]\s*((?:19|20)\d{2})年")
BASE_YEAR = re.compile(
    r"(?:在|比|较|相比|相较于?|以|与)\s*(?P<year>(?:19|20)\d{2})\s*年(?:底|末)?(?:的?基础上|为基数|为基期|相比|同期)?"
)
FACTOR = re.compile(
    r"实现倍增|翻一番|翻两番|翻三番|(?:是|达到|为)[^,，。;]{0,12}?的(?P<times>[两二三四五2-5])倍|增长(?P<grow>[一两二三1-3])倍"
)
STATUS_WORDS = re.compile(
    r"目前|现有|已有|已建成|已累计|截至目前|截止目前|已经|去年|上年|近年来|过去|现拥有|已拥有|累计已|已达到|已达|已认定|"
    r"已培育|已组建|已开展|已实现"
)
FUTURE_WORDS = re.compile(r"到|(?<!截)至|力争|争取|确保|计划|预计")
# rules of a policy, not targets: 给予最高50万元奖励, 减按15%的税率, 按不低于70%的比例
POLICY_WORDS = re.compile(
    r"给予|奖励|补助|补贴|资助|贴息|最高|减按|税率|按不低于|按不超过|一次性|每人|每家|单个|单笔|首期规模|原则上|亩均|权重|补偿比例|费率"
)
FREQUENCY = re.compile(r"每(?:年|两年|三年|季度|半年|月|周|学期)|一年一|一季一|一月一")
BASELINE_SECTION = re.compile(
    r"发展基础|工作基础|现实基础|现状|面临(?:的)?形势|存在(?:的)?问题|主要成效|取得(?:的)?成效|发展成就|主要成就|回顾|背景|机遇(?:与|和)挑战"
)
STRETCH = re.compile(r"力争|争取")
FIRM = re.compile(r"确保|不少于|至少|超过")
VERBS = (
    "达到|达|突破|超过|超|提高到|提高至|提升到|提升至|增长到|增至|增加到|增加至|保持在|保持|控制在|稳定在|不低于|不少于|"
    "不超过|不高于|低于|高于|实现|新增|新建|新认定|新引进|新培育|培育|引进|建成|建设|打造|创建|认定|完成|争创|组建|"
    "举办|开展|实施|推动|设立|培养|兑现|拨付|落实|累计|获批|入选|孵化|招引|签约|转化|申报|授权|发放|服务|覆盖|"
    "带动|吸引|扶持|支持|年均|增长|新增加|发展|形成|建立|布局|认定为|评定|新登记|登记|注册|组织|开设|举行|培训|"
    "普及|创成|为|至|约|近|逾"
)
VERB_BEFORE = re.compile(rf"(?:{VERBS})(?:全区|全市|全县|全镇|总数|总量|数量|规模)?\s*$")
LEADING_NOISE = re.compile(
    r"^(?:[,，、;:：\s]|和|及|与|以及|并|其中|同时|全年|"
    r"到|至|截至|截止|在|力争|争取|确保|预计|计划|每年|年均|"
    r"(?:19|20)\d{2}年?(?:底|末|前|度)?|[“\"]?十[三四五]五[”\"]?(?:期间|时期|末|末期)?|"
    r"引进培育|培育引进|培育|建成|建设|打造|引进|兑现|拨付|创建|组建|认定|发展壮大|发展|形成|推动|"
    r"全区|全市|全县|全镇|全乡|全街道|全省)+"
)
TRAILING_NOISE = re.compile(
    r"(?:达到|达|突破|超过|超|提高到|提高至|提升到|提升至|增长到|增至|增加到|增加至|保持在|控制在|稳定在|不低于|"
    r"不少于|不超过|不高于|低于|高于|实现|为|至|约|近|逾|分别|均|都|各|总数|总量|数量|累计|力争|争取|确保)+$"
)
INCREMENT_WORDS = re.compile(
    r"(?<!培育)引进|新培养|新筹集|新选育|新推广|新组建|新入库|新获批|新增|新建|新认定|新引进|新培育|新获|新申报|新开工|新设立|新登记|新招|新授权|新签约|新创建|年新增|每年|兑现|拨付|新注册"
)
RATIO_WORDS = re.compile(r"比重|比例|占比|率|强度|增长|增速|增幅|覆盖")
COUNT_NOUNS = [
    (re.compile(r"(企业|机构|公司|医院|银行|基金|单位|学校|合作社|孵化器|众创空间)$"), "家"),
    (re.compile(r"(平台|中心|基地|园区|项目|实验室|站|团队|工作站|联盟)$"), "个"),
    (re.compile(r"(人才|专家|院士|博士|人员)$"), "名"),
    (re.compile(r"(专利|成果|标准|技术)$"), "项"),
]
RESPONSIBLE_BRACKET = re.compile(
    r"[(（](?:牵头单位|牵头部门|责任单位|责任部门|主责单位|责任科室|牵头科室|责任处室|牵头处室)\s*[:：]?\s*(?P<lead>[^;；)）,，]+?)\s*(?:[;；,，][^)）]*)?[)）]"
)
RESPONSIBLE_LEADS = re.compile(r"[(（](?P<lead>[^()（）:：]{2,40}?)(?:牵头|负责)[^)）]*[)）]")
RESPONSIBLE_LINE = re.compile(
    r"^(?:牵头单位|牵头部门|责任单位|责任部门|主责单位|责任科室|牵头科室|责任处室|牵头处室)\s*[:：]\s*(?P<lead>[^;；。]+)"
)


@dataclass
class Target:
    indicator: str
    year: int | None
    value: Decimal
    unit: str
    comparator: str
    stretch: bool
    kind: str
    section: str | None
    responsible: str | None
    start: int
    end: int
    span: str = ""
    base_year: int | None = None
    paragraph: int = 0
    section_path: list = field(default_factory=list)  # titles from the outermost heading inwards

    def as_dict(self) -> dict:
        return {
            "indicator": self.indicator,
            "year": self.year,
            "value": plain(self.value),
            "unit": self.unit,
            "comparator": self.comparator,
            "stretch": self.stretch,
            "kind": self.kind,
            "base_year": self.base_year,
            "section": self.section,
            "section_path": self.section_path,
            "responsible": self.responsible,
            "span": self.span,
            "start": self.start,
            "end": self.end,
        }


@dataclass
class Clause:
    start: int  # offset in the document
    text: str


def _masked(text: str) -> str:
    """Parts that never hold targets replaced by spaces (offsets kept): quoted names (“315”工程, “十四五”
    stays readable for years), document numbers, bracketed responsibilities, dates, phone numbers."""

    def blank(match):
        return " " * len(match.group(0))

    text = re.sub(r"[〔\[【(（]\s*(?:19|20)\d{2}\s*[〕\]】)）]\s*\d+\s*号", blank, text)
    text = re.sub(r"(?:19|20)\d{2}年\d{1,2}月\d{1,2}日", blank, text)
    text = re.sub(r"\d{1,2}月\d{1,2}日", blank, text)
    text = re.sub(r"(?:\d{3,4}-)?\d{7,8}", blank, text)
    text = re.sub(
        r"[“\"]([^”\"]{1,20})[”\"]",
        # only the numbers inside are masked (“315”工程); names stay readable (“科普e站”覆盖率)
        lambda m: (
            m.group(0)
            if FIVE_YEAR.fullmatch(m.group(0))
            else re.sub(r"[\d一二两三四五六七八九十百千万]", " ", m.group(0))
        ),
        text,
    )
    text = re.sub(r"[《]([^》]{1,80})[》]", blank, text)
    text = RESPONSIBLE_BRACKET.sub(blank, text)
    text = RESPONSIBLE_LEADS.sub(blank, text)
    text = re.sub(r"\d+(?:\.\d+)?\s*岁", blank, text)
    text = re.sub(r"第\s*[\d一二三四五六七八九十]+\s*[批次届名位轮期个]", blank, text)
    text = re.sub(r"(?:前|后|排名)\s*[\d一二三四五六七八九十]+\s*[名位强]", blank, text)
    text = re.sub(r"\d+G", blank, text)
    return text


def _clauses(paragraph: Paragraph, masked: str) -> list[list[Clause]]:
    """Sentences of a paragraph, each a list of clauses."""
    sentences, sentence, start = [], [], 0
    for match in re.finditer(r"[。;！？!?]|(?<!\d)\.|[,，:\t|]|\s{3,}|$", masked):
        piece = masked[start : match.start()]
        if piece.strip():
            sentence.append(Clause(paragraph.start + start, piece))
        if match.group(0) in ("。", ";", "！", "？", "!", "?", "", ".") and sentence:
            sentences.append(sentence)
            sentence = []
        start = match.end()
        if match.group(0) == "":
            break
    if sentence:
        sentences.append(sentence)
    return sentences


def _years_in(text: str) -> list[tuple[int, int, str]]:
    """(position, year, role) for the years a clause states: role "target" or "base" (在2022年的基础上),
    "past" for a plain past reference is decided by the caller."""
    found = []
    base_spans = []
    for match in BASE_YEAR.finditer(text):
        found.append((match.start(), int(match.group("year")), "base"))
        base_spans.append((match.start(), match.end()))
    for match in YEAR_RANGE.finditer(text):
        found.append((match.start(), int(match.group(2)), "target"))
        base_spans.append((match.start(), match.end()))
    for match in FIVE_YEAR.finditer(text):
        found.append((match.start(), FIVE_YEAR_PLANS[match.group(1)], "target"))
    for match in YEAR.finditer(text):
        if any(a <= match.start() < b for a, b in base_spans):
            continue
        after = text[match.end() : match.end() + 2]
        if not match.group("nian") and not re.match(r"[\u4e00-\u9fa5]", after[:1] or " "):
            continue  # a bare number such as 2021 in a figure
        if not match.group("nian") and re.match(rf"(?:{UNIT})", after):
            continue
        if match.group("nian") and re.match(r"\d", after):
            continue
        found.append((match.start(), int(match.group("year")), "target"))
    return sorted(found)


def _comparator(before: str, post: str | None) -> str:
    if post in ("以上", "及以上"):
        return "gte"
    if post in ("以下", "以内"):
        return "lte"
    if post in ("左右", "上下"):
        return "approx"
    tail = before[-6:]
    for words, comparator in (
        (("不低于", "不少于", "至少"), "gte"),
        (("不超过", "不高于", "控制在"), "lte"),
        (("超过", "突破", "高于", "多于", "逾", "超"), "gt"),
        (("低于", "少于"), "lt"),
        (("约", "近"), "approx"),
    ):
        for word in words:
            if tail.endswith(word) or tail.endswith(word + "全区"):
                return comparator
    return "eq"


def _indicator_before(text: str) -> str:
    name = LEADING_NOISE.sub("", text)
    previous = None
    while previous != name:
        previous = name
        name = TRAILING_NOISE.sub("", name).strip(" ,，、")
        name = LEADING_NOISE.sub("", name)
    return name.strip(" ,，、:：")


def _kind(unit: str, indicator: str, context: str) -> str:
    if unit in ("%", "‰", "个百分点") or RATIO_WORDS.search(indicator):
        return "ratio"
    if INCREMENT_WORDS.search(indicator) or INCREMENT_WORDS.search(context):
        return "increment"
    return "stock"


def _count_unit(indicator: str) -> str:
    """The measure word for the last countable noun of the indicator (科技型企业上市 → 企业 → 家)."""
    best, unit = -1, "个"
    for pattern, word in COUNT_NOUNS:
        for match in re.finditer(pattern.pattern.rstrip("$"), indicator):
            if match.start() > best:
                best, unit = match.start(), word
    return unit


@dataclass
class _Figure:
    start: int  # within the clause
    end: int
    value: Decimal
    unit: str
    comparator: str
    value2: Decimal | None = None


def _figures(clause: str) -> list[_Figure]:
    figures = []
    taken = []
    for match in QUANTITY.finditer(clause):
        value = to_number(match.group("num"))
        if value is None:
            continue
        num_text = match.group("num")
        if num_text in ("一", "两", "二") and match.group("unit") in (
            "批",
            "次",
            "个",
            "项",
            "套",
            "支",
            "场",
            "条",
            "部",
            "期",
        ):
            before = clause[max(0, match.start() - 3) : match.start()]
            if match.group("unit") == "批" or not re.search(r"(?:新增|建成|新建|创建|达到)$", before):
                continue  # 一批、一个体系: not a figure
        if num_text[0] in "万亿点" or (
            re.fullmatch(CHINESE, num_text)
            and match.start() > 0
            and re.match(r"[\u4e00-\u9fa5]", clause[match.start() - 1])
            and clause[match.start() - 1] in "第每前后各逐单同一统唯"
        ):
            continue
        unit = match.group("unit")
        before = clause[: match.start()]
        comparator = _comparator(before, match.group("post"))
        value2 = to_number(match.group("num2")) if match.group("num2") else None
        if value2 is not None and match.group("sep") in ("到",) and value2 <= value:
            value2 = None
        figures.append(_Figure(match.start(), match.end(), value, unit, comparator, value2))
        taken.append((match.start(), match.end()))
    for match in PERCENT_WORDS.finditer(clause):
        value = to_number(match.group("num"))
        if value is not None and not any(a <= match.start() < b for a, b in taken):
            figures.append(
                _Figure(
                    match.start(),
                    match.end(),
                    value,
                    "%",
                    _comparator(clause[: match.start()], match.group("post")),
                )
            )
    for match in TENTHS.finditer(clause):
        value = to_number(match.group("num"))
        if value is None:
            continue
        comparator = (
            "gt"
            if match.group("pre") in ("超过", "超", "逾")
            else _comparator(clause[: match.start()], match.group("post"))
        )
        if match.group("pre") in ("近", "约"):
            comparator = "approx"
        figures.append(_Figure(match.start(), match.end(), value * 10, "%", comparator))
    return sorted(figures, key=lambda f: f.start)


def _is_attribute(clause: str, figure: _Figure, later: list[_Figure]) -> bool:
    """A threshold inside the indicator (超过5亿元的企业80家; 10亿元以上企业5家): the figure is followed by
    的, or directly by a noun while another figure follows in the same clause."""
    rest = clause[figure.end :]
    if re.match(r"\s*(?:及以上|以上|以下|以内)?\s*(?:级|的)", rest):
        return True
    # 占比不低于10%、年营业收入超过5亿元的企业: a list of conditions ending in 的
    item = re.split(r"[、,，]", clause[: figure.start])[-1]
    condition = re.match(r"[^，,。;]*?的", rest) if "的" not in item else None
    if condition and not re.search(
        r"达到|新增|培育|建成|突破|实现|提高|增长|力争|争取|确保|分别", condition.group(0)
    ):
        return True
    if (
        later
        and re.match(r"\s*[\u4e00-\u9fa5]", rest)
        and not re.match(r"\s*(?:和|及|与|、|以上|以下|左右|力争|争取|确保)", rest)
    ):
        return True
    return False


class TargetFinder:
    def __init__(self, default_year: int | None, issue_year: int | None):
        self.default_year = default_year
        self.issue_year = issue_year
        self.targets: list[Target] = []

    def paragraph(
        self,
        index: int,
        paragraph: Paragraph,
        section: Section | None,
        year: int | None,
        responsible: str | None,
        path: tuple[str, ...] = (),
    ) -> int | None:
        """Targets of one paragraph; returns the year in force at its end (for the paragraphs after)."""
        if any(BASELINE_SECTION.search(t) and not re.search(r"目标|任务|举措|措施", t) for t in path):
            return year  # 发展基础, 现状与问题: figures there describe the past
        masked = _masked(paragraph.text)
        lead = RESPONSIBLE_BRACKET.search(paragraph.text) or RESPONSIBLE_LEADS.search(paragraph.text)
        if lead:
            responsible = lead.group("lead").strip()
        self.last_indicator = ""
        for sentence in _clauses(paragraph, masked):
            year = self._sentence(index, sentence, section, year, responsible)
        if year is not None and self.issue_year and year < self.issue_year:
            return None  # a paragraph about the past does not lend its year to the next one
        return year

    def _sentence(self, index, sentence: list[Clause], section, year, responsible) -> int | None:
        whole = "".join(c.text for c in sentence)
        status = bool(STATUS_WORDS.search(whole)) and not FUTURE_WORDS.search(whole[:8])
        stretch_state = False
        last_indicator = self.last_indicator
        first_in_sentence = len(self.targets)
        for clause in sentence:
            text = clause.text
            clause_years = [y for _, y, role in _years_in(text) if role == "target"]
            if clause_years:
                year = clause_years[-1]
            elif (
                self.issue_year
                and re.search(r"今年|本年度|全年", text)
                and (year is None or year < self.issue_year)
            ):
                year = self.issue_year  # 工作要点: 全年主要预期目标 is the year the document is for
            # a year before the document was issued describes the past (2020年全区有高企39家)
            past = bool(year is not None and self.issue_year and year < self.issue_year)
            if STRETCH.search(text):
                stretch_state = True
            relative = self._relative(index, clause, section, year, responsible, stretch_state)
            if relative:
                last_indicator = relative.indicator
                # 较2020年翻一番、突破1.6万家: what follows the factor is read on its own
                consumed = relative.end - clause.start
                text = " " * consumed + text[consumed:]
            sentence_kind_context = ""  # 新增A50家、B15家: the verb carries over the list, not the clauses
            figures = _figures(text)
            implicit = self._implicit(text)
            figures = sorted(figures + implicit, key=lambda f: f.start)
            policy = bool(POLICY_WORDS.search(text))
            frequency = bool(FREQUENCY.search(text))
            for position, figure in enumerate(figures):
                later = figures[position + 1 :]
                if status or past or policy or (frequency and figure.unit in ("次", "期", "届", "场", "轮")):
                    continue  # the past, a policy rule, or how often something is done (每季度1次)
                if _is_attribute(text, figure, later):
                    continue
                before = text[: figure.start]
                previous_end = figures[position - 1].end if position else 0
                rest = text[figure.end :]
                if re.match(r"\s*[\u4e00-\u9fa5]", rest) and not re.match(
                    r"\s*(?:和|及|与|以上|以下|左右|力争|争取|确保|的|分别)", rest
                ):
                    # verb + figure + noun (培育50家科技型企业): only after a committing verb
                    if not VERB_BEFORE.search(before):
                        continue
                    after_name = re.split(r"[、和及与,，]|以上|以下|左右", rest, maxsplit=1)[0].strip()
                    name, own_start = after_name, previous_end
                    span_tail = len(rest) - len(rest.lstrip()) + len(after_name)
                else:
                    own_start = previous_end
                    name = _indicator_before(before[previous_end:])
                    span_tail = 0
                    if not name or re.fullmatch(r"(?:全区|全市|全县|全镇|、)", name):
                        name = last_indicator  # 超过1600家，力争达到1800家: the same indicator
                if not name:
                    continue
                target_year = year if year is not None else self.default_year
                if target_year is None:
                    continue
                stretch = self._stretch(before, clause, sentence)
                increment = INCREMENT_WORDS.search(before)
                if increment:
                    sentence_kind_context = increment.group(0)
                context = sentence_kind_context + before
                start, end = self._span(clause, figure, own_start, span_tail)
                for one in self._split_names(name, figure, before):
                    self._add(
                        index, one, target_year, figure, section, responsible, stretch, start, end, context
                    )
                last_indicator = name
        if len(self.targets) > first_in_sentence:
            self._pair_respectively(sentence, first_in_sentence)
        self.last_indicator = last_indicator
        return year

    def _stretch(self, before, clause, sentence) -> bool:
        """力争/争取 governs the figures after it in its clause; opening a clause (力争到2025年，… /
        力争全县高企达到100家，…) it governs the rest of the sentence; after the subject (研发投入力争达到
        28亿元，…) only its own clause. 确保 or a firm floor ends it."""
        if STRETCH.search(before):
            return max(m.end() for m in STRETCH.finditer(before)) > max(
                (m.end() for m in FIRM.finditer(before)), default=-1
            )
        for earlier in sentence:
            if earlier is clause:
                break
            if FIRM.search(earlier.text):
                return False
            if re.match(r"\s*(?:(?:到|至)?\s*(?:19|20)\d{2}\s*年?(?:底|末)?)?\s*(?:力争|争取)", earlier.text):
                return True
        return False

    def _split_names(self, name: str, figure: _Figure, before: str) -> list[str]:
        """A、B、C达到12%以上 → three indicators (for rates, or when 均/都/各 says so); a combined count
        (研发机构和服务机构120家) stays one."""
        if "分别" in before:
            return [name]  # paired with the figures afterwards (_pair_respectively)
        if figure.unit in ("%", "‰", "个百分点") or re.search(
            r"(?:均|都|各)(?:达到|达|不低于|保持在|超过)?\s*$", before
        ):
            parts = [p.strip() for p in re.split(r"、|和|及|与", name) if p.strip()]
            if len(parts) > 1 and all(len(p) >= 2 for p in parts):
                return parts
        return [name]

    def _span(self, clause: Clause, figure: _Figure, own_start: int, tail: int) -> tuple[int, int]:
        text = clause.text
        start = own_start
        while start < len(text) and text[start] in " ,，、和及与":
            start += 1
        return clause.start + start, clause.start + min(len(text), figure.end + tail)

    def _add(self, index, name, year, figure, section, responsible, stretch, start, end, context):
        kind = _kind(figure.unit, name, context)
        values = [(figure.value, figure.comparator)]
        if figure.value2 is not None:
            values = [(figure.value, "gte"), (figure.value2, "lte")]
        for value, comparator in values:
            self.targets.append(
                Target(
                    name,
                    year,
                    value,
                    figure.unit,
                    comparator,
                    stretch,
                    kind,
                    section.title if section else None,
                    responsible,
                    start,
                    end,
                    paragraph=index,
                )
            )

    def _implicit(self, text: str) -> list[_Figure]:
        figures = []
        for match in ZERO_BREAKTHROUGH.finditer(text):
            name = _indicator_before(text[: match.start()])
            figures.append(_Figure(match.start(), match.end(), Decimal(1), _count_unit(name), "gte"))
        for match in FULL_COVERAGE.finditer(text):
            figures.append(_Figure(match.start(), match.end(), Decimal(100), "%", "eq"))
        return figures

    def _relative(self, index, clause: Clause, section, year, responsible, stretch) -> Target | None:
        text = clause.text
        factor_match = FACTOR.search(text)
        if not factor_match or re.match(r"\s*(?:计划|工程|行动|目标)", text[factor_match.end() :]):
            return None
        base = BASE_YEAR.search(text)
        if base is None:
            return None
        phrase = factor_match.group(0)
        if phrase == "实现倍增" or phrase == "翻一番":
            factor = Decimal(2)
        elif phrase == "翻两番":
            factor = Decimal(4)
        elif phrase == "翻三番":
            factor = Decimal(8)
        elif factor_match.group("times"):
            factor = to_number(factor_match.group("times"))
        else:
            factor = to_number(factor_match.group("grow")) + 1
        name = _indicator_before(text[: min(base.start(), factor_match.start())])
        target_year = year if year is not None else self.default_year
        if target_year is None or int(base.group("year")) >= target_year:
            return None
        start = clause.start + len(text) - len(text.lstrip())
        target = Target(
            name,
            target_year,
            factor,
            "倍",
            "gte",
            stretch,
            "stock",
            section.title if section else None,
            responsible,
            start,
            clause.start + factor_match.end(),
            base_year=int(base.group("year")),
            paragraph=index,
        )
        self.targets.append(target)
        return target

    def _pair_respectively(self, sentence, first) -> None:
        """分别…和…: names before 分别 paired in order with the figures after it."""
        whole = "".join(c.text for c in sentence)
        if "分别" not in whole:
            return
        found = self.targets[first:]
        head = whole.split("分别", 1)[0]
        years = [y for _, y, role in _years_in(head) if role == "target"]
        if len(years) == len(found) > 1:
            for target, year in zip(found, years, strict=True):
                target.year = year
            return
        names = [
            n
            for n in (
                _indicator_before(p)
                for p in re.split(r"、|和|及|与", LEADING_NOISE.sub("", head.split(",")[-1].split("，")[-1]))
            )
            if n
        ]
        if len(names) == len(found) and len(names) > 1:
            for target, name in zip(found, names, strict=True):
                target.indicator = name
                target.kind = _kind(target.unit, name, head + whole.split("分别", 1)[1][:8])
