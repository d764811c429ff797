"""gunicorn settings for the portal's production servers: ``gunicorn -c python:portal.gunicorn_conf
'portal:create_app()'`` (the README's deployment section).

The bind address, workers and threads come from the environment (``PORTAL_BIND``,
``PORTAL_WORKERS``, ``PORTAL_THREADS``). When ``PROMETHEUS_MULTIPROC_DIR`` is set, each worker
writes its metrics there and ``/metrics`` adds them up; a worker that exits has its files
marked dead here, so a restarted worker's old figures do not linger as live ones. The folder
must exist and be emptied before the server starts (the figures of an earlier run are not
this one's).
"""

import os

bind = os.environ.get("PORTAL_BIND", "127.0.0.1:8080")
workers = int(os.environ.get("PORTAL_WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("PORTAL_THREADS", "4"))
control_socket_disable = True
accesslog = None  # the portal logs each request itself, with its request id (portal/web/ops.py)


def child_exit(server, worker):  # gunicorn calls it with the arbiter and the worker
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
