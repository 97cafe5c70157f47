// The admin API's handlers and router (contract section 4): the bearer token first, then parse,
// validate, read or erase, answer. The export streams CSV through Request::stream.
#pragma once

#include "admin_auth.h"
#include "admin_store.h"
#include "http/http.h"

namespace chat {

// What a handler may use. One per serving thread.
struct AdminContext {
  AdminStore& store;
  const AdminToken& token;
};

// Routes and answers one request under /admin/api/. Never throws: a missing or wrong token is
// 401, client mistakes 4xx, an unreachable database 503, anything else 500 with the detail in
// the log only. A failure after an export began aborts the stream.
Response handle_admin_request(const Request& request, AdminContext& context);

// The CSV header row of the export (the columns of every row that follows).
inline constexpr std::string_view kExportHeader =
    "id,session_id,created_at,sender,message,response_time_ms,source,visitor_name,visitor_email\r\n";

}  // namespace chat
