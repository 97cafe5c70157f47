// chat-worker's shared metrics block (see the header).
#include "metrics/metrics_block.h"

#include <sys/mman.h>

#include <cerrno>
#include <new>
#include <system_error>

namespace chat {

MetricsBlock& map_shared_metrics_block() {
  void* memory = ::mmap(nullptr, sizeof(MetricsBlock), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) throw std::system_error(errno, std::generic_category(), "mmap of the metrics block");
  return *new (memory) MetricsBlock();
}

void child_ended(MetricsBlock& block, int slot, std::optional<ChildRestart> restart) {
  if (slot >= 0 && slot < kMetricsChildSlots) {
    ChildSlot& gauges = block.slots[static_cast<std::size_t>(slot)];
    gauges.asks_in_flight.store(0, std::memory_order_relaxed);
    for (Gauge& gauge : gauges.pool_in_use) gauge.store(0, std::memory_order_relaxed);
    for (Gauge& gauge : gauges.pool_size) gauge.store(0, std::memory_order_relaxed);
    gauges.live.store(0, std::memory_order_relaxed);
  }
  if (restart) block.child_restarts[index_of(*restart)].fetch_add(1, std::memory_order_relaxed);
}

}  // namespace chat
