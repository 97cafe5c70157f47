"""The worker's FastCGI side, spoken to directly on its socket (no nginx): a response arrives
whole and its connection is closed, even when the client asks to keep it (fastcgi_keep_conn is
not supported), a body over the limit that the worker never reads still gets its 413 whole, and a
child out of file descriptors backs off instead of spinning on accept."""
import json
import os
import socket
import struct
import subprocess
import time
import unittest

from fastcgi_records import BEGIN_REQUEST, END_REQUEST, PARAMS, STDIN, STDOUT, header_fields, record
from harness import BUILD_DIR, REPO_DIR, StackTestCase, free_port, temporary_directory, wait_until

RESPONDER, KEEP_CONN = 1, 1


def name_value(name, value):
    encoded = b""
    for part in (name.encode(), value.encode()):
        encoded += struct.pack(">B", len(part)) if len(part) < 128 else struct.pack(">I", len(part) | 1 << 31)
    return encoded + name.encode() + value.encode()


def request_bytes(method, uri, body=b"", flags=0, content_length=None):
    params = {"REQUEST_METHOD": method, "DOCUMENT_URI": uri, "REQUEST_URI": uri, "QUERY_STRING": "",
              "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(body) if content_length is None
                                                                        else content_length),
              "REMOTE_ADDR": "127.0.0.1", "REQUEST_ID": "fastcgi-test"}
    encoded = b"".join(name_value(name, value) for name, value in params.items())
    stdin = b"".join(record(STDIN, body[i:i + 65535]) for i in range(0, len(body), 65535))
    return (record(BEGIN_REQUEST, struct.pack(">HB5x", RESPONDER, flags)) + record(PARAMS, encoded) +
            record(PARAMS) + stdin + record(STDIN))


def parse_response(data):
    """(stdout bytes, whether END_REQUEST came) from the records in data."""
    stdout, ended, offset = b"", False, 0
    while offset + 8 <= len(data):
        kind, _, length, padding = header_fields(data[offset:offset + 8])
        content = data[offset + 8:offset + 8 + length]
        if kind == STDOUT:
            stdout += content
        elif kind == END_REQUEST:
            ended = True
        offset += 8 + length + padding
    return stdout, ended


class FastCgiTest(StackTestCase):
    def exchange(self, request):
        """Sends the request on a new connection; returns (stdout, ended, closed by the worker)."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            connection.settimeout(10)
            connection.connect(os.path.join(self.stack.var_dir, "run", "chat-worker.sock"))
            connection.sendall(request)
            data, closed = b"", False
            try:
                while chunk := connection.recv(65536):
                    data += chunk
                closed = True
            except socket.timeout:
                pass
        return (*parse_response(data), closed)

    def test_a_response_arrives_whole_and_the_connection_closes_even_when_asked_to_stay(self):
        session_id = self.client.ask("A first question, to make the transcript long").json()["session_id"]
        for turn in range(2, 15):
            self.client.ask(f"Question {turn}: which cloud platforms do you know?", session_id)
        uri = f"/api/chatbot/session/{session_id}/"
        expected = self.client.session(session_id).json()
        for flags in (0, KEEP_CONN):
            stdout, ended, closed = self.exchange(request_bytes("GET", uri, flags=flags))
            self.assertTrue(ended, flags)
            self.assertTrue(closed, flags)
            head, _, body = stdout.partition(b"\r\n\r\n")
            self.assertIn(b"Status: 200", head)
            self.assertGreater(len(body), 8192)  # more than libfcgi's buffer: written in pieces
            self.assertEqual(json.loads(body), expected)

    def test_a_body_over_the_limit_is_refused_and_the_answer_arrives_whole(self):
        before = self.stack.database.scalar("SELECT COUNT(*) FROM chat_messages")
        body = json.dumps({"message": "x" * 400_000}).encode()  # more than the socket buffers
        stdout, ended, closed = self.exchange(request_bytes("POST", "/api/chatbot/ask/", body))
        self.assertTrue(ended and closed)
        head, _, reply = stdout.partition(b"\r\n\r\n")
        self.assertIn(b"Status: 413", head)
        self.assertEqual(json.loads(reply)["error"]["code"], "payload_too_large")
        self.assertEqual(self.stack.database.scalar("SELECT COUNT(*) FROM chat_messages"), before)



def cpu_seconds(pid):
    """User and system CPU time the process has used."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children_of(pid):
    with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as children:
        return [int(child) for child in children.read().split()]


def exchange_on(address, request):
    """Sends one request on a new connection to the socket; returns (stdout, ended)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        connection.settimeout(10)
        connection.connect(address)
        connection.sendall(request)
        data = b""
        while chunk := connection.recv(65536):
            data += chunk
    return parse_response(data)


def limit_descriptors(pid, soft):
    """Sets the process's soft limit of open files (prlimit(1), as root)."""
    done = subprocess.run(["prlimit", f"--pid={pid}", f"--nofile={soft}:"], capture_output=True, text=True)
    if done.returncode != 0:
        raise AssertionError(f"prlimit: {done.stderr}")


class AcceptFailureTest(unittest.TestCase):
    """A chat-worker of the test's own (same user, so prlimit may lower its limit), on a socket
    of its own; no database is needed to show that it accepts."""

    def test_a_child_out_of_descriptors_backs_off_and_serves_again(self):
        directory = temporary_directory("chat-emfile-")
        address = os.path.join(directory, "worker.sock")
        environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "CHAT_WORKER_PROCESSES": "1",
                       "CHAT_WORKER_THREADS": "16", "CHAT_DATABASE_URL": "mysql://chat:x@127.0.0.1:1/chat",
                       "CHAT_KNOWLEDGE_FILE": os.path.join(REPO_DIR, "config", "knowledge.md")}
        with open(os.path.join(directory, "worker.log"), "w") as log:
            master = subprocess.Popen([os.path.join(BUILD_DIR, "chat-worker"), "--listen", address],
                                      env=environment, stdout=log, stderr=log)
        holders = []
        try:
            self.assertTrue(wait_until(lambda: children_of(master.pid)))
            child = children_of(master.pid)[0]
            self.assertTrue(wait_until(lambda: os.path.exists(address)))
            time.sleep(0.5)  # the child's threads are up
            limit_descriptors(child, len(os.listdir(f"/proc/{child}/fd")) + 2)
            # Connections that send nothing: two are accepted and hold a descriptor each, then
            # accept fails with EMFILE while the others wait in the backlog.
            for _ in range(6):
                holder = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                holder.connect(address)
                holders.append(holder)
            time.sleep(0.5)
            before = cpu_seconds(child)
            time.sleep(2)
            self.assertLess(cpu_seconds(child) - before, 0.5, "accept spins on EMFILE")
            for holder in holders:
                holder.close()
            limit_descriptors(child, 4096)
            stdout, ended = exchange_on(address, request_bytes("GET", "/healthz"))
            self.assertTrue(ended)
            self.assertIn(b'"status":"unavailable"', stdout)  # served (no database here)
            self.assertEqual(children_of(master.pid), [child])  # no restart was needed
        finally:
            for holder in holders:
                holder.close()
            master.terminate()
            master.wait(30)


def exchange_from(source, port, request):
    """Sends one request over TCP from the loopback address `source`; returns the bytes received."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as connection:
        connection.settimeout(10)
        connection.bind((source, 0))
        connection.connect(("127.0.0.1", port))
        try:
            connection.sendall(request)
        except OSError:
            return b""
        data = b""
        try:
            while chunk := connection.recv(65536):
                data += chunk
        except ConnectionResetError:
            pass
    return data


def start_tcp_worker(**settings):
    """A chat-worker of one process on a free loopback port that lets only 127.0.0.2 in (no
    database: /healthz says so); returns (its master, the port, its log's path)."""
    directory = temporary_directory("chat-peers-")
    port = free_port()
    environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "CHAT_WORKER_PROCESSES": "1",
                   "CHAT_DATABASE_URL": "mysql://chat:x@127.0.0.1:1/chat", "CHAT_FASTCGI_ALLOWED_PEERS": "127.0.0.2",
                   "CHAT_KNOWLEDGE_FILE": os.path.join(REPO_DIR, "config", "knowledge.md"), **settings}
    log_path = os.path.join(directory, "worker.log")
    with open(log_path, "w") as log:
        master = subprocess.Popen([os.path.join(BUILD_DIR, "chat-worker"), "--listen", f"127.0.0.1:{port}"],
                                  env=environment, stdout=log, stderr=log)
    return master, port, log_path


class PeerAllowlistTest(unittest.TestCase):
    """FastCGI has no authentication: a worker on a TCP port serves only the peers of
    CHAT_FASTCGI_ALLOWED_PEERS and closes other connections unread (here 127.0.0.2 is nginx's
    address; a request from 127.0.0.1 is refused)."""

    def test_a_peer_not_listed_is_refused_and_a_listed_one_served(self):
        master, port, log_path = start_tcp_worker()
        try:
            request = request_bytes("GET", "/healthz")

            def served():
                try:
                    return parse_response(exchange_from("127.0.0.2", port, request))[1]
                except OSError:  # not listening yet
                    return False
            self.assertTrue(wait_until(served))
            stdout, ended = parse_response(exchange_from("127.0.0.2", port, request))
            self.assertTrue(ended)
            self.assertIn(b'"status":"unavailable"', stdout)  # served (no database here)
            self.assertEqual(exchange_from("127.0.0.1", port, request), b"")  # closed unread
            with open(log_path, encoding="utf-8") as log:
                refused = [json.loads(line) for line in log if "refused a FastCGI connection" in line]
            self.assertEqual([(line["peer"], line["allowed"]) for line in refused], [("127.0.0.1", "127.0.0.2")])
        finally:
            master.terminate()
            master.wait(30)


class PeerAllowlistAfterAFailedConnectionTest(unittest.TestCase):
    """A connection from an allowed peer that fails before its request (here: half a first
    record, then closed) must not let libfcgi accept the next connection itself, past the
    allowlist: the refused peer's request waiting in the backlog stays unserved."""

    def test_a_refused_peer_waiting_behind_a_failed_connection_is_not_served(self):
        master, port, _ = start_tcp_worker(CHAT_WORKER_THREADS="1")
        allowed = refused = None
        try:
            def listening():
                with socket.socket() as check:
                    return check.connect_ex(("127.0.0.1", port)) == 0
            self.assertTrue(wait_until(listening))
            time.sleep(0.5)  # the probe's connection is done with
            allowed = socket.create_connection(("127.0.0.1", port), source_address=("127.0.0.2", 0))
            time.sleep(0.3)  # the one thread has accepted it and waits for its first record
            refused = socket.create_connection(("127.0.0.1", port), source_address=("127.0.0.1", 0))
            refused.sendall(request_bytes("GET", "/healthz"))
            allowed.sendall(record(BEGIN_REQUEST, struct.pack(">HB5x", RESPONDER, 0))[:5])
            allowed.close()
            refused.settimeout(5)
            data = b""
            try:
                while chunk := refused.recv(65536):
                    data += chunk
            except (ConnectionResetError, socket.timeout):
                pass
            self.assertEqual(data, b"")  # closed unread, never answered
        finally:
            for connection in (allowed, refused):
                if connection:
                    connection.close()
            master.terminate()
            master.wait(30)


if __name__ == "__main__":
    unittest.main()
