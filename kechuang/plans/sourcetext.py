"""The plan's source text cut into plain and marked segments, for showing spans in place."""

from dataclasses import dataclass


@dataclass
class Segment:
    text: str
    anchor: str = ""  # element id of a marked segment
    kind: str = ""  # "target" or "task"
    title: str = ""
    key: str = ""  # which span the segment belongs to ("" = plain text)


def marked_segments(plan) -> list[Segment]:
    """Targets win over tasks where spans overlap; overlapping spans of the same kind are merged."""
    spans = []
    for programme in plan.programmes.all():
        for task in programme.tasks.all():
            if task.span_start is not None:
                spans.append(
                    (
                        task.span_start,
                        task.span_end,
                        f"task-{task.pk}",
                        "task",
                        f"任务 {task.code} {task.title}",
                    )
                )
        for indicator in programme.indicators.all():
            for target in indicator.targets.all():
                if target.span_start is not None:
                    spans.append(
                        (
                            target.span_start,
                            target.span_end,
                            f"target-{target.pk}",
                            "target",
                            f"目标：{target}",
                        )
                    )
    return segments_for(plan.source_text, spans)


def segments_for(text: str, spans: list[tuple[int, int, str, str, str]]) -> list[Segment]:
    """`text` cut at the spans (start, end, key, kind, title). Targets first, then longer spans; a
    position belongs to the first span that claims it."""
    spans = sorted(spans, key=lambda s: (s[3] != "target", s[0], -(s[1] - s[0])))
    owner = [None] * len(text)
    for span in spans:
        for i in range(span[0], min(span[1], len(owner))):
            if owner[i] is None:
                owner[i] = span
    segments: list[Segment] = []
    anchored: set[str] = set()
    for i, ch in enumerate(text):
        span = owner[i]
        key = span[2] if span else ""
        if segments and segments[-1].key == key:
            segments[-1].text += ch
            continue
        segment = Segment(ch, key=key)
        if span:
            segment.kind, segment.title = span[3], span[4]
            if key not in anchored:  # an element id may appear only once
                segment.anchor = key
                anchored.add(key)
        segments.append(segment)
    return segments
