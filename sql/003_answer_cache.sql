-- Answers of the model to first questions, by normalised question text, reused until expiry.
CREATE TABLE answer_cache (
  question_hash CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  question      TEXT NOT NULL,
  answer        TEXT NOT NULL,
  created_at    DATETIME(3) NOT NULL,
  expires_at    DATETIME(3) NOT NULL,
  PRIMARY KEY (question_hash),
  KEY idx_answer_cache_expires_at (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
