"""Notices to users — in the app and by e-mail where the user has an address; what a workflow's
after-commit hooks and the daily reminders (督办) send. Each notice is raised once per key."""

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction

from .models import Notification


def notify(users, kind, key, title, url, *, subject="【科创督办】") -> int:
    """Raise a notification for each user (once per key), and e-mail those who have an address."""
    created = 0
    for user in {u.pk: u for u in users}.values():
        try:
            with transaction.atomic():
                Notification.objects.create(user=user, kind=kind, key=key[:100], title=title[:200], url=url)
        except IntegrityError:
            continue  # already reminded
        created += 1
        if user.email:
            send_mail(
                f"{subject}{title}",
                f"{title}\n\n请登录系统查看：{url}",
                settings.DEFAULT_FROM_EMAIL,
                [user.email],
                fail_silently=True,
            )
    return created
