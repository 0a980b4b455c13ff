// libFuzzer target for everything parlab reads from a person or a file before it runs anything:
// the value parsers (runners/units.hpp), the kernels' choice words, the result-file reader
// (compare's input) and the CLI's whole validation (runners/cli.hpp: validate_only). A crash, a
// sanitizer report or an exception escaping one_input (anything but a refusal) is a finding.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tests/fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  parlab::fuzz::one_input(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
