from kechuang.org.roles import Capability
from kechuang.web.menu import Entry

ENTRIES = [Entry("兑付创新券", "vouchers-redeem:redeem", Capability.REDEEM_VOUCHERS, "科技创新券", 5)]
