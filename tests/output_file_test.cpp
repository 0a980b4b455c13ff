// runners/output_file: no output is created or truncated before there is something to write, and
// a replaced file holds the earlier content or the complete new one, never a part.
#include "runners/output_file.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "parlab/error.hpp"

namespace {

namespace fs = std::filesystem;
using parlab::runner::output_file;
using kind = output_file::kind;

class scratch_dir : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("parlab-output-file-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  [[nodiscard]] std::string path(const std::string& name) const { return (dir_ / name).string(); }
  static void write(const std::string& p, const std::string& text) { std::ofstream(p) << text; }
  static std::string read(const std::string& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  // Everything in the directory but the named file: a temporary left behind shows here.
  [[nodiscard]] std::size_t others(const std::string& name) const {
    std::size_t n = 0;
    for (const auto& e : fs::directory_iterator(dir_)) n += e.path().filename() != name ? 1 : 0;
    return n;
  }
  fs::path dir_;
};

TEST_F(scratch_dir, an_earlier_file_survives_until_the_new_one_is_committed) {
  const std::string p = path("out.json");
  write(p, "earlier\n");
  {
    output_file out("--json", p, kind::replaced);
    EXPECT_EQ(read(p), "earlier\n");
    out.append("new, ");
    out.append("complete\n");
    EXPECT_EQ(read(p), "earlier\n");
    EXPECT_EQ(others("out.json"), 1U);  // the temporary, beside it
    out.commit();
    EXPECT_EQ(read(p), "new, complete\n");
  }
  EXPECT_EQ(others("out.json"), 0U);
}

TEST_F(scratch_dir, a_replaced_file_never_committed_leaves_the_earlier_one_and_no_temporary) {
  const std::string p = path("out.json");
  write(p, "earlier\n");
  {
    output_file out("--json", p, kind::replaced);
    out.append("half a docu");
  }
  EXPECT_EQ(read(p), "earlier\n");
  EXPECT_EQ(others("out.json"), 0U);
}

TEST_F(scratch_dir, remove_unfinished_outputs_removes_the_temporaries_being_written) {
  const std::string p = path("out.json");
  output_file out("--json", p, kind::replaced);
  out.append("half");
  ASSERT_EQ(others("out.json"), 1U);
  parlab::runner::remove_unfinished_outputs();
  EXPECT_EQ(others("out.json"), 0U);
  EXPECT_FALSE(fs::exists(p));
}

TEST_F(scratch_dir, a_streamed_file_is_created_at_the_first_append_and_written_at_once) {
  const std::string p = path("out.csv");
  write(p, "earlier\n");
  output_file out("--csv", p, kind::streamed);
  EXPECT_EQ(read(p), "earlier\n");  // nothing to write yet: not truncated
  out.append("header\n");
  EXPECT_EQ(read(p), "header\n");
  out.append("row\n");
  EXPECT_EQ(read(p), "header\nrow\n");
}

TEST_F(scratch_dir, the_replaced_file_keeps_the_mode_of_the_one_it_replaces) {
  const std::string p = path("out.json");
  write(p, "earlier\n");
  chmod(p.c_str(), 0640);
  output_file out("--json", p, kind::replaced);
  out.append("new\n");
  out.commit();
  struct stat st {};
  ASSERT_EQ(stat(p.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640U);
}

TEST_F(scratch_dir, a_symbolic_link_keeps_pointing_at_the_replaced_file) {
  const std::string real = path("real.json"), link = path("link.json");
  write(real, "earlier\n");
  fs::create_symlink(real, link);
  output_file out("--json", link, kind::replaced);
  out.append("new\n");
  out.commit();
  EXPECT_TRUE(fs::is_symlink(link));
  EXPECT_EQ(read(real), "new\n");
}

TEST_F(scratch_dir, a_file_that_cannot_be_written_is_refused_before_anything_runs) {
  EXPECT_THROW(output_file("--json", path("missing/out.json"), kind::replaced),
               parlab::usage_error);
  EXPECT_THROW(output_file("--csv", path("missing/out.csv"), kind::streamed), parlab::usage_error);
  EXPECT_THROW(output_file("--json", dir_.string(), kind::replaced), parlab::usage_error);
  // access() says yes to root there: the check creates a file to know.
  EXPECT_THROW(output_file("--json", "/proc/x.json", kind::replaced), parlab::usage_error);
  EXPECT_THROW(output_file("--csv", "/proc/x.csv", kind::streamed), parlab::usage_error);
  try {
    output_file("--csv", path("missing/out.csv"), kind::streamed);
  } catch (const parlab::usage_error& e) {
    EXPECT_NE(std::string(e.what()).find("--csv '" + path("missing/out.csv") + "': cannot write"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
