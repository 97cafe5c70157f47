"""The visitors of the multi-host suites: run inside a host of hosts.py (`ip netns exec`), it talks
HTTP to nginx there and reports on stdout, one JSON object a line.

  netclient.py BASE_URL requests   reads requests {"method", "path", "body", "headers"} on stdin, one a line,
                                   and answers each with {"status", "upstream", "body"}
  netclient.py BASE_URL load ASKERS READERS LABEL [shared]
                                   until stdin closes: ASKERS threads each carry on a conversation
                                   of their own (an ask, then at once a read of the transcript,
                                   which must end with that ask), or with "shared" all in one
                                   conversation (the read must hold the ask), READERS threads read those
                                   transcripts in a loop; one line per request: {"kind", "started",
                                   "ended" (time.monotonic(), the same clock in every namespace),
                                   "status", "upstream", "message", "session_id", "latest"}

Every ask's text holds a token of its own, "#LABEL-THREAD-TURN#", so the test can count its rows. Status 0 is
a connection that failed before any answer.
"""
import http.client
import json
import sys
import threading
import time
import urllib.parse

TIMEOUT_S = 30


def request(base, method, path, body=None, headers=None):
    """One request on a connection of its own; returns (status, X-Chat-Upstream, parsed body)."""
    url = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=TIMEOUT_S)
    try:
        data = json.dumps(body).encode() if body is not None else None
        headers = {**({"Content-Type": "application/json"} if data is not None else {}), **(headers or {})}
        connection.request(method, path, body=data, headers=headers)
        reply = connection.getresponse()
        raw = reply.read()
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw.decode("utf-8", "replace")
        return reply.status, reply.getheader("X-Chat-Upstream"), parsed
    except (OSError, http.client.HTTPException) as error:
        return 0, None, str(error)
    finally:
        connection.close()


def serve_requests(base):
    for line in sys.stdin:
        asked = json.loads(line)
        status, upstream, body = request(base, asked["method"], asked["path"], asked.get("body"),
                                         asked.get("headers"))
        print(json.dumps({"status": status, "upstream": upstream, "body": body}), flush=True)


class Load:
    def __init__(self, base, label, shared):
        self.base, self.label, self.shared = base, label, shared
        self.shared_session = None
        self.stop = threading.Event()
        self.output = threading.Lock()
        self.sessions = []

    def report(self, **record):
        with self.output:
            print(json.dumps(record), flush=True)

    def timed(self, kind, method, path, body=None, **extra):
        started = time.monotonic()
        status, upstream, reply = request(self.base, method, path, body)
        self.report(kind=kind, started=started, ended=time.monotonic(), status=status, upstream=upstream,
                    **extra, **({"error": reply} if status != 200 else {}))
        return status, reply

    def asker(self, number):
        session_id = self.first_shared_session() if self.shared and number > 0 else None
        for turn in range(1_000_000):
            if self.stop.is_set():
                return
            message = f"Question #{self.label}-{number}-{turn}# about cloud hosting"
            body = {"message": message, **({"session_id": session_id} if session_id else {})}
            status, reply = self.timed("ask", "POST", "/api/chatbot/ask/", body, message=message,
                                       session_id=session_id)
            if status == 200:
                if session_id is None:
                    session_id = reply["session_id"]
                    with self.output:
                        self.sessions.append(session_id)
                self.read_back(session_id, message)

    def first_shared_session(self):
        """The conversation asker 0 started (waits for it)."""
        while not self.stop.is_set():
            with self.output:
                if self.sessions:
                    return self.sessions[0]
            time.sleep(0.01)
        return None

    def read_back(self, session_id, message):
        """The transcript right after the ask was acknowledged: its last visitor turn is that ask."""
        status, reply = self.timed("read_after_ask", "GET", f"/api/chatbot/session/{session_id}/",
                                   session_id=session_id, message=message)
        if status == 200:
            visitor = [m["message"] for m in reply["messages"] if m["sender"] == "visitor"]
            seen = message in visitor if self.shared else bool(visitor) and visitor[-1] == message
            self.report(kind="latest", session_id=session_id, message=message, latest=seen)

    def reader(self):
        while not self.stop.is_set():
            with self.output:
                sessions = list(self.sessions)
            if not sessions:
                time.sleep(0.05)
                continue
            for session_id in sessions:
                if self.stop.is_set():
                    return
                self.timed("read", "GET", f"/api/chatbot/session/{session_id}/", session_id=session_id)

    def run(self, askers, readers):
        threads = [threading.Thread(target=self.asker, args=(n,)) for n in range(askers)]
        threads += [threading.Thread(target=self.reader) for _ in range(readers)]
        for thread in threads:
            thread.start()
        sys.stdin.read()  # the test closes our stdin to stop us
        self.stop.set()
        for thread in threads:
            thread.join()
        self.report(kind="finished")


def main():
    base, mode = sys.argv[1], sys.argv[2]
    if mode == "requests":
        serve_requests(base)
    elif mode == "load":
        Load(base, sys.argv[5], sys.argv[6:] == ["shared"]).run(int(sys.argv[3]), int(sys.argv[4]))
    else:
        sys.exit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
