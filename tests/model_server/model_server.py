"""A local HTTPS model service for tests, with its own throwaway CA (trusted through
CHAT_CA_FILE). It speaks the chat-completions protocol (POST /v1/chat/completions) and the
legacy text-generation protocol (POST /tgi), plain or streamed in awkward splits (chunks of a
few bytes, cutting lines, events and UTF-8 characters), and can be told to misbehave:

  POST /__control {"mode": MODE, "times": N, ...}   the next N requests (default: all) use MODE
  GET  /__requests                                   what it received (bodies, auth header seen,
                                                     "hung_up" when a slow stream's client left)
  POST /__reset                                      forget requests, back to normal

MODE: normal (after "delay" seconds, default 0) | loading (503 + estimated_time) | status (any "status") | garbage | cut (stream
stops mid-answer) | stream_error (an error event inside a 200 stream) | hang (no answer for
"seconds") | slow_stream (tokens "gap_ms" apart).
"""
import json
import os
import random
import shutil
import ssl
import subprocess
import tempfile
import threading
import time
import urllib.request
import weakref
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ANSWER = ("Model answer: AtonixDev offers software engineering, cloud infrastructure, AI/ML "
          "and DevOps services. Prices start at 5K€ 🚀 for small projects.")


def make_certificates(directory, common_name="Throwaway Test CA",
                      names="IP:127.0.0.1,DNS:localhost"):
    """A CA and a server certificate for `names` (subjectAltName); returns (ca, cert, key).
    The CA file is readable by all: the worker runs as an unprivileged user."""
    os.chmod(directory, 0o755)
    ca_key, ca_cert = os.path.join(directory, "ca.key"), os.path.join(directory, "ca.pem")
    key, csr, cert = (os.path.join(directory, name) for name in ("server.key", "server.csr", "server.pem"))
    extensions = os.path.join(directory, "server.ext")
    with open(extensions, "w", encoding="ascii") as file:
        file.write(f"subjectAltName={names}\nextendedKeyUsage=serverAuth\n")
    run = lambda *args: subprocess.run(["openssl", *args], check=True, capture_output=True)
    curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]  # fast handshakes
    run("req", "-x509", *curve, "-nodes", "-days", "2", "-subj", f"/CN={common_name}",
        "-keyout", ca_key, "-out", ca_cert)
    run("req", *curve, "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", key, "-out", csr)
    run("x509", "-req", "-in", csr, "-CA", ca_cert, "-CAkey", ca_key, "-CAcreateserial", "-days", "2",
        "-extfile", extensions, "-out", cert)
    os.chmod(ca_cert, 0o644)
    return ca_cert, cert, key


class Behaviour:
    """The mode the next requests get, and what was received; shared by the handler threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        with self.lock:
            self.mode, self.times, self.requests = {"mode": "normal"}, None, []

    def set(self, mode):
        with self.lock:
            self.mode, self.times = mode, mode.get("times")

    def take(self, record):
        with self.lock:
            self.requests.append(record)
            mode = self.mode
            if self.times is not None:
                self.times -= 1
                if self.times <= 0:
                    self.mode, self.times = {"mode": "normal"}, None
            return mode


def chat_events(answer):
    for word in answer.split(" "):
        yield json.dumps({"choices": [{"index": 0, "delta": {"content": word + " "}}]})
    yield json.dumps({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    yield "[DONE]"


def tgi_events(answer):
    words = answer.split(" ")
    for index, word in enumerate(words):
        last = index == len(words) - 1
        yield json.dumps({"token": {"id": index, "text": word + ("" if last else " "), "special": False},
                          "generated_text": answer if last else None, "details": None})


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body, content_type="application/json"):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/__requests":
            with self.server.behaviour.lock:
                self.reply(200, list(self.server.behaviour.requests))
        else:
            self.reply(404, {"error": "not found"})

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path == "/__control":
            self.server.behaviour.set(json.loads(body))
            return self.reply(200, {"ok": True})
        if self.path == "/__reset":
            self.server.behaviour.reset()
            return self.reply(200, {"ok": True})
        if self.path not in ("/v1/chat/completions", "/tgi"):
            return self.reply(404, {"error": "Not Found"})
        request = json.loads(body)
        self.record = {"path": self.path, "body": request, "authorization": self.headers.get("Authorization")}
        mode = self.server.behaviour.take(self.record)
        self.answer(self.path == "/tgi", request, mode)

    def answer(self, tgi, request, mode):
        kind = mode["mode"]
        time.sleep(mode.get("delay", 0))
        if kind == "loading":
            return self.reply(503, {"error": "Model is currently loading",
                                    "estimated_time": mode.get("estimated_time", 0.2)})
        if kind == "status":
            return self.reply(mode["status"], {"error": mode.get("message", "refused")})
        if kind == "hang":
            time.sleep(mode.get("seconds", 60))
            return self.reply(504, {"error": "too late"})
        if kind == "garbage":
            return self.reply(200, b"<html>surprise</html>", "text/html")
        if request.get("stream"):
            return self.stream(tgi, mode)
        if tgi:
            return self.reply(200, [{"generated_text": ANSWER}])
        return self.reply(200, {"choices": [{"index": 0, "message": {"role": "assistant", "content": ANSWER},
                                             "finish_reason": "stop"}]})

    def stream(self, tgi, mode):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        events = list((tgi_events if tgi else chat_events)(ANSWER))
        if mode["mode"] == "cut":
            events = events[:4]
        if mode["mode"] == "stream_error":
            events = events[:2] + [json.dumps({"error": {"message": "Model overloaded mid-stream"}})]
        payload = ": hello\n\n" + "".join(f"data: {event}\n\n" for event in events)
        gap = mode.get("gap_ms", 0) / 1000 if mode["mode"] == "slow_stream" else 0
        if gap:
            try:
                for event in events:
                    self.wfile.write(f"data: {event}\n\n".encode())
                    self.wfile.flush()
                    time.sleep(gap)
            except (OSError, ssl.SSLError):
                with self.server.behaviour.lock:
                    self.record["hung_up"] = True  # the worker closed the transfer mid-stream
        else:
            self.send_in_awkward_splits(payload.encode())

    def send_in_awkward_splits(self, data):
        position, rng = 0, random.Random(len(data))
        while position < len(data):
            size = rng.randint(1, 7)
            self.wfile.write(data[position:position + size])
            self.wfile.flush()
            position += size


class TlsServer(ThreadingHTTPServer):
    """Each connection's TLS handshake runs in that connection's thread, not in the accept loop."""
    daemon_threads = True
    request_queue_size = 4096  # benchmarks open a thousand connections at once

    def finish_request(self, request, client_address):
        try:
            request = self.tls.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return  # an untrusting client (the wrong-CA test) hangs up during the handshake
        super().finish_request(request, client_address)

    def handle_error(self, request, client_address):
        pass  # clients that hang up (timeouts under test) are expected


def start(directory, address="127.0.0.1"):
    """Starts the server on a free port of `address`; returns (server, port, ca_file)."""
    ca, cert, key = make_certificates(directory, names=f"IP:{address},DNS:localhost")
    server = TlsServer((address, 0), Handler)
    server.behaviour = Behaviour()
    server.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.tls.load_cert_chain(cert, key)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1], ca


class ModelServer:
    """The server started on a free port, and a client of its control endpoints."""

    def __init__(self):
        self.directory = tempfile.mkdtemp(prefix="chat-model-")
        # The throwaway CA's files (its key included) go when the server object does, or at exit.
        weakref.finalize(self, shutil.rmtree, self.directory, True)
        self.server, self.port, self.ca_file = start(self.directory)
        self.context = ssl.create_default_context(cafile=self.ca_file)

    def call(self, method, path, body=None):
        request = urllib.request.Request(f"https://127.0.0.1:{self.port}{path}", method=method,
                                         data=json.dumps(body).encode() if body is not None else None,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, context=self.context) as reply:
            return json.loads(reply.read())

    def behave(self, **mode):
        self.call("POST", "/__control", mode)

    def reset(self):
        self.call("POST", "/__reset", {})

    def requests(self):
        return self.call("GET", "/__requests")


if __name__ == "__main__":
    # Run as a host of its own (the multi-host suites, in a network namespace):
    #   model_server.py ADDRESS DIRECTORY DELAY_SECONDS
    # prints {"port", "ca_file"} on one line, then answers every request after DELAY_SECONDS
    # until killed.
    import sys
    address, directory, delay = sys.argv[1], sys.argv[2], float(sys.argv[3])
    server, port, ca_file = start(directory, address)
    server.behaviour.set({"mode": "normal", "delay": delay})
    print(json.dumps({"port": port, "ca_file": ca_file}), flush=True)
    threading.Event().wait()
