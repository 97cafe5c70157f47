"""The visitor API through nginx against a real MariaDB: every row of the contract's error
table that one stack can show, a two-turn conversation, CORS, headers and concurrent asks."""
import concurrent.futures
import socket
import threading
import unittest
import uuid

from harness import StackTestCase

JSON = {"Content-Type": "application/json"}


class VisitorApiTest(StackTestCase):
    def message_count(self):
        return int(self.stack.database.scalar("SELECT COUNT(*) FROM chat_messages"))

    # --- answers -------------------------------------------------------------------------

    def test_ask_answers_from_the_knowledge_base(self):
        response = self.client.ask("How much does a project cost?")
        self.assertEqual(response.status, 200, response.body)
        body = response.json()
        self.assertEqual(body["source"], "knowledge")
        self.assertIn("5K-15K USD", body["response"])
        self.assertIsInstance(body["message_id"], int)
        self.assertIsInstance(body["response_time_ms"], int)
        uuid.UUID(body["session_id"])

    def test_every_read_shows_the_latest_turn_whichever_worker_cached_the_transcript(self):
        # Each worker process caches transcripts; a turn stored through any of them must show on
        # the next read, from every one of them.
        session_id = self.client.ask("Turn 0").json()["session_id"]
        for turn in range(1, 6):
            for _ in range(6):  # reads spread over the worker processes, filling their caches
                body = self.client.session(session_id).json()
                self.assertEqual(len(body["messages"]), 2 * turn)
            self.client.ask(f"Turn {turn}", session_id, visitor_info={"name": f"Name {turn}"})
        for _ in range(6):
            body = self.client.session(session_id).json()
            self.assertEqual([m["message"] for m in body["messages"][::2]], [f"Turn {t}" for t in range(6)])
            self.assertEqual(body["visitor_info"]["name"], "Name 5")

    def test_concurrent_reads_show_every_turn_answered_before_they_were_sent(self):
        # Concurrent reads of a worker process share one version lookup (the first to arrive asks
        # for those that arrive meanwhile); none may be answered by a lookup older than itself.
        session_id = self.client.ask("Turn 0").json()["session_id"]
        answered = [1]  # turns whose answer has arrived
        stale, reads, lock, stop = [], [0], threading.Lock(), threading.Event()

        def read_until_stopped():
            while not stop.is_set():
                expected = answered[0]
                turns = len(self.client.session(session_id).json()["messages"]) // 2
                with lock:
                    reads[0] += 1
                    if turns < expected:
                        stale.append((expected, turns))

        readers = [threading.Thread(target=read_until_stopped) for _ in range(16)]
        for reader in readers:
            reader.start()
        try:
            for turn in range(1, 21):
                self.assertEqual(self.client.ask(f"Turn {turn}", session_id).status, 200)
                answered[0] = turn + 1
        finally:
            stop.set()
            for reader in readers:
                reader.join()
        self.assertEqual(stale, [])
        self.assertGreater(reads[0], 100)

    def test_two_turn_conversation_reads_back_in_order(self):
        first = self.client.ask("Do you work with Kubernetes?",
                                visitor_info={"name": "Ada", "email": "ada@example.com"}).json()
        second = self.client.ask("How much does a project cost?", first["session_id"]).json()
        self.assertEqual(second["session_id"], first["session_id"])

        transcript = self.client.session(first["session_id"])
        self.assertEqual(transcript.status, 200)
        body = transcript.json()
        self.assertEqual(body["visitor_info"], {"name": "Ada", "email": "ada@example.com"})
        messages = body["messages"]
        self.assertEqual([m["sender"] for m in messages], ["visitor", "bot", "visitor", "bot"])
        self.assertEqual(messages[0]["message"], "Do you work with Kubernetes?")
        self.assertIn("Kubernetes", messages[1]["message"])
        self.assertEqual(messages[2]["message"], "How much does a project cost?")
        self.assertEqual(messages[3]["id"], second["message_id"])
        self.assertEqual(messages[3]["response_time_ms"], second["response_time_ms"])
        self.assertEqual(messages[3]["source"], "knowledge")
        self.assertIsNone(messages[0]["response_time_ms"])
        self.assertIsNone(messages[0]["source"])
        self.assertEqual(sorted(m["id"] for m in messages), [m["id"] for m in messages])
        for stamp in [body["created_at"], body["updated_at"]] + [m["created_at"] for m in messages]:
            self.assertRegex(stamp, r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")

    def test_unicode_round_trips(self):
        text = "Ça coûte combien ? 💬 日本語"
        answer = self.client.ask(text).json()
        messages = self.client.session(answer["session_id"]).json()["messages"]
        self.assertEqual(messages[0]["message"], text)

    def test_unknown_session_id_starts_a_new_session(self):
        unknown = str(uuid.uuid4())
        body = self.client.ask("hello", unknown).json()
        self.assertNotEqual(body["session_id"], unknown)
        self.assertEqual(self.client.session(unknown).status, 404)

    def test_health(self):
        response = self.client.request("GET", "/healthz")
        self.assertEqual(response.status, 200)
        self.assertEqual(response.json(), {"status": "ok", "database": "ok"})

    # --- the error table -----------------------------------------------------------------

    def test_400_for_bad_bodies_and_nothing_stored(self):
        before = self.message_count()
        cases = {
            "malformed JSON": b'{"message": ',
            "wrong type": b'{"message": 42}',
            "not an object": b'["hello"]',
            "empty": b'{"message": "   "}',
            "too long": ('{"message": "%s"}' % ("x" * 2001)).encode(),
            "invalid UTF-8": b'{"message": "\xc3\x28"}',
            "escape of a lone surrogate": b'{"message": "a\\udc00b"}',
            "lone surrogate in a name": b'{"message": "hi", "visitor_info": {"name": "\\udfff"}}',
            "bad session id": b'{"message": "hi", "session_id": "42"}',
        }
        for name, body in cases.items():
            with self.subTest(name):
                self.assert_error(self.client.request("POST", "/api/chatbot/ask/", body, JSON),
                                  400, "bad_request")
        self.assertEqual(self.message_count(), before)

    def test_400_for_a_session_path_that_is_not_a_uuid(self):
        self.assert_error(self.client.session("not-a-uuid"), 400, "bad_request")

    def test_404_for_unknown_session_and_paths(self):
        self.assert_error(self.client.session(str(uuid.uuid4())), 404, "not_found")
        self.assert_error(self.client.request("GET", "/api/chatbot/nothing/"), 404, "not_found")
        self.assert_error(self.client.request("GET", "/no/such/file.html"), 404, "not_found")

    def test_400_from_nginx_for_a_malformed_request_is_json(self):
        with socket.create_connection(("127.0.0.1", self.stack.port), timeout=10) as raw:
            raw.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nNo colon here\r\n\r\n")
            reply = raw.recv(65536).decode("utf-8", "replace")
        self.assertTrue(reply.startswith("HTTP/1.1 400"), reply)
        self.assertIn('"code":"bad_request"', reply)

    def test_405_with_allow(self):
        response = self.client.request("GET", "/api/chatbot/ask/")
        self.assert_error(response, 405, "method_not_allowed")
        self.assertIn("POST", response.header("allow"))
        response = self.client.request("DELETE", f"/api/chatbot/session/{uuid.uuid4()}/")
        self.assert_error(response, 405, "method_not_allowed")
        self.assertIn("GET", response.header("allow"))

    def test_413_for_a_body_over_16_kib(self):
        before = self.message_count()
        body = '{"message": "%s"}' % ("x" * 17000)
        self.assert_error(self.client.request("POST", "/api/chatbot/ask/", body, JSON),
                          413, "payload_too_large")
        self.assertEqual(self.message_count(), before)

    def test_415_without_a_json_content_type(self):
        response = self.client.request("POST", "/api/chatbot/ask/", '{"message": "hi"}',
                                       {"Content-Type": "text/plain"})
        self.assert_error(response, 415, "unsupported_media_type")

    # --- CORS and headers ------------------------------------------------------------------

    def test_preflight_allows_any_origin_by_default(self):
        response = self.client.request("OPTIONS", "/api/chatbot/ask/", headers={
            "Origin": "https://atonixdev.org", "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type"})
        self.assertEqual(response.status, 204)
        self.assertEqual(response.header("access-control-allow-origin"), "*")
        self.assertIn("POST", response.header("access-control-allow-methods"))
        self.assertIn("Content-Type", response.header("access-control-allow-headers"))

    def test_security_headers_on_answers_and_errors(self):
        for response in [self.client.ask("hi"), self.client.session("bad")]:
            self.assertEqual(response.header("x-content-type-options"), "nosniff")
            self.assertTrue(response.header("referrer-policy"))

    # --- load ------------------------------------------------------------------------------

    def test_100_concurrent_asks_are_all_answered_and_stored(self):
        before = self.message_count()

        def ask(index):
            return self.client.ask(f"Question number {index}: what services do you offer?")

        with concurrent.futures.ThreadPoolExecutor(max_workers=100) as pool:
            responses = list(pool.map(ask, range(100)))
        self.assertEqual([r.status for r in responses], [200] * 100)
        sessions = {r.json()["session_id"] for r in responses}
        self.assertEqual(len(sessions), 100)
        self.assertEqual(self.message_count(), before + 200)
        for response in responses[:5]:
            body = response.json()
            messages = self.client.session(body["session_id"]).json()["messages"]
            self.assertEqual(messages[1]["id"], body["message_id"])


if __name__ == "__main__":
    unittest.main()
