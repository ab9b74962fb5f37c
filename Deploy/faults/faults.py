#!/usr/bin/env python3
# Fault injection, on loopback only and bounded in time: HTTP writers with Idempotency-Keys
# against `wegweiser demo` on a throwaway PostgreSQL (fsync on), while a fault thread, in a
# rotating order (each round a shuffle of the three) with pauses of a few seconds,
#   - kills the server with SIGKILL and starts it again (same port, flags, master key, dev key),
#   - restarts PostgreSQL in immediate mode (`pg_ctl restart -m immediate`: a crash restart),
#   - terminates the server's backends (`pg_terminate_backend`, by its application_name),
# and after each fault measures how long until a write sent after it was acknowledged (a probe
# writes every 0.1 s meanwhile, so that there is one). Each writer registers a client, opens
# their case and logs consultations on it, now and then an observation, and opens a new client
# and case every 20 to 30 writes, so there are many streams. Every POST carries its own
# Idempotency-Key and an X-Request-ID `faults:KEY:ATTEMPT` (which the events keep as their
# correlation id and the server's request log shows); an unknown outcome (connection refused
# or reset, no answer within 15 s, any 5xx; Retry-After honoured, at most 2 s) is retried with
# the same key and the same body until the answer is definitive (201/200); any other answer is
# a failure. Every acknowledged write is logged to acknowledged.jsonl.
#
# At the end the writers finish their writes in flight (bounded; a write still unresolved at
# the bound may be in the log once or not at all, and is reported), a write must be
# acknowledged again, the hash chain must have sealed every event, then the server is stopped
# with SIGTERM and the script checks, against the database:
#   a. every acknowledged write is in the log exactly once (its event carries the attempt's
#      correlation id and the id the write answered), and per case the consultation and
#      observation events are exactly the acknowledged ones (plus at most the unresolved ones):
#      no retry wrote twice;
#   b. every stream's versions are 1..n without gaps, and `streams.version` is its last one;
#   c. every read model equals its rebuild (`wegweiser rebuild`; snapshots as in RebuildTests);
#   d. `wegweiser verify` exits 0;
#   e. after every fault a write was acknowledged again within 60 s;
#   f. every attempt was answered within 15 s (the server's request deadline is 10 s);
#   g. SIGTERM stopped the server with exit status 0 within 30 s;
#   h. no write was answered other than 200/201 and no writer hung.
# It prints the counts (faults by kind with recovery times, writes by kind, attempts, retries,
# unknown outcomes, 503s, connection errors, timeouts with what the server logged for them,
# events, streams, unresolved writes) and PASS/FAIL per check, and exits 1 if one fails.
# Evidence for a failure (pg_stat_activity when an attempt timed out, the logs around it, the
# server's log tail) goes to evidence.txt.
#
# Usage: Deploy/faults/faults.py [--binary PATH] [--short] [--writers N] [--seed N]
#                                [--seconds N] [--faults KINDS] [--logs DIR]
#   --short    the CI version: 35 s of load, 4 writers, each fault at least once (~45 s in all)
#   default    270 s of load, 8 writers, each fault about 14 times (~5 min in all)
#   --binary   a built `wegweiser` (default: `swift build --product wegweiser`, then
#              .build/debug/wegweiser; for a release server: `swift build -c release
#              --product wegweiser` and --binary .build/release/wegweiser)
#   --seed     the writers' and the faults' random choices (default 1)
#   --faults   the kinds of fault, e.g. --faults terminate,pg_immediate (default: all three)
#   --logs DIR keep the server's log, PostgreSQL's log, acknowledged.jsonl and evidence.txt there
# Needs python3 (3.9+, stdlib only) and PostgreSQL 15 or newer in /usr/lib/postgresql/*/bin; as
# root it runs PostgreSQL as the `postgres` user. Everything lives in a temporary folder under
# /tmp that is removed on exit, also on failure and Ctrl-C.
import argparse
import base64
import datetime
import glob
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CLIENT_TIMEOUT = 15.0  # seconds one HTTP attempt may take (the server's request deadline is 10)
RECOVERY_BOUND = 60.0  # seconds a fault may take until a write is acknowledged again
SIGTERM_BOUND = 30.0  # seconds the server may take to stop on SIGTERM
CHAIN_BOUND = 90.0  # seconds the hash chain may take to seal every event (its sequencer abandons a stalled batch after 60)
EVENT_TYPES = {
    "client": "client.registered",
    "case": "case.opened",
    "consultation": "case.consultation_logged",
    "observation": "case.observation_recorded",
}
# Read-model tables, used if they cannot be read from Sources/Projections/ReadModels.
FALLBACK_TABLES = ["directory", "clients", "client_search", "cases", "case_items", "households",
                   "household_members", "report_staff", "report_cases", "report_people", "report_facts",
                   "report_fact_totals", "published_reports"]


LOG_LOCK = threading.Lock()


def log(message):
    with LOG_LOCK:
        print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Fail(Exception):
    pass


class Environment:
    """The throwaway PostgreSQL and the server; every wait bounded."""

    def __init__(self, binary, work):
        self.binary = binary
        self.work = work
        self.pgbin = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: [int(x) for x in re.findall(r"\d+", p)])[-1]
        self.pgdata = os.path.join(work, "pg")
        self.pgport = free_port()
        self.port = free_port()
        self.url = f"postgres://wegweiser:unused@127.0.0.1:{self.pgport}/wegweiser?sslmode=disable"
        self.master = base64.b64encode(os.urandom(32)).decode()
        self.flags = ["--database-url", self.url, "--keys-master", self.master,
                      "--auth-development-external-database", "true",
                      "--auth-development-key-file", os.path.join(work, "dev.pem")]
        self.server = None
        self.starts = 0
        self.server_log = os.path.join(work, "server.log")
        self.pg_started = False

    def as_pg(self, args):
        return (["runuser", "-u", "postgres", "--"] + args) if os.getuid() == 0 else args

    def pg_options(self):
        return (f"-p {self.pgport} -k /tmp -c listen_addresses=127.0.0.1 -c max_connections=200 "
                "-c fsync=on -c synchronous_commit=on")

    def run(self, args, timeout, check=True):
        result = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout)
        if check and result.returncode != 0:
            raise Fail(f"{' '.join(args[:3])}… exited {result.returncode}: {result.stdout.strip()[-2000:]}")
        return result

    def start_postgres(self):
        os.makedirs(self.pgdata)
        if os.getuid() == 0:
            shutil.chown(self.pgdata, "postgres")
        self.run(self.as_pg([f"{self.pgbin}/initdb", "-D", self.pgdata, "-U", "wegweiser", "--auth=trust"]), 120)
        self.run(self.as_pg([f"{self.pgbin}/pg_ctl", "-D", self.pgdata, "-l", f"{self.pgdata}/log", "-w", "-t", "60",
                             "-o", self.pg_options(), "start"]), 90)
        self.pg_started = True
        self.run([f"{self.pgbin}/createdb", "-h", "127.0.0.1", "-p", str(self.pgport), "-U", "wegweiser", "wegweiser"], 30)

    def restart_postgres_immediate(self):
        self.run(self.as_pg([f"{self.pgbin}/pg_ctl", "restart", "-m", "immediate", "-D", self.pgdata, "-l",
                             f"{self.pgdata}/log", "-w", "-t", "60", "-o", self.pg_options()]), 90)

    def stop_postgres(self):
        if self.pg_started:
            self.run(self.as_pg([f"{self.pgbin}/pg_ctl", "-D", self.pgdata, "-m", "immediate", "stop"]), 60, check=False)
            self.pg_started = False

    def psql(self, sql, timeout=120):
        result = subprocess.run([f"{self.pgbin}/psql", "-h", "127.0.0.1", "-p", str(self.pgport), "-U", "wegweiser",
                                 "-d", "wegweiser", "-qAtX", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c", sql],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=timeout)
        if result.returncode != 0:
            raise Fail(f"psql: {result.stderr.strip()} in: {sql[:200]}")
        return result.stdout

    def rows(self, sql, timeout=120):
        return [line.split("\t") for line in self.psql(sql, timeout).splitlines() if line]

    def start_server(self):
        self.starts += 1
        self.mark(f"server start #{self.starts}")
        out = open(self.server_log, "a")
        self.server = subprocess.Popen([self.binary, "demo", *self.flags, "--demo-district-people", "0",
                                        "--http-port", str(self.port), "--log-level", "info"],
                                       stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                       start_new_session=True, cwd=self.work)
        out.close()
        self.wait_ready(60)

    def ready(self):
        try:
            c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            c.request("GET", "/health/ready")
            status = c.getresponse().status
            c.close()
            return status == 200
        except (OSError, http.client.HTTPException):
            return False

    def wait_ready(self, bound):
        deadline = time.monotonic() + bound
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                raise Fail(f"the server exited with {self.server.returncode}; its log:\n{self.tail(30)}")
            if self.ready():
                return
            time.sleep(0.05)
        raise Fail(f"the server was not ready within {bound:.0f} s; its log:\n{self.tail(30)}")

    def kill_server(self):
        if self.server is None:
            return
        try:
            os.killpg(self.server.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.server.wait(timeout=30)
        self.server = None

    def term_server(self, bound):
        """SIGTERM; answers the seconds it took to exit and its exit status (negative: the signal
        that ended it), or None and None if it did not exit within bound."""
        self.mark("SIGTERM")
        started = time.monotonic()
        self.server.send_signal(signal.SIGTERM)
        try:
            code = self.server.wait(timeout=bound)
        except subprocess.TimeoutExpired:
            return None, None
        self.server = None
        return time.monotonic() - started, code

    def mark(self, text):
        """A line of ours in the server's log, to find a fault's time in it."""
        with open(self.server_log, "a") as f:
            f.write(f"---- faults.py: {text} at {datetime.datetime.now(datetime.timezone.utc).isoformat()}\n")

    def activity(self):
        try:
            return self.psql("SELECT pid, application_name, state, wait_event_type, wait_event, "
                             "now() - query_start AS running, left(query, 120) FROM pg_stat_activity "
                             "WHERE datname = 'wegweiser' AND pid <> pg_backend_pid()", timeout=20)
        except Exception as error:
            return f"(pg_stat_activity not readable: {error})"

    def tail(self, n):
        try:
            with open(self.server_log, errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""

    def token(self):
        result = self.run([self.binary, "token", *self.flags, "--role", "case_worker", "--staff", "demo-worker-a",
                           "--hours", "4"], 60)
        return result.stdout.strip().splitlines()[-1]

    def cleanup(self):
        if self.server is not None:
            try:
                os.killpg(self.server.pid, signal.SIGKILL)
                self.server.wait(timeout=10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
            self.server = None
        try:
            self.stop_postgres()
        except Exception as error:  # cleanup goes on
            print(f"stopping PostgreSQL: {error}", file=sys.stderr)


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.acked = {k: 0 for k in EVENT_TYPES}
        self.attempts = 0
        self.retries = 0
        self.unknown_resolved = 0  # writes that had an unknown outcome and were acknowledged later
        self.status_503 = 0
        self.problems_5xx = {}  # problem type of each 5xx answer -> count
        self.status_5xx_other = 0
        self.connection_errors = 0
        self.timeouts = []  # attempts that got no answer within CLIENT_TIMEOUT
        self.failures = []  # definitive answers other than 200/201
        self.unresolved = []  # writes given up at the end, still unknown
        self.last_ack = None

    def add(self, **counts):
        with self.lock:
            for name, n in counts.items():
                setattr(self, name, getattr(self, name) + n)


class Load:
    """Writers, the probe and the fault thread share this."""

    def __init__(self, env, token, args, stats):
        self.env = env
        self.token = token
        self.args = args
        self.stats = stats
        self.stop = threading.Event()  # writers: no new writes
        self.give_up = threading.Event()  # writers: stop retrying (the drain's bound passed)
        self.ack_file = open(os.path.join(env.work, "acknowledged.jsonl"), "a")
        self.file_lock = threading.Lock()
        self.today = datetime.date.today()
        self.all_writes = {}  # key -> write record (acknowledged, unresolved or failed)
        self.ack_times = []  # (sent, acknowledged) of every acknowledged attempt, in order of acknowledgement

    def first_ack_since(self, started, done):
        """The first acknowledgement, at `done` or later, of an attempt sent at `started` or
        later, or None."""
        with self.file_lock:
            found = None
            for sent, acked in reversed(self.ack_times):
                if acked < started - 1.0:
                    break
                if sent >= started and acked >= done:
                    found = acked if found is None else min(found, acked)
            return found

    def evidence(self, text):
        with self.file_lock:
            with open(os.path.join(self.env.work, "evidence.txt"), "a") as f:
                f.write(f"== {text}\n")

    def record(self, write):
        with self.file_lock:
            self.all_writes[write["key"]] = write
            if write["outcome"] == "acknowledged":
                self.ack_times.append((write["sent"], write["acknowledged"]))
                self.ack_file.write(json.dumps(write) + "\n")
                self.ack_file.flush()

    def write(self, conn_holder, writer, kind, path, body, rng, probe=False, extra=None, deadline=None):
        """POSTs until the answer is definitive; answers the record (outcome acknowledged,
        unresolved or failed). Same key and same body on every attempt. Writers give up when
        `give_up` is set, the probe at `deadline`; only between attempts."""
        key = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        data = json.dumps(body).encode()
        attempts = 0
        unknown = 0
        backoff = 0.1
        first_sent = time.time()
        while True:
            if attempts and (time.time() > deadline if deadline else self.give_up.is_set()):
                write = dict(outcome="unresolved", kind=kind, key=key, writer=writer, path=path, attempts=attempts,
                             unknown_outcomes=unknown, first_sent=first_sent, **(extra or {}))
                with self.stats.lock:
                    self.stats.unresolved.append(write)
                self.record(write)
                return write
            attempts += 1
            correlation = f"faults:{key}:{attempts}"
            sent = time.time()
            self.stats.add(attempts=1, retries=1 if attempts > 1 else 0)
            wait = None
            try:
                conn = conn_holder.get("conn")
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", self.env.port, timeout=CLIENT_TIMEOUT)
                    conn_holder["conn"] = conn
                conn.request("POST", path, body=data, headers={
                    "Authorization": f"Bearer {self.token}", "Content-Type": "application/json",
                    "Idempotency-Key": key, "X-Request-ID": correlation})
                response = conn.getresponse()
                answer = response.read()
                status = response.status
                request_id = response.getheader("X-Request-ID")
                retry_after = response.getheader("Retry-After")
            except socket.timeout:
                conn_holder.pop("conn").close()
                unknown += 1
                with self.stats.lock:
                    self.stats.timeouts.append(dict(writer=writer, kind=kind, key=key, correlation=correlation,
                                                    path=path, sent=sent, gave_up=time.time()))
                log(f"  {writer}: {kind} attempt {attempts} timed out after {CLIENT_TIMEOUT:.0f} s ({correlation})")
                self.evidence(f"{writer}: {kind} attempt {correlation} ({path}) sent at "
                              f"{datetime.datetime.fromtimestamp(sent, datetime.timezone.utc).isoformat()} got no "
                              f"answer within {CLIENT_TIMEOUT:.0f} s; pg_stat_activity now:\n{self.env.activity()}")
                status = None
            except (OSError, http.client.HTTPException):
                c = conn_holder.pop("conn", None)
                if c is not None:
                    c.close()
                unknown += 1
                self.stats.add(connection_errors=1)
                status = None
            if status in (200, 201):
                reply = json.loads(answer)
                now = time.time()
                write = dict(outcome="acknowledged", kind=kind, key=key, id=reply["id"], writer=writer, path=path,
                             attempts=attempts, unknown_outcomes=unknown, status=status, request_id=request_id,
                             correlation=correlation, first_sent=first_sent, sent=sent, acknowledged=now,
                             **(extra or {}))
                with self.stats.lock:
                    self.stats.acked[kind] += 1
                    if unknown:
                        self.stats.unknown_resolved += 1
                    if self.stats.last_ack is None or now > self.stats.last_ack:
                        self.stats.last_ack = now
                self.record(write)
                return write
            if status is not None and status >= 500:
                unknown += 1
                try:
                    problem = json.loads(answer).get("type", "?")
                except ValueError:
                    problem = "(no problem document)"
                with self.stats.lock:
                    label = f"{status} {problem}"
                    self.stats.problems_5xx[label] = self.stats.problems_5xx.get(label, 0) + 1
                if status == 503:
                    self.stats.add(status_503=1)
                else:
                    self.stats.add(status_5xx_other=1)
                try:
                    wait = min(float(retry_after), 2.0) if retry_after else None
                except ValueError:
                    wait = None
            elif status is not None:
                write = dict(outcome="failed", kind=kind, key=key, writer=writer, path=path, attempts=attempts,
                             status=status, answer=answer.decode(errors="replace")[:500], **(extra or {}))
                with self.stats.lock:
                    self.stats.failures.append(write)
                self.record(write)
                log(f"  {writer}: {kind} answered {status}: {write['answer'][:200]}")
                return write
            if probe:
                time.sleep(0.1)
            else:
                time.sleep(wait if wait is not None else backoff * rng.uniform(0.5, 1.0))
                backoff = min(backoff * 2, 2.0)

    # Bodies (valid per openapi.yaml).
    def client_body(self, rng):
        group = rng.choice(["refugee_follow_up_housing", "refugee_follow_up_housing", "displaced_from_ukraine"])
        citizenship = "UA" if group == "displaced_from_ukraine" else rng.choice(["SY", "AF", "IQ", "ER", "TR"])
        return {"given_name": rng.choice(["Amal", "Yusuf", "Olena", "Dawit", "Samira", "Ali"]),
                "family_name": f"{rng.choice(['Haddad', 'Karimi', 'Kovalenko', 'Tesfaye', 'Yilmaz'])} {rng.randrange(10**6)}",
                "year_of_birth": rng.randrange(1960, 2006), "gender": rng.choice(["female", "male", "diverse"]),
                "citizenships": [citizenship], "languages": ["ar" if citizenship != "UA" else "uk"],
                "target_group": group}

    def day(self, rng, earliest_days_ago, latest_days_ago):
        return (self.today - datetime.timedelta(days=rng.randrange(latest_days_ago, earliest_days_ago + 1))).isoformat()

    def consultation_body(self, rng):
        body = {"held_on": self.day(rng, 150, 1), "duration_minutes": rng.choice([15, 30, 45, 60, 90]),
                "place": rng.choice(["office", "home_visit", "phone", "video", "accompaniment"]),
                "note": f"Gespräch {rng.randrange(10**6)}"}
        if rng.random() < 0.2:
            body["referrals"] = [{"target": rng.choice(["jobcenter", "debt_counselling", "school_or_kita"])}]
        return body

    def observation_body(self, rng):
        if rng.random() < 0.6:
            return {"field": "german_level", "value": {"status": "value", "code": rng.choice(["a1", "a2", "b1", "b2"])},
                    "observed_on": self.day(rng, 150, 1)}
        return {"field": rng.choice(["employment", "housing", "benefits", "residence_status"]),
                "value": {"status": rng.choice(["declined", "not_asked", "unknown"])}, "observed_on": self.day(rng, 150, 1)}

    def open_case(self, holder, writer, rng, probe=False, deadline=None):
        """A new client and their case; answers their ids, or Nones if a write did not succeed."""
        client = self.write(holder, writer, "client", "/clients", self.client_body(rng), rng, probe=probe, deadline=deadline)
        if client["outcome"] != "acknowledged":
            return None, None
        body = {"client_id": client["id"], "opening": "direct_intake", "opened_on": self.day(rng, 200, 170)}
        case = self.write(holder, writer, "case", "/cases", body, rng, probe=probe, extra={"client_id": client["id"]},
                          deadline=deadline)
        if case["outcome"] != "acknowledged":
            return None, None
        return client["id"], case["id"]

    def writer(self, index):
        rng = random.Random(self.args.seed * 1000 + index)
        name = f"writer-{index}"
        holder = {}
        try:
            while not self.stop.is_set():
                client, case = self.open_case(holder, name, rng)
                if case is None:
                    break
                for _ in range(rng.randrange(20, 31)):
                    if self.stop.is_set():
                        break
                    if rng.random() < 0.15:
                        w = self.write(holder, name, "observation", f"/cases/{case}/observations", self.observation_body(rng),
                                       rng, extra={"case_id": case, "client_id": client})
                    else:
                        w = self.write(holder, name, "consultation", f"/cases/{case}/consultations", self.consultation_body(rng),
                                       rng, extra={"case_id": case, "client_id": client})
                    if w["outcome"] != "acknowledged":
                        return
        except Exception as error:  # a bug in the script: report it as a failure
            with self.stats.lock:
                self.stats.failures.append(dict(outcome="failed", writer=name, error=repr(error)))
            log(f"  {name}: {error!r}")


class Faults:
    KINDS = ["sigkill", "pg_immediate", "terminate"]

    def __init__(self, load, env, rng, pauses, kinds):
        self.kinds = kinds
        self.load = load
        self.env = env
        self.rng = rng
        self.pauses = pauses
        self.records = []  # dict(kind, at, action_s, recovery_s | None, detail)
        self.probe_cases = []  # (client id, case id) of the probes, each used by one at a time
        self.probe_threads = []
        self.stuck = None  # the evidence, if the server did not recover
        self.lock = threading.Lock()

    def probe(self, started, done=None):
        """Waits until a write whose acknowledged attempt was sent at `started` or later is
        acknowledged (by a writer or by a probe: a consultation on a case of its own, retried
        every 0.1 s with the same key, so that there is one); answers the time, or None past
        the bound. A probe that hangs is left to finish on its own, on its own case."""
        deadline = time.time() + RECOVERY_BOUND
        with self.lock:
            case = self.probe_cases.pop() if self.probe_cases else None
        if case is not None:
            rng = random.Random(self.rng.getrandbits(64))

            def run():
                try:
                    self.load.write({}, "probe", "consultation", f"/cases/{case[1]}/consultations",
                                    self.load.consultation_body(rng), rng, probe=True, deadline=deadline,
                                    extra={"case_id": case[1], "client_id": case[0]})
                finally:
                    with self.lock:
                        self.probe_cases.append(case)
            thread = threading.Thread(target=run, daemon=True)
            thread.start()
            self.probe_threads.append(thread)
        while time.time() < deadline:
            acked = self.load.first_ack_since(started, done or started)
            if acked is not None:
                return acked
            time.sleep(0.02)
        return None

    def inject(self, kind):
        started = time.time()
        detail = ""
        self.env.mark(f"fault {kind}")
        try:
            if kind == "sigkill":
                self.env.kill_server()
                self.env.start_server()
            elif kind == "pg_immediate":
                self.env.restart_postgres_immediate()
            elif kind == "terminate":
                n = self.env.psql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE pid <> pg_backend_pid() "
                                  "AND datname = 'wegweiser' AND backend_type = 'client backend' "
                                  "AND application_name LIKE 'wegweiser%'", timeout=30).strip()
                detail = f"({n} backends)"
        except (Fail, subprocess.TimeoutExpired) as error:
            with self.lock:
                self.records.append(dict(kind=kind, at=started, action_s=time.time() - started, recovery_s=None,
                                         detail=str(error)))
            self.stuck = self.evidence(f"{kind} failed: {error}")
            log(f"fault {kind}: FAILED: {error}")
            return False
        action = time.time() - started
        acked = self.probe(started, time.time())
        recovery = acked - started if acked else None
        record = dict(kind=kind, at=started, action_s=action, recovery_s=recovery, detail=detail)
        with self.lock:
            self.records.append(record)
        if recovery is None:
            self.stuck = self.evidence(f"no write acknowledged within {RECOVERY_BOUND:.0f} s after {kind}")
            log(f"fault {kind}: NOT RECOVERED within {RECOVERY_BOUND:.0f} s")
        else:
            log(f"fault {kind} {detail}: action {action:.2f} s, a write acknowledged {recovery:.2f} s after it")
        return recovery is not None

    def evidence(self, why):
        evidence = "\n".join([why, "-- server log, last 40 lines:", self.env.tail(40),
                              "-- pg_stat_activity:", self.env.activity()])
        self.load.evidence(evidence)
        return evidence

    def run(self, until, counts_needed):
        order = []
        kinds = self.kinds
        while True:
            counts = {k: sum(1 for r in self.records if r["kind"] == k) for k in kinds}
            now = time.monotonic()
            if now >= until and (not counts_needed or all(counts.values()) or now >= until + 30):
                return
            time.sleep(self.rng.uniform(*self.pauses))
            if self.load.stop.is_set():
                return
            if not order:
                order = kinds[:]
                self.rng.shuffle(order)
            if not self.inject(order.pop(0)):
                return


def read_model_tables():
    tables = []
    for path in sorted(glob.glob(os.path.join(ROOT, "Sources/Projections/ReadModels/*.swift"))):
        for match in re.finditer(r"public let tables = \[([^\]]*)\]", open(path).read()):
            tables += re.findall(r'"([a-z_]+)"', match.group(1))
    return tables or FALLBACK_TABLES


def snapshot(env, tables):
    shot = {}
    for table in tables:
        sql = ("SELECT count(*), md5(coalesce(jsonb_agg(row ORDER BY row::text), '[]')::text) "
               f"FROM (SELECT to_jsonb(t) - 'updated_at' AS row FROM {table} t) AS rows")
        count, digest = env.rows(sql, timeout=300)[0]
        shot[table] = (int(count), digest)
    return shot


def keep_live(env, tables):
    """Copies the live read models into schema faults_live, to show what differs after a rebuild."""
    env.psql("DROP SCHEMA IF EXISTS faults_live CASCADE; CREATE SCHEMA faults_live; "
             + " ".join(f"CREATE TABLE faults_live.{t} AS TABLE {t};" for t in tables), timeout=300)


def difference(env, table):
    """Rows only in the live copy and only in the rebuilt table (counts and two of each)."""
    row = "(to_jsonb(t) - 'updated_at')::text"
    lines = []
    for name, a, b in (("only live", f"faults_live.{table}", table), ("only rebuilt", table, f"faults_live.{table}")):
        rows = env.psql(f"SELECT {row} FROM {a} t EXCEPT ALL SELECT {row} FROM {b} t", timeout=300).splitlines()
        lines.append(f"{table}: {len(rows)} rows {name}" + "".join(f"\n        {r[:400]}" for r in rows[:2]))
    return lines


def check_log(env, load, stats):
    """Assertion a: every acknowledged write exactly once; per case, exactly the acknowledged
    items (plus at most the unresolved ones). Answers (ok, lines, replayed)."""
    problems = []
    events = env.rows("SELECT event_type, stream_id, upper(payload->>'id'), metadata->>'request_id', "
                      "coalesce(metadata->>'correlation_id', '') FROM events "
                      f"WHERE event_type IN ({', '.join(repr(t) for t in EVENT_TYPES.values())})", timeout=300)
    by_key = {}
    per_case = {}
    for event_type, stream, item, request_id, correlation in events:
        m = re.fullmatch(r"faults:([0-9a-f-]{36}):(\d+)", correlation)
        if m:
            by_key.setdefault(m.group(1), []).append((event_type, stream, item, request_id, int(m.group(2))))
        if stream.startswith("case-"):
            per_case.setdefault((stream, event_type), 0)
            per_case[(stream, event_type)] += 1
    writes = load.all_writes
    replayed = 0
    acked = 0
    for key, write in writes.items():
        found = by_key.get(key, [])
        if write["outcome"] == "acknowledged":
            acked += 1
            kind = write["kind"]
            stream = (f"case-{write['case_id'].upper()}" if kind in ("consultation", "observation")
                      else f"{kind}-{write['id'].upper()}")
            if len(found) != 1:
                problems.append(f"{kind} {write['id']} (key {key}): {len(found)} events")
                continue
            event_type, event_stream, item, request_id, attempt = found[0]
            if (event_type, event_stream, item) != (EVENT_TYPES[kind], stream, write["id"].upper()):
                problems.append(f"{kind} {write['id']} (key {key}): the event is {event_type} {item} in {event_stream}")
            if request_id != write["request_id"]:
                replayed += 1  # an earlier attempt committed; the acknowledgement was the replay
        elif len(found) > 1:
            problems.append(f"{write['outcome']} {write['kind']} (key {key}): {len(found)} events")
    for key in by_key:
        if key not in writes:
            problems.append(f"events of a key no writer sent: {key}")
    expected = {}
    allowed = {}
    for write in writes.values():
        if write["kind"] in ("consultation", "observation") and "case_id" in write:
            k = (f"case-{write['case_id'].upper()}", EVENT_TYPES[write["kind"]])
            if write["outcome"] == "acknowledged":
                expected[k] = expected.get(k, 0) + 1
            elif by_key.get(write["key"]):  # an unresolved write that did commit
                allowed[k] = allowed.get(k, 0) + 1
    case_streams = {f"case-{w['id'].upper()}" for w in writes.values() if w["kind"] == "case" and w["outcome"] == "acknowledged"}
    for stream in case_streams:
        for event_type in (EVENT_TYPES["consultation"], EVENT_TYPES["observation"]):
            k = (stream, event_type)
            n, want, extra = per_case.get(k, 0), expected.get(k, 0), allowed.get(k, 0)
            if n != want + extra:
                problems.append(f"{stream}: {n} × {event_type}, acknowledged {want} (+{extra} unresolved that committed)")
    return not problems, problems, replayed, acked


def check_versions(env):
    gaps = env.rows("SELECT stream_id, min(stream_version), max(stream_version), count(*) FROM events "
                    "GROUP BY stream_id HAVING min(stream_version) <> 1 OR max(stream_version) <> count(*)", timeout=300)
    heads = env.rows("SELECT s.stream_id, s.version, e.v FROM streams s FULL JOIN "
                     "(SELECT stream_id, max(stream_version) AS v FROM events GROUP BY stream_id) e USING (stream_id) "
                     "WHERE s.version IS DISTINCT FROM e.v", timeout=300)
    problems = [f"{s}: versions {lo}..{hi}, {n} events" for s, lo, hi, n in gaps]
    problems += [f"{s}: streams.version {v}, last event {e}" for s, v, e in heads]
    return not problems, problems


def timeout_context(env, load, stats):
    """For each attempt that timed out: PostgreSQL's log lines and the server's log lines other
    than answered requests from 2 s before to 2 s after it was sent, into evidence.txt."""
    def read(path, pattern, form):
        lines = []
        try:
            with open(path, errors="replace") as f:
                for line in f:
                    m = re.match(pattern, line)
                    if m:
                        at = datetime.datetime.strptime(m.group(1), form).replace(tzinfo=datetime.timezone.utc).timestamp()
                        lines.append((at, line.rstrip()))
        except OSError:
            pass
        return lines
    server = read(env.server_log, r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\+0000", "%Y-%m-%dT%H:%M:%S")
    server = [(at, l) for at, l in server if not re.search(r" status=[23]\d\d ", l)]
    postgres = read(os.path.join(env.pgdata, "log"), r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+) UTC", "%Y-%m-%d %H:%M:%S.%f")
    for t in stats.timeouts:
        near = lambda lines, slack: [l[:400] for at, l in lines if t["sent"] - 2 - slack <= at <= t["sent"] + 2]
        load.evidence("\n".join([f"context of {t['correlation']} ({t['path']}), sent at "
                                 f"{datetime.datetime.fromtimestamp(t['sent'], datetime.timezone.utc).isoformat()}",
                                 "-- the server's log lines (without answered requests), 2 s either side:",
                                 *near(server, 1), "-- PostgreSQL's log, 2 s either side:", *near(postgres, 0)]))


def percentile_line(values):
    if not values:
        return "-"
    return f"min {min(values):.2f} s, median {statistics.median(values):.2f} s, max {max(values):.2f} s"


def timeouts_report(env, load, stats):
    """Each attempt that timed out, with the server's request log line for it (if any)."""
    lines = []
    answers = {}
    try:
        with open(env.server_log, errors="replace") as f:
            for line in f:
                m = re.search(r"correlation_id=(faults:\S+)", line)
                if m:
                    answers.setdefault(m.group(1), []).append(line)
    except OSError:
        pass
    for t in stats.timeouts:
        answered = answers.get(t["correlation"], [])
        status = [re.search(r"duration_ms=(\S+).*status=(\d+)", l) for l in answered]
        status = [f"status={m.group(2)} duration_ms={m.group(1)}" for m in status if m]
        sent = datetime.datetime.fromtimestamp(t["sent"], datetime.timezone.utc).strftime("%H:%M:%S")
        write = load.all_writes.get(t["key"], {})
        then = (f"the write was acknowledged after {write['attempts']} attempts, "
                f"{write['acknowledged'] - t['sent']:.1f} s after this one was sent"
                if write.get("outcome") == "acknowledged" else f"the write ended {write.get('outcome', 'unrecorded')}")
        lines.append(f"{t['writer']} {t['kind']} {t['correlation']} sent {sent}Z: "
                     + (f"the server answered it late: {', '.join(status)}" if status else
                        "the server never logged an answer to it")
                     + f"; {then}")
    return lines


def main():
    parser = argparse.ArgumentParser(description="Fault injection against wegweiser (see the header).")
    parser.add_argument("--binary")
    parser.add_argument("--short", action="store_true")
    parser.add_argument("--writers", type=int)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--seconds", type=float, help="seconds of load (default 35 with --short, else 270)")
    parser.add_argument("--logs", help="a folder to keep the logs in")
    parser.add_argument("--faults", default=",".join(Faults.KINDS),
                        help=f"the kinds of fault, comma-separated (default {','.join(Faults.KINDS)})")
    args = parser.parse_args()
    kinds = [k for k in args.faults.split(",") if k]
    if not kinds or any(k not in Faults.KINDS for k in kinds):
        parser.error(f"--faults: a comma-separated list of {', '.join(Faults.KINDS)}")
    writers = args.writers or (4 if args.short else 8)
    seconds = args.seconds or (35 if args.short else 270)
    pauses = (2.0, 4.0) if args.short else (3.0, 7.0)
    drain_bound = 20.0 if args.short else 45.0

    binary = args.binary
    if not binary:
        subprocess.run(["swift", "build", "--product", "wegweiser"], cwd=ROOT, check=True)
        binary = os.path.join(ROOT, ".build/debug/wegweiser")
    binary = os.path.abspath(binary)
    if not glob.glob("/usr/lib/postgresql/*/bin/initdb"):
        sys.exit("needs PostgreSQL 15 or newer in /usr/lib/postgresql/*/bin (Debian: apt-get install -y postgresql)")

    def interrupted(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGINT, interrupted)

    work = tempfile.mkdtemp(prefix="wegweiser-faults.", dir="/tmp")
    os.chmod(work, 0o755)
    env = Environment(binary, work)
    stats = Stats()
    verdicts = []  # (name, ok, details)
    began = time.monotonic()
    status = 1
    load = None
    try:
        log(f"PostgreSQL ({env.pgbin}) on port {env.pgport}, the server on port {env.port}, in {work}")
        env.start_postgres()
        env.start_server()
        token = env.token()
        load = Load(env, token, args, stats)
        faults = Faults(load, env, random.Random(args.seed), pauses, kinds)
        for i in range(4):
            case = load.open_case({}, "probe", random.Random(args.seed * 1000 + 900 + i), probe=True,
                                  deadline=time.time() + 30)
            if case[1] is None:
                raise Fail("a probe's case could not be opened")
            faults.probe_cases.append(case)

        log(f"{writers} writers, {seconds:.0f} s of load with faults (seed {args.seed})")
        threads = [threading.Thread(target=load.writer, args=(i,), daemon=True) for i in range(writers)]
        for t in threads:
            t.start()
        load_started = time.monotonic()
        faults.run(load_started + seconds, counts_needed=True)
        load_seconds = time.monotonic() - load_started

        log("stopping the writers (each finishes its write in flight)")
        load.stop.set()
        drain_deadline = time.monotonic() + drain_bound
        for t in threads:
            t.join(max(0.0, drain_deadline - time.monotonic()))
        if any(t.is_alive() for t in threads):
            log(f"writes still unresolved after {drain_bound:.0f} s: giving up on them")
            load.give_up.set()
            for t in threads:
                t.join(CLIENT_TIMEOUT + 5)
        for t in faults.probe_threads:
            t.join(max(0.0, drain_deadline + CLIENT_TIMEOUT + 5 - time.monotonic()))
        hung_writers = sum(t.is_alive() for t in threads + faults.probe_threads)

        # The server must answer writes again; if it does not, that is recorded, and it is
        # killed and restarted so that the log can still be checked.
        if faults.stuck is None:
            acked = faults.probe(time.time())
            if acked is None:
                faults.stuck = faults.evidence("the server did not acknowledge a write after the load")
        if faults.stuck is not None:
            log("the server did not recover; SIGTERM (bounded), then SIGKILL and a restart to check the log")
            if env.server is not None:
                took, code = env.term_server(SIGTERM_BOUND)
                faults.stuck += (f"\n-- SIGTERM to the stuck server: exit status {code} after {took:.1f} s" if took is not None
                                 else f"\n-- SIGTERM did not stop the stuck server within {SIGTERM_BOUND:.0f} s")
                env.kill_server()
            if env.server is None:
                env.start_server()
            if faults.probe(time.time()) is None:
                raise Fail("no write acknowledged even after a restart of the server")

        log("waiting for the hash chain to seal every event")
        chain_started = time.monotonic()
        deadline = chain_started + CHAIN_BOUND
        while True:
            behind = int(env.psql("SELECT count(*) FROM events e WHERE NOT EXISTS "
                                  "(SELECT 1 FROM event_chain c WHERE c.global_position = e.global_position)").strip())
            if behind == 0:
                break
            if time.monotonic() > deadline:
                raise Fail(f"the hash chain did not catch up within {CHAIN_BOUND:.0f} s ({behind} events unsealed)")
            time.sleep(0.2)
        chain_seconds = time.monotonic() - chain_started

        stop_seconds, stop_code = env.term_server(SIGTERM_BOUND)
        timeout_context(env, load, stats)
        if stop_seconds is None:
            faults.evidence(f"SIGTERM did not stop the server within {SIGTERM_BOUND:.0f} s")
            env.kill_server()
        elif stop_code != 0:
            faults.evidence(f"SIGTERM: the server exited with status {stop_code} after {stop_seconds:.1f} s")

        log("checking the log")
        ok_a, problems_a, replayed, acked_total = check_log(env, load, stats)
        verdicts.append(("a. every acknowledged write in the log exactly once", ok_a, problems_a))
        ok_b, problems_b = check_versions(env)
        verdicts.append(("b. stream versions 1..n without gaps", ok_b, problems_b))

        log("snapshot, rebuild, snapshot")
        tables = read_model_tables()
        live = snapshot(env, tables)
        keep_live(env, tables)
        rebuild = env.run([binary, "rebuild", "--database-url", env.url, "--keys-master", env.master], 600, check=False)
        problems_c = []
        if rebuild.returncode != 0:
            problems_c.append(f"wegweiser rebuild exited {rebuild.returncode}: {rebuild.stdout.strip()[-1000:]}")
        else:
            rebuilt = snapshot(env, tables)
            for table in tables:
                if live[table] != rebuilt[table]:
                    problems_c.append(f"{table}: {live[table][0]} rows live, {rebuilt[table][0]} rebuilt, contents differ")
                    problems_c += difference(env, table)
        verdicts.append((f"c. every read model equals its rebuild ({len(tables)} tables)", not problems_c, problems_c))

        verify = env.run([binary, "verify", "--database-url", env.url], 300, check=False)
        verdicts.append(("d. wegweiser verify", verify.returncode == 0,
                         [] if verify.returncode == 0 else [verify.stdout.strip()[-1000:]]))
        verdicts.append(("e. a write acknowledged again after every fault", faults.stuck is None,
                         [] if faults.stuck is None else faults.stuck.splitlines()[:1]))
        verdicts.append((f"f. every attempt answered within {CLIENT_TIMEOUT:.0f} s (the server's request deadline is 10 s)",
                         not stats.timeouts, timeouts_report(env, load, stats)))
        stop_problems = []
        if stop_seconds is None:
            stop_problems.append(f"it did not stop within {SIGTERM_BOUND:.0f} s (killed)")
        elif stop_code != 0:
            crash = [l.strip() for l in env.tail(400).splitlines() if "Fatal error" in l or "Program crashed" in l]
            stop_problems.append(f"exit status {stop_code} after {stop_seconds:.1f} s" + (f": {' / '.join(crash[:2])}" if crash else ""))
        verdicts.append((f"g. SIGTERM stops the server cleanly (exit 0) within {SIGTERM_BOUND:.0f} s", not stop_problems,
                         stop_problems))
        verdicts.append(("h. no write answered other than 200/201, no writer hung", not stats.failures and not hung_writers,
                         [str(w)[:300] for w in stats.failures] + ([f"{hung_writers} writers hung"] if hung_writers else [])))

        event_count = int(env.psql("SELECT count(*) FROM events").strip())
        stream_count = int(env.psql("SELECT count(*) FROM streams").strip())

        # The summary.
        elapsed = time.monotonic() - began
        print()
        print(f"== faults.py summary ({'short' if args.short else 'full'}, seed {args.seed})")
        print(f"duration: {elapsed:.0f} s in all, {load_seconds:.0f} s of load; {writers} writers; binary {binary}")
        print("faults (recovery: from the fault until a write was acknowledged again):")
        for kind in kinds:
            records = [r for r in faults.records if r["kind"] == kind]
            recovered = [r["recovery_s"] for r in records if r["recovery_s"] is not None]
            print(f"  {kind:<13} {len(records):>3} ×  recovery {percentile_line(recovered)}"
                  + (f"; {len(records) - len(recovered)} NOT RECOVERED" if len(recovered) < len(records) else ""))
        print("acknowledged writes: " + ", ".join(f"{k} {n}" for k, n in stats.acked.items())
              + f"; {sum(stats.acked.values())} in all ({sum(1 for w in load.all_writes.values() if w.get('writer') == 'probe' and w['outcome'] == 'acknowledged')} by the probe)")
        print(f"attempts {stats.attempts}, retries {stats.retries}, unknown outcomes later resolved {stats.unknown_resolved} "
              f"(of them answered from the idempotency record, an earlier attempt had committed: {replayed}), "
              f"503s {stats.status_503}, other 5xx {stats.status_5xx_other}, connection errors {stats.connection_errors}, "
              f"timeouts {len(stats.timeouts)}")
        if stats.problems_5xx:
            print("5xx answers by problem type: " + ", ".join(f"{k} × {n}" for k, n in sorted(stats.problems_5xx.items())))
        print(f"events in the log {event_count}, streams {stream_count}; the hash chain sealed them all "
              f"{chain_seconds:.1f} s after the writers stopped")
        stalls = [l for l in open(env.server_log, errors="replace") if "the call was abandoned" in l]
        if stalls:
            print(f"background database calls the server abandoned after a stall: {len(stalls)}")
            for l in stalls[:5]:
                print(f"  {l.strip()[:200]}")
        print(f"unresolved writes: {len(stats.unresolved)}"
              + "".join(f"\n  {w['writer']} {w['kind']} key {w['key']} after {w['attempts']} attempts" for w in stats.unresolved))
        print(f"failed writes (a definitive answer other than 200/201): {len(stats.failures)}"
              + "".join(f"\n  {w}" for w in stats.failures[:10]))
        print(f"server: {env.starts} starts; SIGTERM at the end: "
              + (f"exit status {stop_code} after {stop_seconds:.2f} s" if stop_seconds is not None
                 else f"DID NOT STOP within {SIGTERM_BOUND:.0f} s"))
        if faults.stuck is not None:
            print("THE SERVER DID NOT RECOVER:")
            print(faults.stuck)
        for name, ok, problems in verdicts:
            print(f"{'PASS' if ok else 'FAIL'}  {name}")
            for p in problems[:10]:
                print(f"      {p}")
            if len(problems) > 10:
                print(f"      … and {len(problems) - 10} more")
        passed = all(ok for _, ok, _ in verdicts)
        print("PASS" if passed else "FAIL")
        status = 0 if passed else 1
    except Fail as error:
        print(f"FAIL: {error}", file=sys.stderr)
        print(f"server log, last lines:\n{env.tail(30)}", file=sys.stderr)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        status = 130
    finally:
        if load is not None:
            load.stop.set()
            load.give_up.set()
        env.cleanup()
        if args.logs:
            os.makedirs(args.logs, exist_ok=True)
            for name in ("server.log", "acknowledged.jsonl", "evidence.txt", "pg/log"):
                source = os.path.join(work, name)
                if os.path.exists(source):
                    shutil.copy(source, os.path.join(args.logs, name.replace("/", "-")))
        shutil.rmtree(work, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
