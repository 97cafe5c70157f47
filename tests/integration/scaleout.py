"""The chat product spread over the hosts of hosts.py, for the multi-host suites: a model host
(tests/model_server, HTTPS with a throwaway CA, answering after a delay), two worker hosts
(chat-worker --listen ADDRESS:9000, serving nginx's address only), an nginx host (a config written
here: an upstream of both worker hosts, the retry rules of nginx/production.conf.example, and the
upstream that answered in the X-Chat-Upstream header), chat-admin on the nginx host, and a client
host whose visitors (netclient.py) talk to nginx. The database is given as URLs.

Addresses (10.231.0.0/24, private to each run's switch): client .5, nginx .10, databases .11-.13,
workers .21 and .22, model .30.
"""
import json
import os
import re
import secrets
import subprocess
import sys
import threading
import time
import unittest

from harness import BUILD_DIR, REPO_DIR, temporary_directory
from hosts import Topology

NETWORK = "10.231.0.%"
CLIENT, NGINX, MODEL = "10.231.0.5", "10.231.0.10", "10.231.0.30"
DATABASES = ["10.231.0.11", "10.231.0.12", "10.231.0.13"]
WORKERS = ["10.231.0.21", "10.231.0.22"]
WORKER_PORT, HTTP_PORT, ADMIN_PORT = 9000, 8080, 9100
# A second pool of workers a test may start on both worker hosts (SPLIT_WORKER_PORT), which nginx
# serves on SPLIT_HTTP_PORT.
SPLIT_WORKER_PORT, SPLIT_HTTP_PORT = 9001, 8081
MODEL_TOKEN = "hf_test_token_never_logged_0123456789"
HERE = os.path.dirname(os.path.abspath(__file__))
PRODUCTION_NGINX = os.path.join(REPO_DIR, "nginx", "production.conf.example")


def shipped_retry_directives():
    """The lines of nginx/production.conf.example that decide when nginx tries another worker
    (the first of each directive: the http-level ones, not the admin location's own)."""
    names = ("fastcgi_connect_timeout", "fastcgi_next_upstream", "fastcgi_next_upstream_tries",
             "fastcgi_next_upstream_timeout")
    found = {}
    with open(PRODUCTION_NGINX, encoding="utf-8") as file:
        for line in file:
            words = line.split()
            if words and words[0] in names:
                found.setdefault(words[0], line.strip())
    return [found[name] for name in names if name in found]


def nginx_config(directory, admin=True):
    """nginx.conf for the nginx host: /api/ and /healthz to both worker hosts, /admin/api/ to
    chat-admin on this host; the JSON access log names the upstream(s) of each request."""
    def servers(port):
        return "\n".join(f"        server {address}:{port} max_fails=3 fail_timeout=10s;" for address in WORKERS)
    retries = "\n".join(f"        {line}" for line in shipped_retry_directives())
    fastcgi = "include /etc/nginx/fastcgi_params; fastcgi_param REQUEST_ID $request_id;"
    admin_location = (f"location /admin/api/ {{ {fastcgi} fastcgi_pass 127.0.0.1:{ADMIN_PORT}; "
                      "fastcgi_next_upstream off; }") if admin else ""
    return f"""
worker_processes 2;
pid {directory}/nginx.pid;
error_log {directory}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    log_format hosts escape=json '{{"msec":$msec,"method":"$request_method","uri":"$uri",'
        '"status":$status,"upstream":"$upstream_addr","upstream_status":"$upstream_status"}}';
    access_log {directory}/access.log hosts;
    client_body_temp_path {directory}/body;
    fastcgi_temp_path {directory}/fastcgi;
    proxy_temp_path {directory}/proxy;
    uwsgi_temp_path {directory}/uwsgi;
    scgi_temp_path {directory}/scgi;
    upstream chat_worker {{
        zone chat_worker 64k;  # one round robin for nginx's two processes
{servers(WORKER_PORT)}
    }}
    upstream chat_split {{
        zone chat_split 64k;
{servers(SPLIT_WORKER_PORT)}
    }}
    server {{
        listen {NGINX}:{HTTP_PORT};
{retries}
        fastcgi_read_timeout 60s;
        fastcgi_send_timeout 60s;
        add_header X-Chat-Upstream $upstream_addr always;
        location /api/ {{ {fastcgi} fastcgi_pass chat_worker; }}
        location = /healthz {{ {fastcgi} fastcgi_pass chat_worker; }}
        {admin_location}
    }}
    server {{
        listen {NGINX}:{SPLIT_HTTP_PORT};
{retries}
        add_header X-Chat-Upstream $upstream_addr always;
        location /api/ {{ {fastcgi} fastcgi_pass chat_split; }}
    }}
}}
"""


class Requests:
    """Requests sent one at a time from the client host (netclient.py's requests mode)."""

    def __init__(self, host):
        self.process = host.popen([sys.executable, os.path.join(HERE, "netclient.py"), f"http://{NGINX}:{HTTP_PORT}",
                                   "requests"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def send(self, method, path, body=None, headers=None):
        """Returns {"status", "upstream", "body"}."""
        self.process.stdin.write(json.dumps({"method": method, "path": path, "body": body,
                                             "headers": headers or {}}) + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def ask(self, message, session_id=None):
        return self.send("POST", "/api/chatbot/ask/", {"message": message,
                                                       **({"session_id": session_id} if session_id else {})})

    def session(self, session_id):
        return self.send("GET", f"/api/chatbot/session/{session_id}/")

    def close(self):
        self.process.stdin.close()
        self.process.wait(30)


class Load:
    """netclient.py's load mode on the client host: its records, as they come."""

    def __init__(self, host, askers, readers, label, port=HTTP_PORT, shared=False):
        self.process = host.popen([sys.executable, os.path.join(HERE, "netclient.py"), f"http://{NGINX}:{port}",
                                   "load", str(askers), str(readers), label, *(["shared"] if shared else [])],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.records, self.lock = [], threading.Lock()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.process.stdout:
            with self.lock:
                self.records.append(json.loads(line))

    def snapshot(self):
        with self.lock:
            return list(self.records)

    def count(self, predicate):
        return sum(1 for record in self.snapshot() if predicate(record))

    def stop(self, timeout=90):
        """Lets the requests under way finish; returns every record."""
        self.process.stdin.close()
        self.process.wait(timeout)
        self.reader.join(timeout)
        return self.snapshot()


class ChatHosts:
    """The model, worker, nginx and client hosts of one topology."""

    def __init__(self, topology):
        self.topology = topology
        self.directory = temporary_directory("chat-hosts-")
        os.chmod(self.directory, 0o755)
        self.client = topology.add_host("client", CLIENT)
        self.nginx = topology.add_host("nginx", NGINX)
        self.model = topology.add_host("model", MODEL)
        self.workers = [topology.add_host(f"worker{i + 1}", address) for i, address in enumerate(WORKERS)]
        self.model_port = self.model_ca = None
        self.admin_token = secrets.token_hex(16)

    def log_path(self, name):
        return os.path.join(self.directory, f"{name}.log")

    def start_model(self, delay_seconds):
        """The model service, answering every call after `delay_seconds`."""
        directory = os.path.join(self.directory, "model")
        os.makedirs(directory)
        process = self.model.popen([sys.executable, os.path.join(REPO_DIR, "tests", "model_server", "model_server.py"),
                                    MODEL, directory, str(delay_seconds)], stdout=subprocess.PIPE, text=True)
        started = json.loads(process.stdout.readline())
        self.model_port, self.model_ca = started["port"], started["ca_file"]

    def model_requests(self):
        """What the model service received (its /__requests), fetched from the model host."""
        done = self.model.run(["curl", "-sS", "--cacert", self.model_ca,
                               f"https://{MODEL}:{self.model_port}/__requests"])
        return json.loads(done.stdout)

    def worker_environment(self, database_url, model=True, **settings):
        environment = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "CHAT_DATABASE_URL": database_url,
            "CHAT_FASTCGI_ALLOWED_PEERS": NGINX, "CHAT_KNOWLEDGE_FILE": os.path.join(REPO_DIR, "config", "knowledge.md"),
            "CHAT_WORKER_PROCESSES": "2", "CHAT_WORKER_THREADS": "8", "CHAT_SESSION_ASKS_PER_HOUR": "0",
            "CHAT_SESSION_STARTS_PER_HOUR": "0", "CHAT_CACHE_TTL_SECONDS": "0"}
        if model and self.model_port:
            environment.update({"HUGGINGFACE_API_KEY": MODEL_TOKEN, "CHAT_LLM_URL": f"https://{MODEL}:{self.model_port}/v1",
                                "CHAT_CA_FILE": self.model_ca, "CHAT_LLM_TIMEOUT_MS": "15000",
                                "CHAT_STOP_TIMEOUT_SECONDS": "20"})
        for name in ("ASAN_OPTIONS", "UBSAN_OPTIONS"):
            if name in os.environ:
                environment[name] = os.environ[name]
        environment.update(settings)
        return environment

    def start_workers(self, database_url, **settings):
        for host in self.workers:
            self.start_worker(host, database_url, **settings)

    def start_worker(self, host, database_url, port=WORKER_PORT, model=True, **settings):
        """chat-worker on `host`, listening on its address and `port`; returns its master."""
        return self.start_program(host, "chat-worker", f"{host.address}:{port}",
                                  self.worker_environment(database_url, model, **settings), f"{host.name}-{port}")

    def start_admin(self, database_url, read_database_url):
        """chat-admin on the nginx host: erase and writes through `database_url`, reads through
        `read_database_url` (CHAT_ADMIN_DATABASE_URL)."""
        environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "CHAT_DATABASE_URL": database_url,
                       "CHAT_ADMIN_DATABASE_URL": read_database_url, "CHAT_ADMIN_TOKEN": self.admin_token,
                       "CHAT_FASTCGI_ALLOWED_PEERS": "127.0.0.1"}
        self.start_program(self.nginx, "chat-admin", f"127.0.0.1:{ADMIN_PORT}", environment, "chat-admin")

    def start_program(self, host, program, address, environment, log_name):
        """Starts chat-worker or chat-admin on `host` with --listen `address`; waits until it
        listens (its log is LOG_NAME.log in the run's directory)."""
        path = self.log_path(log_name)
        with open(path, "a") as log:
            process = host.popen([os.path.join(BUILD_DIR, program), "--listen", address], env=environment,
                                 stdout=log, stderr=log)
        port = int(address.rsplit(":", 1)[1])

        def ready():
            if process.poll() is not None:
                with open(path, encoding="utf-8", errors="replace") as log:
                    raise AssertionError(f"{program} on {host.name} exited {process.returncode}: {log.read()[-2000:]}")
            return listening(host, port)

        wait_for(ready, 60, f"{program} listening on {host.name}")
        return process

    def start_nginx(self, admin=True):
        directory = os.path.join(self.directory, "nginx")
        os.makedirs(directory)
        config = os.path.join(directory, "nginx.conf")
        with open(config, "w", encoding="utf-8") as file:
            file.write(nginx_config(directory, admin))
        self.nginx.run(["nginx", "-t", "-q", "-c", config, "-p", directory])
        self.nginx.popen(["nginx", "-c", config, "-p", directory, "-g", "daemon off;"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: listening(self.nginx, HTTP_PORT), 30, "nginx listening")
        return config

    def wait_until_served_by_both(self, requests, timeout=60):
        """/healthz through nginx, until each worker host has answered 200 (round robin)."""
        answered = set()

        def both():
            reply = requests.send("GET", "/healthz")
            if reply["status"] == 200:
                answered.add(reply["upstream"])
            return len(answered) == len(WORKERS)

        wait_for(both, timeout, "both worker hosts answering /healthz")

    def access_log(self):
        with open(os.path.join(self.directory, "nginx", "access.log"), encoding="utf-8") as file:
            return [json.loads(line) for line in file if line.strip()]

    def admin_headers(self):
        return {"Authorization": f"Bearer {self.admin_token}"}


def listening(host, port):
    done = host.run(["ss", "-Hltn", f"sport = :{port}"], check=False)
    return bool(done.stdout.strip())


def wait_for(predicate, timeout, what, interval=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}")


ASK_TOKEN = re.compile(r"#[a-z0-9]+-\d+-\d+#")


def ask_token(message):
    """The token of a load ask ("#LABEL-ASKER-TURN#", netclient.py), or None."""
    found = ASK_TOKEN.findall(message or "")
    return found[-1] if found else None


def upstream_host(upstream):
    """The worker address of an X-Chat-Upstream value ("10.231.0.21:9000")."""
    return upstream.rsplit(":", 1)[0] if upstream else None


def print_figures(title, figures):
    """The figures block on stdout."""
    width = max(len(name) for name in figures)
    lines = [f"--- {title} ---"] + [f"{name.ljust(width)} : {value}" for name, value in figures.items()]
    print("\n" + "\n".join(lines) + "\n", flush=True)


class ScaleOutTestCase(unittest.TestCase):
    """A suite whose hosts `build_hosts()` starts in a topology of its own, with `cls.hosts` (the
    product's hosts) and `cls.requests` (the client's), ready once both worker hosts answer; all
    of it goes when the suite ends, or at once when building fails."""

    @classmethod
    def setUpClass(cls):
        cls.topology = Topology()
        try:
            cls.hosts = ChatHosts(cls.topology)
            cls.build_hosts()
            cls.requests = Requests(cls.hosts.client)
            cls.hosts.wait_until_served_by_both(cls.requests)
        except BaseException:
            cls.topology.close()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            cls.requests.close()
        finally:
            cls.topology.close()
