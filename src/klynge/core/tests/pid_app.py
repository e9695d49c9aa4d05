"""A WSGI application answering with its worker's process id, a little slowly (for
test_balanced_worker.py, which serves it with real gunicorn workers)."""

import os
import time


def app(environ, start_response):
    time.sleep(0.02)
    body = str(os.getpid()).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
