#pragma once
// Whether output to a file descriptor is for a person: a progress bar and colour only then.

#include <string_view>

namespace parlab::runner {

// A terminal, and not a rank or task of a launcher: mpirun and srun give their ranks a
// pseudo-terminal even when the job's output is redirected, so a rank's isatty says nothing about
// who reads it (escape codes and progress bars were seen in files so).
bool read_by_a_person(int fd);

// read_by_a_person, with NO_COLOR unset or empty (no-color.org).
bool colour_wanted(int fd);

// --color WHEN for output to fd (-1: a file): "auto" is colour_wanted, "always" and "never" say
// it; anything else is bad input, named with its flag.
bool colour_chosen(std::string_view when, int fd);

}  // namespace parlab::runner
