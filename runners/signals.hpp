#pragma once
// SIGINT, SIGTERM and SIGHUP during `run` and `sweep`. They are blocked in every thread and taken
// by one listening thread (signalfd), so that a signal never lands in a worker, an OpenMP or TBB
// thread, or a system call the run depends on; the command then ends through the abandon of
// runners/abandon.hpp, as --timeout does, with exit code 128 + the signal's number. A second
// signal, or one that comes while the command is abandoned already, ends it at once.
//
// A signal ignored when parlab starts stays ignored (nohup, or a background job of a
// non-interactive shell, which starts with SIGINT ignored): POSIX tools keep an inherited
// SIG_IGN, and a user who ignored SIGHUP meant parlab to survive the terminal.
#include <spawn.h>

#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace parlab::runner {

class stop_signals {
 public:
  // Blocks the signals in the calling thread, which must not have started other threads yet:
  // every thread started later inherits the mask. Until handle_with() is given a handler, a
  // signal ends the process at once (nothing has been measured).
  stop_signals();
  ~stop_signals();  // the signals are delivered as before again
  stop_signals(const stop_signals&) = delete;
  stop_signals& operator=(const stop_signals&) = delete;

  // What the first signal does, on a thread of its own (so that a second one can still end the
  // process if it never returns): write what finished and abandon_command(128 + signal). Given
  // an empty function, the handler is withdrawn; if a signal has claimed the abandon already,
  // this waits for it to end the process instead of returning to a caller that would go on.
  void handle_with(std::function<void(int)> handler);

 private:
  void listen();
  void take(int signal);

  sigset_t blocked_{}, previous_{};
  int signal_fd_ = -1, wake_fd_ = -1;
  std::mutex handler_mutex_;
  std::function<void(int)> handler_;
  std::thread listener_;
};

// "SIGTERM" for SIGTERM.
std::string signal_name(int signal);
// Whether one of the signals stop_signals takes is waiting to be taken: a run that just failed
// because its workers were interrupted by it (a Ctrl-C reaches the fork children too) is not a
// failure to report.
bool stop_signal_pending();
// A program spawned from a thread that blocks the signals gets them unblocked, as any program
// started from a shell would (mpirun forwards them to its ranks; gnuplot ends on Ctrl-C).
void unblock_stop_signals_in(posix_spawnattr_t& attributes);

}  // namespace parlab::runner
