#include "parlab/staged_run.hpp"

#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "backends/first_error.hpp"
#include "parlab/error.hpp"

namespace parlab {
namespace {

// Roles [offset, offset + count) of `task`, as a task of `count` roles of its own: its reset is
// left out (run() resets the whole task once), and each role still sees the whole split.
reduce_task part(const reduce_task& task, const role_split& whole, unsigned offset,
                 unsigned count) {
  reduce_task t = task;
  t.version = next_task_version();
  t.reset = nullptr;
  t.split = [count](unsigned) { return role_split{count, 0}; };
  t.role = [role = task.role, whole, offset](unsigned r, const role_split&, void* partial) {
    role(offset + r, whole, partial);
  };
  return t;
}

}  // namespace

// Runs one job at a time on its own thread, handed over and waited for by run().
class staged_run::stage_thread {
 public:
  stage_thread() : thread_([this] { loop(); }) {}
  ~stage_thread() {
    {
      const std::lock_guard lock(mutex_);
      stop_ = true;
    }
    changed_.notify_all();
    thread_.join();
  }
  stage_thread(const stage_thread&) = delete;
  stage_thread& operator=(const stage_thread&) = delete;

  void start(std::function<void()> job) {
    {
      const std::lock_guard lock(mutex_);
      job_ = std::move(job);
    }
    changed_.notify_all();
  }
  void wait() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return !job_; });
  }

 private:
  void loop() {
    std::unique_lock lock(mutex_);
    for (;;) {
      changed_.wait(lock, [this] { return stop_ || job_; });
      if (stop_) return;
      lock.unlock();
      job_();  // the job catches what it throws
      lock.lock();
      job_ = nullptr;
      changed_.notify_all();
    }
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  std::function<void()> job_;
  bool stop_ = false;
  std::thread thread_;  // last: starts once the rest is built
};

staged_run::~staged_run() = default;

staged_run::staged_run(const reduce_task& task, stage first, stage second)
    : task_(task), stages_{first, second}, split_{first.options.threads, second.options.threads} {
  if (!task_.role)
    throw usage_error("a staged run needs a task of roles (role_kernel), not a reduction");
  if (first.runs_on != nullptr && first.runs_on == second.runs_on)
    throw usage_error(std::string(first.runs_on->name()) +
                      " cannot run both stages: a backend runs one task at a time");
  for (stage& s : stages_) {
    if (s.runs_on == nullptr) throw usage_error("a stage needs a backend");
    if (!s.runs_on->traits().promises_concurrency || !s.runs_on->traits().uses_thread_count)
      throw usage_error(std::string(s.runs_on->name()) +
                        " does not promise that all its workers run at once, which a stage of a "
                        "staged run needs");
    if (s.options.threads == 0) throw usage_error("a stage needs at least 1 worker");
    s.options.all_at_once = true;  // the stages wait on each other
  }
  parts_[0] = part(task_, split_, 0, split_.first);
  parts_[1] = part(task_, split_, split_.first, split_.second);
  second_thread_ = std::make_unique<stage_thread>();
}

run_report staged_run::run(void* result) const {
  if (task_.reset) task_.reset(split_);
  std::vector<std::byte> partial[2] = {std::vector<std::byte>(task_.partial_size),
                                       std::vector<std::byte>(task_.partial_size)};
  detail::first_error error(task_);  // cancels the task, so the other stage's waits end
  run_report report[2];
  auto run_stage = [&](int k) {
    try {
      report[k] = stages_[k].runs_on->run(parts_[k], stages_[k].options, partial[k].data());
    } catch (...) {
      error.capture(std::current_exception());
    }
  };
  second_thread_->start([&] { run_stage(1); });
  run_stage(0);
  second_thread_->wait();
  error.rethrow_if_any();
  task_.identity(result);
  for (const std::vector<std::byte>& p : partial) task_.combine(result, p.data());
  run_report both = report[0];
  both.second_stage_seen = report[1].workers_seen;
  if (!report[1].placement.empty())
    both.placement += (both.placement.empty() ? "" : "; ") + report[1].placement;
  both.started_together = report[0].started_together && report[1].started_together;
  return both;
}

void staged_run::release() const {
  for (const stage& s : stages_) s.runs_on->release();
}

}  // namespace parlab
