-- sysbench workload for bench/short-connections.sh: every event opens a connection, runs
-- SELECT 1 and closes it (libmariadb/libmysqlclient, so the client's own CPU per connection is a
-- C library's, not an interpreter's).
function thread_init()
  drv = sysbench.sql.driver()
end

function event()
  local con = drv:connect()
  con:query("SELECT 1")
  con:disconnect()
end
