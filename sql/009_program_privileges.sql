-- What each program may do to each table, granted to the roles that scripts/lib/database_users.sh
-- creates (chat_worker_role for chat-worker, chat_admin_role for chat-admin). Neither may change
-- the schema; each reads only what it reads. A later migration that adds a table grants the
-- roles what they need of it, in the same file. Run by chat_migrate, which holds the grant option.

-- A GRANT to a role that does not exist must fail, never create a user of that name.
SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',NO_AUTO_CREATE_USER');

-- chat-worker: sessions and their messages, the answer cache, the per-client session starts.
GRANT SELECT, INSERT, UPDATE ON chat_sessions TO chat_worker_role;
GRANT SELECT, INSERT ON chat_messages TO chat_worker_role;
GRANT SELECT, INSERT, UPDATE ON answer_cache TO chat_worker_role;
GRANT SELECT, INSERT, UPDATE ON session_starts TO chat_worker_role;

-- chat-admin: reads the conversations, erases and purges them (their messages, search rows and
-- cached answers go with them by ON DELETE CASCADE), keeps the search index and the rollups, and
-- purges expired answers and closed session-start windows.
GRANT SELECT, DELETE ON chat_sessions TO chat_admin_role;
GRANT SELECT ON chat_messages TO chat_admin_role;
GRANT SELECT, INSERT ON chat_message_search TO chat_admin_role;
GRANT SELECT, INSERT, DELETE ON chat_stats_daily TO chat_admin_role;
GRANT SELECT, INSERT, DELETE ON chat_stats_response_times TO chat_admin_role;
GRANT SELECT, DELETE ON answer_cache TO chat_admin_role;
GRANT SELECT, DELETE ON session_starts TO chat_admin_role;
