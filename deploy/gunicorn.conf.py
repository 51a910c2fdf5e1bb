"""gunicorn's settings for Advisory, in production and in `make demo` alike.

Read from the environment (deploy/env.example lists the variables); a command-line option
(`serve_demo --bind`) overrides what is set here.
"""

import os

from advisory.ops.logs import logging_config

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Processes use the cores, and sync workers take a connection only when they are free, so the
# requests spread over them. gthread workers kept the connections each had accepted: on the
# benchmark (tests/benchmarks/README.md) one worker often held 15 of 16, and the signed-in
# filtered list's p99 was 43-64 ms, against 25 ms with sync. Threads do not pay either: the
# pages are bound by Python, and four threads a process served half the requests one did.
# GUNICORN_THREADS above 1 makes gunicorn run gthread workers instead.
worker_class = "sync"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# A request that takes longer is killed, with its worker: well past the slowest page
# (imports of large documents) and under nginx's proxy_read_timeout.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
# Used by gthread workers only (GUNICORN_THREADS above 1); a sync worker closes each
# connection after its response, behind nginx, which buffers it.
keepalive = 5
# 0: workers are never recycled, so a memory leak shows (the soak measures it) rather than
# being hidden; set e.g. 5000 as a safety net once the soak has shown none.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "0"))
max_requests_jitter = max_requests // 10
# Trust X-Forwarded-* only from the proxy in front (nginx on the same machine by default).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# Each worker loads the app itself: a deploy (SIGHUP) reloads the code.
preload_app = False

accesslog = "-"
# Addresses that carry a token (digest, preview, reset and feed links) are logged without it.
logger_class = "advisory.ops.access_log.RedactingAccessLogger"
errorlog = "-"
# The request id the app returned: access lines and app lines of one request share it.
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms "%(a)s" request_id=%({x-request-id}o)s'
logconfig_dict = logging_config(
    log_format=os.environ.get("LOG_FORMAT", "plain"),
    level=os.environ.get("LOG_LEVEL", "INFO"),
)
