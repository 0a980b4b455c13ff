// Colour only for a person: a terminal, no NO_COLOR, and not a rank of a launcher, whose
// pseudo-terminal says nothing about where the job's output goes.
#include "runners/terminal.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <string>

namespace parlab::runner {
namespace {

// A pseudo-terminal's secondary side: a terminal whatever the test's own output is.
class pty {
 public:
  pty() {
    primary_ = posix_openpt(O_RDWR | O_NOCTTY);
    if (primary_ < 0 || grantpt(primary_) != 0 || unlockpt(primary_) != 0) return;
    const char* name = ptsname(primary_);
    if (name != nullptr) secondary_ = open(name, O_RDWR | O_NOCTTY);
  }
  ~pty() {
    if (secondary_ >= 0) close(secondary_);
    if (primary_ >= 0) close(primary_);
  }
  pty(const pty&) = delete;
  pty& operator=(const pty&) = delete;
  [[nodiscard]] int fd() const { return secondary_; }

 private:
  int primary_ = -1, secondary_ = -1;
};

// Sets (or with nullptr unsets) a variable for the scope and puts back what was there.
class scoped_env {
 public:
  scoped_env(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old, had_ = true;
    value == nullptr ? unsetenv(name) : setenv(name, value, 1);
  }
  ~scoped_env() { had_ ? setenv(name_, old_.c_str(), 1) : unsetenv(name_); }
  scoped_env(const scoped_env&) = delete;
  scoped_env& operator=(const scoped_env&) = delete;

 private:
  const char* name_;
  std::string old_;
  bool had_ = false;
};

TEST(colour_wanted, only_on_a_terminal_without_no_color_outside_a_launcher) {
  const pty t;
  ASSERT_GE(t.fd(), 0) << "no pseudo-terminal";
  // The suite may itself run inside a job or with NO_COLOR set: none of it counts here.
  const scoped_env no_colour("NO_COLOR", nullptr), ompi("OMPI_COMM_WORLD_SIZE", nullptr),
      pmi("PMI_RANK", nullptr), pmix("PMIX_RANK", nullptr), slurm("SLURM_PROCID", nullptr);
  EXPECT_TRUE(colour_wanted(t.fd()));
  FILE* file = std::tmpfile();
  ASSERT_NE(file, nullptr);
  EXPECT_FALSE(colour_wanted(fileno(file)));  // redirected
  std::fclose(file);
  {
    const scoped_env e("NO_COLOR", "1");
    EXPECT_FALSE(colour_wanted(t.fd()));
  }
  {
    const scoped_env e("NO_COLOR", "");  // set but empty: no-color.org says it does not count
    EXPECT_TRUE(colour_wanted(t.fd()));
  }
  for (const char* launcher : {"OMPI_COMM_WORLD_SIZE", "PMI_RANK", "PMIX_RANK", "SLURM_PROCID"}) {
    const scoped_env e(launcher, "2");
    EXPECT_FALSE(colour_wanted(t.fd())) << launcher;
  }
}

// The progress bar's rule: a terminal outside a launcher; NO_COLOR is about colour alone.
TEST(read_by_a_person, a_terminal_outside_a_launcher_whatever_no_color_says) {
  const pty t;
  ASSERT_GE(t.fd(), 0) << "no pseudo-terminal";
  const scoped_env no_colour("NO_COLOR", "1"), ompi("OMPI_COMM_WORLD_SIZE", nullptr),
      pmi("PMI_RANK", nullptr), pmix("PMIX_RANK", nullptr), slurm("SLURM_PROCID", nullptr);
  EXPECT_TRUE(read_by_a_person(t.fd()));
  FILE* file = std::tmpfile();
  ASSERT_NE(file, nullptr);
  EXPECT_FALSE(read_by_a_person(fileno(file)));
  std::fclose(file);
  for (const char* launcher : {"OMPI_COMM_WORLD_SIZE", "PMI_RANK", "PMIX_RANK", "SLURM_PROCID"}) {
    const scoped_env e(launcher, "0");
    EXPECT_FALSE(read_by_a_person(t.fd())) << launcher;
  }
}

}  // namespace
}  // namespace parlab::runner
