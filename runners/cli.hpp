#pragma once

namespace parlab::runner {

// The `parlab` command line: list, info, run, sweep. Returns the process exit code:
// 0 ok, 1 a run failed or did not verify, 2 bad usage or input.
int cli_main(int argc, char** argv);

// cli_main's parsing and every check it makes before any work, then nothing: 0 when the command
// would run, 2 (the refusal printed) when it would be refused, 0 after --help. What the fuzz
// target drives (tests/fuzz); any other exception escaping it is a bug.
int validate_only(int argc, char** argv);

}  // namespace parlab::runner
