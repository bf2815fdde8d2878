"""Actions of the administration pages that span the foundation and the registries: an account with
its enterprise link, saved in one transaction."""

from django.db import transaction

from kechuang.enterprises import actions as enterprise_actions
from kechuang.org.actions import create_user, update_user
from kechuang.org.models import User


def save_user(
    acting_user: User,
    user: User | None,
    *,
    enterprise_code: str = "",
    password: str = "",
    reason: str = "",
    **fields,
) -> User:
    """Create (`user` None) or update an account, and link it to the enterprise whose credit code is
    given (blank: no enterprise). All in one transaction: a refused code leaves no half-made account
    and no changed one behind."""
    with transaction.atomic():
        if user is None:
            if enterprise_code:  # checked first, so the refusal names the code rather than the account
                enterprise_actions.linkable_enterprise(acting_user, enterprise_code)
            user = create_user(acting_user, password=password, reason=reason, **fields)
            if enterprise_code:
                enterprise_actions.link_account(acting_user, user, enterprise_code, reason=reason)
            return user
        current = user.enterprises.values_list("credit_code", flat=True).first() or ""
        if enterprise_code != current:
            enterprise_actions.link_account(acting_user, user, enterprise_code, reason=reason)
        return update_user(acting_user, user, reason=reason, **fields)
