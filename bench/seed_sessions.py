#!/usr/bin/env python3
"""bench/seed_sessions.py URL COUNT: stores COUNT sessions of 20 messages (10 asks each) through
the visitor API at URL and prints their ids, one a line. Fails on any answer but 200."""
import http.client
import json
import sys
import urllib.parse

ASKS_PER_SESSION = 10


def ask(connection, message, session_id=None):
    body = {"message": message}
    if session_id:
        body["session_id"] = session_id
    connection.request("POST", "/api/chatbot/ask/", json.dumps(body), {"Content-Type": "application/json"})
    response = connection.getresponse()
    reply = response.read()
    if response.status != 200:
        sys.exit(f"seeding: ask answered {response.status}: {reply[:200]!r}")
    return json.loads(reply)["session_id"]


def main():
    url, count = urllib.parse.urlsplit(sys.argv[1]), int(sys.argv[2])
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    for _ in range(count):
        session_id = ask(connection, "What services does AtonixDev offer?")
        for i in range(2, ASKS_PER_SESSION + 1):
            ask(connection, f"Question {i}: which cloud tools do you use?", session_id)
        print(session_id, flush=True)


if __name__ == "__main__":
    main()
