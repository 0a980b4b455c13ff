// parlab/sync.hpp between threads and between forked processes: the queue hands every item over
// exactly once and closes, the semaphore never lets more than its permits in, the barrier lets
// nobody through early, the event holds its waiters until set; poison wakes every kind of
// waiter within a second, and a worker dying while it holds a lock gives run_error, never a hang.
// Time bounds are "within a second" only: waits wake every 100 ms, poison takes up to 200 ms.
#include "parlab/sync.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <future>
#include <memory>
#include <new>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "parlab/error.hpp"
#include "parlab/shared_memory.hpp"

namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;
namespace sync = parlab::sync;

constexpr std::uint64_t items = 20'000;

double seconds_since(clock_type::time_point start) {
  return std::chrono::duration<double>(clock_type::now() - start).count();
}

// A test that hangs must fail, not wait for ctest's timeout: abort the whole test process.
[[noreturn]] void hung(const char* what) {
  std::fprintf(stderr, "hung: %s\n", what);
  std::abort();
}

// Reaps `pid` within `limit`, killing it if it is still running then; its wait status, or -1.
int reap_within(pid_t pid, std::chrono::milliseconds limit) {
  const auto start = clock_type::now();
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (clock_type::now() - start > limit) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(2ms);
  }
  return status;
}

bool exited_with(int status, int code) { return WIFEXITED(status) && WEXITSTATUS(status) == code; }

// Runs `child` in a forked process that leaves with its return value, or 1 if it threw.
template <class F>
pid_t fork_child(F child) {
  const pid_t pid = fork();
  if (pid == 0) {
    int code = 1;
    try {
      code = child();
    } catch (...) {
    }
    _exit(code);
  }
  if (pid < 0) hung("fork failed");
  return pid;
}

// What the workers of one queue run saw, where every one of them can write it: per item, how
// often it was popped; per consumer, whether its last pop said "closed".
struct alignas(64) tally {
  std::atomic<std::uint32_t> popped[items];
  std::atomic<std::uint32_t> closed_seen;
};
static_assert(std::atomic<std::uint32_t>::is_always_lock_free);

// Producer p pushes the items congruent to p modulo `producers`, then says it is done.
void produce(sync::bounded_queue& q, unsigned p, unsigned producers) {
  for (std::uint64_t i = p; i < items; i += producers) q.push(i);
  q.producer_done();
}

void consume(sync::bounded_queue& q, tally& t) {
  std::uint64_t item = 0;
  double blocked = 0;
  while (q.pop(item, blocked)) t.popped[item].fetch_add(1, std::memory_order_relaxed);
  t.closed_seen.fetch_add(1, std::memory_order_relaxed);
}

void expect_each_once(const tally& t, unsigned consumers) {
  std::uint64_t wrong = 0;
  for (const auto& n : t.popped) wrong += n.load() != 1;
  EXPECT_EQ(wrong, 0U) << "items not popped exactly once";
  EXPECT_EQ(t.closed_seen.load(), consumers) << "consumers that saw the queue close";
}

// Placement-new'd objects in one shared mapping, so that forked children see them too.
struct queue_run {
  explicit queue_run(std::size_t capacity, unsigned producers)
      : mem(sizeof(tally) + sync::bounded_queue::bytes_for(capacity)),
        t(*new (mem.data()) tally),
        q(*new (mem.data() + sizeof(tally)) sync::bounded_queue) {
    q.init(capacity, producers);
  }
  parlab::shared_memory mem;
  tally& t;
  sync::bounded_queue& q;
};
static_assert(sizeof(tally) % alignof(sync::bounded_queue) == 0);

class sync_queue_handover
    : public testing::TestWithParam<std::tuple<unsigned, unsigned, std::size_t>> {};

TEST_P(sync_queue_handover, between_threads) {
  const auto [producers, consumers, capacity] = GetParam();
  queue_run run(capacity, producers);
  std::vector<std::thread> workers;
  for (unsigned c = 0; c < consumers; ++c)
    workers.emplace_back(consume, std::ref(run.q), std::ref(run.t));
  for (unsigned p = 0; p < producers; ++p)
    workers.emplace_back(produce, std::ref(run.q), p, producers);
  for (std::thread& w : workers) w.join();
  expect_each_once(run.t, consumers);
  EXPECT_LE(run.q.peak(), capacity);
  EXPECT_GE(run.q.peak(), 1U);
}

TEST_P(sync_queue_handover, between_processes) {
  const auto [producers, consumers, capacity] = GetParam();
  queue_run run(capacity, producers);
  std::vector<pid_t> children;
  for (unsigned c = 0; c < consumers; ++c)
    children.push_back(fork_child([&] { return consume(run.q, run.t), 0; }));
  for (unsigned p = 0; p < producers; ++p)
    children.push_back(  // n, not the binding: clang 14 cannot capture a structured binding
        fork_child([&, p, n = producers] { return produce(run.q, p, n), 0; }));
  for (const pid_t pid : children) EXPECT_TRUE(exited_with(reap_within(pid, 60s), 0));
  expect_each_once(run.t, consumers);
  EXPECT_LE(run.q.peak(), capacity);
  EXPECT_GE(run.q.peak(), 1U);
}

INSTANTIATE_TEST_SUITE_P(shapes, sync_queue_handover,
                         testing::Values(std::make_tuple(1U, 1U, std::size_t{1}),
                                         std::make_tuple(1U, 1U, std::size_t{16}),
                                         std::make_tuple(2U, 3U, std::size_t{1}),
                                         std::make_tuple(2U, 3U, std::size_t{16}),
                                         std::make_tuple(4U, 1U, std::size_t{1}),
                                         std::make_tuple(4U, 1U, std::size_t{16})),
                         [](const auto& p) {
                           return std::to_string(std::get<0>(p.param)) + "p" +
                                  std::to_string(std::get<1>(p.param)) + "c_capacity" +
                                  std::to_string(std::get<2>(p.param));
                         });

TEST(sync_queue, push_and_pop_that_do_not_block_report_zero) {
  queue_run run(2, 1);
  EXPECT_EQ(run.q.push(5), 0.0);
  std::uint64_t item = 0;
  double blocked = 0;
  EXPECT_TRUE(run.q.pop(item, blocked));
  EXPECT_EQ(item, 5U);
  EXPECT_EQ(blocked, 0.0);
  run.q.producer_done();
  EXPECT_FALSE(run.q.pop(item, blocked));
}

TEST(sync_queue, is_fifo_across_the_ring_boundary) {
  queue_run run(3, 1);
  std::uint64_t item = 0;
  double blocked = 0;
  for (std::uint64_t i = 0; i < 10; ++i) {  // the head goes round the 3 slots several times
    run.q.push(2 * i);
    run.q.push(2 * i + 1);
    for (std::uint64_t k = 2 * i; k < 2 * i + 2; ++k) {
      ASSERT_TRUE(run.q.pop(item, blocked));
      EXPECT_EQ(item, k);
    }
  }
  EXPECT_EQ(run.q.peak(), 2U);
}

TEST(sync_queue, init_again_reopens_and_clears_poison) {
  queue_run run(4, 1);
  run.q.push(1);
  run.q.poison();
  EXPECT_THROW(run.q.push(2), parlab::poisoned_error);
  run.q.init(4, 1);
  EXPECT_EQ(run.q.peak(), 0U);
  run.q.push(3);
  std::uint64_t item = 0;
  double blocked = 0;
  ASSERT_TRUE(run.q.pop(item, blocked));
  EXPECT_EQ(item, 3U);
}

TEST(sync_semaphore, never_lets_more_than_its_permits_in) {
  sync::semaphore s;
  s.init(3);
  std::atomic<int> inside{0}, most{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&] {
      for (int k = 0; k < 2000; ++k) {
        s.acquire();
        const int now = inside.fetch_add(1) + 1;
        int seen = most.load();
        while (now > seen && !most.compare_exchange_weak(seen, now)) {
        }
        inside.fetch_sub(1);
        s.release();
      }
    });
  for (std::thread& t : threads) t.join();
  EXPECT_LE(most.load(), 3);
  EXPECT_LE(s.peak(), 3U);
  EXPECT_GE(s.peak(), 1U);
}

TEST(sync_barrier, lets_nobody_through_before_all_arrived) {
  constexpr unsigned parties = 4, generations = 100;
  sync::barrier b;
  b.init(parties);
  std::vector<std::atomic<unsigned>> arrived(generations);
  std::atomic<unsigned> early{0};
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < parties; ++t)
    threads.emplace_back([&] {
      for (unsigned g = 0; g < generations; ++g) {
        arrived[g].fetch_add(1);
        b.arrive_and_wait();
        if (arrived[g].load() != parties) early.fetch_add(1);
      }
    });
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(early.load(), 0U);
}

TEST(sync_event, holds_its_waiters_until_set) {
  sync::event e;
  e.init();
  std::atomic<bool> was_set{false};
  std::atomic<int> passed{0}, passed_early{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t)
    threads.emplace_back([&] {
      e.wait();
      if (!was_set.load()) passed_early.fetch_add(1);
      passed.fetch_add(1);
    });
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(passed.load(), 0);
  was_set.store(true);
  e.set();
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(passed.load(), 3);
  EXPECT_EQ(passed_early.load(), 0);
  e.wait();  // a set event no longer blocks
}

// Starts `waiters` threads that each run `block`, poisons after they had time to block, and
// expects every one of them to end with poisoned_error within a second of the poison.
void expect_poison_wakes(int waiters, const std::function<void()>& block,
                         const std::function<void()>& poison) {
  std::atomic<int> poisoned{0}, other{0};
  std::vector<std::thread> threads;
  std::vector<std::future<void>> done;
  for (int w = 0; w < waiters; ++w) {
    auto finished = std::make_shared<std::promise<void>>();
    done.push_back(finished->get_future());
    threads.emplace_back([&, finished] {
      try {
        block();
        other.fetch_add(1);
      } catch (const parlab::poisoned_error&) {
        poisoned.fetch_add(1);
      } catch (...) {
        other.fetch_add(1);
      }
      finished->set_value();
    });
  }
  std::this_thread::sleep_for(150ms);
  const auto start = clock_type::now();
  poison();
  for (std::future<void>& f : done)
    if (f.wait_for(5s) != std::future_status::ready) hung("a waiter was not woken by poison");
  const double woken_s = seconds_since(start);
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(poisoned.load(), waiters);
  EXPECT_EQ(other.load(), 0) << "waiters that returned or threw something else";
  EXPECT_LT(woken_s, 1.0);
}

TEST(sync_poison, wakes_pop_on_an_empty_queue) {
  queue_run run(4, 1);
  std::uint64_t item = 0;
  double blocked = 0;
  expect_poison_wakes(
      2, [&] { run.q.pop(item, blocked); }, [&] { run.q.poison(); });
}

TEST(sync_poison, wakes_push_on_a_full_queue) {
  queue_run run(2, 1);
  run.q.push(1);
  run.q.push(2);
  expect_poison_wakes(
      2, [&] { run.q.push(3); }, [&] { run.q.poison(); });
}

TEST(sync_poison, wakes_semaphore_acquire) {
  sync::semaphore s;
  s.init(0);
  expect_poison_wakes(
      2, [&] { s.acquire(); }, [&] { s.poison(); });
}

TEST(sync_poison, wakes_barrier) {
  sync::barrier b;
  b.init(3);
  expect_poison_wakes(
      2, [&] { b.arrive_and_wait(); }, [&] { b.poison(); });
}

TEST(sync_poison, wakes_event_wait) {
  sync::event e;
  e.init();
  expect_poison_wakes(
      2, [&] { e.wait(); }, [&] { e.poison(); });
}

TEST(sync_poison, later_waits_throw_at_once) {
  sync::event e;
  e.init();
  e.poison();
  EXPECT_THROW(e.wait(), parlab::poisoned_error);
  EXPECT_THROW(e.set(), parlab::poisoned_error);
}

TEST(sync_poison, wakes_a_forked_child_blocked_in_pop) {
  queue_run run(4, 1);
  const pid_t child = fork_child([&] {
    std::uint64_t item = 0;
    double blocked = 0;
    try {
      run.q.pop(item, blocked);
    } catch (const parlab::poisoned_error&) {
      return 7;
    }
    return 0;
  });
  std::this_thread::sleep_for(150ms);
  const auto start = clock_type::now();
  run.q.poison();
  const int status = reap_within(child, 5s);
  const double woken_s = seconds_since(start);
  EXPECT_TRUE(exited_with(status, 7)) << "wait status " << status;
  EXPECT_LT(woken_s, 1.0);
}

// A monitor and a flag in one shared mapping.
struct shared_monitor {
  shared_monitor()
      : mem(sizeof(sync::monitor) + 64),
        m(*new (mem.data()) sync::monitor),
        flag(*new (mem.data() + sizeof(sync::monitor)) std::atomic<bool>) {
    m.init();
  }
  parlab::shared_memory mem;
  sync::monitor& m;
  std::atomic<bool>& flag;
};

// What lock() did, in a thread, within `limit` (a hang aborts the test).
enum class outcome { locked, run_error, poisoned_error };
outcome lock_within(sync::monitor& m, std::chrono::seconds limit) {
  auto attempt = std::async(std::launch::async, [&] {
    try {
      m.lock();
    } catch (const parlab::poisoned_error&) {
      return outcome::poisoned_error;
    } catch (const parlab::run_error&) {
      return outcome::run_error;
    }
    m.unlock();
    return outcome::locked;
  });
  if (attempt.wait_for(limit) != std::future_status::ready) hung("lock() on a dead owner's mutex");
  return attempt.get();
}

TEST(sync_robust, owner_dying_with_the_lock_gives_run_error_then_poison) {
  shared_monitor s;
  const pid_t child = fork_child([&] { return s.m.lock(), 0; });  // exits holding the lock
  ASSERT_TRUE(exited_with(reap_within(child, 5s), 0));
  EXPECT_EQ(lock_within(s.m, 2s), outcome::run_error);
  EXPECT_TRUE(s.m.poisoned());
  EXPECT_EQ(lock_within(s.m, 2s), outcome::poisoned_error);
  s.m.init();  // the next run starts afresh
  EXPECT_EQ(lock_within(s.m, 2s), outcome::locked);
}

TEST(sync_robust, a_waiter_learns_of_an_owner_that_died) {
  shared_monitor s;
  std::atomic<bool>& waiting = s.flag;
  auto waiter = std::async(std::launch::async, [&] {
    s.m.lock();
    waiting.store(true);
    try {
      for (;;) s.m.wait(0);
    } catch (const parlab::poisoned_error&) {
      return outcome::poisoned_error;
    } catch (const parlab::run_error&) {
      return outcome::run_error;
    }
  });
  const pid_t child = fork_child([&] {
    const auto start = clock_type::now();
    while (!waiting.load())
      if (clock_type::now() - start > 5s) return 2;
    return s.m.lock(), 0;  // between the waiter's slices; exits holding the lock
  });
  EXPECT_TRUE(exited_with(reap_within(child, 5s), 0));
  if (waiter.wait_for(2s) != std::future_status::ready) hung("a waiter on a dead owner's mutex");
  EXPECT_EQ(waiter.get(), outcome::run_error);
  EXPECT_TRUE(s.m.poisoned());
}

TEST(sync_robust, poison_recovers_a_dead_owners_lock) {
  shared_monitor s;
  const pid_t child = fork_child([&] { return s.m.lock(), 0; });
  ASSERT_TRUE(exited_with(reap_within(child, 5s), 0));
  const auto start = clock_type::now();
  s.m.poison();
  EXPECT_LT(seconds_since(start), 1.0);
  EXPECT_EQ(lock_within(s.m, 2s), outcome::poisoned_error);
}

}  // namespace
