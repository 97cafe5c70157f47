// Every limit of chat-worker in one place: what a visitor may send, what an answer may be, what
// the model service may send back, and the ceilings of the worker's settings.
#pragma once

#include <chrono>
#include <cstddef>

namespace chat {

// --- a visitor's ask, rating or request for a person (the message's own limit is -----------
// CHAT_MAX_MESSAGE_CHARS); the name and email limits hold for visitor_info and contact alike
inline constexpr std::size_t kMaxVisitorNameChars = 100;
inline constexpr std::size_t kMaxVisitorEmailChars = 254;
inline constexpr std::size_t kMaxFeedbackCommentChars = 500;
// A conversation over CHAT_SESSION_ASKS_PER_HOUR is told to come back after this long.
inline constexpr int kSessionLimitRetryAfterSeconds = 60;

// --- an answer ------------------------------------------------------------------------------
// The longest answer a visitor is sent and stored (the model's text is cut at a UTF-8 boundary).
inline constexpr std::size_t kMaxAnswerBytes = 8000;

// --- the model service ----------------------------------------------------------------------
inline constexpr std::size_t kMaxModelBodyBytes = 1024 * 1024;   // a whole (non-streamed) answer
inline constexpr std::size_t kMaxSseEventBytes = 256 * 1024;     // one server-sent event
inline constexpr std::size_t kMaxModelErrorMessageBytes = 300;   // what of an error body is logged
inline constexpr long kMaxModelConnectMs = 10000;                // TCP + TLS handshake
inline constexpr long kModelRetryMarginMs = 500;                 // a retry needs this much budget left

// --- the process ----------------------------------------------------------------------------
inline constexpr long kMaxMessageCharsCeiling = 100000;  // highest CHAT_MAX_MESSAGE_CHARS
inline constexpr long kMaxWorkerThreads = 4096;          // highest CHAT_WORKER_THREADS
inline constexpr std::size_t kTranscriptCacheBytes = 4 * 1024 * 1024;  // per process
inline constexpr std::chrono::minutes kTranscriptCacheMaxAge{10};        // then dropped once unused
inline constexpr long kMaxDatabasePoolSize = 1024;       // highest CHAT_DB_POOL_SIZE
inline constexpr long kMaxDatabasePoolWaitMs = 60000;    // highest CHAT_DB_POOL_WAIT_MS
inline constexpr long kMaxAsksInFlight = 100000;        // highest CHAT_MAX_ASKS_IN_FLIGHT
// On stop, CHAT_STOP_TIMEOUT_SECONDS must exceed the model's timeout by this much (storing and
// sending the answers under way).
inline constexpr long kStopMarginMs = 5000;
// An ask refused for want of room is told to come back after this long.
inline constexpr int kAskAdmissionRetryAfterSeconds = 2;

}  // namespace chat
