"""The expert pool through the kit's generic tests."""

from kechuang.org.models import Department
from kechuang.reviews.models import Discipline
from kechuang.testing.registry import RegistryTests


class TestExpertRegistry(RegistryTests):
    registry_key = "experts"
    editor = "kjj"
    viewer_without_change = "expert"  # sees their own record, changes nothing
    outsider = "leader"
    scoped = "expert"
    filter_params = [{}, {"available": "1"}, {"title": "正高级"}, {"q": "重庆大学"}]

    def create_data(self, dept):
        return {
            "name": "登记簿测试专家",
            "organisation": "重庆理工大学",
            "title": "副高级",
            "position": "",
            "disciplines": [Discipline.objects.get(name="先进制造与自动化").pk],
            "phone": "",
            "email": "",
            "department": Department.objects.get(name="区科技局").pk,
            "user": "",
            "available": "on",
            "unavailable_reason": "",
            "note": "",
            "reason": "新入库",
        }

    def edit_changes(self):
        return {"note": "已核实职称证书", "reason": "补充备注"}
