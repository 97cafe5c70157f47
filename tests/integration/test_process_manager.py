"""The worker's process manager (php-fpm-like), through nginx: a child killed with SIGKILL under
load is replaced at once and only its requests in flight fail; a child is recycled after its
request limit; SIGHUP reloads the knowledge file without dropping a request; SIGTERM lets slow
streaming asks finish and keeps what they stored."""
import concurrent.futures
import os
import shutil
import signal
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "model_server"))
from harness import REPO_DIR, Stack, temporary_directory, wait_until  # noqa: E402
from model_server import ModelServer  # noqa: E402
from test_model import TOKEN  # noqa: E402


def master_and_children(stack):
    processes = stack.worker_processes()
    masters = [pid for pid, parent in processes.items() if parent not in processes]
    assert len(masters) == 1, processes
    return masters[0], sorted(pid for pid, parent in processes.items() if parent == masters[0])


class Load:
    """Threads reading a transcript in a loop; counts the answers by status."""

    def __init__(self, stack, session_id, threads=6):
        self.stop, self.statuses, self.lock = threading.Event(), {}, threading.Lock()
        self.threads = [threading.Thread(target=self.run, args=(stack.client, session_id)) for _ in range(threads)]

    def run(self, client, session_id):
        while not self.stop.is_set():
            status = client.session(session_id).status
            with self.lock:
                self.statuses[status] = self.statuses.get(status, 0) + 1

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *unused):
        self.stop.set()
        for thread in self.threads:
            thread.join()


class ProcessManagerTest(unittest.TestCase):
    THREADS_PER_CHILD = 4

    @classmethod
    def setUpClass(cls):
        cls.knowledge = os.path.join(temporary_directory("chat-knowledge-"), "knowledge.md")
        os.chmod(os.path.dirname(cls.knowledge), 0o755)
        with open(os.path.join(REPO_DIR, "config", "knowledge.md"), encoding="utf-8") as source:
            cls.original_knowledge = source.read()
        with open(cls.knowledge, "w", encoding="utf-8") as copy:
            copy.write(cls.original_knowledge)
        shutil.copy(os.path.join(REPO_DIR, "config", "assistant.json"), os.path.dirname(cls.knowledge))
        cls.stack = Stack(CHAT_WORKER_PROCESSES="2", CHAT_WORKER_THREADS=str(cls.THREADS_PER_CHILD),
                          CHAT_KNOWLEDGE_FILE=cls.knowledge).start()
        cls.session_id = cls.stack.client.ask("What services do you offer?").json()["session_id"]

    @classmethod
    def tearDownClass(cls):
        cls.stack.stop()

    def test_a_killed_child_is_replaced_and_only_its_requests_fail(self):
        master, children = master_and_children(self.stack)
        self.assertEqual(len(children), 2)
        with Load(self.stack, self.session_id) as load:
            time.sleep(1)
            os.kill(children[0], signal.SIGKILL)
            killed_at = time.monotonic()
            replaced = wait_until(lambda: len(master_and_children(self.stack)[1]) == 2
                                  and children[0] not in master_and_children(self.stack)[1], timeout=5,
                                  interval=0.05)
            replaced_after = time.monotonic() - killed_at
            time.sleep(1)
        self.assertTrue(replaced)
        self.assertLess(replaced_after, 1.0)
        self.assertEqual(master_and_children(self.stack)[0], master)
        failed = sum(count for status, count in load.statuses.items() if status != 200)
        self.assertLessEqual(failed, self.THREADS_PER_CHILD, load.statuses)
        self.assertGreater(load.statuses.get(200, 0), 100, load.statuses)

    def test_sighup_reloads_the_knowledge_without_dropping_a_request(self):
        question = "Do you groom zebras?"  # nothing the shipped knowledge knows
        self.assertEqual(self.stack.client.ask(question).json()["response"].split(",")[0], "I don't know that one")
        with open(self.knowledge, "a", encoding="utf-8") as file:
            file.write("\n## Zebra migrations\n\nYes: we migrate zebras to Kubernetes every spring.\n")
        try:
            master, old_children = master_and_children(self.stack)
            with Load(self.stack, self.session_id) as load:
                os.kill(master, signal.SIGHUP)
                self.assertTrue(wait_until(lambda: "zebras to Kubernetes" in
                                           self.stack.client.ask(question).json()["response"], timeout=10))
                time.sleep(0.5)
            self.assertEqual(set(load.statuses), {200}, load.statuses)
            self.assertTrue(wait_until(lambda: not set(old_children) & set(master_and_children(self.stack)[1])))
        finally:
            with open(self.knowledge, "w", encoding="utf-8") as file:
                file.write(self.original_knowledge)

    def test_a_reload_with_a_broken_knowledge_file_keeps_serving(self):
        master, children = master_and_children(self.stack)
        os.rename(self.knowledge, self.knowledge + ".away")
        try:
            os.kill(master, signal.SIGHUP)
            self.assertTrue(wait_until(lambda: "reload refused" in self.stack.log("chat-worker.log")))
            self.assertEqual(master_and_children(self.stack)[1], children)
            self.assertEqual(self.stack.client.ask("hello").status, 200)
        finally:
            os.rename(self.knowledge + ".away", self.knowledge)


class RecyclingTest(unittest.TestCase):
    def test_children_are_replaced_after_their_request_limit(self):
        stack = Stack(CHAT_WORKER_PROCESSES="1", CHAT_WORKER_THREADS="2", CHAT_WORKER_MAX_REQUESTS="25").start()
        try:
            seen = set(master_and_children(stack)[1])
            statuses = []
            for _ in range(100):
                statuses.append(stack.client.request("GET", "/healthz").status)
                seen.update(master_and_children(stack)[1])
            self.assertEqual(set(statuses), {200})
            self.assertGreaterEqual(len(seen), 4)
            self.assertGreaterEqual(stack.log("chat-worker.log").count('"msg":"child finished"'), 3)
        finally:
            stack.stop()


class OrphanTest(unittest.TestCase):
    def test_children_stop_when_their_master_is_killed(self):
        stack = Stack(CHAT_WORKER_PROCESSES="2").start()
        try:
            master, children = master_and_children(stack)
            os.kill(master, signal.SIGKILL)
            self.assertTrue(wait_until(lambda: not set(children) & set(stack.worker_processes()), timeout=10))
        finally:
            stack.stop()  # scripts/run saw its worker go and stops the rest itself


class GracefulStopTest(unittest.TestCase):
    def test_sigterm_lets_slow_streaming_asks_finish_and_keeps_what_they_stored(self):
        model = ModelServer()
        stack = Stack(HUGGINGFACE_API_KEY=TOKEN, CHAT_LLM_URL=f"https://127.0.0.1:{model.port}/v1",
                      CHAT_CA_FILE=model.ca_file).start()
        model.behave(mode="slow_stream", gap_ms=100)  # about two seconds an answer
        with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
            streams = [pool.submit(stack.client.ask_streaming, f"slow question {i}") for i in range(4)]
            time.sleep(0.7)
            self.assertEqual(stack.stop(), 0)  # scripts/run: nginx and the workers stop gracefully
            results = [stream.result() for stream in streams]
        for events in results:
            self.assertEqual(events[-1][1], "done", events[-3:])
            self.assertEqual(events[-1][2]["source"], "model")

        again = Stack()
        again.var_dir = stack.var_dir
        again.database.directory = stack.var_dir
        again.start()
        try:
            for events in results:
                transcript = again.client.session(events[-1][2]["session_id"]).json()
                self.assertEqual(transcript["messages"][-1]["message"], events[-1][2]["response"])
        finally:
            again.stop()


if __name__ == "__main__":
    unittest.main()
