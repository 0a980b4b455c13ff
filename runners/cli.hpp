#pragma once

namespace parlab::runner {

// The `parlab` command line: list, info, run, sweep. Returns the process exit code:
// 0 ok, 1 a run failed or did not verify, 2 bad usage or input.
int cli_main(int argc, char** argv);

}  // namespace parlab::runner
