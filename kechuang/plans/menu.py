from kechuang.org.roles import Capability
from kechuang.web.menu import PLAN, Entry

# the plan in force and its programmes head this group (the site's navigation reads them from the plan)
ENTRIES = [Entry("方案识别", "plans:drafts", Capability.CHANGE_PLAN, PLAN, 90)]
