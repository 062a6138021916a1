// The `muster` command line: every registry operation, for officers, operators and the demo.
// Errors print as "muster: <field>: <what is wrong>" and exit non-zero; nothing is changed.
#pragma once

namespace muster {

// Runs the CLI; returns the process exit code (0 ok, 1 refused or failed, 2 bad usage,
// 3 verification failed).
int RunCli(int argc, char** argv);

}  // namespace muster
