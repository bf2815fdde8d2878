"""Precision, recall and F1 of target extraction against hand-labelled documents (corpus/LABELLING.md).

A predicted target matches a gold one when value and unit are equal, the year is equal and the spans
overlap; each gold target is matched at most once. Matched pairs are also scored on comparator,
stretch, kind, base year and responsible unit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from . import parse

CORPUS = Path(__file__).resolve().parent / "corpus"
ATTRIBUTES = ("comparator", "stretch", "kind", "base_year", "responsible")


@dataclass
class DocumentScore:
    name: str
    gold: int
    predicted: int
    matched: int
    missed: list = field(default_factory=list)
    spurious: list = field(default_factory=list)
    attribute_hits: dict = field(default_factory=dict)


def _spans(text: str, span: str) -> list[tuple[int, int]]:
    found, start = [], text.find(span)
    while start >= 0:
        found.append((start, start + len(span)))
        start = text.find(span, start + 1)
    return found


def _same(a, b) -> bool:
    return Decimal(str(a)) == Decimal(str(b))


def score_document(name: str, text: str, gold: dict) -> DocumentScore:
    predicted = [t.as_dict() for t in parse(text).targets]
    unmatched = list(range(len(predicted)))
    score = DocumentScore(name, len(gold["targets"]), len(predicted), 0)
    score.attribute_hits = {a: 0 for a in ATTRIBUTES}
    for wanted in gold["targets"]:
        places = _spans(text, wanted["span"])
        hit = next(
            (
                i
                for i in unmatched
                if _same(predicted[i]["value"], wanted["value"])
                and predicted[i]["unit"] == wanted["unit"]
                and predicted[i]["year"] == wanted["year"]
                and any(predicted[i]["start"] < end and start < predicted[i]["end"] for start, end in places)
            ),
            None,
        )
        if hit is None:
            score.missed.append(wanted)
            continue
        unmatched.remove(hit)
        score.matched += 1
        for attribute in ATTRIBUTES:
            score.attribute_hits[attribute] += predicted[hit].get(attribute) == wanted.get(attribute)
    score.spurious = [predicted[i] for i in unmatched]
    return score


def load_corpus(directory: Path = CORPUS) -> list[tuple[str, str, dict]]:
    """(name, text, gold) for every `*.gold.json` with its text (`NN_slug.txt`, or `"text_file"`)."""
    documents = []
    for gold_path in sorted(Path(directory).glob("*.gold.json")):
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        text_path = gold_path.parent / gold.get("text_file", gold_path.name.replace(".gold.json", ".txt"))
        documents.append(
            (gold_path.name.replace(".gold.json", ""), text_path.read_text(encoding="utf-8"), gold)
        )
    return documents


def evaluate(directory: Path = CORPUS) -> dict:
    scores = [score_document(name, text, gold) for name, text, gold in load_corpus(directory)]
    gold = sum(s.gold for s in scores)
    predicted = sum(s.predicted for s in scores)
    matched = sum(s.matched for s in scores)
    precision = matched / predicted if predicted else 0.0
    recall = matched / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "documents": len(scores),
        "gold": gold,
        "predicted": predicted,
        "matched": matched,
        "precision": round(precision, 3),
        "recall": round(recall, 3),
        "f1": round(f1, 3),
        "attributes": {
            a: round(sum(s.attribute_hits[a] for s in scores) / matched, 3) if matched else None
            for a in ATTRIBUTES
        },
        "per_document": scores,
    }
