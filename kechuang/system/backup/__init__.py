"""Backups that restore exactly: `kechuang backup` and `kechuang restore` (the database and MEDIA_ROOT in
one archive with checksums; `archive.py` the format, `tables.py` the database as rows, `run.py` the steps)."""

from .errors import BackupError
from .run import backup, check, restore

__all__ = ["BackupError", "backup", "check", "restore"]
