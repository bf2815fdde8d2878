from kechuang.org.roles import Capability
from kechuang.web.menu import ADMIN, Entry

ENTRIES = [
    Entry("审计日志", "audit:changes", Capability.VIEW_AUDIT, ADMIN, 30),
    Entry("登录日志", "audit:logins", Capability.VIEW_AUDIT, ADMIN, 40),
    Entry("个人信息查看记录", "audit:personal_views", Capability.VIEW_AUDIT, ADMIN, 45),
    Entry("账号锁定与告警", "security:lockouts", Capability.MANAGE_SECURITY, ADMIN, 50),
    Entry("动态口令", "security:second_factor", Capability.MANAGE_SECURITY, ADMIN, 51),
]
