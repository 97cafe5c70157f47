-- Visitors' ratings of answers and their requests to talk to a person (contract section 6).
-- Both are the visitor's own words: erasing a session erases them with it (ON DELETE CASCADE).

-- One rating an answer; rating it again replaces it.
CREATE TABLE message_feedback (
  message_id BIGINT UNSIGNED NOT NULL,
  rating     ENUM('up', 'down') NOT NULL,
  comment    TEXT NULL,
  created_at DATETIME(3) NOT NULL,
  PRIMARY KEY (message_id),
  KEY idx_feedback_created_at (created_at),
  CONSTRAINT fk_feedback_message FOREIGN KEY (message_id)
    REFERENCES chat_messages (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A lead, and its delivery to CHAT_LEAD_WEBHOOK_URL by chat-admin: due at next_attempt_at (NULL
-- once delivered or given up), attempts counted, delivered_at set when the receiver said 2xx.
CREATE TABLE leads (
  id                BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  session_id        CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NULL,
  name              VARCHAR(100) NOT NULL,
  email             VARCHAR(254) NOT NULL,
  message           TEXT NOT NULL,
  created_at        DATETIME(3) NOT NULL,
  next_attempt_at   DATETIME(3) NULL,
  delivery_attempts INT UNSIGNED NOT NULL DEFAULT 0,
  delivered_at      DATETIME(3) NULL,
  PRIMARY KEY (id),
  KEY idx_leads_created_at (created_at),
  KEY idx_leads_due (next_attempt_at),
  CONSTRAINT fk_leads_session FOREIGN KEY (session_id)
    REFERENCES chat_sessions (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A GRANT to a role that does not exist must fail, never create a user of that name.
SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',NO_AUTO_CREATE_USER');

-- chat-worker rates answers (an upsert, which MySQL counts as reading the row it replaces) and
-- stores leads, which it never reads back.
GRANT SELECT, INSERT, UPDATE ON message_feedback TO chat_worker_role;
GRANT INSERT ON leads TO chat_worker_role;

-- chat-admin reports both, delivers the leads (it may change their delivery, never their text)
-- and erases the leads left without a conversation when they are past retention.
GRANT SELECT ON message_feedback TO chat_admin_role;
GRANT SELECT, DELETE, UPDATE (next_attempt_at, delivery_attempts, delivered_at) ON leads TO chat_admin_role;
