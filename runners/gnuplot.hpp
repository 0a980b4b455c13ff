#pragma once
// Drawing with gnuplot: what the sweep's scaling plot and compare's bar chart share. A plot is a
// script plus data files in a private temporary directory, run by gnuplot at the end.
#include <filesystem>
#include <string>

namespace parlab::runner::gnuplot {

// A gnuplot single-quoted string.
std::string quoted(const std::string& s);

// The `set terminal` lines for `path`'s extension: svg, or pngcairo falling back to png (the
// script exits with status 3 when this gnuplot has neither). size is gnuplot's "W,H".
std::string terminal_commands(const std::string& path, const std::string& size);

// Refuses, before any work, a plot gnuplot could only fail to write at the end: a name not
// ending in .svg or .png, or a directory that does not exist or cannot be written. Throws
// usage_error naming `flag`, the value and what is accepted.
void check_plot_path(const std::string& flag, const std::string& path);

// A private directory under $TMPDIR (or /tmp) for the data and the script. Throws run_error.
std::filesystem::path make_temp_dir(const std::string& path);

// Runs gnuplot on dir/plot.gp, which writes `path`, and removes dir when it did; on failure
// throws run_error with gnuplot's first line of complaint, keeping dir to look at.
void run(const std::string& path, const std::filesystem::path& dir);

}  // namespace parlab::runner::gnuplot
