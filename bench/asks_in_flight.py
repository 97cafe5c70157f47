#!/usr/bin/env python3
"""Benchmark of the ask path with thousands of asks waiting on the model at once. Prints
numbers; asserts nothing.

  bench/asks_in_flight.py [--asks 5000] [--delay 5] [--ttft-asks 200] [--ttft-load 1000]

The model service is bench/slow_model.py (answers after --delay seconds) behind nghttpx, which
speaks TLS (a throwaway CA, trusted through CHAT_CA_FILE) and HTTP/2 to the workers. The stack is
scripts/run's with default settings (2 worker processes of 64 threads, database pools of 8),
per-IP limits and access log off, in a temporary directory. --asks asks are sent at once through
nginx, half of them streamed, each on its own connection (from 4 client processes); meanwhile
GET session and /healthz are timed one after another, and the workers' resident memory and the
database's connections are sampled. Then, with --ttft-load slow asks in flight, the time to the
first token of --ttft-asks streamed asks that the model answers at once.
Needs a Release build in build-bench/ (bench/run makes it) or CHAT_TEST_BUILD_DIR, and nghttpx.
"""
import argparse
import asyncio
import collections
import json
import multiprocessing
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

REPO_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
os.environ.setdefault("CHAT_TEST_BUILD_DIR", os.path.join(REPO_DIR, "build-bench"))
sys.path[:0] = [os.path.join(REPO_DIR, "tests", "integration"), os.path.join(REPO_DIR, "tests", "model_server")]
from harness import Client, Stack, wait_until  # noqa: E402
from model_server import make_certificates  # noqa: E402

CLIENT_PROCESSES = 4


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")


def dechunk(raw):
    body = b""
    while raw:
        size_line, _, rest = raw.partition(b"\r\n")
        size = int(size_line.split(b";")[0] or b"0", 16)
        if size == 0:
            break
        body, raw = body + rest[:size], rest[size + 2:]
    return body


async def one_ask(port, question, streamed):
    """(status, seconds to the end, seconds to the first token or None, source, has Retry-After)."""
    started = time.monotonic()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        body = json.dumps({"message": question}).encode()
        accept = "text/event-stream" if streamed else "application/json"
        writer.write((f"POST /api/chatbot/ask/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                      f"Accept: {accept}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body)
        data, first_token = b"", None
        while chunk := await reader.read(65536):
            data += chunk
            if first_token is None and b"event: token" in data:
                first_token = time.monotonic() - started
        writer.close()
    except OSError:
        return 0, time.monotonic() - started, None, "", False
    seconds = time.monotonic() - started
    head, _, raw = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/") else 0
    text = dechunk(raw) if b"transfer-encoding: chunked" in head.lower() else raw
    source = ""
    try:
        if status == 200 and streamed:
            done = text.rsplit(b"event: done\ndata: ", 1)
            source = json.loads(done[1].split(b"\n", 1)[0])["source"] if len(done) == 2 else ""
        elif status == 200:
            source = json.loads(text)["source"]
    except ValueError:
        source = "garbled"
    return status, seconds, first_token, source, b"retry-after: 2" in head.lower()


def client_process(arguments):
    port, first, count, tag = arguments
    resource.setrlimit(resource.RLIMIT_NOFILE, (resource.getrlimit(resource.RLIMIT_NOFILE)[1],) * 2)

    async def run():
        return await asyncio.gather(*(one_ask(port, f"{tag} question {i}", i % 2 == 0)
                                      for i in range(first, first + count)))
    return asyncio.run(run())


def send_at_once(port, asks, tag):
    share = -(-asks // CLIENT_PROCESSES)
    jobs = [(port, start, min(share, asks - start), tag) for start in range(0, asks, share)]
    with multiprocessing.Pool(len(jobs)) as pool:
        return [reply for replies in pool.map(client_process, jobs) for reply in replies]


class Sampler:
    """Times GET session and /healthz one after another, and samples memory and connections."""

    def __init__(self, stack, session_id):
        self.stack, self.session_id = stack, session_id
        self.reads, self.health, self.rss_mb, self.connections = [], [], [0.0], [0]
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self.time_reads), threading.Thread(target=self.watch)]

    def time_reads(self):
        client = Client(self.stack.port)
        while not self.stop.is_set():
            for samples, call in ((self.reads, lambda: client.session(self.session_id)),
                                  (self.health, lambda: client.request("GET", "/healthz"))):
                started = time.monotonic()
                status = call().status
                samples.append((time.monotonic() - started) * 1000 if status == 200 else float("inf"))

    def watch(self):
        while not self.stop.is_set():
            self.rss_mb[0] = max(self.rss_mb[0], worker_rss_mb(self.stack))
            self.connections[0] = max(self.connections[0], int(self.stack.database.scalar(
                "SELECT VARIABLE_VALUE - 1 FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'THREADS_CONNECTED'")))
            time.sleep(0.2)

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_):
        self.stop.set()
        for thread in self.threads:
            thread.join()


def worker_rss_mb(stack):
    total = 0
    for pid in stack.worker_processes():
        try:
            with open(f"/proc/{pid}/status") as status:
                total += next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
        except (OSError, StopIteration):
            continue
    return total / 1024


def asks_at_once(stack, asks, delay, tag):
    seeded = stack.client.ask("[fast] seed a session for reads").json()["session_id"]
    before = int(stack.database.scalar("SELECT COUNT(*) FROM chat_messages"))
    with Sampler(stack, seeded) as sampler:
        started = time.monotonic()
        replies = send_at_once(stack.port, asks, tag)
        wall = time.monotonic() - started
    stored = int(stack.database.scalar("SELECT COUNT(*) FROM chat_messages")) - before
    answered = [r for r in replies if r[0] == 200 and r[3] == "model"]
    refused = [r for r in replies if r[0] == 503]
    others = len(replies) - len(answered) - len(refused)
    print(f"\n{asks} asks sent at once (half streamed; the model answers after {delay:g} s), in {wall:.1f} s")
    print(f"  answered by the model:        {len(answered)}, the last {max((r[1] for r in answered), default=0):.2f} s "
          f"after it was sent (p50 {percentile([r[1] for r in answered], 0.5):.2f} s)")
    print(f"  503 with Retry-After:         {sum(1 for r in refused if r[4])} of {len(refused)} 503s, "
          f"the slowest in {max((r[1] for r in refused), default=0) * 1000:.0f} ms")
    kinds = collections.Counter(f"{r[0]} {r[3] or '-'}" for r in replies
                                if not (r[0] == 200 and r[3] == "model") and r[0] != 503)
    print(f"  other replies:                {others} " + (f"(status and source: {dict(kinds)})" if kinds else ""))
    print(f"  messages stored:              {stored} (expected {2 * len(answered)}: "
          f"{stored - 2 * len(answered)} lost or extra)")
    print(f"  GET session during the load:  {len(sampler.reads)} reads, p50 {percentile(sampler.reads, 0.5):.1f} ms, "
          f"p99 {percentile(sampler.reads, 0.99):.1f} ms")
    print(f"  /healthz during the load:     {len(sampler.health)} reads, p50 {percentile(sampler.health, 0.5):.1f} ms, "
          f"p99 {percentile(sampler.health, 0.99):.1f} ms")
    print(f"  chat-worker resident memory:  peak {sampler.rss_mb[0]:.0f} MB, all processes")
    print(f"  database connections:         peak {sampler.connections[0]} (workers and chat-admin)")


def time_to_first_token(stack, probes, load, delay):
    background = threading.Thread(target=send_at_once, args=(stack.port, load, "ttft-load"))
    background.start()
    time.sleep(min(2.0, delay / 2))  # the load now waits on the model
    firsts = []
    for i in range(probes):
        status, _, first, _, _ = asyncio.run(one_ask(stack.port, f"[fast] first token question {i}", True))
        if status == 200 and first is not None:
            firsts.append(first * 1000)
    background.join()
    print(f"\ntime to first token through nginx, {load} slow asks in flight: {len(firsts)} of {probes} streamed, "
          f"p50 {percentile(firsts, 0.5):.1f} ms, p95 {percentile(firsts, 0.95):.1f} ms")


def start_model(directory, delay):
    port, front = free_port(), free_port()
    model = subprocess.Popen([sys.executable, os.path.join(REPO_DIR, "bench", "slow_model.py"),
                              "--port", str(port), "--delay", str(delay)])
    ca, cert, key = make_certificates(directory)
    nghttpx = subprocess.Popen(
        ["nghttpx", "--conf=/dev/null", "--no-ocsp", "--workers=1", f"--frontend=127.0.0.1,{front}",
         f"--backend=127.0.0.1,{port}", f"--errorlog-file={os.path.join(directory, 'nghttpx.log')}", key, cert],
        stderr=subprocess.DEVNULL)
    with socket.socket() as probe:
        wait_until(lambda: probe.connect_ex(("127.0.0.1", front)) == 0, timeout=10)
    return [model, nghttpx], front, ca


def main():
    resource.setrlimit(resource.RLIMIT_NOFILE, (resource.getrlimit(resource.RLIMIT_NOFILE)[1],) * 2)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--asks", type=int, nargs="+", default=[5000])
    parser.add_argument("--delay", type=float, default=5.0)
    parser.add_argument("--ttft-asks", type=int, default=200)
    parser.add_argument("--ttft-load", type=int, default=1000)
    args = parser.parse_args()
    directory = tempfile.mkdtemp(prefix="chat-bench-model-")
    processes, front, ca = start_model(directory, args.delay)
    stack = Stack(HUGGINGFACE_API_KEY="bench-token", CHAT_LLM_URL=f"https://127.0.0.1:{front}/v1", CHAT_CA_FILE=ca,
                  CHAT_LLM_TIMEOUT_MS="30000", CHAT_CACHE_TTL_SECONDS="0", CHAT_ACCESS_LOG="off").start()
    try:
        print(f"machine: {os.cpu_count()} cores; open files limit {resource.getrlimit(resource.RLIMIT_NOFILE)[0]}; "
              f"logs: {stack.var_dir}/log")
        print(f"chat-worker idle resident memory: {worker_rss_mb(stack):.1f} MB")
        for asks in args.asks:
            asks_at_once(stack, asks, args.delay, f"run{asks}")
        if args.ttft_asks:
            time_to_first_token(stack, args.ttft_asks, args.ttft_load, args.delay)
    finally:
        stack.stop()
        for process in processes:
            process.terminate()


if __name__ == "__main__":
    main()
