"""The script users write today: a thread per row, each with its own SQLite connection and commit.
Under load some threads hit 'database is locked' and their rows are lost; this counts them."""
import json
import sqlite3
import sys
import threading

path, rows_path = sys.argv[1], sys.argv[2]
db = sqlite3.connect(path)
db.execute("CREATE TABLE IF NOT EXISTS rows (id INTEGER PRIMARY KEY, name TEXT, score REAL, tag TEXT)")
db.commit()
db.close()
errors = []


def insert(record):
    try:
        connection = sqlite3.connect(path, timeout=0.1)
        connection.execute("INSERT INTO rows VALUES (?, ?, ?, ?)", (record["id"], record["name"], record["score"], record["tag"]))
        connection.commit()
        connection.close()
    except sqlite3.Error as error:  # noqa: PERF203 - this is the point of the benchmark
        errors.append(str(error))


threads = [threading.Thread(target=insert, args=(json.loads(line),)) for line in open(rows_path)]
for t in threads:
    t.start()
for t in threads:
    t.join()
stored = sqlite3.connect(path).execute("SELECT count(*) FROM rows").fetchone()[0]
print(f"{len(threads)} {stored} {len(errors)}")
