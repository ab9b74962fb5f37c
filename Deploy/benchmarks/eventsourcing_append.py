#!/usr/bin/env python3
"""The peer of Wegweiser's append benchmark: the Python `eventsourcing` library's PostgreSQL
application recorder appending one event per transaction, one process per writer, each to an
aggregate of its own with increasing versions. Prints `appends_per_second=<rate>`.

Needs `pip install "eventsourcing[postgres]"`; run by `wegweiser-benchmark`, which passes the
connection and the same payload the other contenders append.
"""
import argparse
import multiprocessing
import os
import time
import uuid

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore


def datastore(args):
    return PostgresDatastore(
        dbname=args.dbname, host=args.host, port=args.port, user=args.user,
        password=os.environ.get("PGPASSWORD", ""), pool_size=1,
    )


def writer(args, payload, start_at, results):
    recorder = PostgresApplicationRecorder(datastore(args))
    originator = uuid.uuid4()
    version = 0
    while time.time() < start_at:
        time.sleep(0.001)
    deadline = start_at + args.seconds
    while time.time() < deadline:
        version += 1
        recorder.insert_events([StoredEvent(originator_id=originator, originator_version=version, topic=args.topic, state=payload)])
    results.put(version)


def main():
    parser = argparse.ArgumentParser()
    for name in ("host", "port", "user", "dbname", "payload-file", "topic"):
        parser.add_argument("--" + name, required=True)
    parser.add_argument("--writers", type=int, required=True)
    parser.add_argument("--seconds", type=float, required=True)
    args = parser.parse_args()
    with open(args.payload_file, "rb") as file:
        payload = file.read()
    PostgresApplicationRecorder(datastore(args)).create_table()

    results = multiprocessing.Queue()
    start_at = time.time() + 1.0
    processes = [multiprocessing.Process(target=writer, args=(args, payload, start_at, results)) for _ in range(args.writers)]
    for process in processes:
        process.start()
    total = sum(results.get() for _ in processes)
    for process in processes:
        process.join()
    print(f"appends_per_second={total / args.seconds:.1f}")


if __name__ == "__main__":
    main()
