"""Loading a department tree (regions → departments and towns) from a JSON definition."""

import json
from pathlib import Path

from django.db import transaction

from .models import Department

SEED_DIR = Path(__file__).resolve().parent / "seed"


def _child(parent: Department | None, name: str) -> Department | None:
    return Department.children_of(parent).filter(name=name).first()


def _ensure(parent: Department | None, spec: dict) -> Department:
    fields = {k: spec[k] for k in ("kind", "code", "short_name") if k in spec}
    node = _child(parent, spec["name"])
    if node is None:
        new = Department(name=spec["name"], **fields)
        new.full_clean(exclude=["path", "depth", "numchild"])
        if parent is None:
            node = Department.objects.add_root(instance=new)
        else:
            node = Department.objects.add_child(parent, instance=new)
    else:
        changed = {k: v for k, v in fields.items() if getattr(node, k) != v}
        if changed:
            for key, value in changed.items():
                setattr(node, key, value)
            node.save()
    for child in spec.get("children", []):
        _ensure(Department.objects.get(pk=node.pk), child)
    return node


@transaction.atomic
def load_department_tree(path: Path | str = SEED_DIR / "kaizhou.json") -> list[Department]:
    """Create missing nodes, update changed ones; running it twice changes nothing."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return [_ensure(None, spec) for spec in data["tree"]]


def find_department(names: list[str]) -> Department:
    """Resolve a path of names from a root, e.g. ["重庆市", "开州区", "区科技局"]."""
    node = None
    for name in names:
        found = _child(node, name)
        if found is None:
            raise Department.DoesNotExist(f"单位“{' / '.join(names)}”不存在（缺少“{name}”）")
        node = found
    return node
