from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from kechuang.core.filtering import paginate
from kechuang.enterprises import actions as enterprise_actions
from kechuang.web.access import require_capability
from kechuang.web.forms import keeping, run_action

from . import actions
from .filters import UserFilter
from .forms import (
    DepartmentForm,
    GrantForm,
    PasswordSetForm,
    TokenForm,
    UserCreateForm,
    UserEditForm,
)
from .models import ApiToken, Department, RoleGrant, User
from .roles import Capability
from .scope import get_visible_or_404, has_capability, manage_refusal, user_grants, visible_to


@login_not_required
def login(request, *args, **kwargs):
    view = auth_views.LoginView.as_view(
        redirect_authenticated_user=True,
        extra_context={
            "lockout_failures": settings.AXES_FAILURE_LIMIT,
            "lockout_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        },
    )
    return view(request, *args, **kwargs)


# --- Departments ----------------------------------------------------------------------------------


@require_capability(Capability.VIEW_DEPARTMENTS)
def department_list(request):
    departments = visible_to(request.user, Department.objects.all()).order_by("path")
    return render(
        request,
        "org/department_list.html",
        {
            "departments": departments,
            "can_manage": has_capability(request.user, Capability.MANAGE_DEPARTMENTS),
        },
    )


@require_capability(Capability.VIEW_DEPARTMENTS)
def department_detail(request, pk):
    department = get_visible_or_404(request.user, Department.objects.all(), pk=pk)
    members = []
    if has_capability(request.user, Capability.MANAGE_USERS):
        members = visible_to(request.user, department.members.all(), Capability.MANAGE_USERS)
    can_manage = visible_to(
        request.user, Department.objects.filter(pk=pk), Capability.MANAGE_DEPARTMENTS
    ).exists()
    return render(
        request,
        "org/department_detail.html",
        {
            "department": department,
            "ancestors": Department.objects.get_ancestors(department),
            "children": visible_to(request.user, Department.objects.get_children(department)),
            "members": members,
            "led_tasks": department.led_tasks.select_related("programme").order_by("programme__number", "pk"),
            "co_tasks": department.co_tasks.select_related("programme").order_by("programme__number", "pk"),
            "can_manage": can_manage,
        },
    )


@require_capability(Capability.MANAGE_DEPARTMENTS)
def department_create(request):
    parents = visible_to(request.user, Department.objects.all(), Capability.MANAGE_DEPARTMENTS).order_by(
        "path"
    )
    initial = {"parent": request.GET.get("parent")} if request.GET.get("parent") else None
    form = DepartmentForm(request.POST or None, parents=parents, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        node = run_action(
            form,
            actions.create_department,
            request.user,
            parent=d["parent"],
            name=d["name"],
            kind=d["kind"],
            short_name=d["short_name"],
            code=d["code"],
            reason=d["reason"],
        )
        if node is not None:
            messages.success(request, f"已新增单位“{node.name}”。")
            return redirect("org:department", node.pk)
    return render(request, "org/form.html", {"form": form, "title": "新增单位", "back": "org:departments"})


@require_capability(Capability.MANAGE_DEPARTMENTS)
def department_edit(request, pk):
    department = get_visible_or_404(
        request.user, Department.objects.all(), Capability.MANAGE_DEPARTMENTS, pk=pk
    )
    initial = {k: getattr(department, k) for k in ("name", "short_name", "kind", "code", "is_active")}
    form = DepartmentForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        saved = run_action(
            form,
            actions.update_department,
            request.user,
            department,
            name=d["name"],
            kind=d["kind"],
            short_name=d["short_name"],
            code=d["code"],
            is_active=d["is_active"],
            reason=d["reason"],
        )
        if saved is not None:
            messages.success(request, "单位信息已保存。")
            return redirect("org:department", department.pk)
    return render(
        request,
        "org/form.html",
        {"form": form, "title": f"编辑单位：{department.name}", "back": "org:departments"},
    )


# --- Users ----------------------------------------------------------------------------------------


def _manageable_departments(user):
    return visible_to(user, Department.objects.all(), Capability.MANAGE_USERS).order_by("path")


@require_capability(Capability.MANAGE_USERS)
def user_list(request):
    filters = UserFilter(
        request.GET, queryset=visible_to(request.user, User.objects.all(), Capability.MANAGE_USERS)
    )
    users = filters.qs.prefetch_related("grants__department", "memberships__department").order_by("username")
    page = paginate(request.GET, users)
    return render(
        request,
        "org/user_list.html",
        {"page": page, "q": filters.given.get("q", ""), "departments": _manageable_departments(request.user)},
    )


@require_capability(Capability.MANAGE_USERS)
def user_detail(request, pk):
    target = get_visible_or_404(request.user, User.objects.all(), Capability.MANAGE_USERS, pk=pk)
    refusal = manage_refusal(request.user, target)
    return render(
        request,
        "org/user_detail.html",
        {
            "target": target,
            "memberships": target.memberships.select_related("department").order_by("-is_primary", "pk"),
            "grants": target.grants.select_related("department", "granted_by"),
            "refusal": refusal,
            "tokens": target.api_tokens.select_related("revoked_by"),
            "can_revoke_tokens": refusal is None,
            "enterprises": target.enterprises.select_related("town"),
        },
    )


@require_capability(Capability.MANAGE_USERS)
def user_create(request):
    form = UserCreateForm(request.POST or None, departments=_manageable_departments(request.user))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        # keep the order the user picked: the first chosen department becomes the primary one
        chosen = sorted(
            d["departments"], key=lambda dep: request.POST.getlist("departments").index(str(dep.pk))
        )
        # the enterprise is checked first, so a refused code leaves no half-made account behind
        linkable = not d["enterprise_code"] or run_action(
            form, enterprise_actions.linkable_enterprise, request.user, d["enterprise_code"]
        )
        created = linkable and run_action(
            form,
            actions.create_user,
            request.user,
            username=d["username"],
            display_name=d["display_name"],
            password=d["password1"],
            departments=chosen,
            phone=d["phone"],
            reason=d["reason"],
        )
        if created and d["enterprise_code"]:
            run_action(
                form,
                enterprise_actions.link_account,
                request.user,
                created,
                d["enterprise_code"],
                reason=d["reason"],
            )
        if created:
            messages.success(request, f"已创建用户“{created.display_name}”，请为其授予角色。")
            return redirect("org:user", created.pk)
    return render(request, "org/form.html", {"form": form, "title": "新增用户", "back": "org:users"})


@require_capability(Capability.MANAGE_USERS)
def user_edit(request, pk):
    target = get_visible_or_404(request.user, User.objects.all(), Capability.MANAGE_USERS, pk=pk)
    memberships = target.memberships.order_by("-is_primary", "pk")
    initial = {
        "display_name": target.display_name,
        "phone": target.phone,
        "is_active": target.is_active,
        "departments": [m.department_id for m in memberships],
        "primary": memberships[0].department_id if memberships else None,
        "enterprise_code": target.enterprises.values_list("credit_code", flat=True).first() or "",
    }
    departments = keeping(_manageable_departments(request.user), initial["departments"])
    form = UserEditForm(request.POST or None, initial=initial, departments=departments)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        # the enterprise link first: a refused code leaves the account as it was
        relinked = d["enterprise_code"] == initial["enterprise_code"] or run_action(
            form,
            enterprise_actions.link_account,
            request.user,
            target,
            d["enterprise_code"],
            reason=d["reason"],
        )
        saved = relinked and run_action(
            form,
            actions.update_user,
            request.user,
            target,
            display_name=d["display_name"],
            phone=d["phone"],
            is_active=d["is_active"],
            departments=d["departments"],
            reason=d["reason"],
        )
        if saved:
            messages.success(request, "用户信息已保存。")
            return redirect("org:user", target.pk)
    return render(
        request, "org/form.html", {"form": form, "title": f"编辑用户：{target}", "back": "org:users"}
    )


@require_capability(Capability.MANAGE_USERS)
def user_password(request, pk):
    target = get_visible_or_404(request.user, User.objects.all(), Capability.MANAGE_USERS, pk=pk)
    form = PasswordSetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if run_action(form, actions.set_password, request.user, target, d["password1"], reason=d["reason"]):
            messages.success(request, "密码已重置。")
            return redirect("org:user", target.pk)
    return render(
        request, "org/form.html", {"form": form, "title": f"重置密码：{target}", "back": "org:users"}
    )


@require_capability(Capability.MANAGE_USERS)
def grant_create(request, pk):
    target = get_visible_or_404(request.user, User.objects.all(), Capability.MANAGE_USERS, pk=pk)
    form = GrantForm(request.POST or None, departments=_manageable_departments(request.user))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        grant = run_action(
            form,
            actions.grant_role,
            request.user,
            target,
            role=d["role"],
            scope=d["scope"],
            department=d["department"],
            reason=d["reason"],
        )
        if grant is not None:
            messages.success(request, f"已授予：{grant}")
            return redirect("org:user", target.pk)
    return render(
        request, "org/form.html", {"form": form, "title": f"授予角色：{target}", "back": "org:users"}
    )


@require_POST
@require_capability(Capability.MANAGE_USERS)
def grant_revoke(request, pk):
    grant = get_visible_or_404(
        request.user, RoleGrant.objects.select_related("user", "department"), Capability.MANAGE_USERS, pk=pk
    )
    # the grant's holder must also be someone this manager can see
    get_visible_or_404(request.user, User.objects.all(), Capability.MANAGE_USERS, pk=grant.user_id)
    try:
        actions.revoke_role(request.user, grant, reason=request.POST.get("reason", "")[:500])
        messages.success(request, f"已撤销：{grant}")
    except actions.ActionRefused as exc:
        messages.error(request, str(exc))
    return redirect("org:user", grant.user_id)


def profile(request, token_form=None):
    return render(
        request,
        "org/profile.html",
        {
            "grants": user_grants(request.user),
            "memberships": request.user.memberships.select_related("department"),
            "tokens": request.user.api_tokens.select_related("revoked_by"),
            "token_form": token_form or TokenForm(),
        },
    )


# --- API tokens -----------------------------------------------------------------------------------


@require_POST
def token_create(request):
    form = TokenForm(request.POST)
    if form.is_valid():
        created = run_action(
            form,
            actions.create_token,
            request.user,
            name=form.cleaned_data["name"],
            days=form.cleaned_data["days"],
        )
        if created is not None:
            token, secret = created
            # the only page that ever shows the secret: not stored, not cached
            response = render(request, "org/token_created.html", {"token": token, "secret": secret})
            response["Cache-Control"] = "no-store"
            return response
    return profile(request, token_form=form)


@require_POST
def token_revoke(request, pk):
    """The owner revokes their own token; an administrator a token of a user they manage."""
    token = request.user.api_tokens.filter(pk=pk).first() or get_visible_or_404(
        request.user, ApiToken.objects.select_related("user"), Capability.MANAGE_USERS, pk=pk
    )
    try:
        actions.revoke_token(request.user, token, reason=request.POST.get("reason", "")[:500])
        messages.success(request, f"已吊销令牌：{token}")
    except actions.ActionRefused as exc:
        messages.error(request, str(exc))
    if token.user_id == request.user.pk:
        return redirect("org:profile")
    return redirect("org:user", token.user_id)
