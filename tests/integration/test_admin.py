"""The admin API (contract section 4) and the dashboard page through nginx against a real
MariaDB: every endpoint, the bearer token (missing, wrong, unset), each bad parameter, CSV
quoting, erase (then 404 on both sides), the per-IP limit on /admin/api/, the retention command
and the static dashboard with its security headers."""
import csv
import io
import os
import subprocess
import time
import unittest
import uuid
from urllib.parse import quote

from harness import BUILD_DIR, Stack, StackTestCase

TOKEN = "integration-admin-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
WRONG = {"Authorization": "Bearer integration-wrong-token-0123456"}
TRICKY = 'Hello, "world"\nline two\r\nthree — Ça coûte ? 日本語 💬'
EXPORT_COLUMNS = ["id", "session_id", "created_at", "sender", "message", "response_time_ms",
                  "source", "visitor_name", "visitor_email"]

# Fixed history in February 2020, stored directly: (session, created_at, visitor name, email,
# [(sender, created_at, text, response_time_ms, source)]).
HISTORY = [
    (str(uuid.uuid4()), "2020-02-10 09:00:00.000", "Grace Hopper", "grace@navy.example", [
        ("visitor", "2020-02-10 09:00:00.000", "Do you build compilers quokkaword?", None, None),
        ("bot", "2020-02-10 09:00:00.400", "We build backends.", 400, "model"),
    ]),
    (str(uuid.uuid4()), "2020-02-12 18:30:00.000", None, None, [
        ("visitor", "2020-02-12 18:30:00.000", "Pricing please", None, None),
        ("bot", "2020-02-12 18:30:00.100", "Small projects start at 5K.", 100, "knowledge"),
        ("visitor", "2020-02-12 18:31:00.000", "And support?", None, None),
        ("bot", "2020-02-12 18:31:02.000", "Yes, quokkaword support.", 2000, "fallback"),
    ]),
]


def seed_history(database):
    statements = []
    for session_id, created_at, name, email, messages in HISTORY:
        updated_at = messages[-1][1]
        name_sql = f"'{name}'" if name else "NULL"
        email_sql = f"'{email}'" if email else "NULL"
        statements.append(
            "INSERT INTO chat_sessions (id, created_at, updated_at, visitor_name, visitor_email) "
            f"VALUES ('{session_id}', '{created_at}', '{updated_at}', {name_sql}, {email_sql});")
        for sender, at, text, ms, source in messages:
            statements.append(
                "INSERT INTO chat_messages (session_id, sender, message, created_at, response_time_ms, "
                f"source) VALUES ('{session_id}', '{sender}', '{text}', '{at}', "
                f"{ms if ms is not None else 'NULL'}, {repr(source) if source else 'NULL'});")
    database.query("".join(statements))


class AdminApiTest(StackTestCase):
    SETTINGS = {"CHAT_ADMIN_TOKEN": TOKEN}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        seed_history(cls.stack.database)
        cls.tricky = cls.client.ask(TRICKY, visitor_info={"name": "Zoë, \"Z\" Łukasz",
                                                          "email": "zoe@example.com"}).json()

    def get(self, path, headers=AUTH):
        return self.client.request("GET", "/admin/api/" + path, headers=headers)

    # --- the token ---------------------------------------------------------------------

    def test_every_endpoint_needs_the_token(self):
        session = HISTORY[0][0]
        requests = [("GET", "stats"), ("GET", "sessions"), ("GET", f"sessions/{session}"),
                    ("GET", "messages"), ("GET", "export.csv"), ("DELETE", f"sessions/{session}"),
                    ("GET", "no-such-endpoint")]
        for headers in [{}, WRONG, {"Authorization": TOKEN}, {"Authorization": f"Basic {TOKEN}"}]:
            for method, path in requests:
                with self.subTest(headers=headers, path=path):
                    response = self.client.request(method, "/admin/api/" + path, headers=headers)
                    self.assert_error(response, 401, "unauthorized")
                    self.assertIn("Bearer", response.header("www-authenticate"))
        self.assertEqual(self.get(f"sessions/{session}").status, 200)  # nothing was erased
        log = self.stack.log("chat-admin.log")
        self.assertIn("admin request refused", log)
        self.assertNotIn(TOKEN, log)
        self.assertNotIn("integration-wrong-token", log)

    # --- stats ---------------------------------------------------------------------------

    def test_stats_of_a_range(self):
        response = self.get("stats?from=2020-02-10&to=2020-02-12")
        self.assertEqual(response.status, 200, response.body)
        self.assertEqual(response.json(), {
            "sessions": 2, "messages": 6, "visitor_messages": 3, "bot_messages": 3,
            "response_time_ms": {"avg": 833, "p50": 400, "p95": 2000, "max": 2000},
            "sources": {"model": 1, "knowledge": 1, "fallback": 1, "cache": 0},
            "per_day": [{"date": "2020-02-10", "sessions": 1, "messages": 2},
                        {"date": "2020-02-11", "sessions": 0, "messages": 0},
                        {"date": "2020-02-12", "sessions": 1, "messages": 4}],
            "feedback": {"up": 0, "down": 0}, "feedback_per_day": [], "leads": 0})
        one_day = self.get("stats?from=2020-02-12&to=2020-02-12").json()
        self.assertEqual((one_day["sessions"], one_day["messages"]), (1, 4))

    def test_stats_without_a_range_cover_everything(self):
        body = self.get("stats").json()
        self.assertGreaterEqual(body["sessions"], 3)
        self.assertGreaterEqual(body["sources"]["knowledge"], 2)  # the history's and today's ask
        self.assertEqual(body["per_day"][0]["date"], "2020-02-10")

    # --- sessions and transcripts -------------------------------------------------------

    def test_sessions_newest_first_with_paging(self):
        body = self.get("sessions?from=2020-02-01&to=2020-02-29").json()
        self.assertEqual(body["total"], 2)
        self.assertIs(body["total_capped"], False)
        self.assertEqual([s["session_id"] for s in body["sessions"]], [HISTORY[1][0], HISTORY[0][0]])
        newest = body["sessions"][0]
        self.assertEqual(newest["message_count"], 4)
        self.assertEqual(newest["last_message"], "Yes, quokkaword support.")
        self.assertEqual(newest["visitor_info"], {})
        self.assertTrue(newest["created_at"].startswith("2020-02-12T18:30:00"))
        self.assertTrue(newest["updated_at"].startswith("2020-02-12T18:31:02"))
        self.assertEqual(body["sessions"][1]["visitor_info"],
                         {"name": "Grace Hopper", "email": "grace@navy.example"})
        page = self.get("sessions?from=2020-02-01&to=2020-02-29&limit=1&offset=1").json()
        self.assertEqual(page["total"], 2)
        self.assertEqual([s["session_id"] for s in page["sessions"]], [HISTORY[0][0]])

    def test_session_search_over_text_name_and_email(self):
        def found(q):
            body = self.get("sessions?q=" + quote(q)).json()
            return {s["session_id"] for s in body["sessions"]}

        self.assertEqual(found("quokkaword"), {HISTORY[0][0], HISTORY[1][0]})
        self.assertEqual(found("Hopper"), {HISTORY[0][0]})
        self.assertEqual(found("grace@navy.example"), {HISTORY[0][0]})
        self.assertEqual(found("quokkaword support"), {HISTORY[1][0]})
        self.assertEqual(found("Łukasz"), {self.tricky["session_id"]})
        self.assertEqual(found("日本語"), {self.tricky["session_id"]})
        self.assertEqual(found("nothingmatchesthis"), set())

    def test_transcript_is_the_visitor_apis_answer(self):
        session_id = self.tricky["session_id"]
        admin = self.get(f"sessions/{session_id}")
        self.assertEqual(admin.status, 200, admin.body)
        self.assertEqual(admin.json(), self.client.session(session_id).json())
        self.assertEqual(admin.json()["messages"][0]["message"], TRICKY)
        self.assertEqual(self.get(f"sessions/{session_id.upper()}").json()["session_id"], session_id)
        self.assert_error(self.get(f"sessions/{uuid.uuid4()}"), 404, "not_found")

    # --- messages ---------------------------------------------------------------------------

    def test_messages_filtered_by_sender_text_and_dates_newest_first(self):
        body = self.get("messages?q=quokkaword&from=2020-02-01&to=2020-02-29").json()
        self.assertEqual(body["total"], 2)
        self.assertIs(body["total_capped"], False)  # searches count up to 1,000 matches
        self.assertEqual([m["message"] for m in body["messages"]],
                         ["Yes, quokkaword support.", "Do you build compilers quokkaword?"])
        bot = body["messages"][0]
        self.assertEqual((bot["sender"], bot["response_time_ms"], bot["source"], bot["session_id"]),
                         ("bot", 2000, "fallback", HISTORY[1][0]))
        self.assertIsInstance(bot["id"], int)
        only_visitors = self.get("messages?q=quokkaword&sender=visitor").json()
        self.assertEqual([m["sender"] for m in only_visitors["messages"]], ["visitor"])
        self.assertIsNone(only_visitors["messages"][0]["response_time_ms"])
        self.assertIsNone(only_visitors["messages"][0]["source"])
        self.assertEqual(self.get("messages?sender=bot&from=2020-02-12&to=2020-02-12").json()["total"], 2)
        page = self.get("messages?from=2020-02-01&to=2020-02-29&limit=2&offset=1").json()
        self.assertEqual(page["total"], 6)
        self.assertEqual([m["message"] for m in page["messages"]], ["And support?", "Small projects start at 5K."])

    # --- bad requests -------------------------------------------------------------------------

    def test_each_bad_parameter_is_400(self):
        bad = ["stats?from=2020-13-01", "stats?to=2020-02-30", "stats?from=yesterday",
               "stats?from=2020-02-12&to=2020-02-10", "stats?limit=5", "stats?form=2020-01-01",
               "sessions?limit=0", "sessions?limit=501", "sessions?limit=ten", "sessions?offset=-1",
               "sessions?offset=1.5", "sessions?q=ab", "sessions?q=%FF%FE", "sessions?q=" + "a" * 201,
               "sessions?limit=5&limit=6", "sessions?sender=bot", "sessions?q=%zz",
               "messages?sender=admin", "messages?limit=1000", "messages?to=2020-2-1",
               "export.csv?from=2020-02-31", "export.csv?q=hello", "sessions/not-a-uuid",
               f"sessions/{str(uuid.uuid4())[:-1]}"]
        for path in bad:
            with self.subTest(path):
                self.assert_error(self.get(path), 400, "bad_request")
        self.assert_error(self.client.request("DELETE", "/admin/api/sessions/42", headers=AUTH),
                          400, "bad_request")

    def test_limits_at_the_edges_are_fine(self):
        self.assertEqual(self.get("sessions?limit=500&offset=0").status, 200)
        self.assertEqual(self.get("messages?limit=1&q=&from=&to=").status, 200)

    def test_unknown_paths_and_wrong_methods(self):
        self.assert_error(self.get("nothing-here"), 404, "not_found")
        response = self.client.request("POST", "/admin/api/stats", body="{}",
                                       headers={**AUTH, "Content-Type": "application/json"})
        self.assert_error(response, 405, "method_not_allowed")
        self.assertEqual(response.header("allow"), "GET")
        response = self.client.request("PUT", f"/admin/api/sessions/{HISTORY[0][0]}", headers=AUTH)
        self.assert_error(response, 405, "method_not_allowed")
        self.assertEqual(response.header("allow"), "GET, DELETE")

    # --- export ---------------------------------------------------------------------------------

    def export(self, query=""):
        response = self.get("export.csv" + query)
        self.assertEqual(response.status, 200, response.body)
        return response

    def test_export_quotes_commas_quotes_newlines_and_keeps_utf8(self):
        response = self.export()
        self.assertEqual(response.header("content-type"), "text/csv; charset=utf-8; header=present")
        self.assertIn("attachment", response.header("content-disposition"))
        self.assertIsNone(response.header("x-accel-buffering"))  # consumed by nginx
        text = response.body.decode("utf-8")
        self.assertTrue(text.startswith(",".join(EXPORT_COLUMNS) + "\r\n"))
        self.assertTrue(text.endswith("\r\n"))
        rows = list(csv.reader(io.StringIO(text, newline="")))
        self.assertEqual(rows[0], EXPORT_COLUMNS)
        mine = [dict(zip(EXPORT_COLUMNS, row)) for row in rows[1:] if row[1] == self.tricky["session_id"]]
        self.assertEqual([row["sender"] for row in mine], ["visitor", "bot"])
        self.assertEqual(mine[0]["message"], TRICKY)
        self.assertEqual(mine[0]["visitor_name"], 'Zoë, "Z" Łukasz')
        self.assertEqual(mine[0]["visitor_email"], "zoe@example.com")
        self.assertEqual(mine[0]["response_time_ms"], "")
        self.assertEqual(mine[1]["source"], "knowledge")
        self.assertEqual(int(mine[1]["id"]), self.tricky["message_id"])
        # The raw quoting, byte for byte (RFC 4180: doubled quotes, line breaks inside quotes).
        self.assertIn('"Hello, ""world""\nline two\r\nthree — Ça coûte ? 日本語 💬"', text)
        self.assertIn('"Zoë, ""Z"" Łukasz"', text)

    def test_export_of_a_range_has_just_its_rows_oldest_first(self):
        rows = list(csv.reader(io.StringIO(self.export("?from=2020-02-12&to=2020-02-12").body.decode(),
                                           newline="")))
        self.assertEqual([row[4] for row in rows[1:]], [m[2] for m in HISTORY[1][4]])
        self.assertEqual(rows[2][5:7], ["100", "knowledge"])
        empty = self.export("?from=2019-01-01&to=2019-01-01").body.decode()
        self.assertEqual(empty, ",".join(EXPORT_COLUMNS) + "\r\n")

    # --- erase ----------------------------------------------------------------------------------

    def test_erase_then_404_on_both_sides(self):
        session_id = self.client.ask("Please forget me", visitor_info={"name": "Forgettable"}).json()["session_id"]
        self.client.ask("Second question", session_id)
        self.assertEqual(self.client.session(session_id).status, 200)
        response = self.client.request("DELETE", f"/admin/api/sessions/{session_id}", headers=AUTH)
        self.assertEqual(response.status, 204, response.body)
        self.assertEqual(response.body, b"")
        self.assert_error(self.get(f"sessions/{session_id}"), 404, "not_found")
        self.assert_error(self.client.session(session_id), 404, "not_found")
        self.assertEqual(self.stack.database.scalar(
            f"SELECT COUNT(*) FROM chat_messages WHERE session_id = '{session_id}'"), "0")
        self.assert_error(self.client.request("DELETE", f"/admin/api/sessions/{session_id}", headers=AUTH),
                          404, "not_found")
        self.assertNotIn(session_id, self.get("sessions?q=Forgettable").body.decode())

    # --- the dashboard page ------------------------------------------------------------------

    def test_dashboard_is_served_with_a_strict_policy(self):
        page = self.client.request("GET", "/admin/")
        self.assertEqual(page.status, 200)
        self.assertIn(b"Admin token", page.body)
        policy = page.header("content-security-policy")
        self.assertIn("script-src 'self'", policy)
        self.assertNotIn("unsafe-inline", policy)
        self.assertEqual(page.header("x-frame-options"), "DENY")
        for path in ["/admin/dashboard.js", "/admin/dashboard.css", "/admin/vendor/chart.umd.js"]:
            with self.subTest(path):
                self.assertEqual(self.client.request("GET", path).status, 200)
        for path in ["/admin/package.json", "/admin/node_modules/chart.js/package.json"]:
            with self.subTest(path):
                self.assertEqual(self.client.request("GET", path).status, 404)
        self.assertEqual(self.client.request("GET", "/admin").status, 301)

    def test_no_cors_on_the_admin_side(self):
        origin = {"Origin": "https://elsewhere.example"}
        for response in [self.client.request("GET", "/admin/api/stats", headers={**AUTH, **origin}),
                         self.client.request("GET", "/admin/api/stats", headers=origin),
                         self.client.request("OPTIONS", "/admin/api/stats", headers={
                             **origin, "Access-Control-Request-Method": "GET"}),
                         self.client.request("GET", "/admin/", headers=origin)]:
            self.assertIsNone(response.header("access-control-allow-origin"))
        self.assertEqual(self.get("stats").header("cache-control"), "no-store")


class AdminWithoutTokenTest(StackTestCase):
    """CHAT_ADMIN_TOKEN unset, and per-IP limits on (CHAT_RATE_PER_MIN > 0)."""

    SETTINGS = {"CHAT_RATE_PER_MIN": "30"}

    def test_every_request_is_401_when_no_token_is_configured(self):
        for headers in [{}, {"Authorization": "Bearer "}, {"Authorization": "Bearer undefined"}, AUTH]:
            with self.subTest(headers=headers):
                self.assert_error(self.client.request("GET", "/admin/api/stats", headers=headers),
                                  401, "unauthorized")
        self.assertIn("CHAT_ADMIN_TOKEN is not set", self.stack.log("chat-admin.log"))

    def test_bursts_on_the_admin_api_are_limited(self):
        statuses = [self.client.request("GET", "/admin/api/stats", headers=WRONG).status
                    for _ in range(60)]
        self.assertEqual(statuses[:20], [401] * 20)  # the burst allowance
        self.assertIn(429, statuses)
        limited = self.client.request("GET", "/admin/api/stats", headers={
            **WRONG, "Origin": "https://elsewhere.example"})
        self.assert_error(limited, 429, "rate_limited")
        self.assertEqual(limited.header("retry-after"), "1")
        self.assertIsNone(limited.header("access-control-allow-origin"))
        time.sleep(2.5)  # 10 requests a second refill the burst allowance for the other tests

    def test_purge_erases_sessions_inactive_for_the_given_days(self):
        old, recent = str(uuid.uuid4()), str(uuid.uuid4())
        self.stack.database.query(
            "INSERT INTO chat_sessions (id, created_at, updated_at) VALUES "
            f"('{old}', UTC_TIMESTAMP(3) - INTERVAL 40 DAY, UTC_TIMESTAMP(3) - INTERVAL 40 DAY), "
            f"('{recent}', UTC_TIMESTAMP(3) - INTERVAL 40 DAY, UTC_TIMESTAMP(3) - INTERVAL 5 DAY);"
            "INSERT INTO chat_messages (session_id, sender, message, created_at) VALUES "
            f"('{old}', 'visitor', 'old', UTC_TIMESTAMP(3) - INTERVAL 40 DAY);")
        env = {"PATH": os.environ["PATH"], "CHAT_DATABASE_URL": self.stack.database.url_of("admin")}
        result = subprocess.run([os.path.join(BUILD_DIR, "chat-admin"), "--purge-older-than", "30"],
                                env=env, capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertRegex(result.stdout, r"^purged [1-9]\d* sessions")
        self.assertEqual(self.stack.database.scalar(
            f"SELECT COUNT(*) FROM chat_sessions WHERE id IN ('{old}', '{recent}')"), "1")
        self.assertEqual(self.stack.database.scalar(
            f"SELECT COUNT(*) FROM chat_messages WHERE session_id = '{old}'"), "0")
        bad = subprocess.run([os.path.join(BUILD_DIR, "chat-admin"), "--purge-older-than", "0"],
                             env=env, capture_output=True, text=True, timeout=60)
        self.assertEqual(bad.returncode, 2)
        self.assertIn("--purge-older-than", bad.stderr)


class AdminBadTokenTest(unittest.TestCase):
    def test_a_short_token_stops_startup_naming_the_variable(self):
        stack = Stack(CHAT_ADMIN_TOKEN="short-secret")
        with self.assertRaises(RuntimeError) as failure:
            stack.start()
        output = str(failure.exception)
        self.assertIn("CHAT_ADMIN_TOKEN", output)
        self.assertNotIn("short-secret", output)


if __name__ == "__main__":
    unittest.main()
