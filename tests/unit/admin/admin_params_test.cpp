// Tests of the admin API's query parameters: query-string decoding, dates, paging, sender, and
// a 400 for every bad, repeated or unknown parameter.
#include "admin_params.h"

#include <gtest/gtest.h>

#include "admin_query_string.h"
#include "bad_input.h"

namespace {

int status_of(void (*parse)(std::string_view), std::string_view query) {
  try {
    parse(query);
  } catch (const chat::BadInput&) {
    return 400;  // what the handlers answer a BadInput with
  }
  return 200;
}

void parse_sessions(std::string_view query) { chat::parse_session_query(query); }
void parse_messages(std::string_view query) { chat::parse_message_query(query); }
void parse_range(std::string_view query) { chat::parse_range_query(query); }

}  // namespace

TEST(AdminQueryStringTest, DecodesEscapesAndPlus) {
  const auto parameters = chat::parse_query_string("q=caf%C3%A9+menu&from=2026-11-01&&flag");
  ASSERT_EQ(parameters.size(), 3u);
  EXPECT_EQ(parameters[0], std::make_pair(std::string("q"), std::string("caf\xC3\xA9 menu")));
  EXPECT_EQ(parameters[1].second, "2026-11-01");
  EXPECT_EQ(parameters[2], std::make_pair(std::string("flag"), std::string()));
}

TEST(AdminQueryStringTest, RejectsMalformedEscapes) {
  for (const char* query : {"q=%", "q=%4", "q=%zz", "q=abc%2"}) {
    EXPECT_THROW(chat::parse_query_string(query), chat::BadInput) << query;
  }
}

TEST(AdminParamsTest, DatesMustBeRealCalendarDays) {
  EXPECT_TRUE(chat::parse_date("2026-11-25"));
  EXPECT_TRUE(chat::parse_date("2024-02-29"));
  for (const char* bad : {"2026-02-29", "2026-13-01", "2026-00-10", "2026-11-31", "2026-1-05", "26-11-25",
                          "2026/11/25", "2026-11-25T00:00", "0999-01-01", "+2026-1-01", ""}) {
    EXPECT_FALSE(chat::parse_date(bad)) << bad;
  }
  EXPECT_EQ(chat::format_date(*chat::parse_date("1999-01-02")), "1999-01-02");
}

TEST(AdminParamsTest, RangeBoundsAreInclusiveWholeDays) {
  const auto range = chat::parse_range_query("from=2026-11-01&to=2026-11-30");
  EXPECT_EQ(range.first_instant(), "2026-11-01 00:00:00.000");
  EXPECT_EQ(range.last_instant(), "2026-11-30 23:59:59.999");
  const auto open = chat::parse_range_query("");
  EXPECT_EQ(open.first_instant(), "1000-01-01 00:00:00.000");
  EXPECT_EQ(open.last_instant(), "9999-12-31 23:59:59.999");
  EXPECT_EQ(chat::parse_range_query("from=2026-11-05&to=2026-11-05").last_instant(), "2026-11-05 23:59:59.999");
}

TEST(AdminParamsTest, DefaultsAndEmptyValues) {
  const auto query = chat::parse_session_query("q=&from=&to=&limit=&offset=");
  EXPECT_EQ(query.page.limit, 50);
  EXPECT_EQ(query.page.offset, 0);
  EXPECT_FALSE(query.search);
  EXPECT_FALSE(query.range.from);
}

TEST(AdminParamsTest, PagingLimits) {
  EXPECT_EQ(chat::parse_session_query("limit=500&offset=1000").page.limit, 500);
  EXPECT_EQ(chat::parse_message_query("limit=1").page.limit, 1);
  EXPECT_EQ(chat::parse_message_query("offset=1000").page.offset, 1000);
  for (const char* bad : {"limit=0", "limit=501", "limit=-1", "limit=ten", "limit=5x", "limit=1.5",
                          "offset=-1", "offset=x", "offset=99999999999999999999"}) {
    EXPECT_EQ(status_of(parse_sessions, bad), 400) << bad;
    EXPECT_EQ(status_of(parse_messages, bad), 400) << bad;
  }
}

TEST(AdminParamsTest, BadRanges) {
  for (const char* bad : {"from=yesterday", "to=2026-02-30", "from=2026-11-02&to=2026-11-01"}) {
    EXPECT_EQ(status_of(parse_range, bad), 400) << bad;
    EXPECT_EQ(status_of(parse_sessions, bad), 400) << bad;
  }
}

TEST(AdminParamsTest, SenderIsVisitorOrBot) {
  EXPECT_EQ(chat::parse_message_query("sender=bot").sender, chat::Sender::bot);
  EXPECT_EQ(chat::parse_message_query("sender=visitor").sender, chat::Sender::visitor);
  EXPECT_FALSE(chat::parse_message_query("").sender);
  EXPECT_EQ(status_of(parse_messages, "sender=admin"), 400);
  EXPECT_EQ(status_of(parse_messages, "sender=BOT"), 400);
}

TEST(AdminParamsTest, UnknownAndRepeatedParametersAreRejected) {
  EXPECT_EQ(status_of(parse_range, "form=2026-11-01"), 400);
  EXPECT_EQ(status_of(parse_range, "limit=5"), 400);  // stats and export do not page
  EXPECT_EQ(status_of(parse_sessions, "sender=bot"), 400);
  EXPECT_EQ(status_of(parse_sessions, "limit=5&limit=6"), 400);
}

TEST(AdminParamsTest, SearchTextBecomesAFullTextQuery) {
  EXPECT_EQ(chat::parse_session_query("q=kubernetes+pricing").search, "+kubernetes* +pricing*");
  EXPECT_EQ(status_of(parse_sessions, "q=an"), 400);
  EXPECT_EQ(status_of(parse_messages, "q=%C3%28"), 400);  // not UTF-8
}
