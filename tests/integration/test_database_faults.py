"""Database faults against a real MariaDB that the test stops, starts and breaks: 503 while it is
down, serving again after it is back (no worker restart), a failed statement rolled back, and a
503 in bounded time when every connection of the process's pool is busy."""
import concurrent.futures
import os
import subprocess
import time
import unittest

from harness import MariaDB, Stack, wait_until


class DatabaseFaultTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.database = MariaDB().start()
        cls.stack = Stack(CHAT_DATABASE_URL=cls.database.url).start()
        cls.client = cls.stack.client

    @classmethod
    def tearDownClass(cls):
        status = cls.stack.stop()
        cls.database.stop()
        if status != 0:
            raise AssertionError(f"scripts/run exited {status} on SIGTERM")

    def count(self, table):
        return int(self.database.scalar(f"SELECT COUNT(*) FROM {table}"))

    def test_restart_gives_503_while_down_and_serves_again_after(self):
        first = self.client.ask("What services do you offer?")
        self.assertEqual(first.status, 200)
        session_id = first.json()["session_id"]

        self.database.stop()
        try:
            down = self.client.ask("Are you there?", session_id)
            self.assertEqual(down.status, 503, down.body)
            self.assertEqual(down.json()["error"]["code"], "unavailable")
            health = self.client.request("GET", "/healthz")
            self.assertEqual(health.status, 503)
            self.assertEqual(health.json()["database"], "unavailable")
            self.assertEqual(self.client.session(session_id).status, 503)
        finally:
            self.database.start()

        self.assertTrue(wait_until(lambda: self.client.request("GET", "/healthz").status == 200))
        again = self.client.ask("Do you work with Kubernetes?", session_id)
        self.assertEqual(again.status, 200, again.body)
        self.assertEqual(again.json()["session_id"], session_id)
        messages = self.client.session(session_id).json()["messages"]
        self.assertEqual([m["message"] for m in messages if m["sender"] == "visitor"],
                         ["What services do you offer?", "Do you work with Kubernetes?"])

    def test_every_thread_reconnects_after_a_restart(self):
        self.database.stop()
        self.database.start()
        statuses = [self.client.ask(f"question {i}").status for i in range(40)]
        self.assertEqual(statuses, [200] * 40)

    def test_a_failed_statement_is_500_and_rolled_back(self):
        sessions_before = self.count("chat_sessions")
        self.database.query("RENAME TABLE chat_messages TO chat_messages_moved")
        try:
            failed = self.client.ask("This cannot be stored")
        finally:
            self.database.query("RENAME TABLE chat_messages_moved TO chat_messages")
        self.assertEqual(failed.status, 500)
        self.assertEqual(failed.json()["error"]["code"], "internal")
        self.assertNotIn(b"chat_messages", failed.body)
        self.assertEqual(self.count("chat_sessions"), sessions_before)
        self.assertEqual(self.client.ask("And now?").status, 200)
        self.assertIn("chat_messages", self.stack.log("chat-worker.log"))


class ConnectionPoolTest(unittest.TestCase):
    """One connection in the process's pool for asks, held by an ask whose writes a test session
    blocks (LOCK TABLES ... READ): the next ask gets 503 after the pool's wait instead of hanging,
    while reads (a pool of their own) and /healthz (a connection of its own) are answered at once,
    and all serve again once the lock goes."""

    def test_a_request_that_finds_no_free_connection_gets_503_in_bounded_time(self):
        database = MariaDB().start()
        stack = Stack(CHAT_DATABASE_URL=database.url, CHAT_WORKER_PROCESSES="1", CHAT_WORKER_THREADS="4",
                      CHAT_DB_POOL_SIZE="1", CHAT_DB_POOL_WAIT_MS="300").start()
        locker = None
        try:
            session_id = stack.client.ask("A first question").json()["session_id"]
            socket_path = os.path.join(database.directory, "mariadb", "mariadb.sock")
            locker = subprocess.Popen(
                ["mariadb", "--no-defaults", f"--socket={socket_path}", "-uroot", "chat", "-e",
                 "LOCK TABLES chat_sessions READ, chat_messages READ; SELECT SLEEP(30);"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(0.5)
            with concurrent.futures.ThreadPoolExecutor(1) as pool:
                blocked = pool.submit(stack.client.ask, "Waiting for a lock")  # holds the one connection
                time.sleep(0.5)
                started = time.monotonic()
                refused = stack.client.ask("No connection for me")
                waited = time.monotonic() - started
                self.assertEqual(refused.status, 503)
                self.assertEqual(refused.json()["error"]["code"], "unavailable")
                self.assertLess(waited, 2.0)
                started = time.monotonic()
                read = stack.client.session(session_id)
                self.assertEqual(read.status, 200)  # not behind the asks: a pool of its own
                self.assertLess(time.monotonic() - started, 1.0)
                self.assertEqual(stack.client.request("GET", "/healthz").status, 200)
                locker.kill()
                locker.wait()
                self.assertEqual(blocked.result().status, 200)
            self.assertEqual(stack.client.session(session_id).status, 200)
            self.assertEqual(stack.client.ask("After the lock").status, 200)
        finally:
            if locker and locker.poll() is None:
                locker.kill()
            stack.stop()
            database.stop()


if __name__ == "__main__":
    unittest.main()
