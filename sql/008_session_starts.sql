-- How many conversations each client (an IPv4 address, or an IPv6 /64) started in its current
-- hour, for CHAT_SESSION_STARTS_PER_HOUR: asking without a session id starts a fresh
-- conversation, so the per-conversation limit alone could be walked around. A row is taken by
-- one upsert that counts a start only while there is room. The addresses are personal data:
-- chat-admin erases each row an hour after its window opened.
CREATE TABLE session_starts (
  client_network VARCHAR(45) NOT NULL PRIMARY KEY,
  window_start DATETIME(3) NOT NULL,
  starts INT UNSIGNED NOT NULL,
  KEY idx_session_starts_window (window_start)
) ENGINE=InnoDB DEFAULT CHARSET=ascii;
