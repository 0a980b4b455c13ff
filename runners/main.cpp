#include <unistd.h>

#include <cstdlib>

#include "runners/cli.hpp"

int main(int argc, char** argv) {
  // libgomp reads OMP_WAIT_POLICY when it loads, before main: setting it here is too late, so
  // parlab re-executes itself once with it set. Spinning OpenMP threads otherwise slow the next
  // backend measured (docs/PITFALLS.md). A value the user set is kept (and recorded).
  if (std::getenv("OMP_WAIT_POLICY") == nullptr) {
    setenv("OMP_WAIT_POLICY", "passive", 1);
    execv("/proc/self/exe", argv);  // on failure, go on: the record shows the policy
  }
  return parlab::runner::cli_main(argc, argv);
}
