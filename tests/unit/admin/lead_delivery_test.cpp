// The parts of lead delivery that need no database or receiver: the webhook's JSON and the
// backoff between attempts (the queue itself: tests/integration/test_lead_delivery.py).
#include "leads/lead_delivery.h"

#include <gtest/gtest.h>

#include "admin_limits.h"
#include "json.h"

TEST(LeadDeliveryTest, ThePayloadHasTheContractsFieldsAndASlackText) {
  const chat::DueLead lead{7, std::nullopt, "Ada \"Countess\"", "ada@example.com", "Call me\nsoon",
                           "2026-11-25T10:00:00.000Z", 1};
  const auto body = chat::json::parse_strict(chat::lead_payload(lead), nullptr);
  ASSERT_TRUE(body);
  EXPECT_EQ((*body)["lead_id"].asInt(), 7);
  EXPECT_TRUE((*body)["session_id"].isNull());
  EXPECT_EQ((*body)["name"].asString(), "Ada \"Countess\"");
  EXPECT_EQ((*body)["email"].asString(), "ada@example.com");
  EXPECT_EQ((*body)["message"].asString(), "Call me\nsoon");
  EXPECT_EQ((*body)["created_at"].asString(), "2026-11-25T10:00:00.000Z");
  EXPECT_EQ((*body)["text"].asString(), "New lead #7 from Ada \"Countess\" &lt;ada@example.com&gt;: Call me\nsoon");
}

TEST(LeadDeliveryTest, AVisitorsTextCannotBecomeSlackMarkup) {
  const chat::DueLead lead{8, std::nullopt, "<!channel>", "a@b.co", "<https://evil.example|Verify your account> & more",
                           "2026-11-25T10:00:00.000Z", 1};
  const auto body = chat::json::parse_strict(chat::lead_payload(lead), nullptr);
  ASSERT_TRUE(body);
  EXPECT_EQ((*body)["text"].asString(),
            "New lead #8 from &lt;!channel&gt; &lt;a@b.co&gt;: &lt;https://evil.example|Verify your account&gt; &amp; more");
  EXPECT_EQ((*body)["name"].asString(), "<!channel>");  // the contract's fields stay as the visitor wrote them
}

TEST(LeadDeliveryTest, RetriesBackOffByDoublingUpToAnHour) {
  EXPECT_EQ(chat::lead_retry_delay(1), chat::kLeadFirstRetry);
  EXPECT_EQ(chat::lead_retry_delay(2), 2 * chat::kLeadFirstRetry);
  EXPECT_EQ(chat::lead_retry_delay(3), 4 * chat::kLeadFirstRetry);
  EXPECT_EQ(chat::lead_retry_delay(30), chat::kLeadLongestRetry);
  EXPECT_EQ(chat::lead_retry_delay(1000), chat::kLeadLongestRetry);
}
