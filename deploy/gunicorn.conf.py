"""gunicorn settings for the portal: `gunicorn -c deploy/gunicorn.conf.py`.

The app decides which forwarded headers to believe (TRUSTED_PROXIES and
TRUSTED_PROXY_ADDRESSES, in portal/security.py). gunicorn's own rule would believe
X-Forwarded-Proto from 127.0.0.1 whatever the app was told, so it believes nothing here.
"""

import os

wsgi_app = "portal:create_app()"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
forwarded_allow_ips = ""
secure_scheme_headers = {}
# The proxy keeps slow phones' connections; gunicorn's workers stay free.
timeout = 30
graceful_timeout = 20
# nginx keeps idle connections to gunicorn (upstream keepalive) for up to 60 s. gunicorn's
# default of 2 s closes them first, and a sign-in POST that nginx sends on one just as it
# closes gets a 502, which nginx does not retry for a POST. gunicorn must outwait nginx.
keepalive = 75
# No access log: paths carry secrets (setup links, feed tokens); the proxy logs without them.
accesslog = None
errorlog = "-"
