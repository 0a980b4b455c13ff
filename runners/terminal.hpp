#pragma once
// Whether output to a file descriptor is for a person: a progress bar and colour only then.

namespace parlab::runner {

// A terminal, and not a rank or task of a launcher: mpirun and srun give their ranks a
// pseudo-terminal even when the job's output is redirected, so a rank's isatty says nothing about
// who reads it (escape codes and progress bars were seen in files so).
bool read_by_a_person(int fd);

// read_by_a_person, with NO_COLOR unset or empty (no-color.org).
bool colour_wanted(int fd);

}  // namespace parlab::runner
