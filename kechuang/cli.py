"""The `kechuang` command: Django's management commands under the project's own name.

`kechuang plan export --json` is `manage.py plan export --json`; every Django command works too.
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kechuang.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["kechuang", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
