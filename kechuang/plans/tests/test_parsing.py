"""The plan-text parser on the language plans are written in (each rule with its own small text)."""

import pytest

from kechuang.plans.parsing import ParseError, parse, parse_document


def found(text, *fields):
    fields = fields or ("year", "value", "unit", "comparator")
    return [tuple(t.as_dict()[f] for f in fields) for t in parse(text).targets]


def test_years_scope_over_clauses_and_sentences():
    text = "一、主要目标\n到2025年，培育高新技术企业100家以上、科技型企业500家。研发投入强度达到2.5%。\n2021年新增科技型企业50家，高新技术企业15家。"
    assert found(text) == [
        (2025, 100, "家", "gte"),
        (2025, 500, "家", "eq"),
        (2025, 2.5, "%", "eq"),
        (2021, 50, "家", "eq"),
        (2021, 15, "家", "eq"),
    ]


def test_period_ends_and_years_without_nian():
    assert found("“十四五”期间，全县建成市级以上研发平台30个。")[0][:2] == (2025, 30)
    assert found("2016年至2020年，累计培育科技型企业200家。")[0][:2] == (2020, 200)
    assert found("2021兑现区级财政奖补资金2000万元。")[0] == (2021, 2000, "万元", "eq")


def test_intro_line_year_applies_to_the_list_below():
    text = "（一）主要目标\n到2025年，实现以下目标：\n1.高新技术企业达到120家；\n2.规上工业企业研发机构覆盖率达到50%。"
    assert found(text) == [(2025, 120, "家", "eq"), (2025, 50, "%", "eq")]


def test_several_targets_in_one_clause():
    assert found("2023年，新增科技型企业50家、高新技术企业15家。") == [
        (2023, 50, "家", "eq"),
        (2023, 15, "家", "eq"),
    ]
    three = parse("到2025年，规上工业企业研发投入、研发机构、研发人员占比均达到12%以上。").targets
    assert [t.value for t in three] == [12, 12, 12] and len({t.indicator for t in three}) == 3
    respectively = parse("到2025年，高新技术企业和科技型企业分别达到100家和500家。").targets
    assert [(t.indicator, t.value) for t in respectively] == [("高新技术企业", 100), ("科技型企业", 500)]


def test_a_floor_and_a_stretch_for_one_indicator():
    targets = parse("到2025年，科技型企业超过1600家，力争达到1800家。").targets
    assert [(t.value, t.comparator, t.stretch) for t in targets] == [(1600, "gt", False), (1800, "eq", True)]
    assert targets[0].indicator == targets[1].indicator == "科技型企业"


def test_ranges_and_implicit_values():
    assert found("到2025年，建成市级众创空间3-5个。") == [(2025, 3, "个", "gte"), (2025, 5, "个", "lte")]
    assert found("到2025年，新型研发机构实现零的突破。") == [(2025, 1, "家", "gte")]
    assert found("到2025年，科技特派员服务行政村实现全覆盖。") == [(2025, 100, "%", "eq")]
    assert found("到2025年，规上企业研发活动覆盖率超7成。") == [(2025, 70, "%", "gt")]


def test_chinese_numerals_and_magnitudes():
    assert found("2024年，新增科技型企业五十家，培育高新技术企业一百二十家以上，兑现奖补资金两千万元。") == [
        (2024, 50, "家", "eq"),
        (2024, 120, "家", "gte"),
        (2024, 2000, "万元", "eq"),
    ]
    assert found("到2025年，技术合同成交额达到5亿元，引进各类人才1.2万人。") == [
        (2025, 5, "亿元", "eq"),
        (2025, 1.2, "万人", "eq"),
    ]


def test_relative_targets_resolve_against_their_base_year():
    targets = parse("到2025年，全区高新技术企业数量在2022年的基础上实现倍增。").targets
    assert [(t.year, t.value, t.unit, t.base_year) for t in targets] == [(2025, 2, "倍", 2022)]
    assert parse("到2025年，研发经费比2020年翻一番。").targets[0].base_year == 2020
    assert parse("启动实施科技型企业、高新技术企业五年倍增计划。").targets == []  # a programme, no base year


def test_thresholds_inside_the_indicator_are_not_targets():
    assert found("到2025年，年主营业务收入超过5亿元的企业80家。") == [(2025, 80, "家", "eq")]
    assert found("到2025年，培育年产值10亿元以上企业5家。") == [(2025, 5, "家", "eq")]


def test_numbers_that_are_not_targets():
    text = (
        "各镇乡人民政府：现将《某区科技创新行动方案》（某府办发〔2021〕63号）印发给你们。\n"
        "深入实施“315”工程和科技创新“七大工程”，融入“一区两群”。\n"
        "按照初创期、成长期、壮大期三个成长阶段实施分类指导。联系电话：023-52281234。\n"
        "2021年8月23日\n"
        "2020年全区有高新技术企业39家。对35岁以下青年人才给予支持。"
    )
    assert parse(text).targets == []


def test_headings_and_sections():
    text = (
        "某区科技创新行动方案\n一、总体要求\n（一）主要目标\n到2025年，高新技术企业达到100家。\n"
        "二、重点任务\n行动一：企业培育\n1.实施倍增计划。\n（1）2024年新增科技型企业60家。\n一是强化服务，二是优化环境。\n"
        "——建立联系制度。"
    )
    result = parse(text)
    assert result.title == "某区科技创新行动方案"
    assert [s.title for s in result.sections] == ["总体要求", "重点任务"]
    assert [s.title for s in result.sections[0].children] == ["主要目标"]
    action = result.sections[1].children[0]
    assert action.title == "企业培育" and action.children[0].title == "实施倍增计划"
    assert action.children[0].children[0].marker == "(1)"
    assert [t.section for t in result.targets] == ["主要目标", "2024年新增科技型企业60家"]


def test_responsible_units():
    text = (
        "1.科技型企业培育。到2025年，科技型企业达到500家。（牵头单位：区科技局；配合单位：区财政局、区经信委）\n"
        "2.人才引育。2024年引进高层次人才50名。\n责任单位：区人力社保局、区科技局\n"
        "序号\t重点任务\t目标\t牵头单位\t配合单位\n1\t研发平台\t2025年建成市级研发平台20个\t区经信委\t区科技局"
    )
    assert [t.responsible for t in parse(text).targets] == ["区科技局", "区人力社保局、区科技局", "区经信委"]


def test_stretch_and_full_width_text():
    targets = parse(
        "到２０２５年，力争全县高新技术企业达到１００家，规上企业研发投入强度达到１．５％。"
    ).targets
    assert [(t.value, t.unit, t.stretch) for t in targets] == [(100, "家", True), (1.5, "%", True)]
    assert targets[1].span == "规上企业研发投入强度达到１．５％"  # the span is the input as written


def test_spans_are_exact_substrings_of_the_input():
    text = open("kechuang/plans/seed/kaizhou_2021_63.txt", encoding="utf-8").read()
    for target in parse(text).targets:
        assert text[target.start : target.end] == target.span and target.span


# --- bad input -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, name, message",
    [
        (b"", "a.txt", "文件为空"),
        (b"   \n  ", "a.txt", "文件为空"),
        (b"\x00\x01\x02binary\x00" * 50, "a.bin", "二进制文件"),
        (b"%PDF-1.4 ...", "a.pdf", "暂不支持 PDF"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "a.doc", "旧版 Word"),
        (b"PK\x03\x04 not really a zip", "a.docx", "压缩包已损坏"),
    ],
)
def test_bad_files_get_a_clear_message(data, name, message):
    with pytest.raises(ParseError, match=message):
        parse_document(data, name)


def test_a_ten_megabyte_text_is_refused_clearly():
    with pytest.raises(ParseError, match="文本过大"):
        parse_document(("到2025年，新增企业50家。" * 400_000).encode(), "big.txt")


def test_gbk_text_is_read():
    text = "到2025年，全区高新技术企业达到100家以上。"
    assert found(parse_document(text.encode("gbk"), "gbk.txt").text) == [(2025, 100, "家", "gte")]
    assert parse_document(text.encode("utf-16"), "u16.txt").targets[0].value == 100


def test_a_document_without_targets():
    result = parse_document(
        "关于加强科普工作的通知\n各单位要高度重视科普工作，认真抓好落实。".encode(), "x.txt"
    )
    assert result.targets == [] and result.title


def test_docx_paragraphs_and_tables(tmp_path):
    import io

    from docx import Document

    document = Document()
    document.add_paragraph("某县科技创新三年行动计划（2023—2025年）")
    document.add_paragraph("一、主要目标")
    document.add_paragraph("到2025年，全县高新技术企业达到80家。")
    table = document.add_table(rows=2, cols=4)
    for cell, value in zip(table.rows[0].cells, ["序号", "任务", "目标", "牵头单位"], strict=True):
        cell.text = value
    for cell, value in zip(
        table.rows[1].cells, ["1", "平台建设", "建成市级研发平台20个", "县经信委"], strict=True
    ):
        cell.text = value
    buffer = io.BytesIO()
    document.save(buffer)
    result = parse_document(buffer.getvalue(), "plan.docx")
    assert result.title == "某县科技创新三年行动计划（2023—2025年）"
    assert [(t.value, t.unit, t.year, t.responsible) for t in result.targets] == [
        (80, "家", 2025, None),
        (20, "个", 2025, "县经信委"),
    ]


# --- quality on the labelled corpus ----------------------------------------------------------------


def test_the_kaizhou_seed_yields_exactly_the_built_in_targets(db):
    from kechuang.plans.models import Target

    text = open("kechuang/plans/seed/kaizhou_2021_63.txt", encoding="utf-8").read()
    parsed = {(t.year, t.value, t.unit, t.comparator, t.stretch) for t in parse(text).targets}
    built_in = {
        (t.year, t.value.normalize(), t.unit, t.comparator, t.stretch)
        for t in Target.objects.filter(base_year__isnull=True)
    }
    assert len(parse(text).targets) == 10 and parsed == built_in


def test_extraction_quality_on_the_corpus():
    from kechuang.plans.parsing.scoring import evaluate

    figures = evaluate()
    assert figures["documents"] >= 10 and figures["gold"] >= 150
    assert figures["f1"] >= 0.9, {k: v for k, v in figures.items() if k != "per_document"}


def test_every_gold_span_is_in_its_text():
    from kechuang.plans.parsing.scoring import load_corpus

    for name, text, gold in load_corpus():
        for target in gold["targets"]:
            assert target["span"] in text, (name, target["span"])


# --- command line --------------------------------------------------------------------------------


def test_plan_parse_command_json_and_table(tmp_path):
    import io
    import json

    from django.core.management import call_command

    out = io.StringIO()
    call_command("plan", "parse", "kechuang/plans/seed/kaizhou_2021_63.txt", "--json", stdout=out)
    found = json.loads(out.getvalue())
    assert set(found) >= {"title", "sections", "targets"} and len(found["targets"]) == 10
    assert set(found["targets"][0]) >= {
        "indicator",
        "year",
        "value",
        "unit",
        "comparator",
        "stretch",
        "kind",
        "section",
        "responsible",
        "span",
    }
    table = io.StringIO()
    call_command("plan", "parse", "kechuang/plans/seed/kaizhou_2021_63.txt", stdout=table)
    assert "量化目标：10 个" in table.getvalue() and "原文：2021年新增科技型企业50家" in table.getvalue()
    gbk = tmp_path / "gbk.txt"
    gbk.write_bytes("到2025年，全区高新技术企业达到100家以上。".encode("gbk"))
    out = io.StringIO()
    call_command("plan", "parse", str(gbk), "--json", stdout=out)
    assert json.loads(out.getvalue())["targets"][0]["value"] == 100


@pytest.mark.parametrize(
    "content, message",
    [(b"", "文件为空"), (b"\x00\x01" * 100, "二进制文件"), (b"x" * (6 * 1024 * 1024), "文本过大")],
)
def test_plan_parse_command_refuses_bad_files(tmp_path, content, message):
    from django.core.management import CommandError, call_command

    bad = tmp_path / "bad.txt"
    bad.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        call_command("plan", "parse", str(bad))
    with pytest.raises(CommandError, match="无法打开文件"):
        call_command("plan", "parse", str(tmp_path / "missing.txt"))


def test_plan_evaluate_command():
    import io
    import json

    from django.core.management import call_command

    out = io.StringIO()
    call_command("plan", "evaluate", "--json", stdout=out)
    figures = json.loads(out.getvalue())
    assert (
        figures["documents"] >= 10
        and figures["f1"] >= 0.9
        and len(figures["per_document"]) == figures["documents"]
    )
