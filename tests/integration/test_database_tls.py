"""MySQL over TLS (CHAT_DATABASE_URL's ssl-ca option) against a real MariaDB that serves TLS on a
loopback port with a throwaway CA, and whose user may only connect over TLS (REQUIRE SSL).

With the right CA the programs connect and work; a server certificate from another CA, one issued
for another host name, or a server without TLS is refused before any query runs; without ssl-ca
the server turns the connection away. Every failure names the database without its password."""
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "model_server"))
from harness import BUILD_DIR, REPO_DIR, MariaDB, free_port, temporary_directory  # noqa: E402
from model_server import make_certificates  # noqa: E402

PASSWORD = "tls0nly0password"


def readable_by_mariadb(directory):
    """mariadbd runs as the mysql user: it must read the server's certificate and key."""
    for name in os.listdir(directory):
        os.chmod(os.path.join(directory, name), 0o644)


def migrate(url):
    return subprocess.run([os.path.join(BUILD_DIR, "chat-migrate"), "--dir", os.path.join(REPO_DIR, "sql")],
                          env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "CHAT_DATABASE_URL": url},
                          capture_output=True, text=True, timeout=60)


class DatabaseTlsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.certificates = temporary_directory("chat-db-tls-")
        cls.ca, cert, key = make_certificates(cls.certificates, "Throwaway Database CA")
        readable_by_mariadb(cls.certificates)
        cls.port = free_port()
        cls.database = MariaDB(network_options=(
            f"--port={cls.port} --bind-address=127.0.0.1 --ssl-ca={cls.ca} --ssl-cert={cert} --ssl-key={key}"))
        cls.database.start()
        cls.database.query(
            f"CREATE USER 'tls'@'127.0.0.1' IDENTIFIED BY '{PASSWORD}' REQUIRE SSL;"
            "GRANT ALL PRIVILEGES ON chat.* TO 'tls'@'127.0.0.1' WITH GRANT OPTION;")  # as chat_migrate

    @classmethod
    def tearDownClass(cls):
        cls.database.stop()

    def url(self, host="127.0.0.1", options=""):
        return f"mysql://tls:{PASSWORD}@{host}:{self.port}/chat{options}"

    def assert_refused(self, done, reason):
        self.assertNotEqual(done.returncode, 0, done.stdout)
        self.assertIn(f"cannot connect to mysql://tls:***@", done.stderr)
        self.assertIn(reason, done.stderr)
        self.assertNotIn(PASSWORD, done.stdout + done.stderr)

    def test_the_programs_connect_over_tls_with_the_servers_ca(self):
        done = migrate(self.url(options=f"?ssl-ca={self.ca}"))
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("schema up to date", done.stdout)
        self.assertEqual(self.database.scalar("SELECT COUNT(*) FROM schema_migrations"),
                         str(len([name for name in os.listdir(os.path.join(REPO_DIR, "sql"))
                                  if name.endswith(".sql")])))

    def test_a_user_that_requires_tls_is_refused_without_it(self):
        self.assert_refused(migrate(self.url()), "Access denied")

    def test_a_server_certificate_from_another_ca_is_refused(self):
        other = temporary_directory("chat-db-other-ca-")
        other_ca, _, _ = make_certificates(other, "Some Other CA")
        self.assert_refused(migrate(self.url(options=f"?ssl-ca={other_ca}")), "certificate")

    def test_a_server_without_tls_is_refused_not_used_in_clear_text(self):
        port = free_port()
        plain = MariaDB(network_options=f"--port={port} --bind-address=127.0.0.1")
        plain.start()
        try:
            plain.query(f"CREATE USER 'tls'@'127.0.0.1' IDENTIFIED BY '{PASSWORD}';"
                        "GRANT ALL PRIVILEGES ON chat.* TO 'tls'@'127.0.0.1' WITH GRANT OPTION;")
            refused = migrate(f"mysql://tls:{PASSWORD}@127.0.0.1:{port}/chat?ssl-ca={self.ca}")
            self.assert_refused(refused, "SSL")
            self.assertEqual(plain.scalar("SELECT COUNT(*) FROM information_schema.TABLES "
                                          "WHERE TABLE_SCHEMA = 'chat'"), "0")
        finally:
            plain.stop()

    def test_a_server_certificate_for_another_host_name_is_refused(self):
        # A server whose certificate (from a CA the client trusts) names only db.example.invalid,
        # reached as 127.0.0.1.
        renamed = temporary_directory("chat-db-renamed-")
        renamed_ca, cert, key = make_certificates(renamed, "Renamed CA", names="DNS:db.example.invalid")
        readable_by_mariadb(renamed)
        port = free_port()
        database = MariaDB(network_options=(
            f"--port={port} --bind-address=127.0.0.1 --ssl-ca={renamed_ca} --ssl-cert={cert} --ssl-key={key}"))
        database.start()
        try:
            database.query(f"CREATE USER 'tls'@'127.0.0.1' IDENTIFIED BY '{PASSWORD}' REQUIRE SSL;"
                           "GRANT ALL PRIVILEGES ON chat.* TO 'tls'@'127.0.0.1' WITH GRANT OPTION;")  # as chat_migrate
            refused = migrate(f"mysql://tls:{PASSWORD}@127.0.0.1:{port}/chat?ssl-ca={renamed_ca}")
            self.assert_refused(refused, "Validation of SSL server certificate failed")
        finally:
            database.stop()


if __name__ == "__main__":
    unittest.main()
