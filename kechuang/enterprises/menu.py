from kechuang.org.roles import Capability
from kechuang.web.menu import ENTERPRISES, Entry

ENTRIES = [
    Entry("高企后备库", "enterprises:reserve", Capability.VIEW_ENTERPRISES, ENTERPRISES, 20),
    Entry("研发费用加计扣除", "enterprises:superdeduction", Capability.VIEW_ENTERPRISES, ENTERPRISES, 25),
    Entry(
        "企业填报",
        "enterprises:submissions",
        (Capability.REVIEW_ENTERPRISE_DATA, Capability.SUBMIT_ENTERPRISE_DATA),
        ENTERPRISES,
        30,
    ),
]
