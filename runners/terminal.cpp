#include "runners/terminal.hpp"

#include <unistd.h>

#include <cstdlib>
#include <initializer_list>

#include "runners/units.hpp"

namespace parlab::runner {

bool read_by_a_person(int fd) {
  // Open MPI, MPICH/PMI and Slurm each name a process's place in its job.
  for (const char* launched : {"OMPI_COMM_WORLD_SIZE", "PMI_RANK", "PMIX_RANK", "SLURM_PROCID"})
    if (std::getenv(launched) != nullptr) return false;
  return isatty(fd) != 0;
}

bool colour_wanted(int fd) {
  const char* no_colour = std::getenv("NO_COLOR");
  if (no_colour != nullptr && *no_colour != '\0') return false;
  return read_by_a_person(fd);
}

bool colour_chosen(std::string_view when, int fd) {
  if (when == "always") return true;
  if (when == "never") return false;
  if (when != "auto") bad("--color", when, "auto, always or never");
  return fd >= 0 && colour_wanted(fd);
}

}  // namespace parlab::runner
