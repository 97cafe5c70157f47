-- Named locks on a Galera cluster, where GET_LOCK would lock one node only: chat-migrate creates
-- the lease table `named_locks` before it takes its own lock (core/mysql/mysql_named_lock.cpp);
-- chat-admin's rollups and search indexing take, renew and release rows of it.
SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',NO_AUTO_CREATE_USER');
GRANT SELECT, INSERT, UPDATE, DELETE ON named_locks TO chat_admin_role;
