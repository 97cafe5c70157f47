// The visitor API's routes: which one a path names (for the router and for the metrics, which
// count requests by route, never by path).
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

namespace chat {

enum class Route { ask, session, feedback, contact, healthz, metrics, other };
inline constexpr std::array<Route, 7> kAllRoutes = {Route::ask,     Route::session, Route::feedback, Route::contact,
                                                    Route::healthz, Route::metrics, Route::other};

// The route of a decoded path ("/api/chatbot/ask/" and "/api/chatbot/ask" are one).
Route route_of(std::string_view path);
// The session id in a Route::session path ("/api/chatbot/session/ID/" gives "ID").
std::string_view session_id_in(std::string_view path);
// Its label: "ask", "session", ..., "other".
std::string_view route_name(Route route);

}  // namespace chat
