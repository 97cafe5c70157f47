// Every limit the programs share, in one place: what a request may bring, how deep JSON may
// nest, how long a MySQL round trip may take.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace chat {

// --- HTTP and FastCGI -------------------------------------------------------------------------
inline constexpr std::size_t kMaxRequestBodyBytes = 16 * 1024;  // nginx's client_max_body_size too
inline constexpr int kListenBacklog = 4096;                     // --listen sockets
inline constexpr std::int64_t kSlowRequestMs = 1000;            // logged though it succeeded
inline constexpr int kAcceptBackOffMs = 100;                    // after a failed accept (EMFILE)
// What a deferred response may hold unsent while its client does not read (an answer is at most
// 8 KB): beyond it the client counts as gone, and only its own response is dropped.
inline constexpr std::size_t kMaxUnsentResponseBytes = 256 * 1024;

// --- JSON -----------------------------------------------------------------------------------
inline constexpr int kMaxJsonNestingDepth = 16;

// --- MySQL (below nginx's fastcgi_read_timeout, so a stuck query fails before nginx gives up) --
inline constexpr int kMysqlConnectTimeoutSeconds = 3;
inline constexpr int kMysqlReadTimeoutSeconds = 10;
inline constexpr int kMysqlWriteTimeoutSeconds = 10;
// How often a named lock kept as a lease row (Galera) is tried again while another holds it.
inline constexpr std::chrono::milliseconds kNamedLockPollInterval{200};

}  // namespace chat
