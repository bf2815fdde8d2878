from django.apps import AppConfig


class SystemConfig(AppConfig):
    """系统管理: the pages over the foundation — users and departments (registries), grants, passwords,
    API tokens, one's own profile, the holiday calendar (registry), and the audit log's change and login
    lists."""

    name = "kechuang.system"
    label = "system"
    verbose_name = "系统管理"
    # the app's pages, mounted by the site (prefix → URL module, or a module's (patterns, namespace))
    url_modules = [
        ("org/", "kechuang.system.org_urls"),
        ("org/", "kechuang.system.org_urls.registry_urls"),
        ("audit/", "kechuang.system.audit_urls"),
        ("security/", "kechuang.system.security_urls"),
        ("system/calendar/", "kechuang.system.calendar_urls"),
        ("accounts/otp/", "kechuang.system.otp_urls"),
    ]
    demo_order = 90  # last: the other demos count their periods by the official arrangement alone
