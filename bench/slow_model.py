#!/usr/bin/env python3
"""A model service for benchmarks: plain HTTP/1.1 with keep-alive on loopback (nghttpx puts TLS
and HTTP/2 in front of it), asyncio, so thousands of calls wait at once without a thread each.

  bench/slow_model.py --port PORT [--delay SECONDS]

POST /v1/chat/completions answers after --delay seconds, or at once when the question contains
"[fast]"; streamed ("stream": true) as ten chat-completion chunks and [DONE], else whole.
GET /calls says how many calls it answered.
"""
import argparse
import asyncio
import json

ANSWER_WORDS = ("AtonixDev builds software, cloud infrastructure, AI/ML and DevOps for you. ").split(" ")
calls = 0


def chunk(text):
    return f"data: {json.dumps({'choices': [{'delta': {'content': text}}]})}\n\n"


async def answer(request_body, writer, delay):
    global calls
    request = json.loads(request_body)
    question = request["messages"][-1]["content"]
    if "[fast]" not in question:
        await asyncio.sleep(delay)
    calls += 1
    if request.get("stream"):
        body = "".join(chunk(word + " ") for word in ANSWER_WORDS[:10]) + "data: [DONE]\n\n"
        content_type = "text/event-stream"
    else:
        body = json.dumps({"choices": [{"message": {"role": "assistant", "content": " ".join(ANSWER_WORDS)}}]})
        content_type = "application/json"
    payload = body.encode()
    writer.write(f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {len(payload)}\r\n\r\n".encode()
                 + payload)


async def serve_connection(reader, writer, delay):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            length = next((int(line.split(":", 1)[1]) for line in lines if line.lower().startswith("content-length:")), 0)
            body = await reader.readexactly(length) if length else b""
            if lines[0].startswith("GET /calls"):
                payload = json.dumps({"calls": calls}).encode()
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(payload), payload))
            else:
                await answer(body, writer, delay)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--delay", type=float, default=5.0)
    args = parser.parse_args()
    server = await asyncio.start_server(lambda r, w: serve_connection(r, w, args.delay), "127.0.0.1", args.port,
                                        backlog=4096)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
