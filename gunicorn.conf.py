"""gunicorn's settings for the app: `gunicorn -c gunicorn.conf.py wsgi:app`.

Each setting can be changed through the environment (README: "Running it in production"):

GUNICORN_BIND      where to listen, default 127.0.0.1:8000 (the HTTPS proxy on the same
                   machine talks to it; several addresses: comma-separated)
GUNICORN_WORKERS   processes, default 2 x cores + 1, at most 9
GUNICORN_THREADS   threads per process, default 4
GUNICORN_TIMEOUT   seconds a silent worker is given before it is restarted, default 120
                   (a 100,000-row import or export takes tens of seconds)

Every worker thread may hold a database connection: a server needs at most
workers x threads of them, and PostgreSQL's max_connections (100 by default) must cover every
server's together, with some to spare for `flask` commands and backups.

Who the client is, and whether the request came over HTTPS, is the app's to decide, from
PROXY_COUNT (assets/proxies.py, werkzeug's ProxyFix with an explicit count of proxies):
gunicorn itself trusts no forwarded header from anyone. Left to its defaults, gunicorn would
believe X-Forwarded-Proto, X-Forwarded-Ssl and X-Forwarded-Protocol from any process on
127.0.0.1, so a client could send "X-Forwarded-Ssl: on" through a proxy that does not strip it
and be taken for HTTPS whatever PROXY_COUNT says.

The access log goes to stdout, one line a request: the client's address (the browser's, as
PROXY_COUNT reads it, or the proxy's when PROXY_COUNT is 0), the time, the method, the path
with a password-reset token hidden (assets/request_log.py), status, size, duration and the
browser. Query strings are never logged: searches hold people's names. Errors go to stderr;
a line about a failed request (gunicorn's "Error handling request <path>", the app's
"Exception on <path>") shows its path the same way, token hidden and no query string.
"""

import multiprocessing
import os

from assets.request_log import AccessLog


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


bind = [part.strip() for part in os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")]
workers = _int("GUNICORN_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 9))
worker_class = "gthread"
threads = _int("GUNICORN_THREADS", 4)
timeout = _int("GUNICORN_TIMEOUT", 120)
# On SIGTERM (systemctl stop, a deploy) a worker finishes the requests it has for this long.
graceful_timeout = 30
# Seconds an idle connection from the proxy or load balancer is kept open for its next request.
keepalive = 5
# The app is built once, in the master, before the workers fork: a missing SECRET_KEY or a
# debug flag stops gunicorn at once with the app's message, instead of every worker failing in
# turn, and the workers share the loaded code. create_app opens no database connection, so no
# connection is shared across the fork.
preload_app = True
proc_name = "school-assets"
# gunicorn's control socket (for `gunicornc`) is one path per user by default, so two servers on
# one machine (or the tests' several) would take it from each other. Nothing here uses it.
control_socket_disable = True

# The proxy's headers are read by the app only (PROXY_COUNT): see the docstring.
forwarded_allow_ips = ""
secure_scheme_headers = {}
forwarder_headers = ""

accesslog = "-"
errorlog = "-"
logger_class = AccessLog
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s"'
