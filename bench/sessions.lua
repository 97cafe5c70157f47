-- wrk script of bench/run: GET /api/chatbot/session/<id>/ of a session picked at random for each
-- request from the ids in the file named by the first argument (one a line), so concurrent reads
-- ask for different sessions, as visitors' do.
local paths = {}
local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_number", thread_count)
end

function init(args)
  for id in io.lines(args[1]) do
    table.insert(paths, "/api/chatbot/session/" .. id .. "/")
  end
  math.randomseed(os.time() * 100 + thread_number)
end

function request()
  return wrk.format("GET", paths[math.random(#paths)])
end
