"""On SQLite a page that only reads does not wait for the write lock to renew its session: while another
connection holds the lock (an import committing) it is answered at once, without renewing; once the lock
is free the session is renewed again. A write still waits for the lock, as it must."""

import sqlite3
import time

import pytest
from django.db import connection

from kechuang.org.models import User

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def signed_in(client):
    if connection.vendor != "sqlite":
        pytest.skip("只有 SQLite 的写锁是整个数据库的")
    user = User.objects.create_user("reader", password="x-Unused-Pass1")
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_a_page_that_reads_is_answered_while_another_connection_holds_the_write_lock(signed_in):
    holder = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # what a committing import holds
    try:
        started = time.monotonic()
        response = signed_in.get("/progress/notifications/")
        assert response.status_code == 200
        assert time.monotonic() - started < 3  # the busy timeout is 5 s
        assert "sessionid" not in response.cookies  # not renewed this time
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    response = signed_in.get("/progress/notifications/")
    assert response.status_code == 200 and "sessionid" in response.cookies
