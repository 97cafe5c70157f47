// Admission of asks that wait on the model: at most a set number per process at once. Beyond it
// an ask is refused at once (503 with Retry-After) instead of taking a thread that reads and
// /healthz need, or queueing without bound.
#pragma once

#include <atomic>

namespace chat {

class AskAdmission {
 public:
  // A place among the asks in flight, held until it goes; empty when there was none.
  class Ticket {
   public:
    explicit Ticket(AskAdmission* admission) : admission_(admission) {}
    Ticket(Ticket&& other) noexcept : admission_(other.admission_) { other.admission_ = nullptr; }
    Ticket& operator=(Ticket&&) = delete;
    ~Ticket() {
      if (admission_) admission_->in_flight_.fetch_sub(1, std::memory_order_relaxed);
    }
    explicit operator bool() const { return admission_ != nullptr; }

   private:
    AskAdmission* admission_;
  };

  explicit AskAdmission(int limit) : limit_(limit) {}

  Ticket try_enter() {
    if (in_flight_.fetch_add(1, std::memory_order_relaxed) < limit_) return Ticket(this);
    in_flight_.fetch_sub(1, std::memory_order_relaxed);
    return Ticket(nullptr);
  }

  int in_flight() const { return in_flight_.load(std::memory_order_relaxed); }

 private:
  const int limit_;
  std::atomic<int> in_flight_{0};
};

}  // namespace chat
