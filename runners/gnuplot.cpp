#include "runners/gnuplot.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "parlab/error.hpp"
#include "runners/reporter.hpp"
#include "runners/signals.hpp"
#include "runners/units.hpp"

extern char** environ;

namespace parlab::runner {

bool gnuplot_on_path() {
  const char* path = std::getenv("PATH");
  std::string_view dirs = path != nullptr ? path : "";
  while (!dirs.empty()) {
    const std::size_t colon = std::min(dirs.find(':'), dirs.size());
    const std::string dir(dirs.substr(0, colon));
    if (access(((dir.empty() ? "." : dir) + "/gnuplot").c_str(), X_OK) == 0) return true;
    dirs.remove_prefix(std::min(colon + 1, dirs.size()));
  }
  return false;
}

namespace gnuplot {

namespace fs = std::filesystem;

// Only the quote itself needs escaping, by doubling.
std::string quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

// pngcairo draws anti-aliased lines; plain png (libgd) is the fallback.
std::string terminal_commands(const std::string& path, const std::string& size) {
  if (path.ends_with(".svg"))
    return fmt::format(
        "set terminal svg size {} dynamic noenhanced font 'sans,12' background rgb 'white'\n",
        size);
  return fmt::format(
      "terminals = ' '.GPVAL_TERMINALS.' '\n"
      "if (strstrt(terminals, ' pngcairo ') > 0) {{\n"
      "  set terminal pngcairo size {0} noenhanced font 'sans,10' background rgb 'white'\n"
      "}} else {{\n"
      "  if (strstrt(terminals, ' png ') == 0) {{ exit status 3 }}\n"
      "  set terminal png size {0} noenhanced background rgb 'white'\n"
      "}}\n",
      size);
}

void check_plot_path(const std::string& flag, const std::string& path) {
  if (!path.ends_with(".svg") && !path.ends_with(".png"))
    bad(flag, path, "a file name ending in .svg or .png");
  const std::string dir = fs::path(path).parent_path().string();
  if (access(dir.empty() ? "." : dir.c_str(), W_OK) != 0)
    bad(flag, path, "a file in a directory that exists and is writable");
  // Refused before any work: found missing after a sweep, it would cost the whole sweep's time.
  if (!gnuplot_on_path())
    bad(flag, path, "gnuplot on PATH to draw it (Debian/Ubuntu: apt-get install gnuplot-nox)");
}

fs::path make_temp_dir(const std::string& path) {
  std::string pattern = (fs::temp_directory_path() / "parlab-plot-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr)
    throw run_error(fmt::format("--plot '{}': cannot create a temporary directory {}: {}", path,
                                pattern, std::strerror(errno)));
  return pattern;
}

namespace {

void check_outcome(const std::string& path, int status, const fs::path& dir,
                   const std::string& errors) {
  if (WIFEXITED(status) && WEXITSTATUS(status) == 3 && !path.ends_with(".svg"))
    throw run_error(fmt::format(
        "--plot '{}': this gnuplot has neither the pngcairo nor the png terminal; use .svg", path));
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::ifstream in(errors);
    std::string first, line;
    while (std::getline(in, line))
      if (!line.empty() && first.empty()) first = line;
    throw run_error(fmt::format(
        "--plot '{}': gnuplot failed ({}): {}; script kept in {}", path,
        WIFEXITED(status) ? "exit " + std::to_string(WEXITSTATUS(status)) : "killed by a signal",
        first.empty() ? "no message" : first, dir.string()));
  }
  std::error_code ec;
  if (fs::file_size(path, ec) == 0 || ec)
    throw run_error(fmt::format(
        "--plot '{}': gnuplot exited 0 but wrote nothing; script kept in {}", path, dir.string()));
}

}  // namespace

void run(const std::string& path, const fs::path& dir) {
  const std::string script = (dir / "plot.gp").string(), errors = (dir / "gnuplot.err").string();
  posix_spawn_file_actions_t io;
  posix_spawn_file_actions_init(&io);
  posix_spawn_file_actions_addopen(&io, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&io, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&io, STDERR_FILENO, errors.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  std::string name = "gnuplot";
  char* argv[] = {name.data(), const_cast<char*>(script.c_str()), nullptr};
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  unblock_stop_signals_in(attributes);
  pid_t pid = 0;
  const int spawned = posix_spawnp(&pid, "gnuplot", &io, &attributes, argv, environ);
  posix_spawnattr_destroy(&attributes);
  posix_spawn_file_actions_destroy(&io);
  if (spawned != 0) {
    std::error_code ignored;
    fs::remove_all(dir, ignored);
    throw run_error(fmt::format(
        "--plot '{}': cannot run gnuplot: {} (Debian/Ubuntu: apt-get install gnuplot-nox)", path,
        std::strerror(spawned)));
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  check_outcome(path, status, dir, errors);
  std::error_code ignored;
  fs::remove_all(dir, ignored);
}

}  // namespace gnuplot
}  // namespace parlab::runner
