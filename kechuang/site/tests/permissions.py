"""What the site app's URLs answer each demo role (read by the permission matrix,
`kechuang/site/tests/test_permission_matrix.py`): SAMPLES fill a URL's arguments with a demo record, EXPECTED
holds the answers per method and role. A URL of this app without an entry fails the matrix."""

from kechuang.testing.permissions import EVERYONE, every, page

EXPECTED = {
    "home": page(EVERYONE),
    "login": page(every(302), anonymous=200),  # signed-in users are sent on
    "logout": page(every(405), post=every(302)),
    "password_change": page(EVERYONE),  # an empty POST: the form's errors
    "password_change_done": page(EVERYONE, post=every(405)),
}
