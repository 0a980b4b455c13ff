#include "runners/progress.hpp"

#include <fmt/format.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace parlab::runner {
namespace {

constexpr auto redraw_every = std::chrono::milliseconds(250);
constexpr double quiet_for_s = 1.0;  // work shorter than this gets no bar
constexpr std::size_t bar_width = 20;

std::size_t terminal_columns() {
  winsize w{};
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &w) == 0 && w.ws_col > 0) return w.ws_col;
  return 80;
}

}  // namespace

progress_bar::progress_bar(bool enabled, std::vector<double> step_weights)
    : enabled_(enabled), weights_(std::move(step_weights)) {
  total_weight_ = std::accumulate(weights_.begin(), weights_.end(), 0.0);
  if (enabled_) ticker_ = std::thread([this] { tick(); });
}

progress_bar::~progress_bar() { stop(); }

void progress_bar::start(std::string what) {
  const std::lock_guard lock(mutex_);
  what_ = std::move(what);
  if (long_enough()) draw();
}

bool progress_bar::long_enough() const {
  const std::chrono::duration<double> elapsed = clock::now() - started_;
  return elapsed.count() >= quiet_for_s;
}

void progress_bar::finish_step() {
  const std::lock_guard lock(mutex_);
  if (done_steps_ < weights_.size()) done_weight_ += weights_[done_steps_];
  ++done_steps_;
  last_done_ = clock::now();
  clear();
}

void progress_bar::stop() {
  {
    const std::lock_guard lock(mutex_);
    if (stopped_) return;
    stopped_ = true;
    clear();
  }
  wake_.notify_all();
  if (ticker_.joinable() && ticker_.get_id() != std::this_thread::get_id()) ticker_.join();
}

std::string progress_bar::clock_text(double seconds) {
  if (seconds < 0 || !std::isfinite(seconds)) return "--:--";
  const auto s = static_cast<long>(std::lround(seconds));
  if (s >= 3600) return fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
  return fmt::format("{}:{:02}", s / 60, s % 60);
}

void progress_bar::tick() {
  std::unique_lock lock(mutex_);
  while (!stopped_) {
    wake_.wait_for(lock, redraw_every);
    if (!stopped_ && long_enough()) draw();
  }
}

double progress_bar::eta_seconds(clock::time_point now) const {
  if (done_weight_ <= 0) return -1;
  const std::chrono::duration<double> at_last_done = last_done_ - started_;
  const std::chrono::duration<double> since = now - last_done_;
  const double remaining = at_last_done.count() * (total_weight_ - done_weight_) / done_weight_;
  return std::max(0.0, remaining - since.count());
}

void progress_bar::draw() {
  if (!enabled_ || stopped_) return;
  const double fraction = total_weight_ > 0 ? done_weight_ / total_weight_ : 0;
  const auto filled = std::min(bar_width, static_cast<std::size_t>(fraction * bar_width));
  std::string line = fmt::format("[{}{}] {}/{} {}  ETA {}", std::string(filled, '#'),
                                 std::string(bar_width - filled, ' '), done_steps_, weights_.size(),
                                 what_, clock_text(eta_seconds(clock::now())));
  line.resize(std::min(line.size(), terminal_columns() - 1));  // a wrapped line defeats \r
  fmt::print(stderr, "\r{}\033[K", line);
  std::fflush(stderr);
  shown_ = true;
}

void progress_bar::clear() {
  if (!shown_) return;
  fmt::print(stderr, "\r\033[K");
  std::fflush(stderr);
  shown_ = false;
}

}  // namespace parlab::runner
