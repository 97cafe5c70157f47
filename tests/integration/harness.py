"""Test harness: starts the real stack with scripts/run (private MariaDB, chat-worker, nginx) on
loopback, and a private MariaDB of its own where a test needs to restart the database.

Environment: CHAT_TEST_BUILD_DIR names the build tree with chat-worker and chat-migrate.
"""
import atexit
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest

REPO_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD_DIR = os.environ.get("CHAT_TEST_BUILD_DIR", os.path.join(REPO_DIR, "build"))
START_TIMEOUT_S = 120


_TEMPORARY_DIRECTORIES = []


def temporary_directory(prefix):
    """A directory removed when the test process ends (kept with CHAT_TEST_KEEP=1)."""
    path = tempfile.mkdtemp(prefix=prefix)
    _TEMPORARY_DIRECTORIES.append(path)
    return path


@atexit.register
def _remove_temporary_directories():
    if os.environ.get("CHAT_TEST_KEEP") != "1":
        for path in _TEMPORARY_DIRECTORIES:
            shutil.rmtree(path, ignore_errors=True)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def shell_library(call, **settings):
    """Runs `call` in bash with scripts/lib sourced and `settings` in its environment; returns
    its stdout."""
    script = (f'REPO_DIR="{REPO_DIR}"; source "$REPO_DIR/scripts/lib/common.sh"; '
              f'source "$REPO_DIR/scripts/lib/mariadb.sh"; {call}')
    return subprocess.run(["bash", "-c", script], check=True, capture_output=True,
                          text=True, env={**os.environ, **settings}).stdout


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body)

    def header(self, name):
        return self.headers.get(name.lower())


class Client:
    """A tiny HTTP client for one base port on 127.0.0.1."""

    def __init__(self, port):
        self.port = port

    def request(self, method, path, body=None, headers=None, timeout=30):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            if isinstance(body, (dict, list)):
                body = json.dumps(body)
            if isinstance(body, str):
                body = body.encode("utf-8")
            connection.request(method, path, body=body, headers=headers or {})
            reply = connection.getresponse()
            headers = {name.lower(): value for name, value in reply.getheaders()}
            return Response(reply.status, headers, reply.read())
        finally:
            connection.close()

    def ask(self, message, session_id=None, **extra):
        body = {"message": message, **extra}
        if session_id is not None:
            body["session_id"] = session_id
        return self.request("POST", "/api/chatbot/ask/", body,
                            {"Content-Type": "application/json"})

    def session(self, session_id):
        return self.request("GET", f"/api/chatbot/session/{session_id}/")

    def ask_streaming(self, message, session_id=None, timeout=30):
        """Asks with Accept: text/event-stream; returns [(seconds since sent, event, data)]."""
        body = {"message": message}
        if session_id is not None:
            body["session_id"] = session_id
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            started = time.monotonic()
            connection.request("POST", "/api/chatbot/ask/", body=json.dumps(body).encode(), headers={
                "Content-Type": "application/json", "Accept": "text/event-stream"})
            reply = connection.getresponse()
            if reply.status != 200:
                raise AssertionError(f"status {reply.status}: {reply.read()!r}")
            return read_events(reply, started)
        finally:
            connection.close()


    def ask_streaming_and_hang_up(self, message, tokens=1, timeout=30):
        """Asks with Accept: text/event-stream, reads `tokens` token events and hangs up, as a
        visitor who closes the tab does; returns the session id the stream announced."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request("POST", "/api/chatbot/ask/", body=json.dumps({"message": message}).encode(),
                               headers={"Content-Type": "application/json", "Accept": "text/event-stream"})
            reply = connection.getresponse()
            session_id, seen, data = None, 0, []
            while seen < tokens:
                line = reply.readline().decode("utf-8").rstrip("\n")
                if not line and not data:
                    raise AssertionError("the stream ended before the tokens arrived")
                if line.startswith("data: "):
                    data.append(json.loads(line[6:]))
                elif line == "" and data:
                    session_id = data[0].get("session_id", session_id)
                    seen += 1 if "text" in data[0] else 0
                    data = []
            return session_id
        finally:
            connection.sock.shutdown(socket.SHUT_RDWR)
            connection.close()


def read_events(reply, started):
    """Reads server-sent events until the stream ends, noting when each arrived."""
    events, name, data = [], None, []
    while True:
        line = reply.readline()
        if not line:
            return events
        line = line.decode("utf-8").rstrip("\n")
        if line.startswith("event: "):
            name = line[7:]
        elif line.startswith("data: "):
            data.append(line[6:])
        elif line == "" and data:
            events.append((time.monotonic() - started, name, json.loads("\n".join(data))))
            name, data = None, []


class MariaDB:
    """A private MariaDB under its own directory, which a test may stop and start again."""

    def __init__(self, directory=None, network_options=None):
        self.directory = directory or temporary_directory("chat-db-")
        os.chmod(self.directory, 0o755)  # mariadbd runs as the mysql user
        self.network = {"MARIADB_NETWORK_OPTIONS": network_options} if network_options else {}
        self.url = None

    def start(self):
        self.url = shell_library(f'mariadb_start "{self.directory}"', **self.network).strip()
        return self

    def stop(self):
        shell_library(f'mariadb_stop "{self.directory}"')

    def url_of(self, program):
        """The CHAT_DATABASE_URL of chat-worker, chat-admin or chat-migrate ("worker", ...)."""
        return shell_library(f'mariadb_url "{self.directory}" {program}')

    def query(self, sql):
        """Runs SQL as root on the chat database; returns the rows as lists of strings."""
        socket_path = os.path.join(self.directory, "mariadb", "mariadb.sock")
        output = subprocess.run(
            ["mariadb", "--no-defaults", f"--socket={socket_path}", "-uroot", "-N", "-B",
             "chat", "-e", sql], check=True, capture_output=True, text=True).stdout
        return [line.split("\t") for line in output.splitlines()]

    def scalar(self, sql):
        return self.query(sql)[0][0]


class Stack:
    """The whole product started by scripts/run, on a free port and its own var directory."""

    def __init__(self, **settings):
        self.var_dir = temporary_directory("chat-var-")
        self.port = free_port()
        self.settings = {"CHAT_RATE_PER_MIN": "0", **settings}
        self.process = None
        self.output = []
        self.client = Client(self.port)
        self.database = MariaDB(self.var_dir)

    def environment(self):
        env = {key: value for key, value in os.environ.items() if not key.startswith("CHAT_")}
        env.update({"CHAT_VAR_DIR": self.var_dir, "CHAT_HTTP_PORT": str(self.port),
                    "CHAT_BUILD_DIR": BUILD_DIR, "CHAT_SKIP_BUILD": "1"})
        env.update(self.settings)
        return env

    def start(self):
        self.process = subprocess.Popen(
            [os.path.join(REPO_DIR, "scripts", "run")], cwd=REPO_DIR, env=self.environment(),
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
        ready = threading.Event()
        threading.Thread(target=self._read_output, args=(ready,), daemon=True).start()
        ready.wait(START_TIMEOUT_S)
        if not any(line.startswith("ready: ") for line in self.output):
            self.stop()
            raise RuntimeError("stack did not start:\n" + "".join(self.output))
        return self

    def _read_output(self, ready):
        for line in self.process.stdout:
            self.output.append(line)
            if line.startswith("ready: "):
                ready.set()
        ready.set()  # the output ended: scripts/run exited without being ready

    def stop(self, timeout=60):
        """Sends SIGTERM as an operator would; returns scripts/run's exit status."""
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else 0
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)  # everything scripts/run started
            raise

    def worker_processes(self):
        """{pid: parent pid} of this stack's chat-worker processes (the master and its children)."""
        return self.processes_of("chat-worker")

    def processes_of(self, program):
        """{pid: parent pid} of this stack's processes named `program`."""
        found = {}
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open(f"/proc/{pid}/comm") as comm:
                    if comm.read().strip() != program:
                        continue
                with open(f"/proc/{pid}/environ", "rb") as environ:
                    if f"CHAT_VAR_DIR={self.var_dir}\0".encode() not in environ.read():
                        continue
                with open(f"/proc/{pid}/stat") as stat:
                    found[int(pid)] = int(stat.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
        return found

    def log(self, name):
        path = os.path.join(self.var_dir, "log", name)
        with open(path, encoding="utf-8", errors="replace") as file:
            return file.read()


def wait_until(predicate, timeout=20, interval=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


class StackTestCase(unittest.TestCase):
    """Tests sharing one stack started with SETTINGS; scripts/run must stop cleanly (exit 0)."""
    SETTINGS = {}

    @classmethod
    def setUpClass(cls):
        cls.stack = Stack(**cls.SETTINGS).start()
        cls.client = cls.stack.client

    @classmethod
    def tearDownClass(cls):
        status = cls.stack.stop()
        if status != 0:
            raise AssertionError(f"scripts/run exited {status} on SIGTERM")

    def assert_error(self, response, status, code):
        """A JSON error of the contract's shape, with this status and code."""
        self.assertEqual(response.status, status, response.body)
        self.assertTrue(response.header("content-type").startswith("application/json"))
        error = response.json()["error"]
        self.assertEqual(error["code"], code)
        self.assertTrue(error["message"])
