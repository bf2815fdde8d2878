from kechuang.org.roles import Capability
from kechuang.web.menu import Entry

ENTRIES = [Entry("预算执行", "policies:budget", Capability.VIEW_POLICIES, "政策扶持", 60)]
