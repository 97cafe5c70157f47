-- Chat sessions and their messages. Times are UTC with millisecond precision.
CREATE TABLE chat_sessions (
  id            CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  created_at    DATETIME(3) NOT NULL,
  updated_at    DATETIME(3) NOT NULL,
  visitor_name  VARCHAR(100) NULL,
  visitor_email VARCHAR(254) NULL,
  PRIMARY KEY (id),
  KEY idx_sessions_created_at (created_at),
  KEY idx_sessions_updated_at (updated_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE chat_messages (
  id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  session_id       CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  sender           ENUM('visitor', 'bot') NOT NULL,
  message          TEXT NOT NULL,
  created_at       DATETIME(3) NOT NULL,
  response_time_ms INT UNSIGNED NULL,
  source           ENUM('model', 'knowledge', 'fallback', 'cache') NULL,
  PRIMARY KEY (id),
  KEY idx_messages_session (session_id, id),
  KEY idx_messages_created_at (created_at),
  CONSTRAINT fk_messages_session FOREIGN KEY (session_id)
    REFERENCES chat_sessions (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
