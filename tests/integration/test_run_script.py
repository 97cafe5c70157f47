"""scripts/run as an operator meets it: one clear line naming the variable for each bad
setting, a second run reusing the data, a clean stop on SIGTERM, and no secret in any log."""
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import unittest

from harness import REPO_DIR, Stack, wait_until


def run_with(**settings):
    """Runs scripts/run with `settings` expecting it to refuse to start; returns (status, output)."""
    stack = Stack(**settings)
    process = subprocess.Popen([os.path.join(REPO_DIR, "scripts", "run")], cwd=REPO_DIR,
                               env=stack.environment(), stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        output, _ = process.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        raise
    return process.returncode, output


class BadSettingsTest(unittest.TestCase):
    def assert_refused(self, variable, secret=None, **settings):
        status, output = run_with(**settings)
        self.assertNotEqual(status, 0, output)
        lines = [line for line in output.splitlines() if variable in line]
        self.assertEqual(len(lines), 1, output)
        self.assertNotIn("ready:", output)
        if secret:
            self.assertNotIn(secret, output)

    def test_bad_port(self):
        self.assert_refused("CHAT_HTTP_PORT", CHAT_HTTP_PORT="eighty")

    def test_port_in_use(self):
        with socket.socket() as busy:
            busy.bind(("127.0.0.1", 0))
            busy.listen()
            self.assert_refused("CHAT_HTTP_PORT", CHAT_HTTP_PORT=str(busy.getsockname()[1]))

    def test_unparsable_database_url_names_it_without_the_password(self):
        self.assert_refused("CHAT_DATABASE_URL", secret="hunter2",
                            CHAT_DATABASE_URL="mysql://chat:hunter2@localhost:notaport/chat")

    def test_missing_knowledge_file(self):
        self.assert_refused("CHAT_KNOWLEDGE_FILE", CHAT_KNOWLEDGE_FILE="/nonexistent/knowledge.md")

    def test_malformed_assistant_words_beside_the_knowledge_file(self):
        directory = tempfile.mkdtemp(prefix="chat-words-")
        os.chmod(directory, 0o755)
        shutil.copy(os.path.join(REPO_DIR, "config", "knowledge.md"), directory)
        with open(os.path.join(directory, "assistant.json"), "w", encoding="utf-8") as words:
            words.write('{"greeting_reply": 7}')
        try:
            self.assert_refused("CHAT_KNOWLEDGE_FILE", CHAT_KNOWLEDGE_FILE=os.path.join(directory, "knowledge.md"))
        finally:
            shutil.rmtree(directory)

    def test_bad_rate(self):
        self.assert_refused("CHAT_RATE_PER_MIN", CHAT_RATE_PER_MIN="-3")

    def test_bad_origin(self):
        self.assert_refused("CHAT_ALLOWED_ORIGINS", CHAT_ALLOWED_ORIGINS="atonixdev.org")

    def test_bad_message_limit(self):
        self.assert_refused("CHAT_MAX_MESSAGE_CHARS", CHAT_MAX_MESSAGE_CHARS="0")


class LifecycleTest(unittest.TestCase):
    def test_each_program_holds_only_its_own_secrets_and_stops_with_the_run(self):
        stack = Stack(HUGGINGFACE_API_KEY="hf_model_key_of_the_worker", CHAT_LLM_URL="https://127.0.0.1:9/v1",
                      CHAT_ADMIN_TOKEN="admin-token-of-the-admin", CHAT_WORKER_DB_PASSWORD="composeonly")
        stack.start()
        try:
            environments = {}
            for program in ("chat-worker", "chat-admin"):
                pids = stack.processes_of(program)
                self.assertTrue(pids, program)
                for pid in pids:
                    with open(f"/proc/{pid}/environ", "rb") as environ:
                        environments.setdefault(program, []).append(environ.read().decode())
            # (Membership checked without printing the environments: they hold the passwords.)
            expected = {"chat-worker": (["HUGGINGFACE_API_KEY=hf_model_key_of_the_worker",
                                         "CHAT_DATABASE_URL=mysql://chat_worker:"],
                                        ["admin-token-of-the-admin", "composeonly"]),
                        "chat-admin": (["CHAT_ADMIN_TOKEN=admin-token-of-the-admin",
                                        "CHAT_DATABASE_URL=mysql://chat_admin:"],
                                       ["hf_model_key_of_the_worker", "composeonly"])}
            for program, (present, absent) in expected.items():
                for environment in environments[program]:
                    for text in present:
                        self.assertTrue(text in environment, f"{program} lacks {text}")
                    for text in absent:
                        self.assertFalse(text in environment, f"{program} holds {text}")
        finally:
            self.assertEqual(stack.stop(), 0)
        # SIGTERM to scripts/run stopped what it started, not just the shells around them.
        self.assertTrue(wait_until(lambda: not stack.processes_of("chat-worker") and
                                   not stack.processes_of("chat-admin"), timeout=10))

    def test_second_run_reuses_the_data_and_logs_hold_no_secret(self):
        first = Stack().start()
        session_id = first.client.ask("What services do you offer?").json()["session_id"]
        self.assertEqual(first.stop(), 0)
        self.assertFalse(os.path.exists(os.path.join(first.var_dir, "run", "chat-worker.sock")))

        second = Stack()
        second.var_dir, second.port = first.var_dir, first.port
        second.client.port = first.port
        second.start()
        try:
            transcript = second.client.session(session_id)
            self.assertEqual(transcript.status, 200)
            self.assertEqual(len(transcript.json()["messages"]), 2)
        finally:
            self.assertEqual(second.stop(), 0)

        for program in ("worker", "admin", "migrate"):
            with open(os.path.join(first.var_dir, "secrets", f"db-password-{program}"), encoding="utf-8") as file:
                password = file.read().strip()
            self.assertGreaterEqual(len(password), 32)
            for name in os.listdir(os.path.join(first.var_dir, "log")):
                self.assertNotIn(password, first.log(name), name)
            self.assertNotIn(password, "".join(first.output + second.output))


if __name__ == "__main__":
    unittest.main()
