"""The script users write today: a Queue, 8 download threads, urllib, write to NAME."""
import os
import queue
import sys
import threading
import time
import urllib.request

list_path, directory, workers = sys.argv[1], sys.argv[2], int(sys.argv[3])
jobs = queue.Queue()
for line in open(list_path):
    url, name = line.split()
    jobs.put((url, name))
failed = []


def worker():
    while True:
        try:
            url, name = jobs.get_nowait()
        except queue.Empty:
            return
        try:
            with urllib.request.urlopen(url, timeout=60) as response, open(os.path.join(directory, name), "wb") as out:
                while chunk := response.read(1 << 16):
                    out.write(chunk)
        except Exception as error:  # noqa: BLE001 - a benchmark counts failures
            failed.append((url, error))


start = time.perf_counter()
threads = [threading.Thread(target=worker) for _ in range(workers)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(f"{time.perf_counter() - start:.3f} {len(failed)}")
