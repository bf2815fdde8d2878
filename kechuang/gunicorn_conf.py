"""gunicorn settings for production: `gunicorn -c python:kechuang.gunicorn_conf` (docs/DEPLOY.md).

Everything a site changes comes from the environment, so one systemd unit serves every machine:

    KECHUANG_BIND       address to listen on (default 127.0.0.1:8000: the reverse proxy sits in front)
    KECHUANG_WORKERS    worker processes (default 2 × CPU cores + 1)
    KECHUANG_THREADS    threads per worker (default 1: plain sync workers; > 1 switches to gthread)
    KECHUANG_TIMEOUT    seconds a request may run before its worker is replaced (default 120)
    KECHUANG_MAX_REQUESTS  requests before a worker is recycled (default 1000; 0 = never)
    KECHUANG_ACCESS_LOG / KECHUANG_ERROR_LOG  file paths, "-" = stdout/stderr (default "-", for journald)
    KECHUANG_CONTROL_SOCKET  path of gunicorn's control socket (default: none)
"""

import multiprocessing
import os

# gunicorn is only ever the production server; the settings refuse to start without a real secret key.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kechuang.settings_production")

wsgi_app = "kechuang.wsgi:application"
proc_name = "kechuang"

bind = [a for a in os.environ.get("KECHUANG_BIND", "127.0.0.1:8000").split(",") if a]
# The work is CPU-bound Python under the GIL: processes, not threads, use the cores. 2 × cores + 1 keeps
# every core busy while some workers wait on the database.
workers = int(os.environ.get("KECHUANG_WORKERS") or multiprocessing.cpu_count() * 2 + 1)
threads = int(os.environ.get("KECHUANG_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"

# Load Django once in the master and fork: workers start fast and share the imported code's memory.
preload_app = True

# The cockpit of a large region as of a past date can take many seconds (docs/PERFORMANCE.md); a hung
# worker is still replaced after this.
timeout = int(os.environ.get("KECHUANG_TIMEOUT", "120"))
graceful_timeout = 30
# Only gthread workers keep connections open; behind the proxy a short keep-alive is enough.
keepalive = 5

# Recycle workers now and then so memory taken by a large import or export is given back; the jitter keeps
# them from all restarting at once.
max_requests = int(os.environ.get("KECHUANG_MAX_REQUESTS", "1000"))
max_requests_jitter = max(1, max_requests // 10) if max_requests else 0

# The heartbeat file lives in memory: a worker blocked on a slow disk must not be taken for dead.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"

# The proxy on the same host may set X-Forwarded-For/-Proto (Django trusts the protocol only with
# KECHUANG_BEHIND_PROXY=1).
forwarded_allow_ips = os.environ.get("KECHUANG_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

accesslog = os.environ.get("KECHUANG_ACCESS_LOG", "-") or None
errorlog = os.environ.get("KECHUANG_ERROR_LOG", "-")
loglevel = os.environ.get("KECHUANG_LOG_LEVEL", "info").lower()
# Time taken in ms and the request id the audit log records, so a slow or failing request can be found in
# both logs.
access_log_format = '%(h)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms "%(f)s" "%(a)s" rid=%({x-request-id}o)s'

# gunicorn ≥ 25.1 opens a control socket in $HOME by default; two instances on one host (or a test beside
# the service) would fight over it. Only when asked for.
if os.environ.get("KECHUANG_CONTROL_SOCKET"):
    control_socket = os.environ["KECHUANG_CONTROL_SOCKET"]
else:
    control_socket_disable = True


def pre_fork(server, worker):
    # Nothing should have opened a database connection while the app loaded in the master, but if it
    # did, forked workers would share its socket and corrupt each other's sessions: close it first.
    from django.db import connections

    connections.close_all()
