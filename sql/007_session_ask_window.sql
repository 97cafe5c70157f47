-- The per-conversation hourly limit (CHAT_SESSION_ASKS_PER_HOUR), counted atomically: an ask is
-- admitted by one UPDATE that opens a new window (an hour from the window's first ask) or
-- counts one more ask in the current one, and matches no row once the window is full, so two
-- asks of one conversation at once can never both take its last place.
ALTER TABLE chat_sessions
  ADD COLUMN ask_window_start DATETIME(3) NULL,
  ADD COLUMN asks_in_window INT UNSIGNED NOT NULL DEFAULT 0;
