"""chat-migrate as an operator meets it: it reads CHAT_DATABASE_URL and nothing of the worker's
settings (a model CA file it cannot read does not block a migration), names the variable when it
is missing, and a second run finds nothing to apply."""
import os
import subprocess
import unittest

BUILD_DIR = os.environ.get("CHAT_TEST_BUILD_DIR", "")
DATABASE_URL = os.environ.get("CHAT_TEST_DATABASE_URL", "")


def migrate(**settings):
    environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **settings}
    return subprocess.run([os.path.join(BUILD_DIR, "chat-migrate")], env=environment, capture_output=True,
                          text=True, timeout=60)


@unittest.skipUnless(BUILD_DIR and DATABASE_URL, "needs CHAT_TEST_BUILD_DIR and CHAT_TEST_DATABASE_URL (scripts/test)")
class MigrateTest(unittest.TestCase):
    def test_the_workers_settings_do_not_block_a_migration(self):
        done = migrate(CHAT_DATABASE_URL=DATABASE_URL, CHAT_CA_FILE="/nonexistent/ca.pem",
                       CHAT_LLM_URL="not a url", CHAT_WORKER_THREADS="many")
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("schema up to date (0 applied)", done.stdout)

    def test_a_missing_database_url_is_named(self):
        refused = migrate()
        self.assertEqual(refused.returncode, 2)
        self.assertEqual(refused.stderr.strip(), "chat-migrate: CHAT_DATABASE_URL: is not set")


if __name__ == "__main__":
    unittest.main()
