#include <fcntl.h>
#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>

#include "parlab/error.hpp"
#include "runners/reporter.hpp"

extern char** environ;

namespace parlab::runner {
namespace {

namespace fs = std::filesystem;

struct point {
  unsigned workers = 0;
  double speedup = 0, efficiency = 0;
};

// A gnuplot single-quoted string: only the quote itself needs escaping, by doubling.
std::string quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

// pngcairo draws anti-aliased lines; plain png (libgd) is the fallback. Exit status 3 tells
// the caller that this gnuplot has neither.
std::string terminal_commands(const std::string& path) {
  if (path.ends_with(".svg"))
    return "set terminal svg size 1100,460 dynamic noenhanced font 'sans,12' background rgb "
           "'white'\n";
  return "terminals = ' '.GPVAL_TERMINALS.' '\n"
         "if (strstrt(terminals, ' pngcairo ') > 0) {\n"
         "  set terminal pngcairo size 1100,460 noenhanced font 'sans,10' background rgb 'white'\n"
         "} else {\n"
         "  if (strstrt(terminals, ' png ') == 0) { exit status 3 }\n"
         "  set terminal png size 1100,460 noenhanced background rgb 'white'\n"
         "}\n";
}

// Writes the scaling of a sweep as a gnuplot script plus one data file per backend into a
// private temporary directory, then runs gnuplot on it. Failure is a run_error (exit 1), raised
// only at end(), after the other sinks wrote their output.
class plot_reporter final : public reporter {
 public:
  explicit plot_reporter(std::string path) : path_(std::move(path)) {}

  void begin(const json& machine, const json& config) override {
    weak_ = config.value("weak", false);
    over_ranks_ = config.contains("ranks") && !config["ranks"].empty();
    usable_cpus_ = machine.value("usable_cpus", 0U);
    title_ = fmt::format(
        "{} {}{}: {} scaling on {} ({} usable cpus)", config.value("kernel", std::string()),
        config.value("params_text", std::string()),
        weak_ ? ", " + config.value("weak_param", std::string()) + " x threads" : "",
        weak_ ? "weak" : "strong", machine.value("cpu_model", std::string("?")), usable_cpus_);
  }

  void add(const record& r) override {
    if (!r.verified || r.speedup <= 0 || !r.uses_thread_count) return;
    // Over ranks, one line per threads-per-rank: each shows how adding ranks scales.
    const std::string series =
        over_ranks_ ? fmt::format("{} t={}", r.backend, r.threads) : r.backend;
    if (!points_.contains(series)) order_.push_back(series);
    points_[series].push_back({workers(r), r.speedup, r.efficiency});
  }

  void end(const std::vector<backend_fit>&) override {
    if (order_.empty())
      throw run_error(
          fmt::format("--plot '{}': nothing to draw: no verified run has a speedup", path_));
    const fs::path dir = make_temp_dir();
    write_data(dir);
    write_script(dir);
    run_gnuplot(dir);
    std::error_code ignored;
    fs::remove_all(dir, ignored);
  }

  // Starting gnuplot after --timeout gave up would overrun the limit the user set.
  void abandon(const std::vector<backend_fit>&, const std::string&) override {}

 private:
  fs::path make_temp_dir() const {
    std::string pattern = (fs::temp_directory_path() / "parlab-plot-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr)
      throw run_error(fmt::format("--plot '{}': cannot create a temporary directory {}: {}", path_,
                                  pattern, std::strerror(errno)));
    return pattern;
  }

  void write_data(const fs::path& dir) const {
    for (const std::string& b : order_) {
      std::ofstream out(dir / (b + ".dat"));
      out << "# workers speedup efficiency\n";
      for (const point& p : points_.at(b))
        out << fmt::format("{} {:.6g} {:.6g}\n", p.workers, p.speedup, p.efficiency);
    }
  }

  unsigned max_workers() const {
    unsigned t = 2;
    for (const auto& [b, pts] : points_)
      for (const point& p : pts) t = std::max(t, p.workers);
    return t;
  }

  // One panel: the ideal line, then each backend's points from column `column` of its file.
  std::string panel(const fs::path& dir, const std::string& ideal, int column,
                    const std::string& ylabel) const {
    std::string s =
        fmt::format("set ylabel {}\nplot {} with lines dt 2 lw 1.5 lc rgb 'gray50' title 'ideal'",
                    quoted(ylabel), ideal);
    for (const std::string& b : order_)
      s += fmt::format(", \\\n  {} using 1:{} with linespoints lw 2 pt 7 ps 0.8 title {}",
                       quoted((dir / (b + ".dat")).string()), column, quoted(b));
    return s + "\n";
  }

  // Whole thread counts on the x axis, base 2 when the range is wide (pow2 sweeps).
  std::string axes() const {
    const unsigned top = max_workers();
    std::string s = fmt::format(
        "set grid\nset xlabel '{}'\nset yrange [0:*]\nset offsets 0, 0, graph 0.08, 0\n"
        "set xrange [1:{}]\nset samples {}\n",
        over_ranks_ ? "workers (ranks x threads)" : "threads", top, std::max(2U, top));
    s += top >= 16 ? "set logscale x 2\n" : "set xtics 1\n";
    if (usable_cpus_ > 0 && top > usable_cpus_)  // where oversubscription starts
      s += fmt::format(
          "set arrow 1 from {0},graph 0 to {0},graph 1 nohead dt 3 lc rgb 'gray30'\n"
          "set label 1 'usable cpus' at {0},graph 0.04 offset 0.5,0\n",
          usable_cpus_);
    return s;
  }

  // Two panels side by side; one key, on the speedup panel, serves both.
  void write_script(const fs::path& dir) const {
    std::ofstream out(dir / "plot.gp");
    out << terminal_commands(path_) << "set output " << quoted(path_) << "\n";
    out << "set multiplot layout 1,2 title " << quoted(title_) << "\n" << axes();
    out << "set key top left opaque box lc rgb 'gray80'\n";
    out << panel(dir, "x", 2, weak_ ? "scaled speedup (p T_seq / T_p)" : "speedup (T_seq / T_p)");
    out << "unset key\n";
    out << panel(dir, "1", 3,
                 weak_ ? "efficiency (T_seq / T_p)" : "efficiency (speedup / threads)");
    out << "unset multiplot\n";
    if (!out)
      throw run_error(
          fmt::format("--plot '{}': cannot write the gnuplot script in {}", path_, dir.string()));
  }

  void run_gnuplot(const fs::path& dir) const {
    const std::string script = (dir / "plot.gp").string(), errors = (dir / "gnuplot.err").string();
    posix_spawn_file_actions_t io;
    posix_spawn_file_actions_init(&io);
    posix_spawn_file_actions_addopen(&io, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&io, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&io, STDERR_FILENO, errors.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
    std::string name = "gnuplot";
    char* argv[] = {name.data(), const_cast<char*>(script.c_str()), nullptr};
    pid_t pid = 0;
    const int spawned = posix_spawnp(&pid, "gnuplot", &io, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&io);
    if (spawned != 0) {
      std::error_code ignored;
      fs::remove_all(dir, ignored);
      throw run_error(fmt::format(
          "--plot '{}': cannot run gnuplot: {} (Debian/Ubuntu: apt-get install gnuplot-nox)", path_,
          std::strerror(spawned)));
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    check_outcome(status, dir, errors);
  }

  void check_outcome(int status, const fs::path& dir, const std::string& errors) const {
    if (WIFEXITED(status) && WEXITSTATUS(status) == 3 && !path_.ends_with(".svg"))
      throw run_error(fmt::format(
          "--plot '{}': this gnuplot has neither the pngcairo nor the png terminal; use .svg",
          path_));
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      std::ifstream in(errors);
      std::string first, line;
      while (std::getline(in, line))
        if (!line.empty() && first.empty()) first = line;
      throw run_error(fmt::format(
          "--plot '{}': gnuplot failed ({}): {}; script kept in {}", path_,
          WIFEXITED(status) ? "exit " + std::to_string(WEXITSTATUS(status)) : "killed by a signal",
          first.empty() ? "no message" : first, dir.string()));
    }
    std::error_code ec;
    if (fs::file_size(path_, ec) == 0 || ec)
      throw run_error(
          fmt::format("--plot '{}': gnuplot exited 0 but wrote nothing; script kept in {}", path_,
                      dir.string()));
  }

  std::string path_;
  bool weak_ = false;
  bool over_ranks_ = false;  // a sweep over ranks: x is ranks x threads
  unsigned usable_cpus_ = 0;
  std::string title_;
  std::vector<std::string> order_;
  std::map<std::string, std::vector<point>> points_;
};

}  // namespace

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

std::unique_ptr<reporter> make_plot_reporter(std::string path) {
  return std::make_unique<plot_reporter>(std::move(path));
}

}  // namespace parlab::runner
