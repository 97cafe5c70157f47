"""Helpers of the deployment tests (tests/deploy/): rendering the nginx configs that are not
rendered by scripts/run (nginx/production.conf.example, docker/nginx.conf) into a temporary
directory with throwaway certificates, log paths and loopback upstreams, and running a chat-worker
of the build tree on a loopback TCP port.

Reuses tests/integration/harness.py (temporary directories, free ports, the private MariaDB).
"""
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import fastcgi_records  # noqa: E402  (tests/integration/fastcgi_records.py)
import harness  # noqa: E402  (tests/integration/harness.py)

REPO_DIR = harness.REPO_DIR
BUILD_DIR = harness.BUILD_DIR
PRODUCTION_EXAMPLE = os.path.join(REPO_DIR, "nginx", "production.conf.example")
COMPOSE_NGINX = os.path.join(REPO_DIR, "docker", "nginx.conf")
SERVER_NAME = "chat.example.com"  # the production example's placeholder host name


def nginx_user():
    """The user nginx workers run as, as scripts/lib/nginx.sh picks it: root when the unprivileged
    user cannot read the checkout (a private directory)."""
    exists = subprocess.run(["id", "-u", "www-data"], capture_output=True).returncode == 0
    user = "www-data" if exists else "nobody"
    widget = os.path.join(REPO_DIR, "widget", "chat-widget.js")
    readable = subprocess.run(["runuser", "-u", user, "--", "test", "-r", widget]).returncode == 0
    return user if readable else "root"


def port_open(port, host="127.0.0.1"):
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def self_signed_certificate(directory, name=SERVER_NAME):
    """A throwaway certificate and key for `name` (openssl); returns (cert, key) paths."""
    cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", f"/CN={name}", "-addext", f"subjectAltName=DNS:{name}",
                    "-keyout", key, "-out", cert], check=True, capture_output=True)
    return cert, key


def nginx_test(config_path):
    """`nginx -t -c config_path`; returns (exit status, output)."""
    result = subprocess.run(["nginx", "-t", "-c", config_path], capture_output=True, text=True)
    return result.returncode, result.stdout + result.stderr


def _replace_upstream(text, name, servers):
    pattern = re.compile(r"(upstream %s \{)(.*?)(\n\})" % re.escape(name), re.S)
    if not pattern.search(text):
        raise AssertionError(f"no upstream {name} block")
    body = "".join(f"\n    server {server};" for server in servers)
    return pattern.sub(lambda match: match.group(1) + body + match.group(3), text, count=1)


def write_nginx_config(directory, config):
    """Writes DIRECTORY/nginx.conf, readable by nginx's workers; returns its path."""
    path = os.path.join(directory, "nginx.conf")
    with open(path, "w", encoding="utf-8") as file:
        file.write(config)
    os.chmod(directory, 0o755)
    subprocess.run(["chown", "-R", nginx_user(), directory], check=False)
    return path


def render_production(directory, http_port=None, https_port=None, workers=None, admins=None,
                      metrics_worker=None):
    """Copies nginx/production.conf.example into `directory` as a site included by a minimal
    nginx.conf (as Debian's includes sites-enabled/*), with a self-signed certificate, logs and
    temporary files in `directory`, the static files of this repository, and, when given, the
    listen ports on 127.0.0.1 and the upstream servers (the worker part of /metrics goes to
    `metrics_worker`, by default the first of `workers`). Returns the nginx.conf path."""
    cert, key = self_signed_certificate(directory)
    site = _read_file(PRODUCTION_EXAMPLE)
    replacements = {
        f"/etc/letsencrypt/live/{SERVER_NAME}/fullchain.pem": cert,
        f"/etc/letsencrypt/live/{SERVER_NAME}/privkey.pem": key,
        "/var/log/nginx/": directory + "/",
        "/usr/local/share/atonix-chat/": REPO_DIR + "/",
        "/var/www/acme": directory,
    }
    for old, new in replacements.items():
        if old not in site:
            raise AssertionError(f"production.conf.example no longer mentions {old}")
        site = site.replace(old, new)
    if http_port:
        site = re.sub(r"listen \[::\]:80;\n\s*", "", site)
        site = site.replace("listen 80;", f"listen 127.0.0.1:{http_port};")
    if https_port:
        site = re.sub(r"listen \[::\]:443 ssl http2;\n\s*", "", site)
        site = site.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;")
    if workers:
        site = _replace_upstream(site, "chat_worker", workers)
    if metrics_worker or workers:
        site = _replace_upstream(site, "chat_worker_metrics", [metrics_worker or workers[0]])
    if admins:
        site = _replace_upstream(site, "chat_admin", admins)
    with open(os.path.join(directory, "site.conf"), "w", encoding="utf-8") as file:
        file.write(site)
    return _main_config(directory, "include %s;" % os.path.join(directory, "site.conf"))


def _main_config(directory, http_body):
    """A minimal nginx.conf around `http_body`, with everything nginx writes in `directory`."""
    for part in ("body", "fastcgi", "proxy", "uwsgi", "scgi"):
        os.makedirs(os.path.join(directory, part), exist_ok=True)
    config = f"""# Written by tests/deploy: a minimal main config around the config under test.
user {nginx_user()};
worker_processes 1;
pid {directory}/nginx.pid;
error_log {directory}/error.log warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    client_body_temp_path {directory}/body;
    fastcgi_temp_path {directory}/fastcgi;
    proxy_temp_path {directory}/proxy;
    uwsgi_temp_path {directory}/uwsgi;
    scgi_temp_path {directory}/scgi;
    {http_body}
}}
"""
    return write_nginx_config(directory, config)


def render_compose_nginx(directory, port=None, worker="127.0.0.1:1", admin="127.0.0.1:2",
                         settings=None, admin_port=None):
    """Renders docker/nginx.conf as the web image does at start (docker/nginx-entrypoint.sh,
    with this repository as CHAT_REPO_DIR and `directory`/chat as CHAT_NGINX_DIR), with the
    compose host names replaced by loopback addresses. Returns the nginx.conf path."""
    chat_dir = os.path.join(directory, "chat")
    env = {key: value for key, value in os.environ.items() if not key.startswith("CHAT_")}
    env.update({"CHAT_REPO_DIR": REPO_DIR, "CHAT_NGINX_DIR": chat_dir, **(settings or {})})
    subprocess.run([os.path.join(REPO_DIR, "docker", "nginx-entrypoint.sh"), "true"],
                   env=env, check=True, capture_output=True, text=True)
    config = _read_file(COMPOSE_NGINX)
    replacements = {
        "/etc/nginx/chat/": chat_dir + "/",
        "server worker:9000;": f"server {worker};",
        "server admin:9001;": f"server {admin};",
        "pid /run/nginx.pid;": f"pid {directory}/nginx.pid;",
        "error_log /dev/stderr warn;": f"error_log {directory}/error.log warn;",
        "access_log /dev/stdout chat_json;": f"access_log {directory}/access.log chat_json;",
        "/usr/share/atonix-chat/": REPO_DIR + "/",
        "user www-data;": f"user {nginx_user()};",
    }
    for old, new in replacements.items():
        if old not in config:
            raise AssertionError(f"docker/nginx.conf no longer mentions {old}")
        config = config.replace(old, new)
    if port:
        config = config.replace("listen 8080;", f"listen 127.0.0.1:{port};")
    if admin_port:
        config = config.replace("listen 8081;", f"listen 127.0.0.1:{admin_port};")
    # Temporary files in the test directory instead of Debian's /var/lib/nginx.
    config = config.replace("http {\n", "http {\n" + "".join(
        f"    {part}_temp_path {directory}/{part};\n" if part != "body" else
        f"    client_body_temp_path {directory}/body;\n"
        for part in ("body", "fastcgi", "proxy", "uwsgi", "scgi")), 1)
    for part in ("body", "fastcgi", "proxy", "uwsgi", "scgi"):
        os.makedirs(os.path.join(directory, part), exist_ok=True)
    return write_nginx_config(directory, config)


class Process:
    """A background process in its own session, stopped (and waited for) by stop()."""

    def __init__(self, argv, env=None, log_path=None):
        self.log_path = log_path
        log = open(log_path, "ab") if log_path else subprocess.DEVNULL
        self.popen = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                      stderr=subprocess.STDOUT, start_new_session=True)
        if log_path:
            log.close()

    def running(self):
        return self.popen.poll() is None

    def log(self):
        if not self.log_path or not os.path.exists(self.log_path):
            return ""
        return _read_file(self.log_path)

    def stop(self, sig=signal.SIGTERM, timeout=30):
        """Signals the process (only it); kills its session if it does not exit in time."""
        if self.popen.poll() is None:
            self.popen.send_signal(sig)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(10)
        return self.popen.returncode


def start_nginx(config_path, ports, directory):
    process = Process(["nginx", "-c", config_path, "-g", "daemon off;"],
                      log_path=os.path.join(directory, "nginx.out"))
    if not harness.wait_until(lambda: all(port_open(port) for port in ports), timeout=20):
        process.stop(signal.SIGQUIT)
        raise RuntimeError("nginx did not start:\n" + process.log() + _read(directory, "error.log"))
    return process


def _read_file(path):
    with open(path, encoding="utf-8", errors="replace") as file:
        return file.read()


def _read(directory, name):
    path = os.path.join(directory, name)
    return _read_file(path) if os.path.exists(path) else ""


def worker_environment(database_url):
    """The environment of a chat-worker without a model: answers from the knowledge base."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("CHAT_") and key != "HUGGINGFACE_API_KEY"}
    env.update({"CHAT_DATABASE_URL": database_url,
                "CHAT_KNOWLEDGE_FILE": os.path.join(REPO_DIR, "config", "knowledge.md")})
    return env


def start_host_worker(database_url, directory):
    """Migrates the database and starts the build tree's chat-worker on a loopback TCP port;
    returns (process, port)."""
    env = worker_environment(database_url)
    subprocess.run([os.path.join(BUILD_DIR, "chat-migrate"), "--dir", os.path.join(REPO_DIR, "sql")],
                   env=env, check=True, capture_output=True)
    port = harness.free_port()
    process = Process([os.path.join(BUILD_DIR, "chat-worker"), "--listen", f"127.0.0.1:{port}"],
                      env=env, log_path=os.path.join(directory, "chat-worker.log"))
    if not harness.wait_until(lambda: port_open(port) or not process.running(), timeout=60) \
            or not process.running():
        process.stop()
        raise RuntimeError("chat-worker did not start:\n" + process.log())
    return process, port


def fastcgi_request(address, path, method="GET", body=b"", content_type="", timeout=30, extra=None):
    """One FastCGI request with cgi-fcgi (libfcgi-bin), as nginx would send it; returns
    (status, headers dict with lower-case names, body bytes)."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "REQUEST_METHOD": method,
           "SCRIPT_NAME": path, "DOCUMENT_URI": path, "REQUEST_URI": path,
           "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
           "CONTENT_LENGTH": str(len(body)), **(extra or {})}
    if content_type:
        env["CONTENT_TYPE"] = content_type
    result = subprocess.run(["cgi-fcgi", "-bind", "-connect", address], input=body, env=env,
                            capture_output=True, timeout=timeout)
    head, _, payload = result.stdout.partition(b"\r\n\r\n")
    lines = head.decode("utf-8", "replace").split("\r\n")
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    status = int(headers.get("status", "0 ").split(" ")[0] or 0)
    return status, headers, payload


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


class FastCgiStub:
    """A FastCGI server on a loopback port for nginx's error paths, in a thread of the test:
    with a `status`, it answers every request with that status and `body`; without one, it
    listens but never accepts, so a request connects and then waits for an answer forever."""

    def __init__(self, status=None, body=b"stub error page\n"):
        self.status, self.body = status, body
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.address = f"127.0.0.1:{self.port}"
        self.requests = 0
        if status is not None:
            threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return  # closed
            with connection:
                try:
                    self._answer(connection)
                except OSError:
                    pass

    def _answer(self, connection):
        stream = connection.makefile("rb")
        while True:  # BEGIN_REQUEST, PARAMS..., STDIN... up to the empty STDIN record
            header = stream.read(8)
            if len(header) < 8:
                return
            kind, request_id, length, padding = fastcgi_records.header_fields(header)
            stream.read(length + padding)
            if kind == fastcgi_records.STDIN and length == 0:
                break
        self.requests += 1
        reply = (b"Status: %d Stub\r\nContent-Type: text/plain\r\n\r\n" % self.status) + self.body
        connection.sendall(fastcgi_records.record(fastcgi_records.STDOUT, reply, request_id)
                           + fastcgi_records.record(fastcgi_records.STDOUT, b"", request_id)
                           + fastcgi_records.record(fastcgi_records.END_REQUEST, b"\0" * 8, request_id))

    def close(self):
        try:
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() of the thread
        except OSError:
            pass
        self.listener.close()
