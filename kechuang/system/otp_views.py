"""The second factor's pages (system/second_factor.py): the code after the password, setting up an
authenticator, switching one's own off; the security officers' list of accounts and their reset."""

from django.contrib import messages
from django.db.models import Exists, OuterRef, Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from kechuang.org.models import User
from kechuang.org.roles import ADMIN_DUTIES, Capability
from kechuang.org.scope import get_visible_or_404, visible_to
from kechuang.web.access import require_capability
from kechuang.web.forms import run_action

from . import second_factor
from .forms import OneTimeCodeForm, SecondFactorResetForm


def _next(request, default="home") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        return target
    return reverse(default)


def _with_next(name: str, next_url: str) -> str:
    from urllib.parse import urlencode

    return f"{reverse(name)}?{urlencode({'next': next_url})}"


def verify(request):
    """The 6-digit code after the password (or straight on when the account needs none)."""
    next_url = _next(request)
    user = request.user
    if user.is_verified():
        return redirect(next_url)
    if second_factor.device_of(user) is None:
        if second_factor.enforced(user):
            return redirect(_with_next("otp:setup", next_url))
        request.session[second_factor.ENROLLED] = False
        return redirect(next_url)
    form = OneTimeCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if run_action(form, second_factor.verify, request, form.cleaned_data["code"]) is not None:
            return redirect(next_url)
    return render(request, "registration/otp_verify.html", {"form": form, "next": next_url})


def setup(request):
    """Set up an authenticator: scan the QR code (or type the secret), then prove it with a code. Replacing
    one already set up needs a session that passed the current one."""
    user = request.user
    next_url = _next(request, default="org:profile")
    if second_factor.device_of(user) is not None and not user.is_verified():
        return redirect(_with_next("otp:verify", next_url))
    device = second_factor.pending_device(user)
    form = OneTimeCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if run_action(form, second_factor.confirm, request, form.cleaned_data["code"]) is not None:
            messages.success(request, "动态口令已启用：以后每次登录，输入密码后还须输入验证器上的 6 位数字。")
            return redirect(next_url)
    return render(
        request,
        "registration/otp_setup.html",
        {
            "form": form,
            "next": next_url,
            "qr": second_factor.qr_svg(device),
            "secret": second_factor.secret_text(device),
            "enforced": second_factor.enforced(user),
            "replacing": second_factor.device_of(user) is not None,
        },
    )


@require_POST
def disable(request):
    form = OneTimeCodeForm(request.POST)
    if form.is_valid():
        run_action(form, second_factor.disable, request, form.cleaned_data["code"])
    if form.errors:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    else:
        messages.success(request, "动态口令已停用。")
    return redirect("org:profile")


# --- the security officers' page ------------------------------------------------------------------


def _accounts(request):
    """Administrators and every account that set up an authenticator, within the officer's scope."""
    enrolled = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
    users = visible_to(request.user, User.objects.all(), Capability.MANAGE_SECURITY)
    return (
        users.annotate(enrolled=Exists(enrolled))
        .filter(Q(enrolled=True) | Q(is_superuser=True) | Q(grants__role__in=ADMIN_DUTIES))
        .distinct()
        .order_by("username")
    )


@require_capability(Capability.MANAGE_SECURITY)
def accounts(request):
    from django.conf import settings

    rows = []
    devices = {
        d.user_id: d
        for d in TOTPDevice.objects.filter(confirmed=True, user__in=_accounts(request)).order_by("pk")
    }
    for account in _accounts(request).prefetch_related("grants"):
        rows.append(
            {
                "user": account,
                "device": devices.get(account.pk),
                "administrator": second_factor.is_administrator(account),
            }
        )
    return render(
        request,
        "security/second_factor.html",
        {"rows": rows, "enforced": settings.KECHUANG_ADMIN_OTP, "form": SecondFactorResetForm()},
    )


@require_POST
@require_capability(Capability.MANAGE_SECURITY)
def reset(request, pk):
    account = get_visible_or_404(request.user, User.objects.all(), Capability.MANAGE_SECURITY, pk=pk)
    form = SecondFactorResetForm(request.POST)
    if not form.is_valid():
        messages.error(request, "重置动态口令须填写原因（如：已电话核实本人手机遗失）。")
    elif run_action(form, second_factor.reset, request.user, account, reason=form.cleaned_data["reason"]):
        messages.success(request, f"已重置 {account.get_username()} 的动态口令：其下次登录时重新设置验证器。")
    else:
        messages.error(request, " ".join(form.non_field_errors()))
    return redirect("security:second_factor")
