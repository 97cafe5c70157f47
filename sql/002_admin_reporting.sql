-- The admin side's schema (chat-admin): full-text search over message text and visitor
-- name/email, indexes for the stats scans and the sender filter, and the per-day rollups of
-- the statistics (chat_stats_*), which chat-admin fills for days that are over so a report
-- over months reads a few thousand rows instead of every message.
-- InnoDB's stopword list would make words like "about" or "where" unsearchable: turned off
-- for the full-text indexes built here.
SET SESSION innodb_ft_enable_stopword = OFF;

ALTER TABLE chat_messages
  ADD FULLTEXT INDEX ft_messages_message (message),
  ADD KEY idx_messages_stats (created_at, sender, source, response_time_ms),
  ADD KEY idx_messages_sender_created (sender, created_at);

ALTER TABLE chat_sessions
  ADD FULLTEXT INDEX ft_sessions_visitor (visitor_name, visitor_email);

-- One row per UTC day: the day's new sessions and its messages by sender and by source.
CREATE TABLE chat_stats_daily (
  day              DATE NOT NULL,
  sessions         INT UNSIGNED NOT NULL,
  visitor_messages INT UNSIGNED NOT NULL,
  bot_messages     INT UNSIGNED NOT NULL,
  model            INT UNSIGNED NOT NULL,
  knowledge        INT UNSIGNED NOT NULL,
  fallback         INT UNSIGNED NOT NULL,
  cache            INT UNSIGNED NOT NULL,
  computed_at      DATETIME(3) NOT NULL,
  PRIMARY KEY (day)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The day's bot answers per response time: exact percentiles over any range of days.
CREATE TABLE chat_stats_response_times (
  day              DATE NOT NULL,
  response_time_ms INT UNSIGNED NOT NULL,
  answers          INT UNSIGNED NOT NULL,
  PRIMARY KEY (day, response_time_ms),
  KEY idx_stats_response_times_value (response_time_ms, day, answers)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
