#include "app/cli.h"

int main(int argc, char** argv) { return muster::RunCli(argc, argv); }
