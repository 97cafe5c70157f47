// What the admin API needs from storage: reports over a date range, search, transcripts,
// export and erasure. Independent of the database behind it (MySQL in production).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "admin_params.h"
#include "admin_stats.h"
#include "store_unavailable.h"
#include "transcript/transcript.h"

namespace chat {

struct SessionSummary {
  std::string session_id;
  std::string created_at;  // ISO 8601 UTC
  std::string updated_at;
  std::int64_t message_count = 0;
  VisitorInfo visitor;
  std::optional<std::string> last_message;  // the text of its latest message
};

// A search (q) counts its matches up to kSearchCountCap (admin_search_scan.h): when there are
// more, total is the cap and total_capped is true. Lists without q are counted exactly.
struct SessionPage {
  std::int64_t total = 0;  // sessions matching, over all pages
  bool total_capped = false;
  std::vector<SessionSummary> sessions;
};

struct AdminMessage {
  std::string session_id;
  StoredMessage message;
};

struct MessagePage {
  std::int64_t total = 0;
  bool total_capped = false;
  std::vector<AdminMessage> messages;
};

// One row of the CSV export.
struct ExportedMessage {
  AdminMessage message;
  VisitorInfo visitor;
};

// Receives the exported messages a batch at a time, oldest first; returns false to stop.
using ExportSink = std::function<bool(const std::vector<ExportedMessage>& batch)>;

// A visitor's request to talk to a person.
struct LeadSummary {
  std::int64_t id = 0;
  std::optional<std::string> session_id;
  std::string name;
  std::string email;
  std::string message;
  std::string created_at;
  bool delivered = false;  // to CHAT_LEAD_WEBHOOK_URL
};

struct LeadPage {
  std::int64_t total = 0;
  std::vector<LeadSummary> leads;
};

// The lead delivery queue now, by state: due (to be posted now), scheduled (waiting for a retry,
// or claimed by a delivery under way), delivered, given up (not taken within a day).
struct LeadQueue {
  std::int64_t due = 0;
  std::int64_t scheduled = 0;
  std::int64_t delivered = 0;
  std::int64_t given_up = 0;
  // How long the oldest lead still to be delivered has waited, in seconds; none: there is none.
  std::optional<double> oldest_waiting_seconds;
};

// A rating of an answer, with the answer.
struct FeedbackEntry {
  std::int64_t message_id = 0;
  std::string session_id;
  std::string rating;  // "up" or "down"
  std::optional<std::string> comment;
  std::string created_at;
  std::string answer;
};

struct FeedbackPage {
  std::int64_t total = 0;
  std::vector<FeedbackEntry> feedback;
};

// A question as visitors asked it (one of its wordings) and how often, told apart by its text
// without case, punctuation or spacing.
struct QuestionCount {
  std::string question;
  std::int64_t count = 0;
};

// Sessions are in a date range when they were created in it; messages when they were stored
// in it. Every method throws StoreUnavailable when the database cannot be reached.
class AdminStore {
 public:
  virtual ~AdminStore() = default;
  virtual AdminStats stats(const DateRange& range) = 0;
  virtual SessionPage sessions(const SessionQuery& query) = 0;
  virtual MessagePage messages(const MessageQuery& query) = 0;
  virtual std::optional<Transcript> transcript(const std::string& session_id) = 0;
  // Calls `sink` with batches of at most a few thousand rows, never holding more.
  virtual void export_messages(const DateRange& range, const ExportSink& sink) = 0;
  // Erases the session and all its messages in one transaction; false when there was none.
  virtual bool erase_session(const std::string& session_id) = 0;
  // Leads and ratings are in a range when they were made in it; newest first.
  virtual LeadPage leads(const LeadQuery& query) = 0;
  virtual FeedbackPage feedback(const FeedbackQuery& query) = 0;
  // Visitors' questions asked in the range, most asked first (then alphabetically).
  virtual std::vector<QuestionCount> top_questions(const TopQuestionsQuery& query) = 0;
  // The lead delivery queue, as the primary has it.
  virtual LeadQueue lead_queue() = 0;
};

}  // namespace chat
