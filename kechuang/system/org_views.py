from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from kechuang.org import actions
from kechuang.org.models import ApiToken, RoleGrant, User
from kechuang.org.roles import Capability
from kechuang.org.scope import get_visible_or_404, user_grants
from kechuang.web.access import require_capability
from kechuang.web.forms import run_action
from kechuang.web.personal import disclose

from . import second_factor
from .forms import GrantForm, OneTimeCodeForm, PasswordSetForm, TokenForm
from .registries import manageable_departments


@login_not_required
def login(request, *args, **kwargs):
    from . import security

    context = {
        "lockout_failures": settings.AXES_FAILURE_LIMIT,
        "lockout_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }
    address = request.META.get("REMOTE_ADDR")
    if request.method == "POST" and security.address_throttled(address):
        minutes = int(settings.LOGIN_THROTTLE_WINDOW.total_seconds() // 60)
        context["throttled"] = f"该网络地址登录失败次数过多，请 {minutes} 分钟后再试。"
        form = auth_views.AuthenticationForm(request)
        return render(request, "registration/login.html", {"form": form, **context}, status=429)
    response = auth_views.LoginView.as_view(redirect_authenticated_user=True, extra_context=context)(
        request, *args, **kwargs
    )
    if request.method == "POST" and response.status_code != 302:
        security.after_failed_login(address)
    return response


# --- Users (the user and department registries are in registries.py) ------------------------------


@require_capability(Capability.MANAGE_USERS)
def user_password(request, pk):
    target = get_visible_or_404(request.user, User.objects.all(), Capability.MANAGE_USERS, pk=pk)
    form = PasswordSetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if run_action(form, actions.set_password, request.user, target, d["password1"], reason=d["reason"]):
            messages.success(request, "密码已重置。")
            return redirect(target)
    return render(
        request,
        "org/form.html",
        {"form": form, "title": f"重置密码：{target}", "back": target.get_absolute_url()},
    )


@require_capability(Capability.MANAGE_USERS)
def grant_create(request, pk):
    target = get_visible_or_404(request.user, User.objects.all(), Capability.MANAGE_USERS, pk=pk)
    form = GrantForm(request.POST or None, departments=manageable_departments(request.user))
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
            return redirect(target)
    return render(
        request,
        "org/form.html",
        {"form": form, "title": f"授予角色：{target}", "back": target.get_absolute_url()},
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
    return redirect("users:detail", grant.user_id)


def profile(request, token_form=None):
    me = User.objects.get(pk=request.user.pk)  # the account itself (request.user is a lazy wrapper)
    return render(
        request,
        "org/profile.html",
        {
            "me": me,
            "personal": disclose(request, me),  # one's own phone and e-mail: 显示完整信息 shows them
            "grants": user_grants(request.user),
            "memberships": request.user.memberships.select_related("department"),
            "tokens": request.user.api_tokens.select_related("revoked_by"),
            "token_form": token_form or TokenForm(),
            "otp_device": second_factor.device_of(me),
            "otp_enforced": second_factor.enforced(me),
            "otp_form": OneTimeCodeForm(),
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
    return redirect("users:detail", token.user_id)
