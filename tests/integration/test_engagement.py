"""Contract section 6 through nginx, against MariaDB: answers carry their sources, visitors rate
answers (only their session's, rating again replaces) and ask to talk to a person (a lead stored
with its session); bad input changes nothing, and erasing a session erases its ratings and
leads with it."""
import json
import unittest
import uuid

from harness import StackTestCase

TOKEN = "engagement-admin-token-0123456789"
JSON = {"Content-Type": "application/json"}


class EngagementTest(StackTestCase):
    SETTINGS = {"CHAT_ADMIN_TOKEN": TOKEN}

    def post(self, path, body, headers=None):
        return self.client.request("POST", path, body, {**JSON, **(headers or {})})

    def answered(self, question="What does a small project cost?"):
        reply = self.client.ask(question)
        self.assertEqual(reply.status, 200, reply.body)
        return reply.json()

    def rate(self, session_id, message_id, rating, **extra):
        return self.post("/api/chatbot/feedback/", {"session_id": session_id, "message_id": message_id,
                                                     "rating": rating, **extra})

    def feedback_rows(self, message_id):
        return self.stack.database.query(
            f"SELECT rating, COALESCE(comment, '-') FROM message_feedback WHERE message_id = {int(message_id)}")

    def test_answers_carry_the_sections_that_informed_them(self):
        answer = self.answered()
        self.assertEqual(answer["sources"], [{"title": "Pricing"}])
        self.assertEqual(self.answered("hello")["sources"], [])
        events = self.client.ask_streaming("How much does a small project cost?")
        self.assertEqual(events[-1][1], "done")
        self.assertEqual(events[-1][2]["sources"], [{"title": "Pricing"}])

    def test_a_rating_is_stored_and_rating_again_replaces_it(self):
        answer = self.answered()
        reply = self.rate(answer["session_id"], answer["message_id"], "up")
        self.assertEqual(reply.status, 204, reply.body)
        self.assertEqual(self.feedback_rows(answer["message_id"]), [["up", "-"]])
        reply = self.rate(answer["session_id"], answer["message_id"], "down", comment="  Not what I asked.  ")
        self.assertEqual(reply.status, 204, reply.body)
        self.assertEqual(self.feedback_rows(answer["message_id"]), [["down", "Not what I asked."]])

    def test_only_the_sessions_own_answers_can_be_rated(self):
        answer, other = self.answered(), self.answered()
        self.assert_error(self.rate(answer["session_id"], answer["message_id"] - 1, "up"), 404, "not_found")
        self.assert_error(self.rate(answer["session_id"], other["message_id"], "up"), 404, "not_found")
        self.assert_error(self.rate(str(uuid.uuid4()), answer["message_id"], "up"), 404, "not_found")
        self.assertEqual(self.feedback_rows(other["message_id"]), [])

    def test_bad_feedback_is_400_and_changes_nothing(self):
        answer = self.answered()
        self.assertEqual(self.rate(answer["session_id"], answer["message_id"], "up").status, 204)
        for body in ({"session_id": answer["session_id"], "message_id": answer["message_id"], "rating": "meh"},
                     {"session_id": answer["session_id"], "message_id": answer["message_id"], "rating": "down",
                      "comment": "x" * 501},
                     {"session_id": answer["session_id"], "rating": "down"}):
            self.assert_error(self.post("/api/chatbot/feedback/", body), 400, "bad_request")
        self.assert_error(self.post("/api/chatbot/feedback/", "{", {}), 400, "bad_request")
        self.assertEqual(self.feedback_rows(answer["message_id"]), [["up", "-"]])

    def test_a_lead_is_stored_with_its_session(self):
        answer = self.answered()
        reply = self.post("/api/chatbot/contact/", {"session_id": answer["session_id"], "name": "Ada Lovelace",
                                                    "email": "ada@example.com", "message": "Please call me."})
        self.assertEqual(reply.status, 201, reply.body)
        lead_id = reply.json()["lead_id"]
        self.assertEqual(self.stack.database.query(
            f"SELECT session_id, name, email, message, delivered_at IS NULL FROM leads WHERE id = {int(lead_id)}"),
            [[answer["session_id"], "Ada Lovelace", "ada@example.com", "Please call me.", "1"]])
        stranger = self.post("/api/chatbot/contact/", {"session_id": str(uuid.uuid4()), "name": "Bo",
                                                       "email": "bo@example.org", "message": "A quote?"})
        self.assertEqual(stranger.status, 201, stranger.body)
        self.assertEqual(self.stack.database.scalar(
            f"SELECT COALESCE(session_id, 'none') FROM leads WHERE id = {int(stranger.json()['lead_id'])}"), "none")

    def test_a_bad_lead_is_400_and_stores_nothing(self):
        before = self.stack.database.scalar("SELECT COUNT(*) FROM leads")
        for body in ({"name": "Ada", "email": "not-an-address", "message": "Hi"},
                     {"name": "", "email": "ada@example.com", "message": "Hi"},
                     {"name": "Ada", "email": "ada@example.com"},
                     {"name": "Ada", "email": "ada@example.com", "message": "Hi", "session_id": "x"}):
            self.assert_error(self.post("/api/chatbot/contact/", body), 400, "bad_request")
        self.assert_error(self.client.request("POST", "/api/chatbot/contact/", json.dumps({"name": "Ada"}),
                                              {"Content-Type": "text/plain"}), 415, "unsupported_media_type")
        self.assertEqual(self.stack.database.scalar("SELECT COUNT(*) FROM leads"), before)

    def admin(self, path):
        reply = self.client.request("GET", f"/admin/api/{path}", headers={"Authorization": f"Bearer {TOKEN}"})
        self.assertEqual(reply.status, 200, reply.body)
        return reply.json()

    def test_admins_see_leads_ratings_and_top_questions(self):
        before = self.admin("stats")
        answer = self.answered("Who built the AtonixDev portfolio projects?")
        self.assertEqual(self.rate(answer["session_id"], answer["message_id"], "down", comment="Vague").status, 204)
        reply = self.post("/api/chatbot/contact/", {"session_id": answer["session_id"], "name": "Cy",
                                                    "email": "cy@example.com", "message": "A call, please"})
        lead_id = reply.json()["lead_id"]
        leads = self.admin("leads?limit=500")
        self.assertIn({"id": lead_id, "session_id": answer["session_id"], "name": "Cy", "email": "cy@example.com",
                       "message": "A call, please", "delivered": False},
                      [{key: value for key, value in lead.items() if key != "created_at"} for lead in leads["leads"]])
        rated = [entry for entry in self.admin("feedback?rating=down&limit=500")["feedback"]
                 if entry["message_id"] == answer["message_id"]]
        self.assertEqual(len(rated), 1)
        self.assertEqual((rated[0]["comment"], rated[0]["answer"]), ("Vague", answer["response"]))
        self.assertEqual(self.admin("feedback?rating=up&limit=500")["total"],
                         sum(1 for entry in self.admin("feedback?limit=500")["feedback"] if entry["rating"] == "up"))
        for _ in range(2):
            self.answered("who built the AtonixDev portfolio projects")
        top = self.admin("top-questions?limit=500")["questions"]
        self.assertIn(3, [question["count"] for question in top
                          if question["question"].lower().startswith("who built the atonixdev portfolio")])
        after = self.admin("stats")
        self.assertEqual(after["feedback"]["down"], before["feedback"]["down"] + 1)
        self.assertEqual(after["leads"], before["leads"] + 1)

    def test_erasing_a_session_erases_its_ratings_and_leads(self):
        answer = self.answered()
        self.assertEqual(self.rate(answer["session_id"], answer["message_id"], "down", comment="mine").status, 204)
        self.assertEqual(self.post("/api/chatbot/contact/", {"session_id": answer["session_id"], "name": "Ada",
                                                             "email": "ada@example.com", "message": "Hi"}).status, 201)
        erased = self.client.request("DELETE", f"/admin/api/sessions/{answer['session_id']}",
                                     headers={"Authorization": f"Bearer {TOKEN}"})
        self.assertIn(erased.status, (200, 204), erased.body)
        self.assertEqual(self.feedback_rows(answer["message_id"]), [])
        self.assertEqual(self.stack.database.scalar(
            f"SELECT COUNT(*) FROM leads WHERE session_id = '{answer['session_id']}' OR name = 'Ada' AND "
            f"message = 'Hi'"), "0")


if __name__ == "__main__":
    unittest.main()
