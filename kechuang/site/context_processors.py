from kechuang.org.scope import user_capabilities


def navigation(request):
    """The side navigation: the programmes of the plan in force, and what the user may open."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from kechuang.progress.cockpit import active_plan

    # the plan in force: the same one the home page and the cockpit show
    plan = active_plan(user, with_tree=False)
    from kechuang.progress.models import Notification

    return {
        "unread_reminders": Notification.objects.filter(user=user, read_at__isnull=True).count(),
        "nav_plan": plan,
        "nav_programmes": list(plan.programmes.all()) if plan else [],
        "caps": user_capabilities(user),
    }
