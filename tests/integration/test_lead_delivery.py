"""Lead delivery to CHAT_LEAD_WEBHOOK_URL against a local HTTPS receiver (a throwaway CA trusted
through CHAT_CA_FILE) that refuses each lead twice, then accepts it: chat-admin retries with
backoff, off the visitor's path, and once the receiver said 2xx the lead is delivered exactly
once, across a restart of the whole stack; a lead left while chat-admin was down is delivered
after it comes back."""
import json
import os
import ssl
import sys
import threading
import time
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "model_server"))
from harness import Stack, free_port, temporary_directory, wait_until  # noqa: E402
from model_server import make_certificates  # noqa: E402

REFUSALS = 2  # per lead, before the receiver accepts it


class Receiver:
    """An HTTPS webhook that answers 500 to a lead's first REFUSALS posts and 204 after."""

    def __init__(self):
        directory = temporary_directory("chat-webhook-")
        self.ca, cert, key = make_certificates(directory, "Webhook Test CA")
        self.lock = threading.Lock()
        self.posts = []      # (lead id, status answered, headers, body)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with receiver.lock:
                    tries = sum(1 for post in receiver.posts if post[0] == body["lead_id"])
                    status = 500 if tries < REFUSALS else 204
                    receiver.posts.append((body["lead_id"], status, dict(self.headers), body))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_):
                pass

        self.port = free_port()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self):
        return f"https://127.0.0.1:{self.port}/hooks/leads"

    def of(self, lead_id, status=None):
        with self.lock:
            return [post for post in self.posts if post[0] == lead_id and (status is None or post[1] == status)]


class LeadDeliveryTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.receiver = Receiver()
        cls.settings = {"CHAT_ADMIN_TOKEN": "lead-delivery-admin-token-0123", "CHAT_CA_FILE": cls.receiver.ca,
                        "CHAT_LEAD_WEBHOOK_URL": cls.receiver.url()}

    @classmethod
    def tearDownClass(cls):
        cls.receiver.server.shutdown()

    def contact(self, stack, name):
        reply = stack.client.request("POST", "/api/chatbot/contact/",
                                     {"name": name, "email": "lead@example.com", "message": f"{name} wants a call"},
                                     {"Content-Type": "application/json"})
        self.assertEqual(reply.status, 201, reply.body)
        return reply.json()["lead_id"]

    def test_refused_twice_then_delivered_once_across_restarts(self):
        first = Stack(**self.settings).start()
        try:
            started = time.monotonic()
            lead_id = self.contact(first, "Ada")
            self.assertLess(time.monotonic() - started, 2)  # the visitor never waits for the webhook
            self.assertTrue(wait_until(lambda: self.receiver.of(lead_id, 204), timeout=40))
            posts = self.receiver.of(lead_id)
            self.assertEqual([post[1] for post in posts], [500] * REFUSALS + [204])
            _, _, headers, body = posts[-1]
            self.assertEqual(headers["Content-Type"], "application/json")
            self.assertEqual(headers["Idempotency-Key"], f"lead-{lead_id}")
            self.assertEqual({key: body[key] for key in ("lead_id", "session_id", "name", "email", "message")},
                             {"lead_id": lead_id, "session_id": None, "name": "Ada", "email": "lead@example.com",
                              "message": "Ada wants a call"})
            self.assertRegex(body["created_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
            self.assertIn("Ada", body["text"])
            self.assertTrue(wait_until(lambda: first.database.scalar(
                f"SELECT delivered_at IS NOT NULL FROM leads WHERE id = {lead_id}") == "1", timeout=10))
            self.assertEqual(first.database.scalar(f"SELECT delivery_attempts FROM leads WHERE id = {lead_id}"),
                             str(REFUSALS + 1))
            leads = first.client.request("GET", "/admin/api/leads", headers={
                "Authorization": f"Bearer {self.settings['CHAT_ADMIN_TOKEN']}"}).json()["leads"]
            self.assertTrue(next(lead for lead in leads if lead["id"] == lead_id)["delivered"])

            # chat-admin down: the visitor's request still lands, and waits in the table.
            admin_pid = next(iter(first.processes_of("chat-admin")))
            os.kill(admin_pid, 19)  # SIGSTOP: as good as down for the queue
            waiting = self.contact(first, "Bo")
            time.sleep(3)
            self.assertEqual(self.receiver.of(waiting), [])
            os.kill(admin_pid, 18)  # SIGCONT
        finally:
            self.assertEqual(first.stop(), 0)

        second = Stack(**self.settings)
        second.var_dir, second.port, second.client.port = first.var_dir, first.port, first.port
        second.database = first.database
        second.start()
        try:
            self.assertTrue(wait_until(lambda: self.receiver.of(waiting, 204), timeout=40))
            time.sleep(5)  # two more passes of the queue
            self.assertEqual(len(self.receiver.of(lead_id, 204)), 1)
            self.assertEqual(len(self.receiver.of(waiting, 204)), 1)
        finally:
            self.assertEqual(second.stop(), 0)


if __name__ == "__main__":
    unittest.main()
