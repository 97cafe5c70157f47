// A failed allocation while a read leads the version lookup must not leave the batch led by no
// one: every later read would wait forever. Allocations are made to fail through a replacement of
// the global operator new that fails the Nth allocation of the calling thread when armed. It is
// an executable of its own (unit_worker_fault_tests), and every unaligned form of new and delete
// is replaced, so that no block is allocated by one allocator and freed by another (ASan checks).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <future>
#include <memory>
#include <new>
#include <string>
#include <thread>

#include "store/session_version_batch.h"

namespace {

thread_local int allocations_until_failure = 0;  // 0: never fail

void* allocate(std::size_t size) {
  if (allocations_until_failure > 0 && --allocations_until_failure == 0) throw std::bad_alloc();
  if (void* block = std::malloc(size == 0 ? 1 : size)) return block;
  throw std::bad_alloc();
}

}  // namespace

void* operator new(std::size_t size) { return allocate(size); }
void* operator new[](std::size_t size) { return allocate(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  try {
    return allocate(size);
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
}
void* operator new[](std::size_t size, const std::nothrow_t& tag) noexcept { return operator new(size, tag); }
void operator delete(void* block) noexcept { std::free(block); }
void operator delete[](void* block) noexcept { std::free(block); }
void operator delete(void* block, std::size_t) noexcept { std::free(block); }
void operator delete[](void* block, std::size_t) noexcept { std::free(block); }
void operator delete(void* block, const std::nothrow_t&) noexcept { std::free(block); }
void operator delete[](void* block, const std::nothrow_t&) noexcept { std::free(block); }

namespace {

const std::string kSession = "3f6c2a1e-9b7d-4c55-8e21-0a1b2c3d4e5f";  // longer than the small-string buffer

TEST(SessionVersionBatchAllocationTest, AFailedAllocationWhileLeadingLeavesNoReaderWaitingForever) {
  // Kept alive (leaked) when a read hangs, so the hung thread never touches freed memory.
  auto& batch = *new chat::SessionVersionBatch;
  const auto lookup = [](const std::vector<std::string>& ids) {
    chat::SessionVersions versions;
    for (const auto& id : ids) versions[id] = 1;
    return versions;
  };
  // Every allocation of a read made to fail in turn: the first few fail before the read leads,
  // the later ones while it leads. Whichever fails, the read fails and the next read is answered.
  for (int failing = 1; failing <= 8; ++failing) {
    allocations_until_failure = failing;
    try {
      batch.version(kSession, lookup);
    } catch (const std::bad_alloc&) {
    }
    allocations_until_failure = 0;
    auto answered = std::make_shared<std::promise<std::optional<std::int64_t>>>();
    std::future<std::optional<std::int64_t>> next = answered->get_future();
    std::thread([&batch, lookup, answered] { answered->set_value(batch.version(kSession, lookup)); }).detach();
    ASSERT_EQ(next.wait_for(std::chrono::seconds(5)), std::future_status::ready) << "allocation " << failing;
    EXPECT_EQ(next.get(), 1);
  }
  delete &batch;
}

}  // namespace
