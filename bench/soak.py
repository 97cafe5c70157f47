#!/usr/bin/env python3
"""Soak run, on demand (not in CI): mixed load for --minutes with faults along the way. Prints
numbers and exits non-zero when a promise is broken: an acknowledged message lost, or a
program's memory grown by 10% or more.

  bench/soak.py [--minutes 30] [--askers 12] [--delay 2]

The stack is scripts/run's (2 worker processes, chat-admin, nginx, a private MariaDB) with a
slow model (bench/slow_model.py behind nghttpx: TLS with a throwaway CA, HTTP/2) that answers
after --delay seconds. Load: --askers visitors asking one after another (half streamed; every
third ask starts a new conversation, the others follow up in the current one), one reader of transcripts and one admin asking
for stats, all through nginx. Faults: the database is restarted at a tenth of the run, and the
busiest chat-worker child is killed (SIGKILL) at a fifth.

An ask is acknowledged when its reply is a 200 with the answer (the JSON body, or the stream's
`done` event). At the end every acknowledged question and its answer must be in the database.
Memory (mariadbd's is reported, not judged): resident memory of each program (all its processes) at three tenths of the run (the
processes the faults replaced have warmed up again), and at the end, after the load stopped. Needs a Release build in build-bench/ (bench/run
makes it) or CHAT_TEST_BUILD_DIR, and nghttpx.
"""
import argparse
import collections
import hashlib
import http.client
import itertools
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from asks_in_flight import REPO_DIR, start_model  # noqa: E402  (also sets up the harness path)
from harness import Client, Stack  # noqa: E402

ADMIN_TOKEN = "soak-admin-token-0123456789abcdef"
PROGRAMS = ("chat-worker", "chat-admin", "nginx", "mariadbd")
# The product's processes must not grow by this much; mariadbd is reported only (its buffer pool
# fills as the tables grow, by design).
MEMORY_GROWTH_LIMIT = 0.10
GATED_PROGRAMS = ("chat-worker", "chat-admin", "nginx")


def resident_mb(stack):
    """Resident memory in MB of each program of this stack, all its processes together."""
    totals = collections.Counter()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/comm") as comm:
                name = comm.read().strip()
            if name not in PROGRAMS:
                continue
            with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                if name in ("nginx", "mariadbd") and stack.var_dir.encode() not in cmdline.read():
                    if name == "mariadbd" or not _nginx_of(stack, pid):
                        continue
            if name in ("chat-worker", "chat-admin"):
                with open(f"/proc/{pid}/environ", "rb") as environ:
                    if f"CHAT_VAR_DIR={stack.var_dir}\0".encode() not in environ.read():
                        continue
            with open(f"/proc/{pid}/status") as status:
                totals[name] += next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024
        except (OSError, StopIteration):
            continue
    return totals


def _nginx_of(stack, pid):
    """nginx workers carry no path in their command line: they belong to the master's stack."""
    with open(f"/proc/{pid}/stat") as stat:
        parent = stat.read().rsplit(")", 1)[1].split()[1]
    try:
        with open(f"/proc/{parent}/cmdline", "rb") as cmdline:
            return stack.var_dir.encode() in cmdline.read()
    except OSError:
        return False


class Tally:
    """What the load saw, shared by its threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.replies = collections.Counter()
        self.acknowledged = []  # (session_id, question, answer)

    def count(self, kind):
        with self.lock:
            self.replies[kind] += 1

    def acknowledge(self, session_id, question, answer):
        with self.lock:
            self.acknowledged.append((session_id, question, answer))


def ask_once(client, question, session_id, streamed):
    """(kind, session id, answer): kind is "200" for an acknowledged answer."""
    try:
        if streamed:
            events = client.ask_streaming(question, session_id, timeout=60)
            if events and events[-1][1] == "done":
                done = events[-1][2]
                return "200", done["session_id"], done["response"]
            return "stream ended by " + (events[-1][1] if events else "nothing"), None, None
        reply = client.ask(question, session_id)
        if reply.status == 200:
            body = reply.json()
            return "200", body["session_id"], body["response"]
        return str(reply.status), None, None
    except AssertionError as error:  # a stream refused with another status
        return str(error).split(":", 1)[0].replace("status ", ""), None, None
    except (OSError, ValueError, KeyError, http.client.HTTPException) as error:  # a cut reply
        return type(error).__name__, None, None


def asker(port, number, stop, tally):
    client, session_id = Client(port), None
    for turn in itertools.count():
        if stop.is_set():
            return
        question = f"soak visitor {number} turn {turn}: what does AtonixDev offer?"
        kind, session, answer = ask_once(client, question, session_id if turn % 3 else None, turn % 2 == 0)
        tally.count("ask " + kind)
        if kind == "200":
            session_id = session
            tally.acknowledge(session, question, answer)
        else:
            time.sleep(0.5)  # a refused or failed ask: the visitor waits a little, as the widget does


def reader(port, stop, tally):
    client = Client(port)
    while not stop.is_set():
        with tally.lock:
            known = [entry[0] for entry in tally.acknowledged[-200:]]
        if not known:
            time.sleep(0.2)
            continue
        try:
            tally.count(f"read {client.session(random.choice(known)).status}")
        except (OSError, http.client.HTTPException) as error:
            tally.count("read " + type(error).__name__)
        time.sleep(0.05)


def admin(port, stop, tally):
    client = Client(port)
    while not stop.is_set():
        try:
            reply = client.request("GET", "/admin/api/stats", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
            tally.count(f"admin {reply.status}")
        except (OSError, http.client.HTTPException) as error:
            tally.count("admin " + type(error).__name__)
        time.sleep(1)


def restart_database(stack):
    started = time.monotonic()
    stack.database.stop()
    time.sleep(3)
    stack.database.start()
    print(f"  database restarted ({time.monotonic() - started:.1f} s down)", flush=True)


def cpu_ticks(pid):
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:  # it exited meanwhile
        return -1
    return int(fields[11]) + int(fields[12])  # utime + stime


def kill_the_busiest_worker_child(stack):
    """SIGKILL to the chat-worker child that has served the most, with asks in flight."""
    processes = stack.worker_processes()
    children = [pid for pid, parent in processes.items() if parent in processes]
    if children:
        busiest = max(children, key=cpu_ticks)
        os.kill(busiest, 9)
        print(f"  chat-worker child {busiest} killed", flush=True)


def lost_messages(stack, acknowledged):
    """The acknowledged exchanges whose question or answer is not in the database."""
    stored = collections.Counter(tuple(row) for row in stack.database.query(
        "SELECT session_id, sender, SHA2(message, 256) FROM chat_messages"))
    digest = lambda text: hashlib.sha256(text.encode()).hexdigest()  # noqa: E731
    lost = 0
    for session, question, answer in acknowledged:
        for key in ((session, "visitor", digest(question)), (session, "bot", digest(answer))):
            if stored[key] == 0:
                lost += 1
            else:
                stored[key] -= 1
    return lost


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--askers", type=int, default=12)
    parser.add_argument("--delay", type=float, default=2.0)
    args = parser.parse_args()
    duration = args.minutes * 60
    directory = tempfile.mkdtemp(prefix="chat-soak-")
    processes, front, ca = start_model(directory, args.delay)
    stack = Stack(HUGGINGFACE_API_KEY="soak-token", CHAT_LLM_URL=f"https://127.0.0.1:{front}/v1", CHAT_CA_FILE=ca,
                  CHAT_ADMIN_TOKEN=ADMIN_TOKEN, CHAT_CACHE_TTL_SECONDS="0").start()
    tally, stop = Tally(), threading.Event()
    threads = [threading.Thread(target=asker, args=(stack.port, n, stop, tally)) for n in range(args.askers)]
    threads += [threading.Thread(target=reader, args=(stack.port, stop, tally)),
                threading.Thread(target=admin, args=(stack.port, stop, tally))]
    try:
        print(f"soak: {args.minutes:g} min, {args.askers} askers, model delay {args.delay:g} s, logs {stack.var_dir}/log",
              flush=True)
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for at, fault in ((duration / 10, lambda: restart_database(stack)),
                          (duration / 5, lambda: kill_the_busiest_worker_child(stack)),
                          (duration * 3 / 10, lambda: None)):
            time.sleep(max(0, started + at - time.monotonic()))
            fault()
        memory_at_start = resident_mb(stack)
        time.sleep(max(0, started + duration - time.monotonic()))
        stop.set()
        for thread in threads:
            thread.join()
        time.sleep(2)  # answers under way are stored
        memory_at_end = resident_mb(stack)
        lost = lost_messages(stack, tally.acknowledged)
    finally:
        stack.stop()
        for process in processes:
            process.terminate()

    print(f"\nreplies in {args.minutes:g} min:")
    for kind, count in sorted(tally.replies.items()):
        print(f"  {kind:<28} {count}")
    print(f"acknowledged asks: {len(tally.acknowledged)}; acknowledged messages lost: {lost}")
    print("resident memory (MB), at three tenths of the run and at the end:")
    grown = []
    for program in PROGRAMS:
        before, after = memory_at_start.get(program, 0), memory_at_end.get(program, 0)
        growth = (after - before) / before if before else 0
        print(f"  {program:<12} {before:7.1f} -> {after:7.1f}  ({growth:+.1%})")
        if growth >= MEMORY_GROWTH_LIMIT and program in GATED_PROGRAMS:
            grown.append(program)
    print(f"soak: {'FAILED' if lost or grown else 'passed'}"
          + (f" (lost {lost})" if lost else "") + (f" (grown: {', '.join(grown)})" if grown else ""))
    sys.exit(1 if lost or grown else 0)


if __name__ == "__main__":
    main()
