#pragma once
// One fuzz input through the parser it names (tests/fuzz/parlab_fuzz.cpp): what libFuzzer calls
// and what the corpus replay test (tests/fuzz_corpus_test.cpp) calls on every seed.
#include <string_view>

namespace parlab::fuzz {

// An input is "PARSER\nTEXT": the first line picks the parser (size, count, duration, fraction,
// percent, threads, choice, result, cli), the rest is its text; for `cli` each further line is
// one argument after `parlab`; a `result` document that parses is then compared with itself, as
// `parlab compare` would. A refusal (usage_error, exit 2) is the contract and returns; any other
// exception escapes, and a CLI validation ending other than 0 or 2, or a document slower or
// faster than itself, throws logic_error.
void one_input(std::string_view input);

}  // namespace parlab::fuzz
