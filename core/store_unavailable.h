// The one failure every program maps to 503: the database cannot be reached (down, restarting,
// refusing). Thrown by the MySQL connection and by anything that stands in for it.
#pragma once

#include <stdexcept>

namespace chat {

class StoreUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace chat
