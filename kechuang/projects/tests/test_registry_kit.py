"""The project registry through the kit's generic tests."""

from kechuang.projects.models import Category, Status
from kechuang.testing.registry import RegistryTests


class TestProjectRegistry(RegistryTests):
    registry_key = "projects"
    editor = "kjj"
    viewer_without_change = "leader"
    outsider = "expert"
    scoped = "hanfeng"
    filter_params = [
        {},
        {"status": Status.COMPLETED},
        {"year": 2021, "category": Category.DISTRICT},
        {"q": "橙"},
    ]

    def create_data(self, dept):
        return {
            "year": 2031,
            "number": "KIT-1",
            "name": "登记簿测试项目",
            "category": Category.DISTRICT,
            "department": dept("汉丰街道").pk,
            "enterprise_code": "",
            "unit_name": "开州区测试中心",
            "status": Status.APPLIED,
            "applied_on": "2031-02-01",
            "funding": "0",
            "self_funding": "0",
            "reason": "新申报",
        }

    def edit_changes(self):
        return {"note": "任务书已签订", "reason": "补充备注"}
