-- wrk script for tests/benchmarks/test_load.py: weighted requests of the SPA's main pages and
-- writes, each endpoint timed on its own. Run with as many threads as connections (-t N -c N):
-- a thread then has one connection, so its request() and response() calls alternate and each
-- response pairs with the request just sent. The test prepends `config`:
--   config = { token = "...", out = "/path", accounts = {"uuid", ...},
--              endpoints = { {name=, weight=, method=, path=, body=}, ... } }
-- where a path or body may hold {account} (a random account id), {n} (a counter) and
-- {percent} (the counter modulo 101).

local ffi = require("ffi")
ffi.cdef([[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clk_id, bench_timespec *tp);
]])
local ts = ffi.new("bench_timespec")
local function now_us()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1000000 + tonumber(ts.tv_nsec) / 1000
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_no", #threads)
end

local headers = {}
local total_weight = 0
local counter = 0
local current, current_no, started
-- (endpoint number, latency in µs, status) per response, flat: wrk copies a flat table of
-- numbers from a thread to done(), and crashes on nested ones.
samples = {}

function init(args)
  math.randomseed(os.time() * 1000 + thread_no)
  headers["Authorization"] = "Bearer " .. config.token
  headers["Content-Type"] = "application/json"
  for _, e in ipairs(config.endpoints) do
    total_weight = total_weight + e.weight
  end
end

local function fill(template)
  if template == nil then
    return nil
  end
  local account = config.accounts[math.random(#config.accounts)]
  return (template:gsub("{account}", account):gsub("{n}", tostring(counter))
    :gsub("{percent}", tostring(counter % 101)))
end

function request()
  counter = counter + 1
  local pick = math.random() * total_weight
  for i, e in ipairs(config.endpoints) do
    pick = pick - e.weight
    if pick <= 0 or i == #config.endpoints then
      current, current_no = e, i
      break
    end
  end
  started = now_us()
  return wrk.format(current.method, fill(current.path), headers, fill(current.body))
end

function response(status, _, _)
  local n = #samples
  samples[n + 1] = current_no
  samples[n + 2] = now_us() - started
  samples[n + 3] = status
end

function done(summary, _, _)
  local out = assert(io.open(config.out, "w"))
  out:write(string.format("duration_us %d\n", summary.duration))
  out:write(string.format("errors %d %d %d %d\n", summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.timeout))
  for _, thread in ipairs(threads) do
    local got = thread:get("samples")
    for i = 1, #got, 3 do
      out:write(string.format("%d %d %d\n", got[i], got[i + 1], got[i + 2]))
    end
  end
  out:close()
end
