"""Least privilege in the database: each program has its own user (scripts/lib/database_users.sh),
and the grants of sql/009_program_privileges.sql let it do what it does and nothing more. Tried
against a real MariaDB provisioned as scripts/run provisions it, with the schema migrated by
chat_migrate. The other suites run chat-worker and chat-admin as these users through scripts/run,
so a grant they need and lack fails there."""
import os
import re
import subprocess
import unittest

from harness import BUILD_DIR, REPO_DIR, MariaDB

DENIED = re.compile(r"ERROR (1142|1143|1044|1045|1227|1370|1410)")


class PrivilegesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.database = MariaDB().start()
        migrated = subprocess.run(
            [os.path.join(BUILD_DIR, "chat-migrate"), "--dir", os.path.join(REPO_DIR, "sql")],
            env={"PATH": os.environ["PATH"], "CHAT_DATABASE_URL": cls.database.url_of("migrate")},
            capture_output=True, text=True, timeout=120)
        assert migrated.returncode == 0, migrated.stderr

    @classmethod
    def tearDownClass(cls):
        cls.database.stop()

    def run_as(self, program, sql):
        """Runs SQL as the program's user; returns (succeeded, stderr)."""
        user, password = re.match(r"mysql://([^:]+):([^@]+)@", self.database.url_of(program)).groups()
        socket_path = os.path.join(self.database.directory, "mariadb", "mariadb.sock")
        done = subprocess.run(["mariadb", "--no-defaults", f"--socket={socket_path}", f"-u{user}",
                               f"-p{password}", "chat", "-N", "-B", "-e", sql],
                              capture_output=True, text=True, timeout=30)
        return done.returncode == 0, done.stderr

    def assert_allowed(self, program, sql):
        allowed, error = self.run_as(program, sql)
        self.assertTrue(allowed, f"{program}: {sql}: {error}")

    def assert_denied(self, program, sql):
        allowed, error = self.run_as(program, sql)
        self.assertFalse(allowed, f"{program} may: {sql}")
        self.assertRegex(error, DENIED, f"{program}: {sql}")

    def test_each_program_has_its_own_user(self):
        users = {program: re.match(r"mysql://([^:]+):", self.database.url_of(program)).group(1)
                 for program in ("worker", "admin", "migrate")}
        self.assertEqual(users, {"worker": "chat_worker", "admin": "chat_admin", "migrate": "chat_migrate"})
        self.assertEqual(self.database.scalar(
            "SELECT COUNT(*) FROM mysql.user WHERE user = 'chat' AND host = 'localhost'"), "0")

    def test_the_mariadb_containers_init_step_creates_the_same_users_for_the_network(self):
        socket_path = os.path.join(self.database.directory, "mariadb", "mariadb.sock")
        with open(os.path.join(REPO_DIR, "docker", "mariadb-users.sh"), encoding="utf-8") as file:
            init = file.read().replace("/usr/local/share/atonix-chat/database_users.sh",
                                       os.path.join(REPO_DIR, "scripts", "lib", "database_users.sh"))
        script = (f'set -eo pipefail; docker_process_sql() {{ mariadb --no-defaults --socket="{socket_path}" '
                  f'-uroot; }}\n{init}')
        passwords = {"CHAT_WORKER_DB_PASSWORD": "w0rker", "CHAT_ADMIN_DB_PASSWORD": "adm1n",
                     "CHAT_MIGRATE_DB_PASSWORD": "m1grate"}
        done = subprocess.run(["bash", "-c", script], env={**os.environ, **passwords},
                              capture_output=True, text=True, timeout=30)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(self.database.query(
            "SELECT user, default_role FROM mysql.user WHERE host = '%' ORDER BY user"),
            [["chat_admin", "chat_admin_role"], ["chat_migrate", ""], ["chat_worker", "chat_worker_role"]])
        refused = subprocess.run(["bash", "-c", script], env={**os.environ, **passwords,
                                                              "CHAT_ADMIN_DB_PASSWORD": "x'; DROP DATABASE chat; --"},
                                 capture_output=True, text=True, timeout=30)
        self.assertNotEqual(refused.returncode, 0)
        self.assertIn("passwords are letters and digits", refused.stderr)

    def test_migrating_as_a_user_without_the_grant_option_stops_with_the_way_out(self):
        # A database set up the way of earlier versions: one user with every privilege but the
        # grant option.
        self.database.query("CREATE DATABASE chat_old; CREATE USER 'old'@'localhost' IDENTIFIED BY 'old0pw';"
                            "GRANT ALL PRIVILEGES ON chat_old.* TO 'old'@'localhost';")
        socket_path = os.path.join(self.database.directory, "mariadb", "mariadb.sock")
        stopped = subprocess.run(
            [os.path.join(BUILD_DIR, "chat-migrate"), "--dir", os.path.join(REPO_DIR, "sql")],
            env={"PATH": os.environ["PATH"],
                 "CHAT_DATABASE_URL": f"mysql://old:old0pw@localhost/chat_old?socket={socket_path}"},
            capture_output=True, text=True, timeout=120)
        self.assertNotEqual(stopped.returncode, 0)
        self.assertIn("009_program_privileges.sql stopped at its statement", stopped.stderr)
        self.assertIn("create the roles and users first, as the database's root", stopped.stderr)
        self.assertEqual(self.database.scalar(
            "SELECT COUNT(*) FROM mysql.user WHERE user LIKE 'chat%role' AND is_role = 'N'"), "0")

    def test_only_chat_migrate_changes_the_schema(self):
        for program in ("worker", "admin"):
            with self.subTest(program):
                self.assert_denied(program, "CREATE TABLE intruder (id INT)")
                self.assert_denied(program, "DROP TABLE chat_messages")
                self.assert_denied(program, "ALTER TABLE chat_sessions ADD COLUMN intruder INT")
                self.assert_denied(program, "CREATE INDEX intruder ON chat_messages (created_at)")
                self.assert_denied(program, "TRUNCATE TABLE chat_sessions")
                self.assert_denied(program, "GRANT SELECT ON chat.schema_migrations TO chat_worker_role")
        self.assert_allowed("migrate", "CREATE TABLE scratch (id INT); DROP TABLE scratch")

    def test_the_worker_reads_and_writes_only_the_conversation_tables(self):
        for table in ("chat_sessions", "chat_messages", "answer_cache", "session_starts"):
            self.assert_allowed("worker", f"SELECT COUNT(*) FROM {table}")
        for table in ("chat_stats_daily", "chat_stats_response_times", "chat_message_search",
                      "schema_migrations", "schema_migration_progress"):
            self.assert_denied("worker", f"SELECT COUNT(*) FROM {table}")
        self.assert_denied("worker", "SELECT COUNT(*) FROM leads")  # it stores them, never reads them
        self.assert_denied("worker", "DELETE FROM message_feedback")
        self.assert_denied("worker", "DELETE FROM chat_sessions")
        self.assert_denied("worker", "DELETE FROM chat_messages")
        self.assert_denied("worker", "UPDATE chat_messages SET message = 'rewritten'")
        self.assert_denied("worker", "SELECT COUNT(*) FROM mysql.user")

    def test_the_admin_reads_erases_and_reports_but_writes_no_conversation(self):
        for table in ("chat_sessions", "chat_messages", "chat_message_search", "chat_stats_daily",
                      "chat_stats_response_times", "answer_cache", "session_starts", "message_feedback", "leads"):
            self.assert_allowed("admin", f"SELECT COUNT(*) FROM {table}")
        self.assert_allowed("admin", "DELETE FROM chat_sessions WHERE id = 'none'")
        self.assert_denied("admin", "INSERT INTO chat_sessions (id, created_at, updated_at) "
                                    "VALUES (UUID(), NOW(), NOW())")
        self.assert_denied("admin", "INSERT INTO chat_messages (session_id, sender, message, created_at) "
                                    "VALUES ('x', 'visitor', 'forged', NOW())")
        self.assert_denied("admin", "UPDATE chat_sessions SET visitor_name = 'forged'")
        self.assert_denied("admin", "INSERT INTO leads (name, email, message, created_at) "
                                    "VALUES ('forged', 'a@b.c', 'm', NOW())")
        self.assert_denied("admin", "UPDATE message_feedback SET rating = 'up'")
        self.assert_denied("admin", "SELECT COUNT(*) FROM schema_migrations")


if __name__ == "__main__":
    unittest.main()
