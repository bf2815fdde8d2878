from kechuang.org.roles import Capability
from kechuang.web.menu import MAIN, Entry

# an expert's work, at the top of their sidebar (the pool and the rounds are the registries' own entries)
ENTRIES = [Entry("我的评审", "reviews:mine", Capability.SCORE_REVIEWS, MAIN, 20)]
