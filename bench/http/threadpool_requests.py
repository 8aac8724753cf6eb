"""The script users write today: ThreadPoolExecutor + requests, one shared Session per thread."""
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests

urls = [line.strip() for line in open(sys.argv[1]) if line.strip()]
workers = int(sys.argv[2])
local = threading.local()


def fetch(url):
    session = getattr(local, "session", None)
    if session is None:
        session = local.session = requests.Session()
    response = session.get(url, timeout=30)
    return response.status_code


start = time.perf_counter()
with ThreadPoolExecutor(max_workers=workers) as pool:
    statuses = list(pool.map(fetch, urls))
elapsed = time.perf_counter() - start
ok = sum(1 for s in statuses if s < 400)
print(f"{elapsed:.3f} {ok}")
