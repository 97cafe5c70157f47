-- Each cached answer remembers the session whose first question it answers, so that erasing or
-- purging that session erases the cached question and answer with it (ON DELETE CASCADE).
-- Rows cached before this migration name no session and are dropped: the cache fills again.
DELETE FROM answer_cache;
ALTER TABLE answer_cache
  ADD COLUMN session_id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL AFTER question_hash,
  ADD KEY idx_answer_cache_session (session_id),
  ADD CONSTRAINT fk_answer_cache_session FOREIGN KEY (session_id)
    REFERENCES chat_sessions (id) ON DELETE CASCADE;
