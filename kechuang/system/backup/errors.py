class BackupError(Exception):
    """A backup or restore refused or failed; the message (Chinese) says why and names the file."""
