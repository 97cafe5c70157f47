-- A session's version: bumped by every stored exchange (and visitor info change), in the same
-- transaction as the messages. A worker's cached transcript is served only while the session's
-- version is still the one it was read with (core/transcript_cache.h), so reading it costs a
-- primary-key lookup instead of the join over its messages.
ALTER TABLE chat_sessions ADD COLUMN version INT UNSIGNED NOT NULL DEFAULT 0;
