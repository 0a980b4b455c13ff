#pragma once
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace parlab::runner {

// "[#####               ] 12/30 omp t=4  ETA 0:41" on stderr, redrawn four times a second by a
// ticker thread so that the ETA counts down during a long step. It shows only after the first
// second (short commands stay quiet) and only when enabled (stderr a terminal, no
// --no-progress). The ETA weighs each remaining step by its expected cost relative to the
// steps already done; under strong scaling a step on t threads is expected to take 1/t of a
// sequential one.
class progress_bar {
 public:
  progress_bar(bool enabled, std::vector<double> step_weights);
  ~progress_bar();
  progress_bar(const progress_bar&) = delete;
  progress_bar& operator=(const progress_bar&) = delete;

  // The next step is running; what to show: "omp t=4".
  void start(std::string what);
  // The step ended: its weight counts as done, and the line is cleared so that whatever is
  // printed next (a table row) starts on a clean line.
  void finish_step();
  // Clears the line for good: no drawing after this.
  void stop();

  // "0:41", "1:02:03", "--:--" for a negative (unknown) time.
  static std::string clock_text(double seconds);

 private:
  using clock = std::chrono::steady_clock;
  void tick();
  [[nodiscard]] bool long_enough() const;
  void draw();   // with mutex_ held
  void clear();  // with mutex_ held
  [[nodiscard]] double eta_seconds(clock::time_point now) const;

  bool enabled_;
  std::vector<double> weights_;
  double total_weight_ = 0, done_weight_ = 0;
  std::size_t done_steps_ = 0;
  std::string what_;
  clock::time_point started_ = clock::now(), last_done_ = started_;
  bool shown_ = false, stopped_ = false;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::thread ticker_;
};

}  // namespace parlab::runner
