from kechuang.org.roles import Capability
from kechuang.web.menu import Entry

ENTRIES = [
    Entry("预算执行", "policies:budget", Capability.VIEW_POLICIES, "政策扶持", 60),
    Entry("我的政策", "policies:mine", Capability.CLAIM_POLICIES, "政策扶持", 5),
]
