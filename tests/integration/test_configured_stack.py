"""A stack with non-default settings: per-IP rate limit (429 with Retry-After, nothing stored),
an origin allowlist for CORS, and a shorter message limit."""
import unittest

from harness import StackTestCase

ALLOWED = "https://atonixdev.org"


class ConfiguredStackTest(StackTestCase):
    SETTINGS = {"CHAT_RATE_PER_MIN": "6", "CHAT_MAX_MESSAGE_CHARS": "40",
                "CHAT_ALLOWED_ORIGINS": f"{ALLOWED}, https://www.atonixdev.org"}

    def test_message_limit_then_rate_limit(self):
        # 6 asks a minute with a burst of one: two pass at once, the third is limited. The
        # first is too long for CHAT_MAX_MESSAGE_CHARS=40 (it still counts as an ask).
        too_long = self.client.request("POST", "/api/chatbot/ask/", {"message": "x" * 41},
                                       {"Content-Type": "application/json"})
        self.assertEqual(too_long.status, 400)
        self.assertIn("40", too_long.json()["error"]["message"])
        self.assertEqual(self.client.ask("x" * 40).status, 200)
        before = self.stack.database.scalar("SELECT COUNT(*) FROM chat_messages")
        limited = self.client.ask("hello again")
        self.assertEqual(limited.status, 429)
        self.assertEqual(limited.json()["error"]["code"], "rate_limited")
        self.assertEqual(limited.header("retry-after"), "10")
        self.assertEqual(self.stack.database.scalar("SELECT COUNT(*) FROM chat_messages"), before)
        # Reading a transcript is not an ask: it is not limited by the asks' rate.
        self.assertEqual([self.client.request("GET", "/healthz").status for _ in range(10)],
                         [200] * 10)

    def test_reads_have_a_generous_limit_of_their_own(self):
        # 10 a second with a burst of 100: a visitor reloading never comes near, a scraper does.
        path = "/api/chatbot/session/00000000-0000-4000-8000-000000000000/"
        statuses = [self.client.request("GET", path).status for _ in range(160)]
        self.assertEqual(statuses[:90], [404] * 90)
        self.assertIn(429, statuses)
        limited = self.client.request("GET", path)
        self.assertEqual(limited.status, 429)
        self.assertEqual(limited.json()["error"]["code"], "rate_limited")
        self.assertEqual(limited.header("retry-after"), "1")

    def test_preflight_allows_listed_origins_only(self):
        def preflight(origin):
            return self.client.request("OPTIONS", "/api/chatbot/ask/", headers={
                "Origin": origin, "Access-Control-Request-Method": "POST"})

        allowed = preflight(ALLOWED)
        self.assertEqual(allowed.status, 204)
        self.assertEqual(allowed.header("access-control-allow-origin"), ALLOWED)
        self.assertIn("Origin", allowed.header("vary"))
        self.assertEqual(preflight("https://www.atonixdev.org").header("access-control-allow-origin"),
                         "https://www.atonixdev.org")
        other = preflight("https://evil.example")
        self.assertIsNone(other.header("access-control-allow-origin"))


if __name__ == "__main__":
    unittest.main()
