// Every limit of chat-admin in one place: pages, searches, the export, the token, retention and
// the sizes of its batches.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace chat {

// --- pages (limit and offset of /admin/api/sessions and /messages) ---------------------------
inline constexpr int kDefaultPageLimit = 50;
inline constexpr int kMaxPageLimit = 500;
inline constexpr std::int64_t kMaxPageOffset = 1'000'000'000;
inline constexpr int kDefaultTopQuestions = 10;  // GET /admin/api/top-questions
inline constexpr int kMaxTopQuestions = 500;

// --- search (q) ------------------------------------------------------------------------------
inline constexpr std::size_t kMaxSearchChars = 200;
inline constexpr std::size_t kMaxSearchWords = 10;
// InnoDB indexes no word shorter than innodb_ft_min_token_size (3 by default).
inline constexpr std::size_t kMinSearchWordChars = 3;
// Searches count their matches up to this many; the answer's total then says "at least".
inline constexpr std::size_t kSearchCountCap = 1000;

// --- access and serving ----------------------------------------------------------------------
inline constexpr std::size_t kMinAdminTokenChars = 16;  // CHAT_ADMIN_TOKEN
// Admin requests are few; an export holds its thread while the client downloads.
inline constexpr int kServingThreads = 4;
inline constexpr int kMaxRetentionDays = 36500;  // --purge-older-than

// --- batches: rows one statement reads or writes ----------------------------------------------
inline constexpr int kExportBatchRows = 2000;
inline constexpr int kPurgeBatchSessions = 500;
inline constexpr int kSearchIndexBatchRows = 5000;

// --- lead delivery to CHAT_LEAD_WEBHOOK_URL ----------------------------------------------------
inline constexpr std::chrono::milliseconds kWebhookConnectTimeout{5000};
inline constexpr std::chrono::milliseconds kWebhookTimeout{10000};
inline constexpr std::chrono::seconds kLeadDeliveryInterval{2};   // how often due leads are looked for
inline constexpr int kLeadDeliveryBatch = 20;                     // leads posted in one pass, at most
// A claimed lead is due again after this long, should its process die while posting it (longer
// than one post: kWebhookConnectTimeout and kWebhookTimeout).
inline constexpr std::chrono::seconds kLeadDeliveryLease{60};
inline constexpr std::chrono::seconds kLeadFirstRetry{5};         // then doubling, up to
inline constexpr std::chrono::seconds kLeadLongestRetry{3600};
inline constexpr std::chrono::hours kLeadGiveUpAfter{24};         // after its creation

}  // namespace chat
