"""Departments (a tree that also carries regions), users, memberships and role grants."""

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node

from kechuang.core.personal import PersonalField

from .roles import Role, Scope
from .scoperule import ScopeRule


class Department(MP_Node):
    """A node of the organisation tree: a city or district (region), a department or a town.

    Materialised paths (django-treebeard) make "this department and everything under it" one indexed
    prefix match, which is what every scoped query asks.
    """

    class Kind(models.TextChoices):
        PROVINCE = "province", _("省/直辖市")
        CITY = "city", _("市")
        DISTRICT = "district", _("区县")
        DEPARTMENT = "department", _("部门")
        TOWN = "town", _("镇乡街道")
        UNIT = "unit", _("其他单位")

    name = models.CharField(_("名称"), max_length=100)
    short_name = models.CharField(_("简称"), max_length=50, blank=True)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices, default=Kind.DEPARTMENT)
    code = models.CharField(
        _("代码"), max_length=32, blank=True, help_text=_("行政区划代码或统一社会信用代码，可空")
    )
    is_active = models.BooleanField(_("启用"), default=True)

    node_order_by = None
    steplen = 4

    scope_rule = ScopeRule(department="")

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("departments:detail", args=[self.pk])

    @property
    def is_region(self) -> bool:
        return self.kind in {self.Kind.PROVINCE, self.Kind.CITY, self.Kind.DISTRICT}

    def ancestor_paths(self) -> list[str]:
        """Paths of this node and all its ancestors, without touching the database."""
        return [self.path[:i] for i in range(self.steplen, len(self.path) + 1, self.steplen)]

    def region(self) -> "Department":
        """The nearest region (district, city or province) at or above this node."""
        if self.is_region:
            return self
        return (
            Department.objects.filter(
                path__in=self.ancestor_paths(),
                kind__in=[self.Kind.PROVINCE, self.Kind.CITY, self.Kind.DISTRICT],
            )
            .order_by("-depth")
            .first()
            or self
        )

    def scope_department(self) -> "Department":
        return self

    @classmethod
    def town_names(cls) -> list[str]:
        """Names of all towns (镇乡街道), in tree order: the drop-down of the import templates."""
        return list(cls.objects.filter(kind=cls.Kind.TOWN).order_by("path").values_list("name", flat=True))

    @classmethod
    def children_of(cls, parent: "Department | None"):
        """Direct children of `parent`, or the roots when `parent` is None."""
        return cls.objects.get_root_nodes() if parent is None else cls.objects.get_children(parent)


class KechuangUserManager(UserManager):
    pass


class User(AbstractUser):
    """A person who signs in. Belongs to one or more departments; holds role grants."""

    display_name = models.CharField(_("姓名"), max_length=50)
    # personal data: encrypted at rest, shown masked unless the viewer may see it (core/personal.py)
    phone = PersonalField(_("联系电话"), kind="phone", max_length=30, blank=True)
    email = PersonalField(_("电子邮箱"), kind="email", max_length=254, blank=True)
    departments = models.ManyToManyField(
        Department, through="Membership", related_name="members", verbose_name=_("所属单位")
    )

    objects = KechuangUserManager()
    # states recorded in the audit log on the account that are not its fields (system/second_factor.py)
    audit_labels = {"second_factor": _("动态口令")}

    scope_rule = ScopeRule(department="departments", owner="", many=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        ordering = ["username"]

    def __str__(self) -> str:
        return f"{self.display_name or self.username}（{self.username}）"

    def get_absolute_url(self) -> str:
        return reverse("users:detail", args=[self.pk])

    def primary_department(self) -> Department | None:
        membership = self.memberships.select_related("department").order_by("-is_primary", "pk").first()
        return membership.department if membership else None

    def scope_department(self) -> Department | None:
        return self.primary_department()


class Membership(models.Model):
    """A user's place in a department."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("用户")
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("单位")
    )
    is_primary = models.BooleanField(_("主单位"), default=False)
    title = models.CharField(_("职务"), max_length=50, blank=True)

    scope_rule = ScopeRule(department="department", owner="user")

    class Meta:
        verbose_name = _("单位成员")
        verbose_name_plural = _("单位成员")
        constraints = [models.UniqueConstraint(fields=["user", "department"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.department}"

    def scope_department(self) -> Department:
        return self.department


class RoleGrant(models.Model):
    """One role held by a user, with the data scope it reaches, anchored at a department.

    `all` needs no anchor; every other scope is measured from `department`.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="grants", verbose_name=_("用户"))
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    scope = models.CharField(_("数据范围"), max_length=20, choices=Scope.choices)
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="grants",
        verbose_name=_("范围单位"),
    )
    granted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("授权人")
    )
    granted_at = models.DateTimeField(_("授权时间"), auto_now_add=True)

    scope_rule = ScopeRule(department="department", owner="user")

    class Meta:
        verbose_name = _("角色授权")
        verbose_name_plural = _("角色授权")
        ordering = ["user_id", "role"]
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "scope", "department"], name="grant_unique"),
            models.CheckConstraint(
                condition=models.Q(scope="all") | models.Q(department__isnull=False),
                name="grant_scope_anchor",
            ),
        ]

    def __str__(self) -> str:
        anchor = f"@{self.department}" if self.department_id else ""
        return f"{self.get_role_display()}·{self.get_scope_display()}{anchor}"

    def scope_department(self) -> Department | None:
        return self.department

    def clean(self) -> None:
        """三员分立: an account holds at most one of the three administrator duties."""
        from django.core.exceptions import ValidationError

        from .roles import ADMIN_DUTIES

        if self.role in ADMIN_DUTIES and self.user_id:
            other = (
                RoleGrant.objects.filter(user_id=self.user_id, role__in=ADMIN_DUTIES)
                .exclude(role=self.role)
                .exclude(pk=self.pk)
                .first()
            )
            if other is not None:
                raise ValidationError(
                    {
                        "role": f"三员分立：该用户已是{other.get_role_display()}，不能再担任"
                        f"{self.get_role_display()}（系统管理员、安全管理员、审计管理员须由不同的人担任）。"
                    }
                )


class ApiToken(models.Model):
    """A secret a user hands to another system so that it calls the API as that user.

    Only the SHA-256 digest of the secret is stored, with its first characters (`prefix`) to tell tokens
    apart; the secret itself is shown once, when the token is created (`org.tokens`). A token acts with
    exactly its user's grants, and stops working when it expires, is revoked or the user is deactivated.
    """

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("用户")
    )
    name = models.CharField(_("名称/用途"), max_length=100)
    prefix = models.CharField(_("前缀"), max_length=16, db_index=True)
    secret_hash = models.CharField(_("摘要"), max_length=64)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("到期时间"))
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(_("最近使用地址"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("吊销人")
    )

    # an administrator sees the tokens of the users they manage; everyone sees their own
    scope_rule = ScopeRule(department="user__departments", owner="user", many=True)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name}（{self.prefix}…）"

    def scope_department(self) -> Department | None:
        return self.user.primary_department()

    @property
    def status(self) -> str:
        if self.revoked_at is not None:
            return "已吊销"
        if self.expires_at <= timezone.now():
            return "已过期"
        return "有效"
