"""The platform registry through the kit's generic tests."""

from kechuang.platforms.models import Category, InstitutionType, Level
from kechuang.testing.registry import RegistryTests


class TestInstitutionRegistry(RegistryTests):
    registry_key = "platforms"
    editor = "kjj"
    viewer_without_change = "leader"
    outsider = "expert"
    scoped = "hanfeng"
    filter_params = [
        {},
        {"category": Category.SERVICE, "active": "1"},
        {"level": Level.MUNICIPAL, "type": InstitutionType.ENTERPRISE_TECH_CENTRE},
        {"active": "0"},
        {"q": "检验检测"},
    ]

    def create_data(self, dept):
        return {
            "name": "开州区登记簿测试检验检测中心",
            "institution_type": InstitutionType.TESTING,
            "level": Level.DISTRICT,
            "town": dept("汉丰街道").pk,
            "host": "",
            "independent": "on",
            "recognized_on": "2025-03-01",
            "revoked_on": "",
            "note": "",
            "reason": "区级认定",
        }

    def edit_changes(self):
        return {"note": "已复核认定文件", "reason": "补充备注"}
