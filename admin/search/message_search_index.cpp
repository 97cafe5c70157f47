// Keeps the search table up with chat_messages (see the header).
#include "search/message_search_index.h"

#include <cppconn/resultset.h>

#include <memory>

#include "mysql/mysql_named_lock.h"

namespace chat {
namespace {

const std::string kHighestIndexed = "SELECT COALESCE(MAX(message_id), 0) FROM chat_message_search";
const std::string kNewestMessage = "SELECT COALESCE(MAX(id), 0) FROM chat_messages";

// IGNORE: a row copied meanwhile by a batch that did not take the lock, or a message erased
// meanwhile, is skipped instead of failing the batch.
const std::string kCopyBatch =
    "INSERT IGNORE INTO chat_message_search (message_id, message) "
    "SELECT m.id, m.message FROM chat_messages m "
    "WHERE m.id > ? AND m.id <= ? AND NOT EXISTS (SELECT 1 FROM chat_message_search s WHERE s.message_id = m.id) "
    "ORDER BY m.id LIMIT ?";

std::int64_t single_number(sql::PreparedStatement& statement) {
  std::unique_ptr<sql::ResultSet> row(statement.executeQuery());
  if (!row->next() || row->isNull(1)) return 0;
  return row->getInt64(1);
}

// Copies in batches until one copies nothing, or the pass's lock is lost (a lease on Galera that
// another admin took over: it renews the lease before each batch).
std::int64_t copy_new_messages(MysqlConnection& primary, MysqlNamedLock& lock) {
  // Messages stored after the pass began wait for the next one: the pass ends.
  const std::int64_t newest = single_number(primary.statement(kNewestMessage));
  std::int64_t copied = 0;
  while (lock.renew()) {
    const std::int64_t highest = single_number(primary.statement(kHighestIndexed));
    const std::int64_t from = highest > kSearchIndexLookbackIds ? highest - kSearchIndexLookbackIds : 0;
    primary.read_committed_next();  // visitors' inserts never wait for a batch
    auto& copy = primary.statement(kCopyBatch);
    copy.setInt64(1, from);
    copy.setInt64(2, newest);
    copy.setInt(3, kSearchIndexBatchRows);
    const int rows = copy.executeUpdate();
    if (rows == 0) return copied;  // (a short batch may have skipped rows: not the end yet)
    copied += rows;
  }
  return copied;
}

}  // namespace

std::optional<std::int64_t> index_new_messages(MysqlConnection& primary, std::chrono::seconds lock_wait) {
  return primary.run(
      [&]() -> std::optional<std::int64_t> {
        MysqlNamedLock lock(primary, "chat_message_search", lock_wait);
        if (!lock.held()) return std::nullopt;
        return copy_new_messages(primary, lock);
      },
      /*retry_on_loss=*/true);  // each batch is its own statement: running a pass again is harmless
}

}  // namespace chat
