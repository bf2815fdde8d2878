"""The department and user registries in and out of Excel: an administrator sets up the organisation
tree and its accounts from a workbook, or takes them away to check, through the same actions (scope,
sibling names, the accounts above them) as the pages.

A department is named in a cell by its name when no other department has that name, otherwise by its
path from the top ("重庆市/开州区/区科技局"); both are accepted on import. A row that says what is
stored already is left alone, whoever imports it: re-importing an export changes nothing."""

from django.core.exceptions import ValidationError

from kechuang.core.personal import shown, unmask
from kechuang.enterprises import actions as enterprise_actions
from kechuang.org import actions as org_actions
from kechuang.org.actions import ActionRefused
from kechuang.org.models import Department, User
from kechuang.org.roles import Capability, Role, Scope
from kechuang.org.scope import manage_refusal, visible_to
from kechuang.tabular.columns import Column
from kechuang.tabular.registry import ID_HEADER, Context, Counts, Sheet, model_errors, register

from . import actions
from .registries import manageable_departments

SEPARATOR = "；"
KIND_BY_LABEL = {str(label): value for value, label in Department.Kind.choices}
KIND_LABEL = {value: label for label, value in KIND_BY_LABEL.items()}


class Names:
    """Every department's cell label, and the department a label names (one query for a whole file)."""

    def __init__(self):
        rows = list(Department.objects.order_by("path").values_list("pk", "path", "name"))
        name_of_path = {path: name for _, path, name in rows}
        counts: dict[str, int] = {}
        for _, _, name in rows:
            counts[name] = counts.get(name, 0) + 1
        step = Department.steplen
        self.full: dict[int, str] = {}
        self.label: dict[int, str] = {}
        self.by_label: dict[str, int] = {}
        self.pk_of_path = {path: pk for pk, path, _ in rows}
        for pk, path, name in rows:
            full = "/".join(name_of_path.get(path[:i], "?") for i in range(step, len(path) + 1, step))
            self.full[pk] = full
            self.label[pk] = name if counts[name] == 1 else full
            self.by_label[full] = pk
            if counts[name] == 1:
                self.by_label[name] = pk
        self.ambiguous = {name for name, n in counts.items() if n > 1}

    @staticmethod
    def normal(text: str) -> str:
        return "/".join(part.strip() for part in text.strip().strip("/").split("/"))

    def resolve(self, text: str) -> tuple[int | None, str]:
        """(department id, "") or (None, why the label names no single department)."""
        text = self.normal(text)
        if text in self.by_label:
            return self.by_label[text], ""
        if text in self.ambiguous:
            example = next(full for full in self.full.values() if full.rsplit("/", 1)[-1] == text)
            return None, f"“{text}”有重名单位，请写完整路径（如“{example}”）"
        return None, f"未找到单位“{text}”"


# --- departments ----------------------------------------------------------------------------------


@register
class DepartmentSheet(Sheet):
    key = "departments"
    title = "单位"
    registry = "departments"
    view_capability = Capability.VIEW_DEPARTMENTS
    import_capability = Capability.MANAGE_DEPARTMENTS
    natural_key = ("parent", "name")
    columns = [
        Column("parent", "上级单位", max_length=500, width=28, help="最上级单位留空；重名单位写完整路径"),
        Column("name", "名称", required=True, max_length=100, width=28),
        Column("short_name", "简称", max_length=50, width=14),
        Column("kind", "类型", kind="choice", required=True, choices=list(KIND_BY_LABEL)),
        Column("code", "代码", max_length=32, width=22, help="行政区划代码或统一社会信用代码，可空"),
        Column("is_active", "启用", kind="bool", help="是/否；空为是"),
    ]
    instructions = [
        "每行一个单位，以“上级单位 + 名称”识别：已有的单位按此更新（名称以外的各项），其余在上级单位下新建。",
        "上级单位可以是本文件前面各行新建的单位；单位改名、调整隶属关系请在系统中操作。",
        "单位名称不重复时写名称即可；重名的单位写自最上级起的完整路径，以“/”分隔。",
    ]

    def queryset(self, user):
        return visible_to(user, Department.objects.all()).order_by("path")

    def export_rows(self, objects):
        names = Names()
        for d in objects:
            parent = names.pk_of_path.get(d.path[: -Department.steplen]) if d.depth > 1 else None
            yield {
                ID_HEADER: d.pk,
                "parent": names.label[parent] if parent else "",
                "name": d.name,
                "short_name": d.short_name,
                "kind": KIND_LABEL.get(d.kind, d.kind),
                "code": d.code,
                "is_active": d.is_active,
            }

    def prepare(self, user) -> Context:
        managed = visible_to(user, Department.objects.all(), Capability.MANAGE_DEPARTMENTS)
        return Context(
            user=user,
            data={
                "names": Names(),
                "managed": set(managed.values_list("pk", flat=True)),
                "new": {},
                "made": {},
            },
        )

    def _parent_of(self, values: dict, context: Context):
        """(parent id | the full path of a department an earlier row makes | None, error)."""
        text = Names.normal(values.get("parent") or "")
        if not text:
            return None, ""
        made = context.data["new"].get(text)
        if made is not None:
            return made, ""
        return context.data["names"].resolve(text)

    @staticmethod
    def _existing(parent, name: str) -> Department | None:
        if parent is None:
            return Department.objects.filter(depth=1, name=name).first()
        if isinstance(parent, str):  # made by this file: nothing under it exists yet
            return None
        return Department.children_of(Department.objects.get(pk=parent)).filter(name=name).first()

    @staticmethod
    def _fields(values: dict) -> dict:
        return {
            "short_name": values.get("short_name") or "",
            "kind": KIND_BY_LABEL[values["kind"]],
            "code": values.get("code") or "",
            "is_active": values.get("is_active") is not False,
        }

    def check_row(self, values: dict, context: Context) -> dict:
        parent, problem = self._parent_of(values, context)
        if problem:
            return {"parent": problem}
        name = values["name"]
        fields = self._fields(values)
        current = self._existing(parent, name)
        managed = context.data["managed"]
        if current is not None:
            if all(getattr(current, k) == v for k, v in fields.items()):
                return {}  # as stored: nothing to refuse
            if current.pk not in managed:
                return {"name": "该单位不在您的管理范围内"}
        elif parent is None:
            return {"parent": "新建单位须填写上级单位"}
        elif isinstance(parent, int) and parent not in managed:
            return {"parent": "上级单位不在您的管理范围内"}
        try:
            Department(name=name, **fields).full_clean(exclude=["path", "depth", "numchild"])
        except ValidationError as exc:
            return model_errors(exc)
        if current is None:  # later rows may name it as their parent
            names, new = context.data["names"], context.data["new"]
            full = f"{parent if isinstance(parent, str) else names.full[parent]}/{name}"
            new[full] = new[f"{Names.normal(values['parent'])}/{name}"] = full
            if name not in names.by_label and name not in names.ambiguous:
                new.setdefault(name, full)
        return {}

    def apply(self, rows, user, context: Context) -> Counts:
        counts = Counts()
        made = context.data["made"]  # full path → the department this import made
        names = context.data["names"]
        for _, values in rows:
            fields = self._fields(values)
            parent, _ = self._parent_of(values, context)
            if isinstance(parent, str):
                parent_obj, parent_full = made[parent], parent
            elif parent is not None:
                parent_obj, parent_full = Department.objects.get(pk=parent), names.full[parent]
            else:
                parent_obj = parent_full = None
            current = self._existing(parent_obj.pk if parent_obj else None, values["name"])
            if current is None:
                active = fields.pop("is_active")  # a department is made active
                created = org_actions.create_department(
                    user, parent=parent_obj, name=values["name"], **fields
                )
                if not active:
                    org_actions.update_department(user, created, name=created.name, is_active=False, **fields)
                made[f"{parent_full}/{values['name']}"] = created
                counts.created += 1
            elif all(getattr(current, k) == v for k, v in fields.items()):
                counts.unchanged += 1
            else:
                org_actions.update_department(user, current, name=current.name, **fields)
                counts.updated += 1
        return counts


# --- users ----------------------------------------------------------------------------------------


@register
class UserSheet(Sheet):
    key = "users"
    title = "用户"
    registry = "users"
    view_capability = Capability.MANAGE_USERS
    import_capability = Capability.MANAGE_USERS
    natural_key = ("username",)
    batch_size = 200
    columns = [
        Column("username", "用户名", required=True, max_length=150, width=18),
        Column("display_name", "姓名", required=True, max_length=50, width=14),
        Column("phone", "联系电话", max_length=30, width=16),
        Column(
            "departments",
            "所属单位",
            required=True,
            max_length=1000,
            width=30,
            help="多个以“；”分隔，第一个为主单位",
        ),
        Column("enterprise_code", "关联企业信用代码", max_length=18, width=22, help="企业用户填写，可空"),
        Column("is_active", "启用", kind="bool", help="是/否；空为是"),
        Column("grants", "角色", readonly=True, width=36),
        Column("password_set", "已设密码", readonly=True),
    ]
    instructions = [
        "每行一个账号，以“用户名”识别：已有的账号按此更新，其余新建。",
        "新建的账号没有密码，不能登录：请在“用户管理”中为其设置初始密码（密码不经表格传递）。",
        "角色与授权在系统中办理；“角色”“已设密码”两列仅供查看，导入时不读取。",
    ]

    def queryset(self, user):
        return visible_to(
            user,
            User.objects.prefetch_related("memberships", "grants__department", "enterprises"),
            Capability.MANAGE_USERS,
        ).order_by("username")

    def export_rows(self, objects):
        names = Names()
        for u in objects:
            memberships = sorted(u.memberships.all(), key=lambda m: (not m.is_primary, m.pk))
            yield {
                ID_HEADER: u.pk,
                "username": u.username,
                "display_name": u.display_name,
                "phone": shown(u, "phone"),  # masked unless the export was asked in full by who may
                "departments": SEPARATOR.join(names.label.get(m.department_id, "?") for m in memberships),
                "enterprise_code": next((e.credit_code for e in u.enterprises.all()), ""),
                "is_active": u.is_active,
                "grants": SEPARATOR.join(_grant_text(g) for g in u.grants.all()),
                "password_set": "是" if u.has_usable_password() else "否",
            }

    def prepare(self, user) -> Context:
        managed = visible_to(user, User.objects.all(), Capability.MANAGE_USERS)
        return Context(
            user=user,
            data={
                "names": Names(),
                "allowed": set(manageable_departments(user).values_list("pk", flat=True)),
                "accounts": {
                    u.username.lower(): u for u in User.objects.prefetch_related("memberships", "enterprises")
                },
                "managed": set(managed.values_list("pk", flat=True)),
            },
        )

    def _departments(self, values: dict, context: Context, check_scope=True) -> tuple[list[int], str]:
        text = (values.get("departments") or "").replace(";", SEPARATOR)
        found: list[int] = []
        for label in (part for part in text.split(SEPARATOR) if part.strip()):
            pk, problem = context.data["names"].resolve(label)
            if problem:
                return [], problem
            if check_scope and pk not in context.data["allowed"]:
                return [], f"单位“{label.strip()}”不在您的管理范围内"
            if pk not in found:
                found.append(pk)
        if not found:
            return [], "请至少填写一个所属单位"
        return found, ""

    @staticmethod
    def _fields(values: dict, departments: list) -> dict:
        return {
            "display_name": values["display_name"],
            "phone": values.get("phone") or "",
            "departments": departments,
            "enterprise_code": (values.get("enterprise_code") or "").strip().upper(),
        }

    def _unchanged(self, account: User, values: dict, context: Context) -> bool:
        pks, problem = self._departments(values, context, check_scope=False)
        if problem or account.username != values["username"]:
            return False
        memberships = sorted(account.memberships.all(), key=lambda m: (not m.is_primary, m.pk))
        fields = self._fields(values, pks)
        return (
            account.display_name == fields["display_name"]
            and account.phone == fields["phone"]
            and account.is_active == (values.get("is_active") is not False)
            and [m.department_id for m in memberships] == pks
            and next((e.credit_code for e in account.enterprises.all()), "") == fields["enterprise_code"]
        )

    @staticmethod
    def unmasked(values: dict, account: User | None) -> dict:
        """The stored phone number where the row shows its mask (an export re-imported): unchanged."""
        if account is None:
            return values
        return {**values, "phone": unmask("phone", values.get("phone"), account.phone)}

    def check_row(self, values: dict, context: Context) -> dict:
        username = values["username"]
        account = context.data["accounts"].get(username.lower())
        values = self.unmasked(values, account)
        if account is not None and self._unchanged(account, values, context):
            return {}  # as stored: nothing to refuse, even for an account above the importer
        errors = {}
        if account is not None and account.username != username:
            errors["username"] = f"已有用户名“{account.username}”（用户名不区分大小写）"
        elif account is not None:
            refusal = (
                "该账号不在您的管理范围内"
                if account.pk not in context.data["managed"]
                else manage_refusal(context.user, account)
            )
            if refusal:
                errors["username"] = refusal
            elif account.pk == context.user.pk and values.get("is_active") is False:
                errors["is_active"] = "不能停用自己的账号"
        else:
            try:
                User(
                    username=username, display_name=values["display_name"], phone=values.get("phone") or ""
                ).full_clean(exclude=["password"], validate_unique=False)
            except ValidationError as exc:
                errors.update(model_errors(exc))
        if account is not None and not errors.get("phone"):
            try:
                User._meta.get_field("phone").run_validators(values.get("phone") or "")
            except ValidationError as exc:
                errors["phone"] = "；".join(exc.messages)
        _, problem = self._departments(values, context)
        if problem:
            errors["departments"] = problem
        code = (values.get("enterprise_code") or "").strip()
        if code:
            try:
                enterprise_actions.linkable_enterprise(context.user, code)
            except ValidationError as exc:
                errors["enterprise_code"] = "；".join(exc.messages)
        return errors

    def apply(self, rows, user, context: Context) -> Counts:
        counts = Counts()
        by_pk = {d.pk: d for d in Department.objects.filter(pk__in=context.data["allowed"])}
        for _, values in rows:
            account = context.data["accounts"].get(values["username"].lower())
            values = self.unmasked(values, account)
            if account is not None and self._unchanged(account, values, context):
                counts.unchanged += 1
                continue
            pks, _ = self._departments(values, context)
            fields = self._fields(values, [by_pk[pk] for pk in pks])
            try:
                if account is None:
                    actions.save_user(user, None, username=values["username"], password=None, **fields)
                    counts.created += 1
                else:
                    is_active = values.get("is_active") is not False
                    actions.save_user(user, User.objects.get(pk=account.pk), is_active=is_active, **fields)
                    counts.updated += 1
            except ActionRefused as exc:  # checked per row above; a refusal here is a rule changed meanwhile
                raise ValidationError(str(exc)) from None
        return counts


def _grant_text(grant) -> str:
    role = Role(grant.role).label if grant.role in Role.values else grant.role
    scope = Scope(grant.scope).label if grant.scope in Scope.values else grant.scope
    where = f"·{grant.department.name}" if grant.department_id else ""
    return f"{role}（{scope}{where}）"
