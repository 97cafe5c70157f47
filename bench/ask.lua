-- wrk script of bench/run: POST /api/chatbot/ask/ without a session_id (each ask starts a new
-- session), counting per thread the asks sent and the responses by status. At the end it prints
--   asks_sent N / asks_200 N / asks_other N
-- so bench/run can check that the database gained exactly two rows (question and answer) per 200.
-- An ask still in flight when wrk stops is sent but never answered: asks_sent - asks_200 -
-- asks_other of them, which the server may still complete and store.
local threads = {}
local ask

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  sent, ok, other = 0, 0, 0
  ask = wrk.format("POST", "/api/chatbot/ask/", { ["Content-Type"] = "application/json" },
    '{"message": "What does AtonixDev charge for a small web project?"}')
end

function request()
  sent = sent + 1
  return ask
end

function response(status, headers, body)
  if status == 200 then ok = ok + 1 else other = other + 1 end
end

function done(summary, latency, requests)
  local totals = { asks_sent = 0, asks_200 = 0, asks_other = 0 }
  for _, thread in ipairs(threads) do
    totals.asks_sent = totals.asks_sent + thread:get("sent")
    totals.asks_200 = totals.asks_200 + thread:get("ok")
    totals.asks_other = totals.asks_other + thread:get("other")
  end
  for _, name in ipairs({ "asks_sent", "asks_200", "asks_other" }) do
    io.write(string.format("%s %d\n", name, totals[name]))
  end
end
