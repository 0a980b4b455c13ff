#pragma once
// Whether output to a file descriptor is for a person: colour only then.

namespace parlab::runner {

// A terminal, NO_COLOR unset or empty (no-color.org), and not a rank or task of a launcher:
// mpirun and srun give their ranks a pseudo-terminal even when the job's output is redirected,
// so a rank's isatty says nothing about who reads it (escape codes were seen in files so).
bool colour_wanted(int fd);

}  // namespace parlab::runner
