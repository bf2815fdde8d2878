from django.db import migrations

# as first installed (kechuang/reviews/models.py DISCIPLINES); the bureau may add more later
DISCIPLINES = [
    "电子信息",
    "生物与新医药",
    "航空航天",
    "新材料",
    "高技术服务",
    "新能源与节能",
    "资源与环境",
    "先进制造与自动化",
    "现代农业",
    "财务与管理",
]


def add(apps, schema_editor):
    Discipline = apps.get_model("reviews", "Discipline")
    for order, name in enumerate(DISCIPLINES, start=1):
        Discipline.objects.get_or_create(name=name, defaults={"order": order * 10})


class Migration(migrations.Migration):
    dependencies = [("reviews", "0001_initial")]

    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
