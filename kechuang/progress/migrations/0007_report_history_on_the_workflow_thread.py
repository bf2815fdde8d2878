"""A report's reviews move onto its workflow thread (workflow.Event), the one history of every object
that moves through states; the separate review table goes."""

from django.db import migrations

LABELS = {"approved": ("approve", "审核通过"), "returned": ("return", "退回修改")}


def reviews_to_events(apps, schema_editor):
    ReportReview = apps.get_model("progress", "ReportReview")
    Event = apps.get_model("workflow", "Event")
    ContentType = apps.get_model("contenttypes", "ContentType")
    content_type, _ = ContentType.objects.get_or_create(app_label="progress", model="report")
    for review in ReportReview.objects.select_related("reviewer").order_by("reviewed_at", "pk"):
        name, label = LABELS[review.decision]
        reviewer = review.reviewer
        event = Event.objects.create(
            content_type=content_type,
            object_id=str(review.report_id),
            transition=name,
            label=label,
            from_state="submitted",
            to_state=review.decision,
            actor=reviewer,
            actor_label=(reviewer.display_name or reviewer.username) if reviewer else "系统",
            comment=review.comment,
        )
        Event.objects.filter(pk=event.pk).update(at=review.reviewed_at)  # the review's own time


class Migration(migrations.Migration):
    dependencies = [
        ("progress", "0006_notification_kinds"),
        ("workflow", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(reviews_to_events, migrations.RunPython.noop),
        migrations.DeleteModel(name="ReportReview"),
    ]
