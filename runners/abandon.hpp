#pragma once
// Giving up on the whole command from a thread other than the one running it: --timeout (the
// watchdog) and SIGINT, SIGTERM, SIGHUP (the signal listener) end a run in progress the same way.
// A run in progress cannot be interrupted portably (an OpenMP region or a TBB arena has no
// cancellation point the runner could use), so the process ends instead:
//   1. the first to claim_abandon() calls abandon_command(): write_what_finished() runs on its
//      thread (it stops new records, says why on stderr, kills the abandoned run's children and
//      writes what was finished);
//   2. every child process left is killed and reaped (fork workers, a pre-forked pool, gnuplot,
//      the process group of an MPI job), temporaries of unwritten outputs are removed, stdio is
//      flushed, and the process _exit()s with the given code, without running destructors that
//      could wait on the abandoned run.
// Whoever comes second (a second signal) calls end_at_once() instead.
#include <functional>

namespace parlab::runner {

// True for the first caller only: it owns the abandon.
bool claim_abandon();
// Whether a claim was made: the command is ending, and what finishes from now on is not reported.
bool abandon_claimed();

[[noreturn]] void abandon_command(int exit_code, const std::function<void()>& write_what_finished);
// No more writing: kills and reaps the children, removes unfinished outputs, _exit(exit_code).
[[noreturn]] void end_at_once(int exit_code);
// For a thread that must not go on once a claim was made (it would report or exit first): waits
// for the abandon to end the process.
[[noreturn]] void wait_for_abandon();

// Kills every process whose parent is this one (found in /proc), with its process group when it
// leads one of its own (an MPI job), and reaps it. A group is asked to stop (SIGTERM) and killed
// if it has not within `grace_s`, so that mpirun can stop its ranks and clean up (it takes about
// a second). Returns how many were killed.
unsigned kill_child_processes(double grace_s = 2.0);
// Makes this process the reaper of its descendants' orphans (PR_SET_CHILD_SUBREAPER): Open MPI
// starts each rank in a process group of its own, and a rank whose mpirun was killed must still
// be found, killed and reaped here rather than left to init.
void adopt_orphans();

}  // namespace parlab::runner
