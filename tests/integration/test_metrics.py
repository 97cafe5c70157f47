"""GET /metrics through nginx: one valid Prometheus exposition of every worker process's counters
(summed in shared memory) and chat-admin's; counts that match the requests made (asks by
source, model calls by outcome and failure class, requests by route and status); 403 JSON from
an address not allowed; counters that never go backwards when a worker child is killed, and the
restart counted; and a real Prometheus server (Debian's) scraping the stack, whose PromQL query
over its HTTP API returns the number of asks answered. promtool finds nothing to say of the page."""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import unittest
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "model_server"))
from harness import Stack, free_port, temporary_directory, wait_until  # noqa: E402
from model_server import ModelServer  # noqa: E402
from test_model import TOKEN  # noqa: E402
from test_process_manager import master_and_children  # noqa: E402

ALLOWED_ELSEWHERE = "127.0.0.3"  # in CHAT_METRICS_ALLOW
NOT_ALLOWED = "127.0.0.2"        # loopback, but neither 127.0.0.1 nor listed
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_exposition(text):
    """{(name, ((label, value), ...)): value}; fails on anything Prometheus's text format forbids:
    a sample of an undeclared family, a family declared twice, a malformed line."""
    samples, families = {}, {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            assert name not in families, f"family {name} declared twice"
            families[name] = kind
        elif line.startswith("# HELP ") or not line:
            continue
        else:
            match = SAMPLE.match(line)
            assert match, f"malformed line {line!r}"
            name, labels, value = match.groups()
            family = re.sub(r"_(bucket|sum|count)$", "", name) if name not in families else name
            assert family in families, f"{name} has no # TYPE before it"
            key = (name, tuple(sorted(LABEL.findall(labels or ""))))
            assert key not in samples, f"{key} twice"
            samples[key] = float(value)
    return samples


def value(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def total(samples, name, **labels):
    """The sum of a family's samples whose labels include `labels`."""
    wanted = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and wanted <= set(ls))


def visitor_requests(samples):
    """Requests counted on every route but /metrics (which each scrape adds to)."""
    return total(samples, "chat_http_requests_total") - total(samples, "chat_http_requests_total", route="metrics")


def http_get(port, path, source="127.0.0.1"):
    """(status, content type, body) of a GET from `source` (a loopback address)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(source, 0)) as connection:
        connection.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        raw = b""
        while chunk := connection.recv(65536):
            raw += chunk
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    headers = {k.lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
    if headers.get("transfer-encoding") == "chunked":
        body = dechunk(body)
    return int(lines[0].split()[1]), headers.get("content-type", ""), body.decode()


def dechunk(body):
    out = b""
    while True:
        size_line, _, body = body.partition(b"\r\n")
        size = int(size_line, 16)
        if size == 0:
            return out
        out, body = out + body[:size], body[size + 2:]


class Prometheus:
    """Debian's prometheus on a loopback port, scraping `target` every second, with a throwaway
    configuration and data directory."""

    def __init__(self, target):
        self.directory = temporary_directory("chat-prometheus-")
        self.port = free_port()
        config = os.path.join(self.directory, "prometheus.yml")
        with open(config, "w") as file:
            file.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                       "scrape_configs:\n  - job_name: chat\n    metrics_path: /metrics\n"
                       f"    static_configs:\n      - targets: ['{target}']\n")
        self.log = open(os.path.join(self.directory, "prometheus.log"), "w")
        self.process = subprocess.Popen(
            ["prometheus", f"--config.file={config}", f"--storage.tsdb.path={self.directory}/data",
             f"--web.listen-address=127.0.0.1:{self.port}"], stdout=self.log, stderr=subprocess.STDOUT)

    def query(self, promql):
        """The instant query's single value, or None (no result yet, or not up)."""
        url = f"http://127.0.0.1:{self.port}/api/v1/query?" + urllib.parse.urlencode({"query": promql})
        try:
            with urllib.request.urlopen(url, timeout=5) as reply:
                result = json.load(reply)["data"]["result"]
        except OSError:
            return None
        return float(result[0]["value"][1]) if result else None

    def stop(self):
        self.process.terminate()
        self.process.wait(30)
        self.log.close()


class MetricsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.model = ModelServer()
        cls.stack = Stack(HUGGINGFACE_API_KEY=TOKEN, CHAT_LLM_URL=f"https://127.0.0.1:{cls.model.port}/v1",
                          CHAT_CA_FILE=cls.model.ca_file, CHAT_LLM_TIMEOUT_MS="2500", CHAT_WORKER_PROCESSES="2",
                          CHAT_METRICS_ALLOW=f"{ALLOWED_ELSEWHERE}, 10.9.0.0/16").start()
        cls.client = cls.stack.client
        cls.answered = 0  # asks answered 200 by this suite

    @classmethod
    def tearDownClass(cls):
        status = cls.stack.stop()
        if status != 0:
            raise AssertionError(f"scripts/run exited {status}")

    def setUp(self):
        self.model.reset()

    def assert_soon(self, condition, what, timeout=30):
        """Scrapes until condition(page) holds, for at most `timeout` seconds."""
        pages = []

        def holds():
            pages.append(self.scrape())
            return condition(pages[-1])
        self.assertTrue(wait_until(holds, timeout=timeout, interval=0.2),
                        f"not within {timeout} s: {what}; last page:\n{pages[-1] if pages else None}")

    def scrape(self):
        status, content_type, body = http_get(self.stack.port, "/metrics")
        self.assertEqual(status, 200, body)
        self.assertTrue(content_type.startswith("text/plain; version=0.0.4"), content_type)
        return parse_exposition(body)

    def scrape_when_counted(self, before, requests):
        """A scrape once `requests` more visitor requests are counted: a request is counted once
        its response has gone, which may be just after its client has it."""
        latest = {}

        def counted():
            latest["samples"] = self.scrape()
            return visitor_requests(latest["samples"]) - visitor_requests(before) >= requests
        self.assertTrue(wait_until(counted, timeout=10), "the requests were not all counted")
        return latest["samples"]

    def ask(self, message):
        response = self.client.ask(message)
        self.assertEqual(response.status, 200, response.body)
        type(self).answered += 1
        return response.json()

    def test_counts_match_the_requests_made(self):
        before = self.scrape()
        self.ask("Tell me about your company")                     # the model answers
        self.ask("Tell me about your company")                     # the same first question: cached
        self.model.behave(mode="status", status=429, times=1)
        self.assertEqual(self.ask("How much does a project cost?")["source"], "fallback")
        events = self.client.ask_streaming("Stream me an answer")  # the model, streamed
        self.assertEqual(events[-1][1], "done")
        type(self).answered += 1
        self.assertEqual(self.client.session(events[-1][2]["session_id"]).status, 200)
        self.assertEqual(self.client.session("00000000-0000-4000-8000-000000000000").status, 404)
        contact = self.client.request("POST", "/api/chatbot/contact/", {
            "name": "Ada", "email": "ada@example.com", "message": "Call me"}, {"Content-Type": "application/json"})
        self.assertEqual(contact.status, 201, contact.body)

        after = self.scrape_when_counted(before, 7)
        delta = lambda name, **labels: value(after, name, **labels) - value(before, name, **labels)  # noqa: E731
        self.assertEqual(delta("chat_http_requests_total", route="ask", status="200"), 4)
        self.assertEqual(delta("chat_http_requests_total", route="session", status="200"), 1)
        self.assertEqual(delta("chat_http_requests_total", route="session", status="404"), 1)
        self.assertEqual(delta("chat_http_requests_total", route="contact", status="201"), 1)
        self.assertEqual(delta("chat_http_request_duration_seconds_count", route="ask"), 4)
        self.assertGreater(delta("chat_http_request_duration_seconds_sum", route="ask"), 0)
        self.assertEqual(delta("chat_answers_total", source="model"), 2)
        self.assertEqual(delta("chat_answers_total", source="cache"), 1)
        self.assertEqual(delta("chat_answers_total", source="fallback"), 1)
        self.assertEqual(delta("chat_model_calls_total", outcome="ok"), 2)
        self.assertEqual(delta("chat_model_calls_total", outcome="failed"), 1)
        self.assertEqual(delta("chat_model_call_failures_total", failure="rate_limited"), 1)
        self.assertEqual(value(after, "chat_worker_processes"), 2)
        self.assertEqual(value(after, "chat_database_pool_connections", pool="asks"), 2 * 8)
        self.assertEqual(delta("chat_lead_delivery_queue", state="due"), 1)  # no webhook: it waits
        self.assertEqual(value(after, "chat_worker_up"), 1)
        # The gauges of an ask drop a moment after its request is counted, and chat-admin's part
        # may miss nginx's 2 s on a loaded machine: waited for, not read from the same scrape.
        self.assert_soon(lambda page: value(page, "chat_asks_in_flight") == 0
                         and value(page, "chat_database_pool_in_use", pool="asks") == 0
                         and value(page, "chat_admin_up") == 1,
                         "no ask in flight, no asks connection lent, chat_admin_up 1")
        self.assertIn(("chat_background_job_lag_seconds", (("job", "search_index"),)), after)
        self.assertLess(value(after, "chat_background_job_lag_seconds", job="search_index"), 30)

    def test_the_page_passes_promtool(self):
        status, _, body = http_get(self.stack.port, "/metrics")
        self.assertEqual(status, 200)
        check = subprocess.run(["promtool", "check", "metrics"], input=body, capture_output=True, text=True)
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
        self.assertEqual(check.stdout + check.stderr, "")  # no lint either (names, units, _total)

    def test_only_loopback_and_the_allowlist_may_read_it(self):
        status, content_type, body = http_get(self.stack.port, "/metrics", source=NOT_ALLOWED)
        self.assertEqual(status, 403)
        self.assertTrue(content_type.startswith("application/json"))
        self.assertEqual(json.loads(body)["error"]["code"], "forbidden")
        self.assertEqual(http_get(self.stack.port, "/metrics", source=ALLOWED_ELSEWHERE)[0], 200)
        # The parts are internal, and no visitor route leads to the metrics.
        for path in ("/_chat_metrics/worker", "/_chat_metrics/admin", "/api/chatbot/metrics", "/api/metrics"):
            status, _, body = http_get(self.stack.port, path)
            self.assertEqual(status, 404, path)
            self.assertNotIn("chat_", body, path)

    def test_only_get_and_head(self):
        for method in ("POST", "PUT", "DELETE"):
            with socket.create_connection(("127.0.0.1", self.stack.port), timeout=10) as connection:
                connection.sendall(f"{method} /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                                   "Content-Length: 1\r\n\r\nx".encode())
                raw = b""
                while chunk := connection.recv(65536):
                    raw += chunk
            head, _, body = raw.partition(b"\r\n\r\n")
            self.assertTrue(head.startswith(b"HTTP/1.1 405 "), head)
            self.assertIn(b"\r\nAllow: GET, HEAD", head)
            self.assertIn(b'"method_not_allowed"', body)

    def test_a_killed_child_loses_no_count_and_its_restart_is_counted(self):
        self.ask("What services do you offer?")
        before = self.scrape()
        master, children = master_and_children(self.stack)
        os.kill(children[0], signal.SIGKILL)

        def replaced():
            now = self.scrape()
            return (value(now, "chat_worker_child_restarts_total", reason="died")
                    == value(before, "chat_worker_child_restarts_total", reason="died") + 1
                    and value(now, "chat_worker_processes") == 2)
        self.assertTrue(wait_until(replaced, timeout=10))
        after = self.scrape()
        for key, counted in before.items():
            if key[0].endswith("_total") or key[0].endswith(("_bucket", "_count", "_sum")):
                self.assertGreaterEqual(after.get(key, 0), counted, key)
        self.assert_soon(lambda page: value(page, "chat_asks_in_flight") == 0, "no ask in flight")

    def test_prometheus_scrapes_it_and_counts_the_asks(self):
        self.ask("Who are you?")
        prometheus = Prometheus(f"127.0.0.1:{self.stack.port}")
        try:
            self.assertTrue(wait_until(lambda: prometheus.query('up{job="chat"}') == 1, timeout=30),
                            "Prometheus did not scrape a valid exposition")
            self.ask("What do you charge?")
            expected = type(self).answered
            self.assertTrue(wait_until(lambda: prometheus.query("sum(chat_answers_total)") == expected, timeout=20),
                            f"sum(chat_answers_total) is {prometheus.query('sum(chat_answers_total)')}, not {expected}")
            self.assertTrue(wait_until(
                lambda: prometheus.query('sum(chat_http_requests_total{route="ask",status="200"})') == expected,
                timeout=20))
            self.assertTrue(wait_until(lambda: prometheus.query("chat_admin_up") == 1, timeout=30),
                            f"chat_admin_up is {prometheus.query('chat_admin_up')}")
        finally:
            prometheus.stop()


if __name__ == "__main__":
    unittest.main()
