// The fuzz target's seed corpus (tests/fuzz/corpus) replayed through the same entry libFuzzer
// calls, in every build: a seed that crashes or throws fails here without clang or libFuzzer.
// Also: validate_only runs nothing, and refuses what the CLI refuses.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "runners/cli.hpp"
#include "tests/fuzz/fuzz_input.hpp"

namespace fs = std::filesystem;

namespace {

int validate(std::vector<std::string> args) {
  args.insert(args.begin(), "parlab");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  return parlab::runner::validate_only(static_cast<int>(args.size()), argv.data());
}

TEST(fuzz_corpus, every_seed_is_refused_or_accepted_without_a_crash) {
  std::size_t seeds = 0;
  for (const fs::directory_entry& e : fs::directory_iterator(PARLAB_FUZZ_CORPUS)) {
    std::ifstream in(e.path(), std::ios::binary);
    const std::string input{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    EXPECT_NO_THROW(parlab::fuzz::one_input(input)) << e.path();
    ++seeds;
  }
  EXPECT_GE(seeds, 50u) << "the seed corpus went missing: " << PARLAB_FUZZ_CORPUS;
}

TEST(validate_only, accepts_a_good_command_and_runs_nothing) {
  const fs::path json = fs::temp_directory_path() / "parlab-validate-only.json";
  fs::remove(json);
  EXPECT_EQ(validate({"run", "-k", "sum", "-b", "seq", "-t", "1", "--size", "1e4", "--json",
                      json.string()}),
            0);
  EXPECT_FALSE(fs::exists(json)) << "validate_only wrote the run's output";
}

TEST(validate_only, refuses_what_the_cli_refuses) {
  EXPECT_EQ(validate({"run", "-k", "sum", "-b", "seq", "-t", ""}), 2);
  EXPECT_EQ(validate({"run", "-k", "nope", "-b", "seq", "-t", "1"}), 2);
  EXPECT_EQ(validate({"sweep", "-k", "sum", "--size", "1e30"}), 2);
  EXPECT_EQ(validate({"lab", "no-such-lesson"}), 2);
  EXPECT_EQ(validate({"compare", "a.json", "b.json", "--alpha", "2"}), 2);
  EXPECT_EQ(validate({"frobnicate"}), 2);
}

}  // namespace
