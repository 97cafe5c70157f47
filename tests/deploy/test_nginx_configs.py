"""The nginx configs that scripts/run does not render: the production site example
(nginx/production.conf.example) and the compose stack's nginx (docker/nginx.conf, rendered by
docker/nginx-entrypoint.sh as the web image does at start).

Each passes `nginx -t` once its placeholders (certificate, log paths, compose host names) are
replaced with throwaway ones; then each runs on loopback in front of a real chat-worker of the
build tree (CHAT_TEST_BUILD_DIR) and a private MariaDB, to show that what the comments promise
holds: the redirect to https, TLS versions, HSTS and the other security headers, CSPs, widget
caching and gzip, CORS from the allowlist, JSON errors, unbuffered SSE, the per-IP limit with
Retry-After, and a retry on another upstream server when one is down.
"""
import gzip
import http.client
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import time
import unittest
import warnings

import deploy_support as support
from deploy_support import harness

ALLOWED_ORIGIN = "https://www.example.com"  # in the production example's allowlist


class NginxTestTest(unittest.TestCase):
    """`nginx -t` on each config, as an operator runs it before a reload."""

    def test_production_example_passes_nginx_t(self):
        directory = harness.temporary_directory("chat-nginx-prod-")
        status, output = support.nginx_test(support.render_production(directory))
        self.assertEqual(status, 0, output)
        self.assertIn("test is successful", output)

    def test_compose_config_passes_nginx_t(self):
        directory = harness.temporary_directory("chat-nginx-compose-")
        status, output = support.nginx_test(support.render_compose_nginx(directory))
        self.assertEqual(status, 0, output)

    def test_compose_config_with_origins_and_limits_off_passes_nginx_t(self):
        directory = harness.temporary_directory("chat-nginx-compose-")
        config = support.render_compose_nginx(directory, settings={
            "CHAT_ALLOWED_ORIGINS": "https://a.example, https://b.example:8443",
            "CHAT_RATE_PER_MIN": "0"})
        status, output = support.nginx_test(config)
        self.assertEqual(status, 0, output)
        with open(os.path.join(directory, "chat", "settings.conf"), encoding="utf-8") as file:
            settings = file.read()
        self.assertIn('"https://b.example:8443" $http_origin;', settings)
        self.assertIn('default "";', settings)

    def test_compose_entrypoint_names_a_bad_setting(self):
        directory = harness.temporary_directory("chat-nginx-compose-")
        with self.assertRaises(Exception) as raised:
            support.render_compose_nginx(directory, settings={"CHAT_RATE_PER_MIN": "many"})
        self.assertIn("CHAT_RATE_PER_MIN", raised.exception.stderr)
        for bad in ("999.1.1.1", "10.0.0.256", "10.0.0.0/33", "10.0.0.0/99", "fd00::/129",
                    "fd00::/999", "10.0.0", "example.com", "10.0.0.1, 300.0.0.1",
                    "fd00:::1", "fd00::1::2", "12345::1", "10.0.0.1/"):
            with self.assertRaises(Exception, msg=bad) as raised:
                support.render_compose_nginx(directory, settings={"CHAT_METRICS_ALLOW": bad})
            self.assertIn("CHAT_METRICS_ALLOW", raised.exception.stderr, bad)
            self.assertEqual(len(raised.exception.stderr.strip().splitlines()), 1,
                             raised.exception.stderr)

    def test_compose_config_with_edge_metrics_allowlist_passes_nginx_t(self):
        directory = harness.temporary_directory("chat-nginx-compose-")
        config = support.render_compose_nginx(directory, settings={
            "CHAT_METRICS_ALLOW": "255.255.255.255, 0.0.0.0/0, 10.1.0.0/32, 10.0.0.20, "
                                  "fd00::/128, ::/0, fd00::5, 2001:db8::/64"})
        status, output = support.nginx_test(config)
        self.assertEqual(status, 0, output)

    def test_production_example_with_a_remote_worker_metrics_location_passes_nginx_t(self):
        # The commented example of one /metrics location per other worker host, uncommented.
        directory = harness.temporary_directory("chat-nginx-prod-")
        path = support.render_production(directory)
        site_path = os.path.join(directory, "site.conf")
        with open(site_path, encoding="utf-8") as file:
            site = file.read()
        block = re.search(r"\n    # location = /metrics/worker-10\.0\.0\.12 \{\n(?:    # .*\n)*", site)
        self.assertIsNotNone(block)
        uncommented = re.sub(r"(?m)^    # ", "    ", block.group(0))
        self.assertIn("fastcgi_pass 10.0.0.12:9000;", uncommented)
        with open(site_path, "w", encoding="utf-8") as file:
            file.write(site.replace(block.group(0), uncommented))
        status, output = support.nginx_test(path)
        self.assertEqual(status, 0, output)

    def test_worker_metrics_never_go_through_the_round_robin_upstream(self):
        for path in (support.PRODUCTION_EXAMPLE, support.COMPOSE_NGINX,
                     os.path.join(support.REPO_DIR, "nginx", "chat.conf.template"),
                     os.path.join(support.REPO_DIR, "nginx", "snippets", "chat-metrics.conf")):
            with open(path, encoding="utf-8") as file:
                text = file.read()
            worker_part = re.search(r"location = /_chat_metrics/worker \{(.*?)\}", text, re.S)
            if worker_part:
                self.assertIn("fastcgi_pass chat_worker_metrics;", worker_part.group(1), path)
            if "snippets" not in path:
                self.assertRegex(text, r"upstream chat_worker_metrics \{", path)
        with open(support.COMPOSE_NGINX, encoding="utf-8") as file:
            compose = file.read()
        upstream = re.search(r"upstream chat_worker_metrics \{(.*?)\}", compose, re.S).group(1)
        self.assertIn('hash "metrics";', upstream)

    def test_production_example_says_what_to_change(self):
        with open(support.PRODUCTION_EXAMPLE, encoding="utf-8") as file:
            text = file.read()
        for needed in ("ssl_protocols TLSv1.2 TLSv1.3;", "Strict-Transport-Security",
                       "fastcgi_next_upstream error timeout;", "non_idempotent", "deny all;",
                       "fastcgi_read_timeout 60s;", "limit_req_status 429;", "# CHANGE"):
            self.assertIn(needed, text)
        self.assertNotIn("non_idempotent;", text.replace("`non_idempotent`", ""))

    def test_production_example_reaches_and_trusts_only_this_host_until_changed(self):
        # The Debian package installs it as its site: as shipped, no visitor request may go to
        # another host's address, and no other network may read /metrics or the admin side.
        with open(support.PRODUCTION_EXAMPLE, encoding="utf-8") as file:
            live = [line.split("#")[0].strip() for line in file]
        upstream_servers = [line for line in live if line.startswith("server ") and line != "server {"]
        self.assertTrue(upstream_servers)
        self.assertTrue(all(line.startswith("server unix:") for line in upstream_servers), upstream_servers)
        self.assertFalse([line for line in live if line.startswith("fastcgi_pass") and ":" in line])
        allowed = [line.split()[1].rstrip(";") for line in live if line.startswith("allow ")]
        self.assertEqual(sorted(allowed), ["127.0.0.1", "::1"])
        geo = re.search(r"geo \$chat_metrics_allowed \{(.*?)\}", "\n".join(live), re.S).group(1)
        self.assertEqual(sorted(line.split()[0] for line in geo.splitlines() if line.strip()),
                         ["127.0.0.1", "::1", "default"])


class DashboardVendorFilesTest(unittest.TestCase):
    """scripts/lib/dashboard.sh puts vendor/chart.umd.js in place without truncating the file a
    running nginx may be serving: unchanged, it is left alone; changed, a new file is renamed
    over it (a reader of the old one still reads all of it)."""

    def install(self, dashboard):
        script = ('set -e; REPO_DIR=/nonexistent; source "$1/scripts/lib/common.sh"; '
                  'source "$1/scripts/lib/dashboard.sh"; DASHBOARD_DIR="$2"; _install_dashboard_files')
        result = subprocess.run(["bash", "-c", script, "bash", support.REPO_DIR, dashboard],
                                capture_output=True, text=True)
        self.assertEqual(result.returncode, 0, result.stderr)

    def test_unchanged_left_alone_changed_renamed_over(self):
        dashboard = harness.temporary_directory("chat-dashboard-")
        source_dir = os.path.join(dashboard, "node_modules", "chart.js", "dist")
        os.makedirs(source_dir)
        os.makedirs(os.path.join(dashboard, "vendor"))
        with open(os.path.join(dashboard, "package-lock.json"), "w") as file:
            file.write("{}")
        source, target = os.path.join(source_dir, "chart.umd.js"), os.path.join(dashboard, "vendor", "chart.umd.js")
        with open(source, "w") as file:
            file.write("old chart " * 1000)
        stamp = os.path.join(dashboard, "node_modules", ".package-lock.json")
        with open(stamp, "w") as file:
            file.write("{}")
        os.utime(os.path.join(dashboard, "package-lock.json"), (1, 1))  # older: no npm ci
        self.install(dashboard)
        first = os.stat(target)
        self.install(dashboard)
        self.assertEqual(os.stat(target).st_ino, first.st_ino)  # the same file, untouched
        with open(target) as reader:  # as nginx would be serving it
            with open(source, "w") as file:
                file.write("new chart")
            self.install(dashboard)
            self.assertEqual(reader.read(), "old chart " * 1000)  # never truncated
        with open(target) as file:
            self.assertEqual(file.read(), "new chart")
        self.assertNotEqual(os.stat(target).st_ino, first.st_ino)
        self.assertEqual(sorted(os.listdir(os.path.join(dashboard, "vendor"))), ["chart.umd.js"])


class ClientNetworkTest(unittest.TestCase):
    """The key of the per-IP limits (nginx/snippets/chat-client-network.conf) in a real nginx:
    the address fed in from a header instead of $remote_addr, the key echoed back. An IPv6
    client is its /64, however nginx wrote the address."""

    CASES = {
        "203.0.113.7": "203.0.113.7",
        "2001:db8:1:2:3:4:5:6": "2001:db8:1:2",
        "2001:db8:1:2::5": "2001:db8:1:2",
        "2001:db8:1:2::": "2001:db8:1:2",
        "2001:db8:0:1::5": "2001:db8:0:1",
        "2001:db8:1::5": "2001:db8:1:0",
        "2001:db8:1::5:6:7:8": "2001:db8:1:0",
        "2001:db8::1": "2001:db8:0:0",
        "2001:db8::": "2001:db8:0:0",
        "2001::5:6:7:8": "2001:0:0:0",
        "2001::5:6:7:8:9": "2001:0:0:5",
        "::1": "0:0:0:0",
        "::": "0:0:0:0",
        "::5:6:7:8": "0:0:0:0",
        "::5:6:7:8:9": "0:0:0:5",
        "::5:6:7:8:9:a": "0:0:5:6",
        "::ffff:192.0.2.1": "::ffff:192.0.2.1",
    }

    def test_ipv6_clients_are_counted_by_their_64(self):
        directory = harness.temporary_directory("chat-nginx-network-")
        port = harness.free_port()
        with open(os.path.join(support.REPO_DIR, "nginx", "snippets", "chat-client-network.conf"),
                  encoding="utf-8") as file:
            snippet = file.read().replace("map $remote_addr ", "map $http_x_client ")
        snippet = re.sub(r"default\s+\$remote_addr;", "default $http_x_client;", snippet)
        self.assertIn("map $http_x_client ", snippet)
        self.assertIn("default $http_x_client;", snippet)
        config = support._main_config(directory, snippet + f"""
    server {{
        listen 127.0.0.1:{port};
        location / {{ return 200 "$chat_client_network"; }}
    }}""")
        nginx = support.start_nginx(config, [port], directory)
        try:
            for address, network in self.CASES.items():
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                connection.request("GET", "/", headers={"X-Client": address})
                self.assertEqual(connection.getresponse().read().decode(), network, address)
                connection.close()
        finally:
            nginx.stop(signal.SIGQUIT)


class Backend:
    """One MariaDB and one chat-worker on loopback, shared by the classes below."""
    database = None
    worker = None
    port = None
    users = 0

    @classmethod
    def acquire(cls):
        if cls.users == 0:
            directory = harness.temporary_directory("chat-nginx-worker-")
            cls.database = harness.MariaDB().start()
            try:
                cls.worker, cls.port = support.start_host_worker(cls.database.url, directory)
            except Exception:
                cls.database.stop()
                raise
        cls.users += 1
        return cls.port

    @classmethod
    def release(cls):
        cls.users -= 1
        if cls.users == 0:
            cls.worker.stop()
            cls.database.stop()


class _LoopbackHttps(http.client.HTTPSConnection):
    """HTTPS to 127.0.0.1 with the site's host name for SNI, the certificate check and Host."""

    def connect(self):
        raw = socket.create_connection(("127.0.0.1", self.port), self.timeout)
        self.sock = self._context.wrap_socket(raw, server_hostname=self.host)


class HttpsClient:
    """Requests to the production site; answers (status, {name: [values]}, body, TLS version)."""

    def __init__(self, port, cert, http_port):
        self.port, self.http_port = port, http_port
        self.context = ssl.create_default_context(cafile=cert)

    def request(self, method, path, body=None, headers=None, context=None):
        connection = _LoopbackHttps(support.SERVER_NAME, self.port, timeout=30,
                                    context=context or self.context)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            version = connection.sock.version()
            reply = connection.getresponse()
            data = reply.read()
            headers = {}
            for name, value in reply.getheaders():
                headers.setdefault(name.lower(), []).append(value)
            return reply.status, headers, data, version
        finally:
            connection.close()


def one(headers, name):
    values = headers.get(name.lower(), [])
    return values[0] if len(values) == 1 else (None if not values else values)


class ProductionExampleServes(unittest.TestCase):
    """nginx/production.conf.example in front of a chat-worker; the example's second worker
    host is replaced by a loopback port where nothing listens."""

    @classmethod
    def setUpClass(cls):
        worker_port = Backend.acquire()
        try:
            cls.directory = harness.temporary_directory("chat-nginx-prod-run-")
            cls.http_port, cls.https_port = harness.free_port(), harness.free_port()
            dead_port = harness.free_port()
            config = support.render_production(
                cls.directory, http_port=cls.http_port, https_port=cls.https_port,
                workers=[f"127.0.0.1:{worker_port}", f"127.0.0.1:{dead_port}"],
                admins=[f"127.0.0.1:{dead_port}"])
            cls.nginx = support.start_nginx(config, [cls.http_port, cls.https_port], cls.directory)
        except Exception:
            Backend.release()
            raise
        cls.client = HttpsClient(cls.https_port, os.path.join(cls.directory, "cert.pem"),
                                 cls.http_port)

    @classmethod
    def tearDownClass(cls):
        cls.nginx.stop(signal.SIGQUIT)
        Backend.release()

    def get(self, path, headers=None, method="GET", body=None, context=None):
        return self.client.request(method, path, body=body, headers=headers, context=context)

    def test_http_redirects_to_https(self):
        connection = http.client.HTTPConnection("127.0.0.1", self.http_port, timeout=10)
        connection.request("GET", "/api/chatbot/session/x/?a=1", headers={"Host": support.SERVER_NAME})
        reply = connection.getresponse()
        self.assertEqual(reply.status, 301)
        self.assertEqual(reply.getheader("Location"),
                         f"https://{support.SERVER_NAME}/api/chatbot/session/x/?a=1")
        connection.close()

    def test_tls_1_3_and_1_2_with_forward_secret_aead_only(self):
        status, _, _, version = self.get("/healthz")
        self.assertEqual((status, version), (200, "TLSv1.3"))
        tls12 = ssl.create_default_context(cafile=os.path.join(self.directory, "cert.pem"))
        tls12.maximum_version = ssl.TLSVersion.TLSv1_2
        status, _, _, version = self.get("/healthz", context=tls12)
        self.assertEqual((status, version), (200, "TLSv1.2"))
        tls11 = ssl.create_default_context(cafile=os.path.join(self.directory, "cert.pem"))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # TLS 1.1 is; that is the point
            tls11.maximum_version = ssl.TLSVersion.TLSv1_1
        with self.assertRaises((ssl.SSLError, OSError)):
            self.get("/healthz", context=tls11)
        cbc = ssl.create_default_context(cafile=os.path.join(self.directory, "cert.pem"))
        cbc.maximum_version = ssl.TLSVersion.TLSv1_2
        cbc.set_ciphers("ECDHE-RSA-AES128-SHA256:ECDHE-RSA-AES256-SHA:AES128-GCM-SHA256")
        with self.assertRaises((ssl.SSLError, OSError)):
            self.get("/healthz", context=cbc)

    def test_health_through_nginx_with_security_headers(self):
        status, headers, body, _ = self.get("/healthz")
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body)["database"], "ok")
        self.assertIn("max-age=", one(headers, "Strict-Transport-Security"))
        self.assertEqual(one(headers, "X-Content-Type-Options"), "nosniff")
        self.assertEqual(one(headers, "Cache-Control"), "no-store")
        self.assertIsNone(one(headers, "Access-Control-Allow-Origin"))

    def test_demo_page_has_a_csp(self):
        status, headers, body, _ = self.get("/")
        self.assertEqual(status, 200)
        self.assertIn(b"chat-widget.js", body)
        csp = one(headers, "Content-Security-Policy")
        self.assertIn("script-src 'self'", csp)
        self.assertIn("default-src 'none'", csp)
        self.assertEqual(one(headers, "X-Frame-Options"), "SAMEORIGIN")
        self.assertEqual(one(headers, "Referrer-Policy"), "strict-origin-when-cross-origin")
        self.assertIn("max-age=", one(headers, "Strict-Transport-Security"))

    def test_dashboard_allowed_from_loopback_with_its_own_csp(self):
        status, headers, _, _ = self.get("/admin/")
        self.assertEqual(status, 200)
        self.assertIn("frame-ancestors 'none'", one(headers, "Content-Security-Policy"))
        self.assertEqual(one(headers, "X-Frame-Options"), "DENY")
        self.assertEqual(one(headers, "Referrer-Policy"), "no-referrer")
        status, headers, _, _ = self.get("/admin/package.json")
        self.assertEqual(status, 404)

    def test_admin_api_down_is_a_json_502_without_csp(self):
        status, headers, body, _ = self.get("/admin/api/stats")
        self.assertEqual(status, 502)
        self.assertEqual(json.loads(body)["error"]["code"], "unavailable")
        self.assertIsNone(one(headers, "Content-Security-Policy"))
        self.assertEqual(one(headers, "Cache-Control"), "no-store")

    def test_widget_gzip_etag_and_cache_headers(self):
        status, headers, body, _ = self.get("/widget/chat-widget.js", {"Accept-Encoding": "gzip"})
        self.assertEqual(status, 200)
        self.assertEqual(one(headers, "Content-Encoding"), "gzip")
        self.assertIn(b"shadow", gzip.decompress(body))
        self.assertEqual(one(headers, "Cache-Control"), "public, max-age=300, must-revalidate")
        status, headers, _, _ = self.get("/widget/chat-widget.js")
        etag = one(headers, "ETag")
        self.assertTrue(etag)
        status, _, _, _ = self.get("/widget/chat-widget.js", {"If-None-Match": etag})
        self.assertEqual(status, 304)
        status, headers, _, _ = self.get("/widget/chat-widget.css?v=1.4.0")
        self.assertEqual(status, 200)
        self.assertEqual(one(headers, "Cache-Control"), "public, max-age=31536000, immutable")

    def test_cors_preflight_from_allowed_and_other_origins(self):
        status, headers, _, _ = self.get("/api/chatbot/ask/", {"Origin": ALLOWED_ORIGIN},
                                         method="OPTIONS")
        self.assertEqual(status, 204)
        self.assertEqual(one(headers, "Access-Control-Allow-Origin"), ALLOWED_ORIGIN)
        self.assertEqual(one(headers, "Access-Control-Allow-Methods"), "GET, POST, OPTIONS")
        self.assertEqual(one(headers, "Access-Control-Allow-Headers"), "Content-Type")
        self.assertEqual(one(headers, "Vary"), "Origin")
        status, headers, _, _ = self.get("/api/chatbot/ask/", {"Origin": "https://evil.example"},
                                         method="OPTIONS")
        self.assertEqual(status, 204)
        self.assertIsNone(one(headers, "Access-Control-Allow-Origin"))

    def test_ask_and_stream_through_both_upstream_servers(self):
        # Round robin sends every other request to the dead server; nginx retries each on the
        # live one (nothing was sent, so even a POST is safe to retry).
        for _ in range(4):
            status, headers, body, _ = self.get(
                "/api/chatbot/ask/", {"Content-Type": "application/json", "Origin": ALLOWED_ORIGIN},
                method="POST", body=json.dumps({"message": "What services do you offer?"}))
            self.assertEqual(status, 200, body)
            self.assertEqual(json.loads(body)["source"], "knowledge")
            self.assertEqual(one(headers, "Access-Control-Allow-Origin"), ALLOWED_ORIGIN)
            self.assertEqual(one(headers, "Cache-Control"), "no-store")
        status, headers, body, _ = self.get(
            "/api/chatbot/ask/", {"Content-Type": "application/json", "Accept": "text/event-stream",
                                  "Accept-Encoding": "gzip"},
            method="POST", body=json.dumps({"message": "How much does a project cost?"}))
        self.assertEqual(status, 200, body)
        self.assertTrue(one(headers, "Content-Type").startswith("text/event-stream"))
        self.assertIsNone(one(headers, "Content-Encoding"))
        self.assertEqual(one(headers, "Cache-Control"), "no-cache")  # the worker's own, alone
        self.assertIn(b"event: done", body)

    def test_errors_are_json(self):
        status, headers, body, _ = self.get("/no/such/file.js")
        self.assertEqual(status, 404)
        self.assertTrue(one(headers, "Content-Type").startswith("application/json"))
        self.assertEqual(json.loads(body)["error"]["code"], "not_found")
        status, _, body, _ = self.get("/api/chatbot/ask/", {"Content-Type": "application/json"},
                                      method="POST", body="x" * 20000)
        self.assertEqual(status, 413)
        self.assertEqual(json.loads(body)["error"]["code"], "payload_too_large")

    def test_metrics_from_this_hosts_worker_get_and_head_only(self):
        status, headers, body, _ = self.get("/metrics")
        self.assertEqual(status, 200, body)
        page = body.decode()
        self.assertIn("# TYPE chat_http_requests_total counter", page)  # the worker's part
        self.assertIn("chat_admin_up 0", page)  # nothing listens for chat-admin here
        self.assertTrue(one(headers, "Content-Type").startswith("text/plain; version=0.0.4"))
        self.assertEqual(one(headers, "Cache-Control"), "no-store")
        self.assertIn("max-age=", one(headers, "Strict-Transport-Security"))
        status, _, body, _ = self.get("/metrics", method="HEAD")
        self.assertEqual((status, body), (200, b""))
        for method in ("POST", "PUT", "DELETE"):
            status, headers, body, _ = self.get("/metrics", method=method, body="x")
            self.assertEqual(status, 405, method)
            self.assertEqual(json.loads(body)["error"]["code"], "method_not_allowed")
            self.assertEqual(one(headers, "Allow"), "GET, HEAD")
        self.assertEqual(self.get("/_chat_metrics/worker")[0], 404)

    def test_zz_asks_over_the_per_ip_rate_get_429(self):
        # Named to run last in this class: it uses up this address's burst.
        for _ in range(12):
            status, headers, body, _ = self.get(
                "/api/chatbot/ask/", {"Content-Type": "application/json", "Origin": ALLOWED_ORIGIN},
                method="POST", body="{}")
            if status == 429:
                break
            self.assertEqual(status, 400, body)
        self.assertEqual(status, 429)
        self.assertEqual(json.loads(body)["error"]["code"], "rate_limited")
        self.assertEqual(one(headers, "Retry-After"), "2")
        self.assertEqual(one(headers, "Access-Control-Allow-Origin"), ALLOWED_ORIGIN)


class ComposeConfigServes(unittest.TestCase):
    """docker/nginx.conf, rendered as the web image renders it, in front of a chat-worker."""

    @classmethod
    def setUpClass(cls):
        worker_port = Backend.acquire()
        try:
            cls.directory = harness.temporary_directory("chat-nginx-compose-run-")
            cls.port, cls.admin_port = harness.free_port(), harness.free_port()
            config = support.render_compose_nginx(
                cls.directory, port=cls.port, worker=f"127.0.0.1:{worker_port}",
                admin=f"127.0.0.1:{harness.free_port()}", admin_port=cls.admin_port,
                settings={"CHAT_ALLOWED_ORIGINS": ALLOWED_ORIGIN, "CHAT_RATE_PER_MIN": "0"})
            cls.nginx = support.start_nginx(config, [cls.port, cls.admin_port], cls.directory)
        except Exception:
            Backend.release()
            raise
        cls.client = harness.Client(cls.port)

    @classmethod
    def tearDownClass(cls):
        cls.nginx.stop(signal.SIGQUIT)
        Backend.release()

    def test_health_ask_widget_and_dashboard(self):
        reply = self.client.request("GET", "/healthz")
        self.assertEqual(reply.status, 200)
        self.assertEqual(reply.json()["database"], "ok")
        reply = self.client.request("POST", "/api/chatbot/ask/", {"message": "Hello"},
                                    {"Content-Type": "application/json", "Origin": ALLOWED_ORIGIN})
        self.assertEqual(reply.status, 200, reply.body)
        self.assertEqual(reply.header("Access-Control-Allow-Origin"), ALLOWED_ORIGIN)
        self.assertEqual(self.client.request("GET", "/widget/chat-widget.js").status, 200)
        self.assertEqual(self.client.request("GET", "/").status, 200)

    def test_the_admin_side_is_served_on_its_own_port_only(self):
        for path in ("/admin/", "/admin/api/stats"):
            self.assertEqual(self.client.request("GET", path).status, 404, path)
        admin = harness.Client(self.admin_port)
        reply = admin.request("GET", "/admin/")
        self.assertEqual(reply.status, 200)
        self.assertIn("frame-ancestors 'none'", reply.header("Content-Security-Policy"))
        # chat-admin is not running here. (The body is nginx's HTML page, not the contract's JSON,
        # while nginx/snippets/chat-admin.conf's /admin/api/ sets an error_page of its own, which
        # stops the server-level ones from being inherited.)
        self.assertEqual(admin.request("GET", "/admin/api/stats").status, 502)
        self.assertEqual(admin.request("GET", "/api/chatbot/session/" + "0" * 36 + "/").status, 404)

    def test_metrics_on_the_admin_port_only(self):
        self.assertEqual(self.client.request("GET", "/metrics").status, 404)
        reply = harness.Client(self.admin_port).request("GET", "/metrics")
        self.assertEqual(reply.status, 200, reply.body)
        page = reply.body.decode()
        self.assertIn("# TYPE chat_http_requests_total counter", page)  # the worker's part
        self.assertIn("chat_admin_up 0", page)  # chat-admin is not running here

    def test_streamed_answer_arrives_as_events(self):
        events = self.client.ask_streaming("What services do you offer?")
        self.assertEqual([name for _, name, _ in events][0], "session")
        self.assertEqual(events[-1][1], "done")

    def test_limits_off_with_rate_zero(self):
        statuses = {self.client.request("POST", "/api/chatbot/ask/", "{}",
                                        {"Content-Type": "application/json"}).status
                    for _ in range(12)}
        self.assertEqual(statuses, {400})


class MetricsPartsThatFail(unittest.TestCase):
    """/metrics (nginx/snippets/chat-metrics.conf, in the compose config) when a part answers
    with a 500 or never answers: the page is still a valid exposition, at once, with
    chat_*_up 0 in place of the part; the error page is never spliced in."""

    @classmethod
    def setUpClass(cls):
        cls.failing = support.FastCgiStub(status=500, body=b"SPLICED error page\n")
        cls.silent = support.FastCgiStub()
        cls.directory = harness.temporary_directory("chat-nginx-metrics-")
        cls.port, cls.admin_port = harness.free_port(), harness.free_port()
        config = support.render_compose_nginx(
            cls.directory, port=cls.port, worker=cls.silent.address, admin=cls.failing.address,
            admin_port=cls.admin_port)
        try:
            cls.nginx = support.start_nginx(config, [cls.port, cls.admin_port], cls.directory)
        except Exception:
            cls.failing.close()
            cls.silent.close()
            raise
        cls.client = harness.Client(cls.admin_port)

    @classmethod
    def tearDownClass(cls):
        cls.nginx.stop(signal.SIGQUIT)
        cls.failing.close()
        cls.silent.close()

    def test_a_500_and_a_silent_worker_become_up_0_within_the_timeouts(self):
        started = time.monotonic()
        reply = self.client.request("GET", "/metrics", timeout=60)
        elapsed = time.monotonic() - started
        self.assertEqual(reply.status, 200, reply.body)
        page = reply.body.decode()
        self.assertGreater(self.failing.requests, 0)
        self.assertNotIn("SPLICED", page)
        self.assertIn("chat_admin_up 0\n", page)
        self.assertIn("chat_worker_up 0\n", page)  # the 2 s read timeout, not the 60 s one
        self.assertLess(elapsed, 10, page)
        self.assertEqual(reply.header("Cache-Control"), "no-store")
        for line in page.splitlines():  # only the two fallbacks' lines: a valid exposition
            self.assertRegex(line, r"^(# (HELP|TYPE) chat_(worker|admin)_up .+|chat_(worker|admin)_up 0)$")

    def test_other_methods_get_the_json_405(self):
        before = self.failing.requests
        for method in ("POST", "PUT", "DELETE", "OPTIONS"):
            reply = self.client.request(method, "/metrics", "x")
            self.assertEqual(reply.status, 405, method)
            self.assertEqual(reply.json()["error"]["code"], "method_not_allowed")
            self.assertEqual(reply.header("Allow"), "GET, HEAD")
        self.assertEqual(self.failing.requests, before)  # never passed on
        reply = self.client.request("HEAD", "/metrics", timeout=60)
        self.assertEqual(reply.status, 200)


if __name__ == "__main__":
    unittest.main()
