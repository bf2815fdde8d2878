"""The navigation, declared by each app: every registry's `menu`, plus the pages an app lists in its own
`menu.py` (`ENTRIES = [Entry(...)]`). The site's sidebar shows, group by group, the entries whose
capability the user holds — a new app appears there without editing any template.

    ENTRIES = [Entry("领导驾驶舱", "progress:cockpit", Capability.VIEW_PROGRESS, group=MAIN, order=10)]
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.module_loading import autodiscover_modules

# the sidebar's groups, in this order (a group without visible entries is not shown); an app may name a
# group of its own ("成果转化"): it comes after these, before 系统管理, in the order of its first entry
MAIN = ""
PLAN = "行动方案"
ENTERPRISES = "科技企业"
PROGRAMMES = "平台与项目"
ADMIN = "系统管理"
GROUPS = [MAIN, PLAN, ENTERPRISES, PROGRAMMES, ADMIN]


def group_rank(group: str) -> int:
    """Where a group stands in the sidebar (groups an app adds share the rank before 系统管理)."""
    return GROUPS.index(group) * 2 if group in GROUPS else GROUPS.index(ADMIN) * 2 - 1


@dataclass(frozen=True)
class Entry:
    label: str
    url_name: str
    capability: str | tuple[str, ...] | None = None  # any of them (None: every signed-in user)
    group: str = MAIN
    order: int = 100

    def allowed(self, caps) -> bool:
        if self.capability is None:
            return True
        wanted = (self.capability,) if isinstance(self.capability, str) else self.capability
        return any(c in caps for c in wanted)


def entries() -> list[Entry]:
    from .registry import registries

    autodiscover_modules("menu")
    found = [
        Entry(
            r.menu.label,
            r.url_name("list"),
            r.menu.capability or r.view_capability,
            r.menu.group,
            r.menu.order,
        )
        for r in registries()
        if r.menu is not None
    ]
    from importlib import import_module

    from django.apps import apps

    for config in apps.get_app_configs():
        try:
            module = import_module(f"{config.name}.menu")
        except ModuleNotFoundError:
            continue
        found.extend(getattr(module, "ENTRIES", []))
    return found


def menu_for(caps) -> list[tuple[str, list[dict]]]:
    """(group, [{label, url, url_name}]) of what a user with `caps` may open, in the declared order."""
    return arrange(entries(), caps)


def arrange(declared, caps) -> list[tuple[str, list[dict]]]:
    visible = sorted((e for e in declared if e.allowed(caps)), key=lambda e: e.order)
    grouped: dict[str, list[dict]] = {}
    first: dict[str, int] = {}
    for entry in visible:
        first.setdefault(entry.group, entry.order)
        grouped.setdefault(entry.group, []).append(
            {"label": entry.label, "url": reverse(entry.url_name), "url_name": entry.url_name}
        )
    order = sorted(grouped, key=lambda g: (group_rank(g), first[g], g))
    return [(group, grouped[group]) for group in order]
