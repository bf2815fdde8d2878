from kechuang.org.roles import Capability
from kechuang.web.menu import MAIN, Entry

ENTRIES = [
    Entry("领导驾驶舱", "progress:cockpit", Capability.VIEW_PROGRESS, MAIN, 10),
    Entry("进展填报", "progress:rounds", Capability.VIEW_PROGRESS, MAIN, 20),
]
