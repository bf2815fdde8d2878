"""API tokens on the pages: a user creates (secret shown once) and revokes their own; an administrator
sees and revokes those of the users they manage, nobody else's."""

import re

import pytest

from kechuang.org import actions, tokens
from kechuang.org.models import ApiToken

pytestmark = pytest.mark.django_db

SECRET = re.compile(r"kc_[A-Za-z0-9_-]{43}")


def test_create_shows_the_secret_once(client_as, user):
    client = client_as("hanfeng")
    assert "创建令牌" in client.get("/org/profile/").content.decode()
    response = client.post("/org/profile/tokens/new/", {"name": "镇统计台账同步", "days": "30"})
    html = response.content.decode()
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert "只显示这一次" in html
    secret = SECRET.search(html).group()
    token = ApiToken.objects.get(user=user("hanfeng"), name="镇统计台账同步")
    assert token.secret_hash == tokens.digest(secret) and token.prefix == secret[:11]
    # afterwards the profile lists the token by its prefix, never the secret
    profile = client.get("/org/profile/").content.decode()
    assert token.prefix in profile and secret not in profile and "有效" in profile
    assert SECRET.search(profile) is None


@pytest.mark.parametrize("days", ["0", "366", ""])
def test_create_refuses_an_expiry_outside_a_year(client_as, days):
    response = client_as("hanfeng").post("/org/profile/tokens/new/", {"name": "x", "days": days})
    assert response.status_code == 200 and SECRET.search(response.content.decode()) is None
    assert "has-error" in response.content.decode()
    assert not ApiToken.objects.filter(name="x").exists()


def test_owner_revokes_own_token(client_as, user):
    token, _ = actions.create_token(user("hanfeng"), name="试用")
    response = client_as("hanfeng").post(f"/org/tokens/{token.pk}/revoke/")
    assert response.status_code == 302 and response["Location"] == "/org/profile/"
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == user("hanfeng")
    assert "已吊销" in client_as("hanfeng").get("/org/profile/").content.decode()


def test_administrator_sees_and_revokes_tokens_of_managed_users(client_as, user):
    token, _ = actions.create_token(user("hanfeng"), name="镇平台对接")
    admin = client_as("sysadmin")
    page = admin.get(f"/org/users/{user('hanfeng').pk}/").content.decode()
    assert "镇平台对接" in page and token.prefix in page and f"/org/tokens/{token.pk}/revoke/" in page
    response = admin.post(f"/org/tokens/{token.pk}/revoke/", {"reason": "人员调岗"})
    assert response.status_code == 302 and response["Location"] == f"/org/users/{user('hanfeng').pk}/"
    token.refresh_from_db()
    assert token.revoked_by == user("sysadmin")


def test_others_cannot_revoke(client_as, user):
    own, _ = actions.create_token(user("sysadmin"), name="局数据中心")
    peer, _ = actions.create_token(user("hanfeng"), name="镇平台")
    # a reporter cannot touch anyone else's token, a town's colleague included: it looks missing
    assert client_as("hanfeng").post(f"/org/tokens/{own.pk}/revoke/").status_code == 404
    assert client_as("jxw").post(f"/org/tokens/{peer.pk}/revoke/").status_code == 404
    assert client_as("hanfeng").get(f"/org/tokens/{peer.pk}/revoke/").status_code == 405
    own.refresh_from_db(), peer.refresh_from_db()
    assert own.revoked_at is None and peer.revoked_at is None
    with pytest.raises(actions.ActionRefused):
        actions.revoke_token(user("jxw"), peer)
