#!/usr/bin/env python3
"""Benchmark of the model path (issue: the model over TLS). Prints numbers; asserts nothing.

  bench/model_load.py [--asks 1000] [--delay 5] [--ttft-asks 200] [--threads 1100]

With the local HTTPS model server answering after --delay seconds, --asks asks are sent at
once through nginx (each its own connection); while they are in flight, GET session latency is
sampled; then: how many were answered 200 with source "model", how many messages were stored,
and the total resident memory of the chat-worker processes at the peak. Then, with a model that
streams at once, the time to the first token through nginx over --ttft-asks sequential asks.
Needs a Release build in build-bench/ (bench/run makes it) or CHAT_TEST_BUILD_DIR.
"""
import argparse
import concurrent.futures
import os
import resource
import statistics
import sys
import threading
import time

REPO_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
os.environ.setdefault("CHAT_TEST_BUILD_DIR", os.path.join(REPO_DIR, "build-bench"))
sys.path[:0] = [os.path.join(REPO_DIR, "tests", "integration"), os.path.join(REPO_DIR, "tests", "model_server")]
from harness import Client, Stack  # noqa: E402
from model_server import ModelServer  # noqa: E402


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def worker_rss_mb(stack):
    """Resident memory of every chat-worker process of the stack (master and children), in MB."""
    total = 0
    for pid in stack.worker_processes():
        try:
            with open(f"/proc/{pid}/status") as status:
                total += next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
        except (OSError, StopIteration):
            continue
    return total / 1024


def sample_session_latency(client, session_id, stop, samples):
    while not stop.is_set():
        started = time.monotonic()
        status = client.session(session_id).status
        samples.append((time.monotonic() - started) * 1000 if status == 200 else float("inf"))


def asks_in_flight(stack, model, asks, delay):
    model.behave(mode="normal", delay=delay)
    client = stack.client
    seeded = client.ask("seed a session for reads").json()["session_id"]
    before = int(stack.database.scalar("SELECT COUNT(*) FROM chat_messages"))
    stop, samples, peak = threading.Event(), [], [0.0]

    def watch_memory():
        while not stop.is_set():
            peak[0] = max(peak[0], worker_rss_mb(stack))
            time.sleep(0.2)

    readers = [threading.Thread(target=sample_session_latency, args=(Client(stack.port), seeded, stop, samples))
               for _ in range(4)] + [threading.Thread(target=watch_memory)]
    for reader in readers:
        reader.start()
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=asks) as pool:
        replies = list(pool.map(lambda i: client.ask(f"In flight question {i}", timeout=120), range(asks)))
    elapsed = time.monotonic() - started
    stop.set()
    for reader in readers:
        reader.join()
    after = int(stack.database.scalar("SELECT COUNT(*) FROM chat_messages"))
    ok = sum(1 for reply in replies if reply.status == 200 and reply.json()["source"] == "model")
    print(f"asks in flight at once:        {asks} (model answers after {delay} s)")
    print(f"answered 200 from the model:   {ok}  errors: {asks - ok}  wall time: {elapsed:.1f} s")
    print(f"messages stored:               {after - before} (expected {2 * asks})")
    print(f"GET session during the load:   {len(samples)} reads, p50 {percentile(samples, 0.5):.1f} ms, "
          f"p99 {percentile(samples, 0.99):.1f} ms (target < 100 ms)")
    print(f"chat-worker resident memory:   peak {peak[0]:.0f} MB (target < 300 MB)")


def time_to_first_token(stack, model, count):
    model.behave(mode="normal", delay=0)
    firsts = []
    for i in range(count):
        events = stack.client.ask_streaming(f"First token question {i}")
        firsts.append(next(at for at, name, _ in events if name == "token") * 1000)
    print(f"time to first token (nginx):   {count} streamed asks, p50 {statistics.median(firsts):.1f} ms, "
          f"p95 {percentile(firsts, 0.95):.1f} ms (target p50 < 20 ms)")


def main():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # a thousand clients and the model server
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--asks", type=int, default=1000)
    parser.add_argument("--delay", type=float, default=5.0)
    parser.add_argument("--ttft-asks", type=int, default=200)
    parser.add_argument("--threads", type=int, default=1100)
    args = parser.parse_args()
    model = ModelServer()
    stack = Stack(HUGGINGFACE_API_KEY="bench-token", CHAT_LLM_URL=f"https://127.0.0.1:{model.port}/v1",
                  CHAT_CA_FILE=model.ca_file, CHAT_WORKER_THREADS=str(args.threads),
                  CHAT_CACHE_TTL_SECONDS="0", CHAT_ACCESS_LOG="off").start()
    try:
        print(f"machine: {os.cpu_count()} cores; worker threads: {args.threads}; logs: {stack.var_dir}/log")
        print(f"chat-worker idle resident memory: {worker_rss_mb(stack):.1f} MB")
        asks_in_flight(stack, model, args.asks, args.delay)
        time_to_first_token(stack, model, args.ttft_asks)
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
