from kechuang.org.scope import user_capabilities
from kechuang.web.menu import PLAN, group_rank, menu_for


def navigation(request):
    """The side navigation: the programmes of the plan in force, and what the user may open."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from kechuang.system.second_factor import required

    if hasattr(user, "is_verified") and required(request):  # only the code pages are open yet
        return {"second_factor_pending": True}
    from kechuang.progress.cockpit import active_plan

    # the plan in force: the same one the home page and the cockpit show
    plan = active_plan(user, with_tree=False)
    from kechuang.workflow.models import Notification

    caps = user_capabilities(user)
    menu = menu_for(caps)
    if plan is not None and PLAN not in dict(menu):  # the plan's own entries head its group
        groups = [group for group, _ in menu]
        at = next((n for n, group in enumerate(groups) if group_rank(group) > group_rank(PLAN)), len(menu))
        menu.insert(at, (PLAN, []))
    return {
        "unread_reminders": Notification.objects.filter(user=user, read_at__isnull=True).count(),
        "nav_plan": plan,
        "nav_programmes": list(plan.programmes.all()) if plan else [],
        "caps": caps,
        "nav_menu": menu,
        "nav_plan_group": PLAN,
    }
