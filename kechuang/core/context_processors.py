from kechuang.org.scope import user_capabilities, visible_to


def navigation(request):
    """The side navigation: the programmes of the plan in force, and what the user may open."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from kechuang.plans.models import Plan

    plan = (
        visible_to(user, Plan.objects.filter(is_active=True))
        .order_by("-issued_on", "-pk")
        .prefetch_related("programmes")
        .first()
    )
    from kechuang.progress.models import Notification

    return {
        "unread_reminders": Notification.objects.filter(user=user, read_at__isnull=True).count(),
        "nav_plan": plan,
        "nav_programmes": list(plan.programmes.all()) if plan else [],
        "caps": user_capabilities(user),
    }
